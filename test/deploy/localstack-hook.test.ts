import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDynamoDbClient, createSqsClient } from '../../shared/aws-clients.ts';
import { loadConfig } from '../../shared/config.ts';
import { provisionResources } from '../../shared/provision.ts';
import {
  type QueueKey,
  type ResourceNames,
  resourceDefinitions,
  type TableKey,
} from '../../shared/resources.ts';
import { createAwslocalStandIn, findAwsCli, runScript } from './support/awslocal.ts';

const hook = join(import.meta.dirname, '../../localstack/ready.d/10-provision-resources.sh');
const definitionsFile = join(import.meta.dirname, '../../shared/resources.json');
const awsCli = findAwsCli();
if (!awsCli)
  console.warn('Skipping the LocalStack hook test: no `aws` CLI on PATH to run it with.');

/** The name-override variables, unique per call, as the hook and loadConfig read them. */
function uniqueNameEnv(label: string): Record<string, string> {
  const suffix = `${label}-${randomUUID().slice(0, 8)}`;
  return {
    USERS_TABLE: `users-${suffix}`,
    COMMANDS_TABLE: `commands-${suffix}`,
    COMMAND_QUEUE: `user-commands-${suffix}.fifo`,
    DEAD_LETTER_QUEUE: `user-commands-dlq-${suffix}.fifo`,
  };
}

const VOLATILE_QUEUE_ATTRIBUTES =
  /^(QueueArn|CreatedTimestamp|LastModifiedTimestamp|Approximate.*)$/;

describe.skipIf(!awsCli)('the LocalStack init hook, run against the emulators', () => {
  const emulatorEnv = inject('emulatorEnv');
  const config = loadConfig(emulatorEnv);
  const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
  let dynamoDb: DynamoDBClient;
  let sqs: SQSClient;
  let bin: string;
  const hookNameEnv = uniqueNameEnv('hook');
  const hookNames = loadConfig(hookNameEnv).resources;
  const provisionedNames = loadConfig(uniqueNameEnv('provision')).resources;

  const runHook = (env: Record<string, string> = {}) =>
    runScript(hook, {
      PATH: `${bin}:${process.env.PATH}`,
      RESOURCE_DEFINITIONS: definitionsFile,
      ...hookNameEnv,
      ...env,
    });

  async function tableShape(TableName: string) {
    const { Table } = await dynamoDb.send(new DescribeTableCommand({ TableName }));
    const { TimeToLiveDescription } = await dynamoDb.send(
      new DescribeTimeToLiveCommand({ TableName }),
    );
    return {
      keySchema: Table?.KeySchema,
      attributeDefinitions: Table?.AttributeDefinitions,
      billingMode: Table?.BillingModeSummary?.BillingMode,
      // What defines an index, not its ARN or counters.
      indexes: [
        ...(Table?.GlobalSecondaryIndexes ?? []),
        ...(Table?.LocalSecondaryIndexes ?? []),
      ].map(({ IndexName, KeySchema, Projection }) => ({ IndexName, KeySchema, Projection })),
      stream: Table?.StreamSpecification,
      ttl: TimeToLiveDescription,
    };
  }

  /** Every queue attribute but identity and counters; the redrive target by logical key. */
  async function queueShape(names: ResourceNames, key: QueueKey) {
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: names.queues[key] }));
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }),
    );
    const shape: Record<string, unknown> = Object.fromEntries(
      Object.entries(Attributes).filter(([name]) => !VOLATILE_QUEUE_ATTRIBUTES.test(name)),
    );
    if (Attributes.RedrivePolicy) {
      const policy = JSON.parse(Attributes.RedrivePolicy);
      const targetName = String(policy.deadLetterTargetArn).split(':').at(-1);
      shape.RedrivePolicy = {
        target: Object.entries(names.queues).find(([, name]) => name === targetName)?.[0],
        maxReceiveCount: Number(policy.maxReceiveCount),
      };
    }
    return shape;
  }

  beforeAll(async () => {
    dynamoDb = createDynamoDbClient(config.aws, { requestTimeoutMs: 10_000, credentials });
    sqs = createSqsClient(config.aws, { requestTimeoutMs: 10_000, credentials });
    bin = createAwslocalStandIn(awsCli as string, {
      sqs: emulatorEnv.AWS_ENDPOINT_URL_SQS as string,
      dynamodb: emulatorEnv.AWS_ENDPOINT_URL_DYNAMODB as string,
    });
    await provisionResources({ dynamoDb, sqs, names: provisionedNames });
    const first = await runHook();
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^created +queue /m);
  }, 120_000);

  afterAll(() => {
    dynamoDb?.destroy();
    sqs?.destroy();
    if (bin) rmSync(bin, { recursive: true, force: true });
  });

  it('creates every table exactly as `npm run provision` does: keys, billing mode, TTL', async () => {
    for (const key of Object.keys(resourceDefinitions.tables) as TableKey[]) {
      const made = await tableShape(hookNames.tables[key]);
      expect(made).toEqual(await tableShape(provisionedNames.tables[key]));
      const definition = resourceDefinitions.tables[key];
      expect(made.keySchema).toEqual([{ AttributeName: definition.hashKey.name, KeyType: 'HASH' }]);
      expect(made.billingMode).toBe(definition.billingMode);
      expect(made.ttl?.AttributeName).toBe(definition.ttlAttribute);
      expect(made.indexes.map((index) => index.IndexName)).toEqual(
        (definition.indexes ?? []).map((index) => index.name),
      );
    }
  });

  it('creates every queue exactly as `npm run provision` does, redrive policy included', async () => {
    for (const key of Object.keys(resourceDefinitions.queues) as QueueKey[]) {
      const made = await queueShape(hookNames, key);
      expect(made).toEqual(await queueShape(provisionedNames, key));
      const definition = resourceDefinitions.queues[key];
      expect(made).toMatchObject(definition.attributes);
      if (definition.deadLetter) {
        expect(made.RedrivePolicy).toEqual({
          target: definition.deadLetter.queue,
          maxReceiveCount: definition.deadLetter.maxReceiveCount,
        });
      }
    }
    expect(await queueShape(hookNames, 'command')).toMatchObject({
      FifoQueue: 'true',
      ContentBasedDeduplication: 'true',
    });
  });

  it('runs again without error and without replacing what exists (idempotent)', async () => {
    const users = hookNames.tables.users;
    const sentinel = { emailAddress: `sentinel-${randomUUID()}@example.com` };
    await dynamoDb.send(new PutCommand({ TableName: users, Item: sentinel }));
    const queuesBefore = await queueShape(hookNames, 'command');

    const second = await runHook();

    expect(second.exitCode).toBe(0);
    expect(second.stdout).not.toMatch(/^created/m);
    expect(second.stdout.match(/^exists/gm)).toHaveLength(4);
    const { Item } = await dynamoDb.send(
      new GetCommand({ TableName: users, Key: sentinel, ConsistentRead: true }),
    );
    expect(Item).toEqual(sentinel);
    expect(await queueShape(hookNames, 'command')).toEqual(queuesBefore);
  }, 120_000);

  it('exits non-zero when a resource cannot be created', async () => {
    const result = await runHook({ ...uniqueNameEnv('bad'), USERS_TABLE: 'no' });
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain('CreateTable');
  }, 60_000);

  it('exits non-zero when it cannot read the resource definitions', async () => {
    const result = await runHook({ RESOURCE_DEFINITIONS: '/nonexistent/resources.json' });
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain('/nonexistent/resources.json');
  });
});
