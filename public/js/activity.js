import { ApiError, api } from './api.js';
import { formatClock } from './format.js';
import { createTimeline } from './timeline-view.js';

/**
 * The activity list: one entry per command this page sent, following GET /commands/{id}
 * from "accepted" to where it settles: "succeeded", "rejected" (with the worker's reason),
 * or, when something went wrong, "invalid" or "dead-lettered" (with why); "retrying" on the way.
 * Each entry's Timeline button shows the command's steps, with the time between them.
 */

const WAIT_SECONDS = 10;

const list = () => document.getElementById('activity');

/**
 * @param {{ commandId: string, label: string, onSucceeded?: () => void }} command
 */
export function trackCommand({ commandId, label, onSucceeded }) {
  const item = document.createElement('li');
  item.className = 'activity-item';
  const head = document.createElement('div');
  head.className = 'activity-head';
  const title = document.createElement('span');
  title.className = 'activity-label';
  title.textContent = label;
  const badge = document.createElement('span');
  badge.className = 'badge';
  const detail = document.createElement('p');
  detail.className = 'activity-detail';
  head.append(title, badge);
  const timeline = createTimeline(commandId);
  item.append(head, detail, timeline.toggle, timeline.panel);
  list().prepend(item);
  document.getElementById('activity-empty').hidden = true;

  const show = (status, badgeText, detailText, retry) => {
    item.dataset.status = status;
    badge.textContent = badgeText;
    detail.replaceChildren(detailText);
    if (retry) {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'link-button';
      button.textContent = 'Check again';
      button.addEventListener('click', retry, { once: true });
      detail.append(' ', button);
    }
  };

  const follow = async () => {
    show('pending', 'Accepted', 'Queued; waiting for the worker…');
    for (;;) {
      let outcome;
      try {
        outcome = await api.waitForCommand(commandId, WAIT_SECONDS);
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        show('unknown', 'Unknown', 'Lost contact with the service while waiting.', follow);
        return;
      }
      timeline.update(outcome);
      if (outcome.status === 'succeeded') {
        show('succeeded', 'Succeeded', `Applied at ${formatClock(outcome.processedAt)}.`);
        onSucceeded?.();
        return;
      }
      if (outcome.status === 'rejected') {
        show('rejected', 'Rejected', `Rejected: ${outcome.reason ?? 'no reason given'}.`);
        return;
      }
      if (outcome.status === 'invalid' || outcome.status === 'dead-lettered') {
        // Settled until an operator redrives it: stop following.
        show('rejected', 'Not applied', `Not applied: ${outcome.reason ?? 'no reason given'}.`);
        return;
      }
      if (outcome.status === 'retrying') {
        show(
          'pending',
          'Retrying',
          `Attempt ${outcome.attempts ?? '?'} failed (${outcome.reason ?? outcome.failure}); trying again…`,
        );
        continue;
      }
      // Still pending after a full wait: say so, and keep waiting.
      show('pending', 'Accepted', 'Still queued; the worker has not reached it yet…');
    }
  };
  void follow();
}
