import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  PutCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { CommandRecord } from '../shared/command-record.ts';
import type { UserCommand } from '../shared/contract/commands.ts';
import type { ApplyOutcome } from './outcomes.ts';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** The user write of one command, and what it means when its condition fails. */
export interface UserWrite {
  item: TransactItem;
  rejectionReason: string;
}

export interface UserWriteRepositoryOptions {
  client: DynamoDBDocumentClient;
  usersTable: string;
  commandsTable: string;
  recordTtlDays: number;
  now?: () => Date;
}

/**
 * Owns every DynamoDB write the worker makes. Each command is applied in one
 * TransactWriteItems: the user change plus the command record, conditional on the record
 * not existing. So a redelivered message, or the same command published again, can never
 * apply twice, and a crash between the two writes cannot happen.
 */
export class UserWriteRepository {
  readonly usersTable: string;
  readonly #client: DynamoDBDocumentClient;
  readonly #commandsTable: string;
  readonly #recordTtlSeconds: number;
  readonly #now: () => Date;

  constructor(options: UserWriteRepositoryOptions) {
    this.#client = options.client;
    this.usersTable = options.usersTable;
    this.#commandsTable = options.commandsTable;
    this.#recordTtlSeconds = options.recordTtlDays * 86_400;
    this.#now = options.now ?? (() => new Date());
  }

  /** Applies the user write and records the command as succeeded, atomically. */
  async apply(command: UserCommand, fingerprint: string, write: UserWrite): Promise<ApplyOutcome> {
    const record = this.#record(command, fingerprint, { status: 'succeeded' });
    try {
      await this.#client.send(
        new TransactWriteCommand({
          TransactItems: [
            write.item,
            {
              Put: {
                TableName: this.#commandsTable,
                Item: record,
                ConditionExpression: 'attribute_not_exists(commandId)',
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
          ],
        }),
      );
      return { kind: 'succeeded' };
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const [userReason, recordReason] = error.CancellationReasons ?? [];
      if (recordReason?.Code === 'ConditionalCheckFailed') {
        return this.#compareWithExisting(recordReason.Item, fingerprint);
      }
      if (userReason?.Code === 'ConditionalCheckFailed') {
        return this.recordRejection(command, fingerprint, write.rejectionReason);
      }
      // TransactionConflict, throttling, ...: nothing was written; the caller retries.
      throw error;
    }
  }

  /** Records a business rejection, unless this command id already has a record. */
  async recordRejection(
    command: Pick<UserCommand, 'commandId' | 'type' | 'issuedAt'> | { commandId: string },
    fingerprint: string,
    reason: string,
  ): Promise<ApplyOutcome> {
    const record = this.#record(command, fingerprint, { status: 'rejected', reason });
    const written = await this.#putRecordIfAbsent(record);
    return written.ok
      ? { kind: 'rejected', reason }
      : this.#compareWithExisting(written.existing, fingerprint);
  }

  #record(
    command: Partial<Pick<UserCommand, 'type' | 'issuedAt'>> & { commandId: string },
    fingerprint: string,
    result: Pick<CommandRecord, 'status' | 'reason'>,
  ): CommandRecord {
    const now = this.#now();
    return {
      commandId: command.commandId,
      type: command.type,
      ...result,
      fingerprint,
      issuedAt: command.issuedAt,
      processedAt: now.toISOString(),
      expiresAt: Math.floor(now.getTime() / 1000) + this.#recordTtlSeconds,
    };
  }

  /** Writes the record, or returns the existing one (in wire format) and writes nothing. */
  async #putRecordIfAbsent(
    record: CommandRecord,
  ): Promise<{ ok: true } | { ok: false; existing: unknown }> {
    try {
      await this.#client.send(
        new PutCommand({
          TableName: this.#commandsTable,
          Item: record,
          ConditionExpression: 'attribute_not_exists(commandId)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { ok: true };
    } catch (error) {
      if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
      return { ok: false, existing: (error as { Item?: unknown }).Item };
    }
  }

  /**
   * A command id that already has a record: the same command again is a duplicate; a
   * different command under a reused id is a conflict, noted on the record (a string set,
   * so noting it again is idempotent) and otherwise ignored.
   */
  async #compareWithExisting(rawItem: unknown, fingerprint: string): Promise<ApplyOutcome> {
    const existing = readItem(rawItem);
    const commandId = existing?.commandId;
    if (!existing || typeof commandId !== 'string' || existing.fingerprint === fingerprint) {
      return { kind: 'duplicate' };
    }
    await this.#client.send(
      new UpdateCommand({
        TableName: this.#commandsTable,
        Key: { commandId },
        UpdateExpression: 'ADD conflictingFingerprints :fingerprint',
        ExpressionAttributeValues: { ':fingerprint': new Set([fingerprint]) },
      }),
    );
    return {
      kind: 'conflict',
      reason: `command id ${commandId} was already used for a different command; this one was ignored`,
    };
  }
}

/**
 * Items in cancellation reasons and conditional-check errors come back in DynamoDB's wire
 * format ({ S: "..." }): lib-dynamodb only unmarshalls successful outputs.
 */
function readItem(item: unknown): Record<string, unknown> | undefined {
  if (!item || typeof item !== 'object') return undefined;
  return unmarshall(item as Parameters<typeof unmarshall>[0]);
}
