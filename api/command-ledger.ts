import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { readCommandRecord, VISIBLE_RECORD_FIELDS } from '../shared/command-outcome.ts';
import { type CommandRecord, DEAD_LETTER_OUTCOMES } from '../shared/command-record.ts';
import type { UserCommand } from '../shared/contract/commands.ts';
import { resourceDefinitions } from '../shared/resources.ts';
import { LedgerUnavailableError, readFailure } from './errors.ts';

/** The commands table's index of records that stand dead-lettered, from resources.json. */
const DEAD_LETTERS = resourceDefinitions.tables.commands.indexes?.find(
  (index) => index.name === 'dead-letters',
);

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

  /**
   * The newest records that stand dead-lettered (invalid, or given up) since `since`, at
   * most `limit`, with their visible fields: one query of the sparse dead-letters index per
   * kind (its keys only), then one consistent batch read. A record that has moved on since
   * (the index lags a little) is left out.
   */
  async deadLetters(
    since: Date,
    limit: number,
  ): Promise<{ records: CommandRecord[]; more: boolean }> {
    const index = DEAD_LETTERS;
    if (!index?.rangeKey) {
      throw new Error('resources.json: the commands table has no dead-letters index');
    }
    const sortKey = index.rangeKey.name;
    const pages = await Promise.all(
      Object.values(DEAD_LETTER_OUTCOMES).map((outcome) =>
        this.#client.send(
          new QueryCommand({
            TableName: this.#table,
            IndexName: index.name,
            KeyConditionExpression: '#outcome = :outcome AND #at >= :since',
            ExpressionAttributeNames: {
              '#outcome': index.hashKey.name,
              '#at': sortKey,
            },
            ExpressionAttributeValues: { ':outcome': outcome, ':since': since.toISOString() },
            ScanIndexForward: false,
            // One more than asked: whether there are more.
            Limit: limit + 1,
          }),
        ),
      ),
    ).catch((error: unknown) => Promise.reject(readFailure(error)));
    const at = (item: Record<string, unknown>) => String(item[sortKey]);
    const newest = pages
      .flatMap((page) => page.Items ?? [])
      .sort((a, b) => at(b).localeCompare(at(a)));
    const ids = newest.slice(0, limit).map((item) => String(item.commandId));
    const found = ids.length > 0 ? await this.getMany(ids) : new Map<string, CommandRecord>();
    const records = ids.flatMap((id) => {
      const record = found.get(id);
      return record && (record.status === 'invalid' || record.status === 'dead-lettered')
        ? [record]
        : [];
    });
    return { records, more: newest.length > limit };
  }
}
