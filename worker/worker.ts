import { createDynamoDbDocumentClient, createSqsClient } from '../shared/aws-clients.ts';
import type { Config } from '../shared/config.ts';
import type { Logger } from '../shared/logger.ts';
import { resolveQueueUrl } from '../shared/queues.ts';
import { type CommandConsumer, createCommandConsumer } from './consumer.ts';
import { createWorkerMetrics, serveMetrics } from './metrics.ts';
import { processMessage } from './process-message.ts';
import { UserWriteRepository } from './user-write-repository.ts';

export interface Worker {
  start(): void;
  stop(): Promise<void>;
  /** Where Prometheus scrapes this worker, when WORKER_METRICS_PORT is set. */
  metricsUrl: string | undefined;
}

/** Builds the worker from config: resolves the queues, then consumes until stopped. */
export async function createWorker(config: Config, log: Logger): Promise<Worker> {
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
  const repository = new UserWriteRepository({
    client: dynamoDb,
    usersTable: config.resources.tables.users,
    commandsTable: config.resources.tables.commands,
    recordTtlDays: env.COMMAND_RECORD_TTL_DAYS,
  });
  const metrics = createWorkerMetrics();
  const metricsServer =
    env.WORKER_METRICS_PORT === undefined
      ? undefined
      : await serveMetrics(metrics.registry, env.WORKER_METRICS_PORT, env.HOST);
  const address = metricsServer?.address();
  const consumer: CommandConsumer = createCommandConsumer({
    sqs,
    queueUrl,
    deadLetterQueueUrl,
    process: (message) => processMessage(message, repository, log),
    log,
    metrics,
    pollers: env.WORKER_POLLERS,
    batchSize: env.WORKER_BATCH_SIZE,
    waitTimeSeconds: env.WORKER_WAIT_TIME_SECONDS,
    visibilityTimeoutSeconds: env.WORKER_VISIBILITY_TIMEOUT_SECONDS,
    retryBaseSeconds: env.WORKER_RETRY_BASE_SECONDS,
  });
  return {
    start: () => consumer.start(),
    metricsUrl:
      address && typeof address === 'object'
        ? `http://${env.HOST}:${address.port}/metrics`
        : undefined,
    async stop() {
      await consumer.stop();
      metricsServer?.close();
      sqs.destroy();
      dynamoDb.destroy();
    },
  };
}
