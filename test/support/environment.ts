import { randomUUID } from 'node:crypto';
import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  type Message,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import bcrypt from 'bcryptjs';
import { inject } from 'vitest';
import { type Api, createApi } from '../../api/wiring.ts';
import {
  createDynamoDbClient,
  createDynamoDbDocumentClient,
  createSqsClient,
} from '../../shared/aws-clients.ts';
import type { CommandRecord } from '../../shared/command-record.ts';
import { type Config, loadConfig } from '../../shared/config.ts';
import {
  messageGroupIdFor,
  SCHEMA_VERSION,
  type UserCommand,
} from '../../shared/contract/commands.ts';
import { provisionResources } from '../../shared/provision.ts';
import { suffixedResourceNames } from '../../shared/resources.ts';
import type { SettledSpy } from '../../worker/settled-spy.ts';
import { createWorker, type Worker, type WorkerOptions } from '../../worker/worker.ts';
import { drainQueue, scanAll } from './aws-reads.ts';
import { type CapturedLogs, captureLogs } from './capture-logs.ts';
import { recordSuiteResponses } from './observed-statuses.ts';

export interface TestEnvironment {
  config: Config;
  env: Record<string, string>;
  sqs: ReturnType<typeof createSqsClient>;
  dynamoDb: ReturnType<typeof createDynamoDbDocumentClient>;
  queueUrl: string;
  deadLetterQueueUrl: string;
  logs: CapturedLogs;
  /** Starts an in-process API; overrides change its environment only. */
  startApi(overrides?: Record<string, string>): Promise<Api>;
  /**
   * Starts an in-process worker with a spy on what it settles; overrides change its
   * environment only (e.g. a dead endpoint).
   */
  startWorker(
    overrides?: Record<string, string>,
    options?: WorkerOptions,
  ): Promise<Worker & { spy: SettledSpy }>;
  /** Publishes straight to the queue, as another service would. */
  publishRaw(body: string, options?: { groupId?: string; deduplicationId?: string }): Promise<void>;
  publishCommand(command: UserCommand, options?: { deduplicationId?: string }): Promise<void>;
  getUser(emailAddress: string): Promise<Record<string, unknown> | undefined>;
  getCommandRecord(commandId: string): Promise<CommandRecord | undefined>;
  scanTable(table: 'users' | 'commands'): Promise<Record<string, unknown>[]>;
  receiveDeadLetters(): Promise<Message[]>;
  queueDepth(): Promise<{ visible: number; inFlight: number }>;
  close(): Promise<void>;
}

/**
 * Each test file gets its own tables and queues (unique names) on the shared emulators, so
 * files run in parallel without seeing each other's messages.
 */
