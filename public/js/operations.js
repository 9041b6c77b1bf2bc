import { ApiError, api } from './api.js';
import { formatDateTime, formatDuration } from './format.js';

/**
 * The Operations panel: the queues' backlog and the dead letters the worker recorded, with
 * their reasons, from GET /operations. It reads every few seconds while the tab is visible,
 * and not at all while it is hidden; the API serves every page the same cached figures.
 */

const POLL_MS = 3000;
const $ = (id) => document.getElementById(id);

const STATUS_LABELS = { invalid: 'Invalid', 'dead-lettered': 'Dead-lettered' };

function depthText({ visible, inFlight }) {
  return `${visible} waiting, ${inFlight} in flight`;
}

function deadLetterItem(letter, takenAt) {
  const item = document.createElement('li');
  item.className = 'dead-letter';
  const head = document.createElement('div');
  head.className = 'dead-letter-head';
  const id = document.createElement('code');
  id.textContent = letter.commandId;
  const badge = document.createElement('span');
  badge.className = 'badge badge-bad';
  badge.textContent = STATUS_LABELS[letter.status] ?? letter.status;
  head.append(id, badge);

  const facts = document.createElement('p');
  facts.className = 'dead-letter-facts';
  const when = document.createElement('time');
  when.dateTime = letter.at;
  when.textContent = formatDateTime(letter.at);
  const ago = Date.parse(takenAt) - Date.parse(letter.at);
  facts.append(
    [letter.type ?? 'unknown type', letter.attempts ? `attempt ${letter.attempts}` : undefined]
      .filter(Boolean)
      .join(', '),
    ', ',
    when,
    Number.isFinite(ago) ? ` (${formatDuration(ago)} ago)` : '',
  );

  const reason = document.createElement('p');
  reason.className = 'dead-letter-reason';
  reason.textContent = letter.reason ?? 'No reason recorded.';
  item.append(head, facts, reason);
  return item;
}

function render(snapshot) {
  $('ops-command-queue').textContent = depthText(snapshot.commandQueue);
  $('ops-dead-letter-queue').textContent = depthText(snapshot.deadLetterQueue);
  const { items, more, since } = snapshot.deadLetters;
  $('dead-letters').replaceChildren(
    ...items.map((letter) => deadLetterItem(letter, snapshot.takenAt)),
  );
  $('dead-letters-empty').hidden = items.length > 0;
  $('dead-letters-empty').textContent = `None recorded since ${formatDateTime(since)}.`;
  const inQueue = snapshot.deadLetterQueue.visible + snapshot.deadLetterQueue.inFlight;
  const notes = [];
  if (more) notes.push(`Only the newest ${items.length} are listed.`);
  // SQS's own redrive policy (a worker that crashed on a message) moves letters unrecorded.
  if (!more && inQueue > items.length) {
    notes.push(
      `${inQueue - items.length} more in the dead-letter queue without a recorded reason (npm run dlq -- list).`,
    );
  }
  $('dead-letters-note').textContent = notes.join(' ');
  $('ops-updated').textContent = `Updated ${formatDateTime(snapshot.takenAt)}`;
  $('operations').removeAttribute('data-error');
}

async function refresh() {
  try {
    render(await api.operations());
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    $('operations').dataset.error = 'true';
    $('ops-updated').textContent = `Could not update: ${error.message}`;
  }
}

export function setUpOperations() {
  let timer;
  let running = false;
  const tick = async () => {
    clearTimeout(timer);
    if (running) return;
    running = true;
    try {
      await refresh();
    } finally {
      running = false;
    }
    if (!document.hidden) timer = setTimeout(tick, POLL_MS);
  };
  // A hidden tab asks nothing; coming back, it reads at once.
  document.addEventListener('visibilitychange', () => {
    if (document.hidden) clearTimeout(timer);
    else void tick();
  });
  void tick();
}
