import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  GetQueueUrlCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import bcrypt from 'bcryptjs';
import { commandStatusOf, readCommandRecord } from '../command-outcome.ts';
import { isSettled } from '../command-record.ts';
import {
  type CreateUserPayload,
  type DeleteUserPayload,
  SCHEMA_VERSION,
  type UpdateUserPayload,
  type UserCommand,
  UserCommandSchema,
} from '../contract/commands.ts';
import { type CommandMessage, commandMessage } from '../contract/message.ts';

/**
 * `event-driven-user-service/client`: publish user commands straight to the queue, the way
 * the service's own API does (docs/publishing.md). Every command is checked against the
 * message contract before anything is sent, and gets its schema version, a command id (unless
 * you give one), its user's message group and its deduplication id.
 */

/** A command the contract refuses; nothing was sent. `issues` name each field. */
export class ContractError extends Error {
  readonly issues: readonly { path: string; message: string }[];
  constructor(type: string, issues: readonly { path: string; message: string }[]) {
    super(
      `invalid ${type} command, nothing sent: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
    );
    this.name = 'ContractError';
    this.issues = issues;
  }
}

/** SQS refused some of a batch: `sent` were stored, `failed` (with SQS's reasons) were not. */
export class PublishError extends Error {
  readonly sent: readonly string[];
  readonly failed: readonly { commandId: string; code: string; message: string }[];
  constructor(sent: string[], failed: { commandId: string; code: string; message: string }[]) {
    super(
      `SQS refused ${failed.length} command(s): ${failed.map((f) => `${f.commandId}: ${f.code}`).join('; ')}`,
    );
    this.name = 'PublishError';
    this.sent = sent;
    this.failed = failed;
  }
}

export interface CommandOptions {
  /** Your idempotency key: the same id is applied once, ever. A fresh UUID by default. */
  commandId?: string;
  /** When it was issued (becomes dateCreated/dateUpdated); now by default. */
  issuedAt?: Date | string;
}

export type CommandInput =
  | ({ type: 'user.create'; payload: CreateUserPayload } & CommandOptions)
  | ({ type: 'user.update'; payload: UpdateUserPayload } & CommandOptions)
  | ({ type: 'user.delete'; payload: DeleteUserPayload } & CommandOptions);

export interface UserCommandsClient {
  /** Resolves with the command id once SQS has stored it. */
  create(payload: CreateUserPayload, options?: CommandOptions): Promise<string>;
  update(payload: UpdateUserPayload, options?: CommandOptions): Promise<string>;
  delete(payload: DeleteUserPayload, options?: CommandOptions): Promise<string>;
  /**
   * Several commands, in order (10 to a SendMessageBatch); all are checked before any is
   * sent. Resolves with their ids; rejects with a PublishError naming any SQS refused.
   */
  publishBatch(commands: readonly CommandInput[]): Promise<string[]>;
}

export interface UserCommandsClientOptions {
  sqs: SQSClient;
  /** The command queue's URL, or its name (resolved once, with GetQueueUrl). */
  queueUrl?: string;
  queueName?: string;
}

/** Builds and checks a command without sending it: what the client sends, for your tests. */
export function buildCommand(input: CommandInput): UserCommand {
  const issuedAt = input.issuedAt ?? new Date();
  const parsed = UserCommandSchema.safeParse({
    schemaVersion: SCHEMA_VERSION,
    commandId: input.commandId ?? randomUUID(),
    type: input.type,
    issuedAt: issuedAt instanceof Date ? issuedAt.toISOString() : issuedAt,
    payload: input.payload,
  });
  if (!parsed.success) {
    throw new ContractError(
      String(input.type),
      parsed.error.issues.map((issue) => ({
        path: issue.path.length > 0 ? issue.path.join('.') : '(command)',
        message: issue.message,
      })),
    );
  }
  return parsed.data;
}

export function createUserCommandsClient(options: UserCommandsClientOptions): UserCommandsClient {
  const { sqs } = options;
  if (!options.queueUrl && !options.queueName) {
    throw new TypeError('createUserCommandsClient: give queueUrl or queueName');
  }
  let queueUrl: Promise<string> | undefined;
  const resolveQueueUrl = () => {
    queueUrl ??= options.queueUrl
      ? Promise.resolve(options.queueUrl)
      : sqs.send(new GetQueueUrlCommand({ QueueName: options.queueName })).then(({ QueueUrl }) => {
          if (!QueueUrl) throw new Error(`no URL for queue ${options.queueName}`);
          return QueueUrl;
        });
    return queueUrl;
  };
  const send = async (input: CommandInput) => {
    const command = buildCommand(input);
    await sqs.send(
      new SendMessageCommand({ QueueUrl: await resolveQueueUrl(), ...commandMessage(command) }),
    );
    return command.commandId;
  };

  return {
    create: (payload, more = {}) => send({ type: 'user.create', payload, ...more }),
    update: (payload, more = {}) => send({ type: 'user.update', payload, ...more }),
    delete: (payload, more = {}) => send({ type: 'user.delete', payload, ...more }),
    async publishBatch(inputs) {
      const commands = inputs.map(buildCommand);
      const QueueUrl = await resolveQueueUrl();
      const sent: string[] = [];
      for (let start = 0; start < commands.length; start += 10) {
        const chunk = commands.slice(start, start + 10);
        const entries: (CommandMessage & { Id: string })[] = chunk.map((command, index) => ({
          Id: String(index),
          ...commandMessage(command),
        }));
        const { Failed = [] } = await sqs.send(
          new SendMessageBatchCommand({ QueueUrl, Entries: entries }),
        );
        if (Failed.length > 0) {
          const failedIds = new Set(Failed.map((f) => f.Id));
          sent.push(...chunk.filter((_, i) => !failedIds.has(String(i))).map((c) => c.commandId));
          // Later commands of a user must not overtake a refused one: stop here.
          throw new PublishError(
            sent,
            Failed.map((f) => ({
              commandId: chunk[Number(f.Id)]?.commandId ?? '?',
              code: f.Code ?? 'unknown',
              message: f.Message ?? '',
            })),
          );
        }
        sent.push(...chunk.map((command) => command.commandId));
      }
      return sent;
    },
  };
}

/** A bcrypt hash for `user.create` and `user.update`: the queue never carries a password. */
export function hashPassword(password: string, cost = 10): Promise<string> {
  return bcrypt.hash(password, cost);
}

/** What GET /commands/{id} answers once the command has settled. */
export interface CommandOutcome {
  commandId: string;
  status: 'succeeded' | 'rejected' | 'invalid' | 'dead-lettered';
  type?: string;
  reason?: string;
  [field: string]: unknown;
}

/** Where to read outcomes: the service's HTTP API, or its commands table. */
export type OutcomeSource =
  | {
      /** The API's base URL: long polls GET /commands/{id}. */
      apiUrl: string;
      /** API_TOKEN, when the API protects reads. */
      token?: string;
    }
  | {
      /** For services in the same AWS account, with read access to the commands table. */
      dynamodb: DynamoDBDocumentClient | DynamoDBClient;
      /** The commands table's name (COMMANDS_TABLE). */
      commandsTable: string;
    };

/** The command had not settled (still pending or retrying) when the wait ran out. */
export class OutcomeTimeoutError extends Error {
  readonly commandId: string;
  readonly status: string;
  constructor(commandId: string, status: string, timeoutMs: number) {
    super(`command ${commandId} still ${status} after ${timeoutMs} ms`);
    this.name = 'OutcomeTimeoutError';
    this.commandId = commandId;
    this.status = status;
  }
}

/**
 * Waits until the service has settled a command, through its HTTP API's GET /commands/{id}
 * (long polls of up to 20 s) or by reading the commands table (the same record, the same
 * answer). Rejects with an OutcomeTimeoutError once `timeoutMs` (30 s by default) has passed
 * with the command still pending or retrying.
 */
export function waitForOutcome(
  commandId: string,
  options: OutcomeSource & { timeoutMs?: number },
): Promise<CommandOutcome> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  return 'apiUrl' in options
    ? waitThroughApi(commandId, options, timeoutMs)
    : waitOnTable(commandId, options, timeoutMs);
}

async function waitThroughApi(
  commandId: string,
  options: { apiUrl: string; token?: string },
  timeoutMs: number,
): Promise<CommandOutcome> {
  const deadline = Date.now() + timeoutMs;
  const headers: Record<string, string> = options.token
    ? { authorization: `Bearer ${options.token}` }
    : {};
  for (;;) {
    const waitSeconds = Math.max(0, Math.min(20, Math.floor((deadline - Date.now()) / 1000)));
    const url = new URL(`/commands/${encodeURIComponent(commandId)}`, options.apiUrl);
    url.searchParams.set('waitSeconds', String(waitSeconds));
    const response = await fetch(url, { headers });
    const body = (await response.json()) as CommandOutcome | { code?: string; message?: string };
    if (!response.ok) {
      throw new Error(`GET ${url.pathname} answered ${response.status}: ${JSON.stringify(body)}`);
    }
    const outcome = body as CommandOutcome;
    if (!['pending', 'retrying'].includes(String(outcome.status))) return outcome;
    if (Date.now() >= deadline) throw new OutcomeTimeoutError(commandId, outcome.status, timeoutMs);
  }
}

/** Pauses between reads of the table: soon at first (a command takes milliseconds), then 2/s. */
const TABLE_PAUSES_MS = [25, 50, 100, 200, 400];
const TABLE_PAUSE_MAX_MS = 500;

async function waitOnTable(
  commandId: string,
  options: { dynamodb: DynamoDBDocumentClient | DynamoDBClient; commandsTable: string },
  timeoutMs: number,
): Promise<CommandOutcome> {
  const deadline = Date.now() + timeoutMs;
  // lib-dynamodb's commands marshal for themselves, so a plain DynamoDBClient sends them too.
  const client = options.dynamodb as DynamoDBDocumentClient;
  for (let reads = 0; ; reads++) {
    const record = await readCommandRecord(client, options.commandsTable, commandId);
    const status = commandStatusOf(commandId, record);
    if (isSettled(status.status)) return status as CommandOutcome;
    const left = deadline - Date.now();
    if (left <= 0) throw new OutcomeTimeoutError(commandId, status.status, timeoutMs);
    const pause = TABLE_PAUSES_MS[reads] ?? TABLE_PAUSE_MAX_MS;
    await new Promise((resolve) => setTimeout(resolve, Math.min(pause, left)));
  }
}

export type { CreateUserPayload, DeleteUserPayload, UpdateUserPayload, UserCommand };
export { SCHEMA_VERSION };
