import type { CommandType } from './contract/commands.ts';

/**
 * Where a command stands, as its record in the commands table says. The lifecycle, with the
 * transitions between these, is drawn in docs/command-lifecycle.md.
 */
export const RECORD_STATUSES = [
  /** The API took it (Idempotency-Key given) and queued it; the worker has not written yet. */
  'accepted',
  /** An attempt failed transiently; SQS will redeliver it. */
  'retrying',
  /** Applied: the user change and this record were written in one transaction. */
  'succeeded',
  /** A business rule refused it (email taken, no such user). Final: never applied. */
  'rejected',
  /** The message could not be read (not JSON, wrong schema or version): dead-lettered. */
  'invalid',
  /** Failed transiently on its last attempt: dead-lettered, waiting for an operator. */
  'dead-lettered',
] as const;
export type RecordStatus = (typeof RECORD_STATUSES)[number];

/** The outcome of the command is decided for good: a repeat of it is a duplicate. */
export const FINAL_STATUSES = ['succeeded', 'rejected'] as const satisfies RecordStatus[];

/** Why a transient attempt failed, in classes a client or an operator can act on. */
export const FAILURE_KINDS = [
  'throttled',
  'unreachable',
  'transaction-conflict',
  'service-error',
  'unexpected',
] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];

/** How an attempt ended: the status it left on the record (the API's `accepted` is no attempt). */
export type AttemptOutcome = Exclude<RecordStatus, 'accepted'>;

/** One attempt of the worker, as the record's attemptHistory keeps it. */
export interface AttemptEntry {
  /** The message's receive count: 1 for the first attempt of a delivery (a redrive starts again). */
  attempt: number;
  /** When the worker began the attempt (ISO). */
  receivedAt: string;
  outcome: AttemptOutcome;
  /** retrying and dead-lettered: the class of the failure. */
  failure?: FailureKind;
  /** When the worker wrote the attempt's outcome (ISO). */
  recordedAt: string;
}

/**
 * How many attempts of one delivery the record lists; later ones are counted in `attempts`
 * only. A bound of its own, apart from maxReceiveCount, so a record's size never depends on
 * the queue's settings.
 */
export const ATTEMPT_HISTORY_MAX = 10;

/**
 * Why a record is in the commands table's dead-letters index: what the dead letter's
 * `error-outcome` attribute says. Set on invalid and dead-lettered records only, removed by
 * any later write, so the index holds exactly the commands that stand dead-lettered.
 */
export const DEAD_LETTER_OUTCOMES = { invalid: 'invalid', 'dead-lettered': 'exhausted' } as const;
export type DeadLetterOutcome = (typeof DEAD_LETTER_OUTCOMES)[keyof typeof DEAD_LETTER_OUTCOMES];

/**
 * One item per command in the commands table: the idempotency ledger the worker writes in
 * the same transaction as the user change, and what GET /commands/{id} reads.
 */
export interface CommandRecord {
  commandId: string;
  status: RecordStatus;
  /** Absent when the message was too broken to tell. */
  type?: CommandType;
  /** Why it was rejected, found invalid, or is being retried, in words a caller can act on. */
  reason?: string;
  /** retrying and dead-lettered: the class of the last failure. */
  failure?: FailureKind;
  /** How many times SQS had handed the message out when the record was last written. */
  attempts?: number;
  /** Hash of the command's meaning, to tell a redelivery from a reused id. */
  fingerprint: string;
  /** SHA-256 of the last message body processed, to spot redeliveries an older worker cannot read. */
  messageHash?: string;
  /**
   * The command's message group (SHA-256 of the email), on final records only: the key of
   * the commands table's by-group index, which the redrive uses to see what overtook a
   * dead letter.
   */
  groupId?: string;
  /**
   * When the command's message was first sent to the command queue (epoch ms), kept across
   * redrives; on every record the worker writes for a readable message. On final records,
   * the by-group index's sort key, so queue order.
   */
  sentAt?: number;
  /** When the worker began the first attempt it recorded, across redrives (ISO). */
  firstReceivedAt?: string;
  /** When the worker began the latest attempt it recorded (ISO). */
  lastReceivedAt?: string;
  /**
   * The recorded attempts of the latest delivery, oldest first, at most ATTEMPT_HISTORY_MAX:
   * an attempt 1 starts the list again (a redrive is a new delivery). An attempt that could
   * not be recorded (DynamoDB out of reach) is missing.
   */
  attemptHistory?: AttemptEntry[];
  /** Invalid and dead-lettered records only: the dead-letters index's key. */
  deadLetterOutcome?: DeadLetterOutcome;
  issuedAt?: string;
  /** When the API reserved the id (Idempotency-Key requests only). */
  acceptedAt?: string;
  /** When the worker last wrote the record. */
  processedAt?: string;
  /** Epoch seconds; DynamoDB's TTL deletes the record after this. */
  expiresAt: number;
  /**
   * Idempotency-Key requests with a password: the bcrypt hash that was queued, so a repeat
   * of the key can be checked against its password and republished byte for byte. Never
   * returned by the API.
   */
  passwordHash?: string;
  /** Fingerprints of later messages that reused this id for other content. */
  conflictingFingerprints?: Set<string>;
}

/** Statuses that change only by an operator's hand (a redrive) or not at all. */
const SETTLED_STATUSES: readonly string[] = ['succeeded', 'rejected', 'invalid', 'dead-lettered'];

/** Whether waiting on a command with this status can end: nothing will change it by itself. */
export function isSettled(status: string): boolean {
  return SETTLED_STATUSES.includes(status);
}

export function isFinal(status: RecordStatus): boolean {
  return (FINAL_STATUSES as readonly RecordStatus[]).includes(status);
}
