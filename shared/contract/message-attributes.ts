/**
 * Message attributes the service itself sets, part of the queue contract (publishers need
 * set none of them). The worker sets the dead-letter ones when it moves a message; the
 * redrive carries the original send time back with it, so queue order survives a redrive.
 */
export const MESSAGE_ATTRIBUTES = {
  /** Dead letters: why, in words (never quoting the message's values). */
  errorReason: 'error-reason',
  /** Dead letters: `invalid` (unreadable) or `exhausted` (failed on its last attempt). */
  errorOutcome: 'error-outcome',
  /** Dead letters: how many times the message had been handed out. */
  attempts: 'attempts',
  /** Dead letters: the message id it had on the command queue. */
  originalMessageId: 'original-message-id',
  /** Dead letters: when the worker moved it (ISO 8601). */
  deadLetteredAt: 'dead-lettered-at',
  /** Dead letters and redriven messages: when the command was first sent (epoch ms). */
  originalSentAt: 'original-sent-at',
  /** Redriven messages: the dead letter's message id. */
  redrivenFrom: 'redriven-from',
} as const;
