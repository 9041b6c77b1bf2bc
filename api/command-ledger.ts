import { BatchGetCommand, type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { readCommandRecord, VISIBLE_RECORD_FIELDS } from '../shared/command-outcome.ts';
import type { CommandRecord } from '../shared/command-record.ts';
import type { UserCommand } from '../shared/contract/commands.ts';
import { LedgerUnavailableError, readFailure } from './errors.ts';

export type Reservation = { reserved: true } | { reserved: false; existing: CommandRecord };

/**
 * The API's side of the commands table (the ledger the worker writes): it reads outcomes,
 * and it reserves the command id of an Idempotency-Key request before queueing it, so a
 * key can never stand for two different commands.
 */
export class CommandLedger {
  readonly #client: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #ttlSeconds: number;

  constructor(options: {
    client: DynamoDBDocumentClient;
    commandsTable: string;
    recordTtlDays: number;
  }) {
    this.#client = options.client;
    this.#table = options.commandsTable;
    this.#ttlSeconds = options.recordTtlDays * 86_400;
  }

  /**
   * Writes an `accepted` record for the command unless its id has a record already, which
   * comes back instead. The record keeps what a repeat of the request must match (the
   * fingerprint, the password's hash) and what makes a republished message identical
   * (issuedAt, the same hash).
   */
  async reserve(command: UserCommand, fingerprint: string, acceptedAt: Date): Promise<Reservation> {
    const item: CommandRecord = {
      commandId: command.commandId,
      status: 'accepted',
      type: command.type,
      fingerprint,
      issuedAt: command.issuedAt,
      acceptedAt: acceptedAt.toISOString(),
      expiresAt: Math.floor(acceptedAt.getTime() / 1000) + this.#ttlSeconds,
      passwordHash: (command.payload as { passwordHash?: string }).passwordHash,
    };
    try {
      await this.#client.send(
        new PutCommand({
          TableName: this.#table,
          Item: item,
          ConditionExpression: 'attribute_not_exists(commandId)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { reserved: true };
    } catch (error) {
      const existing = (error as { Item?: Parameters<typeof unmarshall>[0] }).Item;
      const name = (error as Error).name;
      // A request DynamoDB refuses as malformed is our bug (500), not an outage.
      if (name === 'ValidationException') throw error;
      if (name !== 'ConditionalCheckFailedException' || !existing) {
        throw new LedgerUnavailableError(error);
      }
      // Items of failed conditions come back in wire format ({ S: "..." }).
      return { reserved: false, existing: unmarshall(existing) as CommandRecord };
    }
  }

  async get(commandId: string): Promise<CommandRecord | undefined> {
    return readCommandRecord(this.#client, this.#table, commandId).catch((error: unknown) =>
      Promise.reject(readFailure(error)),
    );
  }

  /**
   * At most 100 ids (BatchGetItem's limit). Keys DynamoDB leaves unprocessed (throttling)
   * are simply missing: the waiters read them on their next beat.
   */
  async getMany(commandIds: string[]): Promise<Map<string, CommandRecord>> {
    const { Responses } = await this.#client
      .send(
        new BatchGetCommand({
          RequestItems: {
            [this.#table]: {
              Keys: commandIds.map((commandId) => ({ commandId })),
              ConsistentRead: true,
              ...VISIBLE_RECORD_FIELDS,
            },
          },
        }),
      )
      .catch((error: unknown) => Promise.reject(readFailure(error)));
    const records = (Responses?.[this.#table] ?? []) as CommandRecord[];
    return new Map(records.map((record) => [record.commandId, record]));
  }
}
