import { randomUUID } from 'node:crypto';
import {
  GetQueueUrlCommand,
  type Message,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import {
  createDynamoDbClient,
  createDynamoDbDocumentClient,
  createSqsClient,
} from '../../shared/aws-clients.ts';
import type { CommandRecord } from '../../shared/command-record.ts';
import { type Config, loadConfig } from '../../shared/config.ts';
import type { UserCommand } from '../../shared/contract/commands.ts';
import { commandMessage } from '../../shared/contract/message.ts';
import { provisionResources } from '../../shared/provision.ts';
import { type QueueDepth, queueDepth } from '../../shared/queues.ts';
import { suffixedResourceNames } from '../../shared/resources.ts';
import { drainQueue, scanAll } from '../support/aws-reads.ts';

/**
 * The settings every harness starts from: tests and the bench send everything from one
 * client, so the per-client limits (which have tests and figures of their own) are off.
 */
export const ONE_CLIENT: Record<string, string> = {
  RATE_LIMIT_MAX: '0',
  READ_RATE_LIMIT_MAX: '0',
  HASH_QUEUE_PER_CLIENT: '0',
  COMMAND_WAITERS_PER_CLIENT: '0',
};

/**
 * What tests that run the real API and worker processes start them with: any free port,
 * bcrypt at its cheapest, one hash thread, one-second long polls, a short start-up wait.
 */
export const PROCESS_TEST_SETTINGS: Record<string, string> = {
  ...ONE_CLIENT,
  PORT: '0',
  BCRYPT_COST: '4',
  HASH_THREADS: '1',
  WORKER_WAIT_TIME_SECONDS: '1',
  STARTUP_TIMEOUT_SECONDS: '10',
  LOG_LEVEL: 'info',
};

/** Tables and queues of its own on some emulators, provisioned, and clients for them. */
export interface Deployment {
  config: Config;
  /** The environment a process of ours needs to use these resources. */
  env: Record<string, string>;
  sqs: SQSClient;
  dynamoDb: DynamoDBDocumentClient;
  queueUrl: string;
  deadLetterQueueUrl: string;
  /** Publishes straight to the queue, in the command's own group, as another service would. */
  publish(command: UserCommand, options?: { deduplicationId?: string }): Promise<string>;
  /** Publishes any body, in a group of its own unless told. */
  publishRaw(
    body: string,
    options?: { groupId?: string; deduplicationId?: string },
  ): Promise<string>;
  queueDepth(queue?: 'main' | 'dead-letter'): Promise<QueueDepth>;
  getUser(emailAddress: string): Promise<Record<string, unknown> | undefined>;
  getCommandRecord(commandId: string): Promise<CommandRecord | undefined>;
  scanTable(table: 'users' | 'commands'): Promise<Record<string, unknown>[]>;
  /** Reads and deletes every dead letter. */
  receiveDeadLetters(): Promise<Message[]>;
  /** Releases the clients (the resources stay: names are unique). */
  destroy(): void;
}

/**
 * Provisions tables and queues with unique names (`label` and a random suffix) for the
 * emulators `env` points at, with the one provisioning code production uses.
 */
export async function deploy(
  env: Record<string, string>,
  options: { label?: string; requestTimeoutMs?: number } = {},
): Promise<Deployment> {
  const suffix = `${options.label ? `${options.label}-` : ''}${randomUUID().slice(0, 8)}`;
  // Names first: a test may name a resource itself.
  const fullEnv = { ...suffixedResourceNames(suffix), ...env };
  const config = loadConfig(fullEnv);
  const clientOptions = {
    requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
    credentials: {
      accessKeyId: fullEnv.AWS_ACCESS_KEY_ID ?? 'test',
      secretAccessKey: fullEnv.AWS_SECRET_ACCESS_KEY ?? 'test',
    },
  };
  const sqs = createSqsClient(config.aws, clientOptions);
  const dynamoDb = createDynamoDbDocumentClient(config.aws, clientOptions);
  const tableClient = createDynamoDbClient(config.aws, clientOptions);
  await provisionResources({ dynamoDb: tableClient, sqs, names: config.resources });
  tableClient.destroy();
  const queueUrl = await queueUrlOf(sqs, config.resources.queues.command);
  const deadLetterQueueUrl = await queueUrlOf(sqs, config.resources.queues.commandDeadLetter);
  const { tables } = config.resources;

  async function publishRaw(
    body: string,
    publishOptions: { groupId?: string; deduplicationId?: string } = {},
  ): Promise<string> {
    const { MessageId } = await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: body,
        MessageGroupId: publishOptions.groupId ?? randomUUID(),
        MessageDeduplicationId: publishOptions.deduplicationId ?? randomUUID(),
      }),
    );
    return MessageId ?? '';
  }
  async function getItem(TableName: string, Key: Record<string, string>) {
    const { Item } = await dynamoDb.send(new GetCommand({ TableName, Key, ConsistentRead: true }));
    return Item;
  }

  return {
    config,
    env: fullEnv,
    sqs,
    dynamoDb,
    queueUrl,
    deadLetterQueueUrl,
    publishRaw,
    async publish(command, publishOptions = {}) {
      const message = commandMessage(command);
      const { MessageId } = await sqs.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          ...message,
          MessageDeduplicationId: publishOptions.deduplicationId ?? message.MessageDeduplicationId,
        }),
      );
      return MessageId ?? '';
    },
    queueDepth: (queue = 'main') =>
      queueDepth(sqs, queue === 'main' ? queueUrl : deadLetterQueueUrl),
    getUser: (emailAddress) => getItem(tables.users, { emailAddress }),
    getCommandRecord: async (commandId) =>
      (await getItem(tables.commands, { commandId })) as CommandRecord | undefined,
    scanTable: (table) => scanAll(dynamoDb, tables[table]),
    receiveDeadLetters: () => drainQueue(sqs, deadLetterQueueUrl),
    destroy() {
      sqs.destroy();
      dynamoDb.destroy();
    },
  };
}

async function queueUrlOf(sqs: SQSClient, QueueName: string): Promise<string> {
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName }));
  if (!QueueUrl) throw new Error(`no URL for ${QueueName}`);
  return QueueUrl;
}
