import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { AttemptEntry, CommandRecord, FailureKind, RecordStatus } from './command-record.ts';
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
    '#id, #status, #type, #reason, #failure, #attempts, #issued, #accepted, #processed, #conflicts, #sent, #firstReceived, #lastReceived, #history',
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
    '#sent': 'sentAt',
    '#firstReceived': 'firstReceivedAt',
    '#lastReceived': 'lastReceivedAt',
    '#history': 'attemptHistory',
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
  /** When its message was first sent to the command queue (the record's sentAt, as ISO). */
  queuedAt?: string;
  firstReceivedAt?: string;
  lastReceivedAt?: string;
  /** The recorded attempts of the latest delivery, oldest first. */
  attemptHistory?: AttemptEntry[];
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
    queuedAt: isoFromEpochMs(record.sentAt),
    firstReceivedAt: record.firstReceivedAt,
    lastReceivedAt: record.lastReceivedAt,
    attemptHistory: record.attemptHistory?.map(attemptOf),
    processedAt: record.processedAt,
    ...(record.conflictingFingerprints?.size ? { reusedForOtherContent: true as const } : {}),
  };
  // The same object whether it went through JSON (GET /commands/{id}) or not.
  return Object.fromEntries(
    Object.entries(status).filter(([, value]) => value !== undefined),
  ) as unknown as CommandStatus;
}

function isoFromEpochMs(epochMs: number | undefined): string | undefined {
  if (epochMs === undefined) return undefined;
  const date = new Date(Number(epochMs));
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** An attempt with its fields in one order, whatever order DynamoDB kept the map's keys in. */
function attemptOf(entry: AttemptEntry): AttemptEntry {
  return {
    attempt: Number(entry.attempt),
    receivedAt: entry.receivedAt,
    outcome: entry.outcome,
    ...(entry.failure ? { failure: entry.failure } : {}),
    recordedAt: entry.recordedAt,
  };
}
