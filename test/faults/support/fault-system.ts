import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  EMULATOR_CREDENTIALS,
  type RestartableEmulator,
  startDynamoDbEmulator,
  startSqsEmulator,
} from '../../../scripts/emulators.ts';
import {
  createDynamoDbClient,
  createDynamoDbDocumentClient,
  createSqsClient,
} from '../../../shared/aws-clients.ts';
import { type Config, loadConfig } from '../../../shared/config.ts';
import { messageGroupIdFor, type UserCommand } from '../../../shared/contract/commands.ts';
import { provisionResources } from '../../../shared/provision.ts';
import { suffixedResourceNames } from '../../../shared/resources.ts';
import { scanAll } from '../../support/aws-reads.ts';
import { recordSuiteMessages, recordSuiteRecords } from '../../support/secrecy.ts';
import { type CuttableLink, startCuttableLink } from './cuttable-link.ts';
import { type ServiceProcess, startService, stopService } from './processes.ts';

export interface QueueDepth {
  visible: number;
  inFlight: number;
}

/**
 * A whole deployment for one fault test file: its own fauxqs and DynamoDB Local (persisted to
 * a temporary folder, so either can be restarted without losing data), its own
 * tables and queues, and the real API and worker processes on top.
 */
export interface FaultSystem {
  sqsEmulator: RestartableEmulator;
  dynamoDbEmulator: RestartableEmulator;
  config: Config;
  /** The environment every process gets. */
  env: Record<string, string>;
  sqs: SQSClient;
  dynamoDb: DynamoDBDocumentClient;
  queueUrl: string;
  deadLetterQueueUrl: string;
  startWorker(
    name: string,
    overrides?: Record<string, string>,
    kind?: 'worker' | 'worker-v2',
  ): Promise<ServiceProcess>;
  startApi(overrides?: Record<string, string>): Promise<ServiceProcess>;
  /** Every process started so far, stopped or not (their logs outlive them). */
  services: ServiceProcess[];
  /** Publishes straight to the queue, in the command's own group, as another service would. */
  publish(command: UserCommand, options?: { deduplicationId?: string }): Promise<string>;
  queueDepth(queue?: 'main' | 'dead-letter'): Promise<QueueDepth>;
  close(): Promise<void>;
}

export interface FaultSystemOptions {
  /** Keep SQS messages on disk, so SQS can be restarted without losing them. */
  persistSqs?: boolean;
}

export async function startFaultSystem(
  overrides: Record<string, string> = {},
  options: FaultSystemOptions = {},
): Promise<FaultSystem> {
  const dataDir = mkdtempSync(join(tmpdir(), 'faults-'));
  const sqsEmulator = await startSqsEmulator(
    options.persistSqs ? { dataDir: join(dataDir, 'sqs') } : {},
  );
  const dynamoDbLocal = await startDynamoDbEmulator({ dataDir: join(dataDir, 'dynamodb') });
  const dynamoDbLink = await startCuttableLink(dynamoDbLocal.endpoint);
  const dynamoDbEmulator = stoppableWithoutLoss(dynamoDbLocal, dynamoDbLink);
  const suffix = randomUUID().slice(0, 8);
  const env: Record<string, string> = {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_SQS: sqsEmulator.endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: dynamoDbEmulator.endpoint,
    ...suffixedResourceNames(suffix),
    PORT: '0',
    BCRYPT_COST: '4',
    HASH_THREADS: '1',
    WORKER_WAIT_TIME_SECONDS: '1',
    STARTUP_TIMEOUT_SECONDS: '10',
    LOG_LEVEL: 'info',
    // Load tests from one client: the API's per-client limits would turn commands into 429s.
    RATE_LIMIT_MAX: '0',
    READ_RATE_LIMIT_MAX: '0',
    HASH_QUEUE_PER_CLIENT: '0',
    COMMAND_WAITERS_PER_CLIENT: '0',
    ...overrides,
  };
  const config = loadConfig(env);
  const clientOptions = { requestTimeoutMs: 10_000, credentials: EMULATOR_CREDENTIALS };
  const sqs = createSqsClient(config.aws, clientOptions);
  const dynamoDb = createDynamoDbDocumentClient(config.aws, clientOptions);
  await provisionResources({
    dynamoDb: createDynamoDbClient(config.aws, clientOptions),
    sqs,
    names: config.resources,
  });
  const queueUrl = await queueUrlOf(sqs, config.resources.queues.command);
  const deadLetterQueueUrl = await queueUrlOf(sqs, config.resources.queues.commandDeadLetter);
  const services: ServiceProcess[] = [];

  return {
    sqsEmulator,
    dynamoDbEmulator,
    config,
    env,
    sqs,
    dynamoDb,
    queueUrl,
    deadLetterQueueUrl,
    services,
    async startWorker(name, workerOverrides = {}, kind = 'worker') {
      const worker = await startService(kind, { ...env, ...workerOverrides }, name);
      services.push(worker);
      return worker;
    },
    async startApi(apiOverrides = {}) {
      const api = await startService('api', { ...env, ...apiOverrides }, 'api');
      services.push(api);
      return api;
    },
    async publish(command, options = {}) {
      const { MessageId } = await sqs.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: JSON.stringify(command),
          MessageGroupId: messageGroupIdFor(command.payload.emailAddress),
          MessageDeduplicationId: options.deduplicationId ?? command.commandId,
        }),
      );
      return MessageId ?? '';
    },
    async queueDepth(queue = 'main') {
      const { Attributes = {} } = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: queue === 'main' ? queueUrl : deadLetterQueueUrl,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      return {
        visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
        inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
      };
    },
    async close() {
      await Promise.all(services.map((service) => stopService(service)));
      recordSuiteRecords(await scanAll(dynamoDb, config.resources.tables.commands).catch(() => []));
      sqs.destroy();
      dynamoDb.destroy();
      await dynamoDbLink.cut();
      await Promise.allSettled([sqsEmulator.stop(), dynamoDbLocal.stop()]);
      recordSuiteMessages(sqsEmulator.publishedMessageBodies());
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** How long DynamoDB Local gets to finish the requests it had already read. */
export const DYNAMODB_QUIESCE_MS = 1000;

/**
 * DynamoDB Local stopped and restarted the way a real outage behaves: every process reaches
 * it through `link`, and stop() first cuts the link (open requests fail, new connections are
 * refused), lets requests DynamoDB Local had already read finish, and only then stops it.
 *
 * Why not just SIGTERM it: DynamoDB Local can answer a TransactWriteItems with success when
 * SIGTERM arrives while that request is in flight, and then not have it after the restart
 * (about one run in twelve: the worker logged "succeeded" 11 ms after the signal, and
 * neither the user nor the command record was there afterwards). Real DynamoDB never loses a write it
 * acknowledged, so that would test the emulator, not the worker. Requests cut mid-flight
 * still reach the worker as failures after DynamoDB may have applied them, which is the
 * case its idempotency exists for.
 */
function stoppableWithoutLoss(
  dynamoDbLocal: RestartableEmulator,
  link: CuttableLink,
): RestartableEmulator {
  return {
    endpoint: link.endpoint,
    async stop() {
      await link.cut();
      await sleep(DYNAMODB_QUIESCE_MS);
      await dynamoDbLocal.stop();
    },
    async restart() {
      await dynamoDbLocal.restart();
      await link.restore();
    },
  };
}

async function queueUrlOf(sqs: SQSClient, QueueName: string): Promise<string> {
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName }));
  if (!QueueUrl) throw new Error(`no URL for ${QueueName}`);
  return QueueUrl;
}
