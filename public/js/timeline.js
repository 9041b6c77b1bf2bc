/**
 * A command's timeline, shaped from what GET /commands/{id} answers: accepted by the API,
 * queued, then each recorded attempt (received, and how it ended), with the time between
 * one step and the next. No DOM here, so the shaping is tested on its own.
 *
 * @typedef {{ attempt: number, receivedAt: string, outcome: string, failure?: string, recordedAt: string }} Attempt
 * @typedef {{ status: string, reason?: string, attempts?: number, acceptedAt?: string,
 *   queuedAt?: string, firstReceivedAt?: string, lastReceivedAt?: string,
 *   attemptHistory?: Attempt[], processedAt?: string }} CommandStatus
 * @typedef {{ label: string, at: string, detail?: string, tone: 'info' | 'ok' | 'bad' | 'warn',
 *   sincePreviousMs?: number }} Step
 */

const ENDINGS = {
  succeeded: { label: 'Applied', tone: 'ok' },
  rejected: { label: 'Rejected', tone: 'bad' },
  retrying: { label: 'Failed, to be retried', tone: 'warn' },
  invalid: { label: 'Invalid, dead-lettered', tone: 'bad' },
  'dead-lettered': { label: 'Given up, dead-lettered', tone: 'bad' },
};

const time = (iso) => new Date(iso ?? '').getTime();

/**
 * @param {CommandStatus} command
 * @returns {Step[]}
 */
export function timelineSteps(command) {
  /** @type {Step[]} */
  const steps = [];
  const add = (label, at, tone = 'info', detail = undefined) => {
    if (!Number.isNaN(time(at))) steps.push({ label, at, tone, ...(detail ? { detail } : {}) });
  };
  add('Accepted', command.acceptedAt, 'info', 'by the API');
  add('Queued', command.queuedAt, 'info', 'sent to the command queue');

  const history = command.attemptHistory ?? [];
  const firstListed = history[0];
  // Attempts of an earlier delivery (before a redrive) are not listed; their start is.
  if (firstListed && time(command.firstReceivedAt) < time(firstListed.receivedAt)) {
    add('First received', command.firstReceivedAt, 'info', 'in an earlier delivery');
  }
  for (const entry of history) {
    add(`Received (attempt ${entry.attempt})`, entry.receivedAt);
    const ending = ENDINGS[entry.outcome] ?? { label: entry.outcome, tone: 'info' };
    add(ending.label, entry.recordedAt, ending.tone, entry.failure);
  }

  // A record without a listed history (attempts past the list, or an older worker): the
  // latest attempt and where it left the command.
  const lastListed = history.at(-1);
  const unlisted = (command.attempts ?? 0) > (lastListed?.attempt ?? 0);
  const ending = ENDINGS[command.status];
  if (ending && command.processedAt && (history.length === 0 || unlisted)) {
    if (unlisted && command.lastReceivedAt) {
      add(`Received (attempt ${command.attempts})`, command.lastReceivedAt);
    }
    add(ending.label, command.processedAt, ending.tone);
  }

  const last = steps.at(-1);
  if (last && command.reason && ENDINGS[command.status]?.label === last.label) {
    last.detail = command.reason;
  }
  for (let i = 1; i < steps.length; i += 1) {
    // Clocks of the API, SQS and the worker differ a little: never a negative gap.
    steps[i].sincePreviousMs = Math.max(0, time(steps[i].at) - time(steps[i - 1].at));
  }
  return steps;
}

/** From the first step to the last, in ms; undefined with fewer than two steps. */
export function totalMs(steps) {
  if (steps.length < 2) return undefined;
  return Math.max(0, time(steps.at(-1).at) - time(steps[0].at));
}
