import { createDynamoDbDocumentClient, createSqsClient } from '../shared/aws-clients.ts';
import type { Config } from '../shared/config.ts';
import type { ContractVersions } from '../shared/contract/parse-command.ts';
import type { Logger } from '../shared/logger.ts';
import { resolveQueueUrl } from '../shared/queue-url.ts';
import { pingQueue, readMaxReceiveCount } from '../shared/queues.ts';
import { resourceDefinitions } from '../shared/resources.ts';
import { createCommandConsumer } from './consumer.ts';
import { serveWorkerHttp } from './http-server.ts';
import { createWorkerMetrics, observePollers } from './metrics.ts';
import { processMessage } from './process-message.ts';
import { createSettledSpy, type SettledSpy } from './settled-spy.ts';
import { UserWriteRepository } from './user-write-repository.ts';

export interface Worker {
  start(): void;
  stop(): Promise<void>;
  /** Where the worker's /health, /ready and /metrics are, when WORKER_HTTP_PORT is set. */
  httpUrl: string | undefined;
  /** Every settled message, to await in tests (only with `{ spy: true }`). */
  spy: SettledSpy | undefined;
}

export interface WorkerOptions {
  /** The contract versions to read; a newer build passes its own. */
  versions?: ContractVersions;
  /** Keep a record of settled messages for tests to await. */
  spy?: boolean;
}

export async function createWorker(
  config: Config,
  log: Logger,
  options: WorkerOptions = {},
): Promise<Worker> {
  const { env } = config;
  const sqs = createSqsClient(config.aws, {
    // A long poll holds the request open for WaitTimeSeconds; give it room.
    requestTimeoutMs: (env.WORKER_WAIT_TIME_SECONDS + 10) * 1000,
  });
  const dynamoDb = createDynamoDbDocumentClient(config.aws, { requestTimeoutMs: 10_000 });
  const resolveOptions = { timeoutSeconds: env.STARTUP_TIMEOUT_SECONDS, log };
  const [queueUrl, deadLetterQueueUrl] = await Promise.all([
    resolveQueueUrl(sqs, config.resources.queues.command, resolveOptions),
    resolveQueueUrl(sqs, config.resources.queues.commandDeadLetter, resolveOptions),
  ]);
  const maxAttempts = await attemptsAllowed(sqs, queueUrl, log);
  const writes = new UserWriteRepository({
    client: dynamoDb,
    usersTable: config.resources.tables.users,
    commandsTable: config.resources.tables.commands,
    recordTtlDays: env.COMMAND_RECORD_TTL_DAYS,
  });
  const metrics = createWorkerMetrics();
  const spy = options.spy ? createSettledSpy() : undefined;
  const consumer = createCommandConsumer({
    sqs,
    queueUrl,
    deadLetterQueueUrl,
    process: (message) =>
      processMessage(message, { writes, log, maxAttempts, versions: options.versions }),
    log,
    metrics,
    onSettled: spy?.record,
    pollers: env.WORKER_POLLERS,
    batchSize: env.WORKER_BATCH_SIZE,
    waitTimeSeconds: env.WORKER_WAIT_TIME_SECONDS,
    visibilityTimeoutSeconds: env.WORKER_VISIBILITY_TIMEOUT_SECONDS,
    retryBaseSeconds: env.WORKER_RETRY_BASE_SECONDS,
    stallSeconds: env.WORKER_STALL_SECONDS,
  });
  observePollers(metrics.registry, () => consumer.liveness());
  const httpServer =
    env.WORKER_HTTP_PORT === undefined
      ? undefined
      : await serveWorkerHttp({
          port: env.WORKER_HTTP_PORT,
          host: env.HOST,
          registry: metrics.registry,
          consumer,
          readinessChecks: { sqs: () => pingQueue(sqs, queueUrl), dynamodb: () => writes.ping() },
        });
  const address = httpServer?.address();
  let stopped: Promise<void> | undefined;
  return {
    start: () => consumer.start(),
    httpUrl:
      address && typeof address === 'object' ? `http://${env.HOST}:${address.port}` : undefined,
    spy,
    stop() {
      stopped ??= (async () => {
        await consumer.stop();
        httpServer?.close();
        sqs.destroy();
        dynamoDb.destroy();
      })();
      return stopped;
    },
  };
}

/**
 * The attempt on which a failing command is given up: the queue's own maxReceiveCount, so
 * the worker dead-letters it (with the reason) one receive before SQS would (without one).
 */
async function attemptsAllowed(
  sqs: ReturnType<typeof createSqsClient>,
  queueUrl: string,
  log: Logger,
): Promise<number> {
  const fromQueue = await readMaxReceiveCount(sqs, queueUrl);
  if (fromQueue !== undefined) return fromQueue;
  const fallback = resourceDefinitions.queues.command.deadLetter?.maxReceiveCount ?? 5;
  log.warn(
    { maxAttempts: fallback },
    'the command queue has no redrive policy; giving up on a command after the defined count',
  );
  return fallback;
}
