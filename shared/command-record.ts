import type { CommandType } from './contract/commands.ts';

/**
 * One item per processed command in the commands table: the idempotency ledger the worker
 * writes in the same transaction as the user change, and what GET /commands/{id} reads.
 */
export interface CommandRecord {
  commandId: string;
  /** Absent when the message was too broken to tell. */
  type?: CommandType;
  status: 'succeeded' | 'rejected';
  /** Why a command was rejected, in words a caller can act on. */
  reason?: string;
  /** Hash of the command's meaning, to tell a redelivery from a reused id. */
  fingerprint: string;
  issuedAt?: string;
  processedAt: string;
  /** Epoch seconds; DynamoDB's TTL deletes the record after this. */
  expiresAt: number;
  /** Fingerprints of later messages that reused this id with a different payload. */
  conflictingFingerprints?: Set<string>;
}
