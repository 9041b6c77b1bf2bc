import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { GetQueueUrlCommand, SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { findFreePort } from '../scripts/emulators.ts';
import {
  createDynamoDbClient,
  createDynamoDbDocumentClient,
  createSqsClient,
} from '../shared/aws-clients.ts';
import { type Config, loadConfig } from '../shared/config.ts';
import {
  messageGroupIdFor,
  SCHEMA_VERSION,
  type UserCommand,
} from '../shared/contract/commands.ts';
import { provisionResources } from '../shared/provision.ts';
import { suffixedResourceNames } from '../shared/resources.ts';
import type { Rounds } from './rounds.ts';

export interface Scale {
  name: 'full' | 'tiny';
  /** Duration of each throughput run. */
  seconds: number;
  /** In-flight requests for the HTTP and SQS/DynamoDB throughput figures. */
  concurrency: number;
  /** Connections for the create (bcrypt) figure. */
  createConcurrency: number;
  /** Untimed creates before B, so the hash threads run compiled bcrypt, as the ceiling does. */
  createWarmupCount: number;
  /** B's rounds: one thread's bcrypt rate for `ceilingSeconds`, then creates for `seconds`. */
  createRounds: Rounds;
  ceilingSeconds: number;
  /** Commands pre-filled for the worker drain figure. */
  drainCount: number;
  /** C is measured in rounds (each: a fresh queue drained, then the bare loop): see rounds.ts. */
  drainRounds: Rounds;
  /** D's rounds: the API for `seconds`, then the GetItem loop for as long. */
  readRounds: Rounds;
  latencySamples: number;
  burst: number;
}

export const SCALES: Record<Scale['name'], Scale> = {
  full: {
    name: 'full',
    seconds: 8,
    concurrency: 32,
    createConcurrency: 16,
    createWarmupCount: 32,
    createRounds: { warmup: 0, measured: 3 },
    ceilingSeconds: 2,
    drainCount: 2000,
    drainRounds: { warmup: 1, measured: 3 },
    readRounds: { warmup: 3, measured: 3 },
    latencySamples: 40,
    burst: 200,
  },
  tiny: {
    name: 'tiny',
    seconds: 1,
    concurrency: 4,
    createConcurrency: 2,
    createWarmupCount: 2,
    createRounds: { warmup: 0, measured: 1 },
    ceilingSeconds: 0.3,
    drainCount: 30,
    drainRounds: { warmup: 1, measured: 1 },
    readRounds: { warmup: 1, measured: 1 },
    latencySamples: 3,
    burst: 8,
  },
};

/** One isolated set of tables and queues, and clients for it. */
export interface Resources {
  env: Record<string, string>;
  config: Config;
  sqs: SQSClient;
  dynamoDb: DynamoDBDocumentClient;
  queueUrl: string;
}

/** The API on every core, as one would run it on a host of this size (or API_PROCESSES). */
export function benchApiProcesses(): number {
  return Number(process.env.API_PROCESSES ?? availableParallelism());
}

/** Settings under study, passed through from the bench's own environment. */
function tuning(): Record<string, string> {
  const names = [
    'WORKER_POLLERS',
    'WORKER_BATCH_SIZE',
    'HASH_THREADS',
    'PUBLISH_BATCH_WINDOW_MS',
    'BCRYPT_COST',
  ];
  return Object.fromEntries(
    names.flatMap((name) => (process.env[name] ? [[name, process.env[name]]] : [])),
  );
}

export async function newResources(
  emulatorEnv: Record<string, string>,
  label: string,
): Promise<Resources> {
  const id = `${label}-${randomUUID().slice(0, 6)}`;
  const env: Record<string, string> = {
    ...emulatorEnv,
    ...suffixedResourceNames(id),
    PORT: String(await findFreePort()),
    LOG_LEVEL: 'info',
    API_PROCESSES: String(benchApiProcesses()),
    // One load generator is one client: a per-client limit would measure itself.
    RATE_LIMIT_MAX: '0',
    READ_RATE_LIMIT_MAX: '0',
    HASH_QUEUE_PER_CLIENT: '0',
    COMMAND_WAITERS_PER_CLIENT: '0',
    ...tuning(),
  };
  const config = loadConfig(env);
  const credentials = {
    accessKeyId: env.AWS_ACCESS_KEY_ID ?? 'test',
    secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? 'test',
  };
  const sqs = createSqsClient(config.aws, { requestTimeoutMs: 30_000, credentials });
  const dynamoDb = createDynamoDbDocumentClient(config.aws, {
    requestTimeoutMs: 30_000,
    credentials,
  });
  await provisionResources({
    dynamoDb: createDynamoDbClient(config.aws, { requestTimeoutMs: 30_000, credentials }),
    sqs,
    names: config.resources,
  });
  const { QueueUrl } = await sqs.send(
    new GetQueueUrlCommand({ QueueName: config.resources.queues.command }),
  );
  return { env, config, sqs, dynamoDb, queueUrl: QueueUrl ?? '' };
}

export function createCommand(
  index: number,
  passwordHash: string,
  prefix = 'u',
): Extract<UserCommand, { type: 'user.create' }> {
  return {
    schemaVersion: SCHEMA_VERSION,
    commandId: randomUUID(),
    type: 'user.create',
    issuedAt: new Date().toISOString(),
    payload: {
      emailAddress: `${prefix}-${index}@bench.io`,
      firstName: 'Bench',
      lastName: 'Mark',
      passwordHash,
    },
  };
}

/** Fills the queue quickly (batches of 10, several in flight): setup, not a measurement. */
export async function prefillQueue(resources: Resources, commands: UserCommand[]): Promise<void> {
  const batches: UserCommand[][] = [];
  for (let i = 0; i < commands.length; i += 10) batches.push(commands.slice(i, i + 10));
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < batches.length) {
        const batch = batches[next++] ?? [];
        await resources.sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: resources.queueUrl,
            Entries: batch.map((command, index) => ({
              Id: String(index),
              MessageBody: JSON.stringify(command),
              MessageGroupId: messageGroupIdFor(command.payload.emailAddress),
              MessageDeduplicationId: command.commandId,
            })),
          }),
        );
      }
    }),
  );
}

/** Every command record in the table (the worker's output), for counting and timing. */
export async function commandRecords(resources: Resources): Promise<{ processedAt: string }[]> {
  const items: { processedAt: string }[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await resources.dynamoDb.send(
      new ScanCommand({
        TableName: resources.config.resources.tables.commands,
        ProjectionExpression: 'processedAt',
        ExclusiveStartKey,
      }),
    );
    items.push(...((page.Items ?? []) as { processedAt: string }[]));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}
