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

/** One load generator is one client: a per-client limit would measure itself. */
export const ONE_CLIENT: Record<string, string> = {
  RATE_LIMIT_MAX: '0',
  READ_RATE_LIMIT_MAX: '0',
  HASH_QUEUE_PER_CLIENT: '0',
  COMMAND_WAITERS_PER_CLIENT: '0',
};

/**
 * H and I simulate many clients, and the per-client limits are what they test: every limit
 * at its default, and the API trusting X-Forwarded-For from the loopback, as behind a load
 * balancer (docs/security.md), so each simulated client names its address (clients.ts).
 * Giving each client a loopback source address of its own (127.0.0.2, ...) would need no
 * header, but only Linux routes 127/8 without setup, and the smoke test runs everywhere;
 * the header costs both sides of each figure the same.
 */
export const MANY_CLIENTS: Record<string, string> = { TRUST_PROXY: '127.0.0.1' };

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
  clients: Record<string, string> = ONE_CLIENT,
): Promise<Resources> {
  const id = `${label}-${randomUUID().slice(0, 6)}`;
  const env: Record<string, string> = {
    ...emulatorEnv,
    ...suffixedResourceNames(id),
    PORT: String(await findFreePort()),
    LOG_LEVEL: 'info',
    API_PROCESSES: String(benchApiProcesses()),
    ...clients,
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
