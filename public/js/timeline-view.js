import { ApiError, api } from './api.js';
import { formatClockMs, formatDuration } from './format.js';
import { timelineSteps, totalMs } from './timeline.js';

/**
 * An Activity entry's Timeline: a disclosure button (aria-expanded, aria-controls) and the
 * list of the command's steps it shows, shaped by timeline.js.
 */

let timelines = 0;

/**
 * A disclosure button and the list it shows: the command's steps from GET /commands/{id},
 * read when opened, and kept current while open as the entry follows the command.
 */
export function createTimeline(commandId) {
  const id = `timeline-${++timelines}`;
  const toggle = document.createElement('button');
  toggle.type = 'button';
  toggle.className = 'link-button timeline-toggle';
  toggle.textContent = 'Timeline';
  toggle.setAttribute('aria-expanded', 'false');
  toggle.setAttribute('aria-controls', id);
  const panel = document.createElement('div');
  panel.id = id;
  panel.className = 'timeline';
  panel.hidden = true;

  const render = (command) => {
    const steps = timelineSteps(command);
    if (steps.length === 0) {
      panel.replaceChildren(paragraph('timeline-note', 'Nothing recorded yet.'));
      return;
    }
    const list = document.createElement('ol');
    list.setAttribute('aria-label', 'Timeline');
    list.append(...steps.map(stepItem));
    const total = totalMs(steps);
    panel.replaceChildren(list);
    if (total !== undefined) {
      panel.append(paragraph('timeline-note', `${formatDuration(total)} from first to last step.`));
    }
  };

  // Renders only the newest answer: one read on opening, then each state the entry follows.
  let shown = 0;
  const open = async () => {
    const reading = ++shown;
    panel.replaceChildren(paragraph('timeline-note', 'Loading…'));
    try {
      const command = await api.getCommand(commandId);
      if (reading === shown) render(command);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (reading === shown) {
        panel.replaceChildren(paragraph('timeline-note', `Could not load it. ${error.message}`));
      }
    }
  };

  toggle.addEventListener('click', () => {
    const expanded = toggle.getAttribute('aria-expanded') !== 'true';
    toggle.setAttribute('aria-expanded', String(expanded));
    panel.hidden = !expanded;
    if (expanded) void open();
  });

  return {
    toggle,
    panel,
    update(command) {
      if (panel.hidden) return;
      shown += 1;
      render(command);
    },
  };
}

function stepItem(step) {
  const item = document.createElement('li');
  item.className = 'timeline-step';
  item.dataset.tone = step.tone;
  const label = document.createElement('span');
  label.className = 'step-label';
  label.textContent = step.label;
  const at = document.createElement('time');
  at.dateTime = step.at;
  at.textContent = formatClockMs(step.at);
  item.append(label, ' ', at);
  if (step.sincePreviousMs !== undefined) {
    const gap = document.createElement('span');
    gap.className = 'step-gap';
    gap.textContent = `+${formatDuration(step.sincePreviousMs)}`;
    item.append(' ', gap);
  }
  if (step.detail) item.append(paragraph('step-detail', step.detail));
  return item;
}

function paragraph(className, text) {
  const element = document.createElement('p');
  element.className = className;
  element.textContent = text;
  return element;
}
