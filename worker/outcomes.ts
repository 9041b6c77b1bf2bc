/**
 * Every message ends in exactly one outcome, and every outcome in exactly one action.
 * This file is the one place that decides which; test/unit/outcomes.test.ts pins it.
 */
export type ApplyOutcome =
  /** The user change and the command record were written together. */
  | { kind: 'succeeded' }
  /** A business rule refused the command (email taken, user not found): recorded. */
  | { kind: 'rejected'; reason: string }
  /** This command was already processed: no effect. */
  | { kind: 'duplicate' }
  /** The command id was already used for a different command: noted, no effect. */
  | { kind: 'conflict'; reason: string };

export type Outcome =
  | ApplyOutcome
  /** Not a command we can ever apply (not JSON, wrong schema): dead-letter at once. */
  | { kind: 'invalid'; reason: string }
  /** Might work later (throttling, network, emulator down): leave it for SQS to redeliver. */
  | { kind: 'transient'; error: unknown };

export type Action = 'acknowledge' | 'dead-letter' | 'retry';

export function actionFor(outcome: Outcome): Action {
  switch (outcome.kind) {
    case 'succeeded':
    case 'rejected':
    case 'duplicate':
    case 'conflict':
      return 'acknowledge';
    case 'invalid':
      return 'dead-letter';
    case 'transient':
      return 'retry';
  }
}

/**
 * AWS errors that retrying the same request can never fix. Anything else, including
 * errors we do not recognise, is treated as transient: SQS retries it maxReceiveCount
 * times and then dead-letters it, so nothing is dropped on a guess.
 */
const PERMANENT_AWS_ERRORS = new Set(['ValidationException', 'SerializationException']);

export function classifyError(error: unknown): Outcome {
  const name = error instanceof Error ? error.name : undefined;
  if (name && PERMANENT_AWS_ERRORS.has(name)) {
    return { kind: 'invalid', reason: `DynamoDB refused the write: ${(error as Error).message}` };
  }
  return { kind: 'transient', error };
}

/** Exponential backoff by receive count, so a struggling dependency is not hammered. */
export function retryDelaySeconds(receiveCount: number, baseSeconds: number): number {
  const MAX_SECONDS = 300;
  return Math.min(baseSeconds * 2 ** Math.max(0, receiveCount - 1), MAX_SECONDS);
}
