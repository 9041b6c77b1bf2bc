import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { CommandRecord, FailureKind, RecordStatus } from './command-record.ts';
import type { CommandType } from './contract/commands.ts';

/*
 * A command's outcome as its publisher sees it: read by GET /commands/{id} and by the client
 * library's waitForOutcome (from the table). Apart from command-record.ts so that the worker,
 * which writes records, does not import a read of them.
 */

/**
 * What a publisher may see of a record: never the password hash, the fingerprint or the
 * message hash. GET /commands/{id} and the client library's waitForOutcome read only this.
 */
export const VISIBLE_RECORD_FIELDS = {
  ProjectionExpression:
    '#id, #status, #type, #reason, #failure, #attempts, #issued, #accepted, #processed, #conflicts',
  ExpressionAttributeNames: {
    '#id': 'commandId',
    '#status': 'status',
    '#type': 'type',
    '#reason': 'reason',
    '#failure': 'failure',
    '#attempts': 'attempts',
    '#issued': 'issuedAt',
    '#accepted': 'acceptedAt',
    '#processed': 'processedAt',
    '#conflicts': 'conflictingFingerprints',
  },
};

/**
 * The visible part of a command's record (consistent read), or undefined when it has none.
 * Takes a DynamoDBClient too: lib-dynamodb's commands marshal for themselves.
 */
export async function readCommandRecord(
  client: Pick<DynamoDBDocumentClient, 'send'>,
  commandsTable: string,
  commandId: string,
): Promise<CommandRecord | undefined> {
  const { Item } = await client.send(
    new GetCommand({
      TableName: commandsTable,
      Key: { commandId },
      ConsistentRead: true,
      ...VISIBLE_RECORD_FIELDS,
    }),
  );
  return Item as CommandRecord | undefined;
}

/** Where a command stands for its publisher: the API's own reservation counts as pending. */
export type CommandState = 'pending' | Exclude<RecordStatus, 'accepted'>;

/** What GET /commands/{id} answers, and what the client library's waitForOutcome returns. */
export interface CommandStatus {
  commandId: string;
  status: CommandState;
  type?: CommandType;
  reason?: string;
  failure?: FailureKind;
  attempts?: number;
  issuedAt?: string;
  acceptedAt?: string;
  processedAt?: string;
  /** Other messages reused this command id for other content (they were ignored). */
  reusedForOtherContent?: true;
}

/**
 * A record as its publisher sees it. Without a record the honest answer is "pending": a
 * command still in the queue looks the same as one that was never sent.
 */
export function commandStatusOf(
  commandId: string,
  record: CommandRecord | undefined,
): CommandStatus {
  if (!record) return { commandId, status: 'pending' };
  const status: CommandStatus = {
    commandId: record.commandId,
    // A reservation of the API's is still "pending" to its client: queued, not processed.
    status: record.status === 'accepted' ? 'pending' : record.status,
    type: record.type,
    reason: record.reason,
    failure: record.failure,
    attempts: record.attempts,
    issuedAt: record.issuedAt,
    acceptedAt: record.acceptedAt,
    processedAt: record.processedAt,
    ...(record.conflictingFingerprints?.size ? { reusedForOtherContent: true as const } : {}),
  };
  // The same object whether it went through JSON (GET /commands/{id}) or not.
  return Object.fromEntries(
    Object.entries(status).filter(([, value]) => value !== undefined),
  ) as unknown as CommandStatus;
}
