import type { FastifyInstance } from 'fastify';
import { createDynamoDbDocumentClient, createSqsClient } from '../shared/aws-clients.ts';
import { isSettled } from '../shared/command-record.ts';
import type { Config } from '../shared/config.ts';
import type { Logger } from '../shared/logger.ts';
import { resolveQueueUrl } from '../shared/queue-url.ts';
import { pingQueue, queueDepthReader } from '../shared/queues.ts';
import { buildApp } from './app.ts';
import { createCommandIntake } from './command-intake.ts';
import { CommandLedger } from './command-ledger.ts';
import { createCommandPublisher } from './command-publisher.ts';
import { createCommandWaiters } from './command-waiters.ts';
import { createApiMetrics } from './metrics.ts';
import { createOperationsReader } from './operations.ts';
import { createPasswordHasher } from './password-hasher.ts';
import { UserReadRepository } from './user-read-repository.ts';

export interface Api {
  app: FastifyInstance;
  close(): Promise<void>;
}

/** Wires the real dependencies from config; main.ts and the tests both start here. */
export async function createApi(config: Config, log: Logger): Promise<Api> {
  const { env } = config;
  const clientOptions = { requestTimeoutMs: env.AWS_REQUEST_TIMEOUT_MS };
  const sqs = createSqsClient(config.aws, clientOptions);
  const dynamoDb = createDynamoDbDocumentClient(config.aws, clientOptions);
  const queueUrl = await resolveQueueUrl(sqs, config.resources.queues.command, {
    timeoutSeconds: env.STARTUP_TIMEOUT_SECONDS,
    log,
  });
  const reads = new UserReadRepository({
    client: dynamoDb,
    usersTable: config.resources.tables.users,
  });
  const ledger = new CommandLedger({
    client: dynamoDb,
    commandsTable: config.resources.tables.commands,
    recordTtlDays: env.COMMAND_RECORD_TTL_DAYS,
  });
  const hasher = createPasswordHasher({
    threads: config.hashThreads,
    cost: env.BCRYPT_COST,
    maxWaiting: env.HASH_QUEUE_MAX,
    perClient: env.HASH_QUEUE_PER_CLIENT,
  });
  const publisher = createCommandPublisher(sqs, queueUrl, {
    batchWindowMs: env.PUBLISH_BATCH_WINDOW_MS,
  });
  const waiters = createCommandWaiters({
    read: (ids) => ledger.getMany(ids),
    isSettled: (record) => isSettled(record.status),
    maxWaiters: env.COMMAND_WAITERS_MAX,
    perClient: env.COMMAND_WAITERS_PER_CLIENT,
  });
  // One reader per queue (the dead-letter queue's URL is looked up once), for the Operations
  // panel and the metrics alike.
  const queueDepths = {
    command: queueDepthReader(sqs, { url: queueUrl }),
    deadLetter: queueDepthReader(sqs, { name: config.resources.queues.commandDeadLetter }),
  };
  const app = await buildApp(
    {
      commands: createCommandIntake({ publisher, ledger, hasher }),
      ledger,
      waiters,
      reads,
      operations: createOperationsReader({ queues: queueDepths, ledger }),
      metrics: createApiMetrics({
        queues: { command: queueDepths.command, 'dead-letter': queueDepths.deadLetter },
        hasher,
        waiters,
      }),
      readinessChecks: { sqs: () => pingQueue(sqs, queueUrl), dynamodb: () => reads.ping() },
      settings: {
        bodyLimitBytes: env.BODY_LIMIT_BYTES,
        requestTimeoutSeconds: env.HTTP_REQUEST_TIMEOUT_SECONDS,
        headersTimeoutSeconds: env.HTTP_HEADERS_TIMEOUT_SECONDS,
        keepAliveTimeoutSeconds: env.HTTP_KEEP_ALIVE_TIMEOUT_SECONDS,
        maxConnections: env.HTTP_MAX_CONNECTIONS,
        trustProxy: parseTrustProxy(env.TRUST_PROXY),
        commandWaitMaxSeconds: env.COMMAND_WAIT_MAX_SECONDS,
      },
      security: {
        apiToken: env.API_TOKEN,
        protectReads: env.PROTECT_READS,
        rateLimitMax: env.RATE_LIMIT_MAX,
        readRateLimitMax: env.READ_RATE_LIMIT_MAX,
        rateLimitWindowSeconds: env.RATE_LIMIT_WINDOW_SECONDS,
        corsOrigins: (env.CORS_ORIGINS ?? '')
          .split(',')
          .map((o) => o.trim())
          .filter(Boolean),
      },
    },
    log,
  );
  return {
    app,
    async close() {
      await app.close();
      await hasher.close();
      sqs.destroy();
      dynamoDb.destroy();
    },
  };
}

/** TRUST_PROXY as Fastify takes it: every proxy, or those at these addresses and CIDRs. */
export function parseTrustProxy(value: string | undefined): boolean | string[] {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
}