export async function createTestEnvironment(
  overrides: Record<string, string> = {},
): Promise<TestEnvironment> {
  const suffix = randomUUID().slice(0, 8);
  const env: Record<string, string> = {
    ...inject('emulatorEnv'),
    ...suffixedResourceNames(suffix),
    BCRYPT_COST: '4',
    HASH_THREADS: '2',
    WORKER_WAIT_TIME_SECONDS: '1',
    WORKER_RETRY_BASE_SECONDS: '0',
    STARTUP_TIMEOUT_SECONDS: '5',
    LOG_LEVEL: 'debug',
    // Tests send everything from one client: the per-client limits have tests of their own.
    RATE_LIMIT_MAX: '0',
    READ_RATE_LIMIT_MAX: '0',
    HASH_QUEUE_PER_CLIENT: '0',
    COMMAND_WAITERS_PER_CLIENT: '0',
    ...overrides,
  };
  // The in-process API and worker use the standard credential chain, like in production.
  process.env.AWS_ACCESS_KEY_ID = env.AWS_ACCESS_KEY_ID;
  process.env.AWS_SECRET_ACCESS_KEY = env.AWS_SECRET_ACCESS_KEY;
  const config = loadConfig(env);
  const sqs = createSqsClient(config.aws, { requestTimeoutMs: 10_000 });
  const dynamoDb = createDynamoDbDocumentClient(config.aws, { requestTimeoutMs: 10_000 });
  await provisionResources({
    dynamoDb: createDynamoDbClient(config.aws, { requestTimeoutMs: 10_000 }),
    sqs,
    names: config.resources,
  });
  const queueUrl = await queueUrlOf(sqs, config.resources.queues.command);
  const deadLetterQueueUrl = await queueUrlOf(sqs, config.resources.queues.commandDeadLetter);
  const logs = captureLogs('test');
  const closers: (() => Promise<void>)[] = [];

  async function publishRaw(
    body: string,
    options: { groupId?: string; deduplicationId?: string } = {},
  ): Promise<void> {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: body,
        MessageGroupId: options.groupId ?? randomUUID(),
        MessageDeduplicationId: options.deduplicationId ?? randomUUID(),
      }),
    );
  }

  return {
    config,
    env,
    sqs,
    dynamoDb,
    queueUrl,
    deadLetterQueueUrl,
    logs,
    async startApi(overrides = {}) {
      const apiConfig = loadConfig({ ...env, ...overrides });
      const api = await createApi(apiConfig, logs.log.child({ name: 'api' }));
      recordSuiteResponses(api.app);
      closers.push(() => api.close());
      return api;
    },
    async startWorker(overrides = {}, options = {}) {
      const workerConfig = loadConfig({ ...env, ...overrides });
      const worker = await createWorker(workerConfig, logs.log.child({ name: 'worker' }), {
        spy: true,
        ...options,
      });
      worker.start();
      closers.push(() => worker.stop());
      return worker as Worker & { spy: SettledSpy };
    },
    publishRaw,
    async publishCommand(command, options = {}) {
      await publishRaw(JSON.stringify(command), {
        groupId: messageGroupIdFor(command.payload.emailAddress),
        deduplicationId: options.deduplicationId ?? command.commandId,
      });
    },
    async getUser(emailAddress) {
      const { Item } = await dynamoDb.send(
        new GetCommand({
          TableName: config.resources.tables.users,
          Key: { emailAddress },
          ConsistentRead: true,
        }),
      );
      return Item;
    },
    async getCommandRecord(commandId) {
      const { Item } = await dynamoDb.send(
        new GetCommand({
          TableName: config.resources.tables.commands,
          Key: { commandId },
          ConsistentRead: true,
        }),
      );
      return Item as CommandRecord | undefined;
    },
    scanTable: (table) => scanAll(dynamoDb, config.resources.tables[table]),
    receiveDeadLetters: () => drainQueue(sqs, deadLetterQueueUrl),
    async queueDepth() {
      const { Attributes = {} } = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: queueUrl,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      return {
        visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
        inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
      };
    },
    async close() {
      for (const close of closers.reverse()) await close();
      sqs.destroy();
      dynamoDb.destroy();
    },
  };
}

async function queueUrlOf(
  sqs: ReturnType<typeof createSqsClient>,
  QueueName: string,
): Promise<string> {
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName }));
  if (!QueueUrl) throw new Error(`no URL for ${QueueName}`);
  return QueueUrl;
}

let sequence = 0;

/** A unique email per call, so tests never share users. */
export function uniqueEmail(label = 'user'): string {
  sequence += 1;
  return `${label}-${sequence}-${randomUUID().slice(0, 8)}@example.com`;
}

export const SAMPLE_PASSWORD = 'correct horse battery';
/** A real bcrypt hash (cost 4) for commands published straight to the queue. */
export const SAMPLE_HASH = bcrypt.hashSync(SAMPLE_PASSWORD, 4);

export function makeCommand<T extends UserCommand['type']>(
  type: T,
  payload: Extract<UserCommand, { type: T }>['payload'],
  commandId: string = randomUUID(),
): Extract<UserCommand, { type: T }> {
  return {
    schemaVersion: SCHEMA_VERSION,
    commandId,
    type,
    issuedAt: new Date().toISOString(),
    payload,
  } as Extract<UserCommand, { type: T }>;
}
