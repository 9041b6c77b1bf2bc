import type { FailureKind } from '../shared/command-record.ts';

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
  /** Might work later (throttling, network, a conflicting transaction): retry. */
  | { kind: 'transient'; failure: FailureKind; reason: string; error: unknown }
  /** Failed transiently on its last attempt: dead-letter it with the reason. */
  | { kind: 'exhausted'; failure: FailureKind; reason: string; error: unknown };

export type Action = 'acknowledge' | 'dead-letter' | 'retry';

export function actionFor(outcome: Outcome): Action {
  switch (outcome.kind) {
    case 'succeeded':
    case 'rejected':
    case 'duplicate':
    case 'conflict':
      return 'acknowledge';
    case 'invalid':
    case 'exhausted':
      return 'dead-letter';
    case 'transient':
      return 'retry';
  }
}

/**
 * AWS errors that retrying the same request can never fix. Anything else, including errors
 * we do not recognise, is transient: retried until the last attempt, then dead-lettered
 * with its reason, so nothing is dropped on a guess.
 */
const PERMANENT_AWS_ERRORS = new Set(['ValidationException', 'SerializationException']);

/**
 * What a failed attempt means. `attempt` is the message's receive count; on the last one
 * SQS would move it to the dead-letter queue at the next receive without a word, so the
 * worker gives up itself and says why.
 */
export function classifyError(error: unknown, attempt: number, maxAttempts: number): Outcome {
  const name = error instanceof Error ? error.name : undefined;
  if (name && PERMANENT_AWS_ERRORS.has(name)) {
    return { kind: 'invalid', reason: `DynamoDB refused the write: ${(error as Error).message}` };
  }
  const { failure, reason } = describeFailure(error);
  return attempt >= maxAttempts
    ? {
        kind: 'exhausted',
        failure,
        reason: `gave up after ${attempt} attempts: ${reason}`,
        error,
      }
    : { kind: 'transient', failure, reason, error };
}

interface AwsLikeError {
  name?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
  CancellationReasons?: { Code?: string }[];
}

const THROTTLING = new Set([
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'ThrottlingError',
  'ProvisionedThroughputExceeded',
]);
const CONFLICTS = new Set([
  'TransactionConflict',
  'TransactionConflictException',
  'TransactionInProgressException',
]);
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/**
 * The class of a transient failure, and a reason in words. Only names and codes: error
 * messages can quote request data, and this reason is shown to clients.
 */
export function describeFailure(error: unknown): { failure: FailureKind; reason: string } {
  const e = (error ?? {}) as AwsLikeError;
  const name = e.name ?? 'Error';
  const cancellation = e.CancellationReasons?.map((r) => r.Code).find(
    (code) => code && code !== 'None' && code !== 'ConditionalCheckFailed',
  );
  if (THROTTLING.has(name) || (cancellation && THROTTLING.has(cancellation))) {
    return {
      failure: 'throttled',
      reason: `DynamoDB throttled the write (${cancellation ?? name})`,
    };
  }
  if (CONFLICTS.has(name) || (cancellation && CONFLICTS.has(cancellation))) {
    return {
      failure: 'transaction-conflict',
      reason: `another transaction on the same item got in the way (${cancellation ?? name})`,
    };
  }
  if ((e.code && NETWORK_CODES.has(e.code)) || name === 'TimeoutError') {
    return {
      failure: 'unreachable',
      reason: `DynamoDB could not be reached (${e.code ?? name})`,
    };
  }
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 500) {
    return { failure: 'service-error', reason: `DynamoDB answered ${status} (${name})` };
  }
  return { failure: 'unexpected', reason: `unexpected error (${name})` };
}

/** Exponential backoff by receive count, so a struggling dependency is not hammered. */
export function retryDelaySeconds(receiveCount: number, baseSeconds: number): number {
  const MAX_SECONDS = 300;
  return Math.min(baseSeconds * 2 ** Math.max(0, receiveCount - 1), MAX_SECONDS);
}
