import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  ResourceNotFoundException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  QueueDoesNotExist,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import {
  type IndexDefinition,
  type QueueKey,
  type ResourceDefinitions,
  type ResourceNames,
  resourceDefinitions,
  type TableDefinition,
  type TableKey,
} from './resources.ts';

export interface ProvisionStep {
  resource: string;
  action: 'created' | 'exists' | 'ttl-enabled' | 'index-created' | 'drift';
  detail?: string;
}

/** One line per step, for the provisioning tools' output. */
export function describeProvisionStep(step: ProvisionStep): string {
  return `${step.action.padEnd(13)} ${step.resource}${step.detail ? `  (${step.detail})` : ''}`;
}

export interface ProvisionDependencies {
  dynamoDb: DynamoDBClient;
  sqs: SQSClient;
  names: ResourceNames;
  definitions?: ResourceDefinitions;
}

/**
 * Creates whatever resource is missing and changes nothing that exists (a second run is a
 * no-op); attributes that differ from the definitions are reported as drift, not changed.
 */
export async function provisionResources(deps: ProvisionDependencies): Promise<ProvisionStep[]> {
  const definitions = deps.definitions ?? resourceDefinitions;
  const steps: ProvisionStep[] = [];
  for (const key of Object.keys(definitions.tables) as TableKey[]) {
    steps.push(...(await provisionTable(deps, definitions, key)));
  }
  // Dead-letter queues first: a queue's redrive policy needs its target's ARN.
  const queueKeys = (Object.keys(definitions.queues) as QueueKey[]).sort(
    (a, b) =>
      Number(Boolean(definitions.queues[a].deadLetter)) -
      Number(Boolean(definitions.queues[b].deadLetter)),
  );
  for (const key of queueKeys) {
    steps.push(...(await provisionQueue(deps, definitions, key)));
  }
  return steps;
}

/**
 * provisionResources once SQS and DynamoDB answer, for a backend that is starting beside us
 * (LocalStack or the emulators in compose; `docker compose up -d localstack` right before
 * `npm run dev`). Provisioning is idempotent, so it is simply run again while a call gets no
 * answer (connection refused, unknown host, timeout) or a 5xx; any other error ends it at
 * once: wrong credentials or a missing permission do not heal by waiting.
 */
export async function provisionWhenReachable(
  deps: ProvisionDependencies,
  options: { waitSeconds: number; onWait?: (reason: string) => void },
): Promise<ProvisionStep[]> {
  const deadline = Date.now() + options.waitSeconds * 1000;
  for (;;) {
    try {
      return await provisionResources(deps);
    } catch (error) {
      if (!isUnanswered(error) || Date.now() >= deadline) throw error;
      const { name, message } = error as Error;
      options.onWait?.(`${name}: ${message}`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

/** An AWS SDK call that got no answer, or a 5xx: the service is not (yet) there. */
function isUnanswered(error: unknown): boolean {
  if (!error || typeof error !== 'object' || !('$metadata' in error)) return false;
  const status = (error as { $metadata: { httpStatusCode?: number } }).$metadata.httpStatusCode;
  return status === undefined || status >= 500;
}

async function provisionTable(
  { dynamoDb, names }: ProvisionDependencies,
  definitions: ResourceDefinitions,
  key: TableKey,
): Promise<ProvisionStep[]> {
  const definition = definitions.tables[key];
  const TableName = names.tables[key];
  const steps: ProvisionStep[] = [];
  const existing = await describeTable(dynamoDb, TableName);
  const throughput =
    definition.billingMode === 'PROVISIONED'
      ? { ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 } }
      : {};
  if (existing) {
    steps.push({ resource: `table ${TableName}`, action: 'exists' });
  } else {
    const indexes = definition.indexes ?? [];
    await dynamoDb.send(
      new CreateTableCommand({
        TableName,
        AttributeDefinitions: attributeDefinitions(definition, indexes),
        KeySchema: [{ AttributeName: definition.hashKey.name, KeyType: 'HASH' }],
        BillingMode: definition.billingMode,
        ...throughput,
        ...(indexes.length > 0
          ? {
              GlobalSecondaryIndexes: indexes.map((index) => ({
                ...indexSpec(index),
                ...throughput,
              })),
            }
          : {}),
      }),
    );
    steps.push({ resource: `table ${TableName}`, action: 'created' });
  }
  await waitUntilTableExists({ client: dynamoDb, maxWaitTime: 120 }, { TableName });

  // An index added to the definitions after the table was made (an upgrade): add it. This
  // is the one change provisioning makes to something that exists; it only adds.
  const present = new Set(existing?.GlobalSecondaryIndexes?.map((index) => index.IndexName));
  for (const index of existing ? (definition.indexes ?? []) : []) {
    if (present.has(index.name)) continue;
    await dynamoDb.send(
      new UpdateTableCommand({
        TableName,
        AttributeDefinitions: attributeDefinitions(definition, [index]),
        GlobalSecondaryIndexUpdates: [{ Create: { ...indexSpec(index), ...throughput } }],
      }),
    );
    steps.push({ resource: `table ${TableName}`, action: 'index-created', detail: index.name });
  }

  if (definition.ttlAttribute) {
    const { TimeToLiveDescription } = await dynamoDb.send(
      new DescribeTimeToLiveCommand({ TableName }),
    );
    const status = TimeToLiveDescription?.TimeToLiveStatus;
    if (status !== 'ENABLED' && status !== 'ENABLING') {
      await dynamoDb.send(
        new UpdateTimeToLiveCommand({
          TableName,
          TimeToLiveSpecification: { AttributeName: definition.ttlAttribute, Enabled: true },
        }),
      );
      steps.push({
        resource: `table ${TableName}`,
        action: 'ttl-enabled',
        detail: definition.ttlAttribute,
      });
    }
  }
  return steps;
}

async function describeTable(dynamoDb: DynamoDBClient, TableName: string) {
  try {
    return (await dynamoDb.send(new DescribeTableCommand({ TableName }))).Table;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

/** Every key attribute of the table and of the given indexes, each once. */
function attributeDefinitions(definition: TableDefinition, indexes: IndexDefinition[]) {
  const keys = [
    definition.hashKey,
    ...indexes.flatMap((i) => [i.hashKey, i.rangeKey ?? []].flat()),
  ];
  const byName = new Map(keys.map((key) => [key.name, key.type]));
  return [...byName].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType }));
}

function indexSpec(index: IndexDefinition) {
  return {
    IndexName: index.name,
    KeySchema: [
      { AttributeName: index.hashKey.name, KeyType: 'HASH' as const },
      ...(index.rangeKey
        ? [{ AttributeName: index.rangeKey.name, KeyType: 'RANGE' as const }]
        : []),
    ],
    Projection: { ProjectionType: index.projection },
  };
}

async function provisionQueue(
  { sqs, names }: ProvisionDependencies,
  definitions: ResourceDefinitions,
  key: QueueKey,
): Promise<ProvisionStep[]> {
  const definition = definitions.queues[key];
  const QueueName = names.queues[key];
  const wanted: Record<string, string> = { ...definition.attributes };
  if (definition.deadLetter) {
    const targetName = names.queues[definition.deadLetter.queue as QueueKey];
    if (!targetName)
      throw new Error(`Queue ${key}: unknown dead-letter queue ${definition.deadLetter.queue}`);
    wanted.RedrivePolicy = JSON.stringify({
      deadLetterTargetArn: await queueArn(sqs, await getQueueUrl(sqs, targetName)),
      maxReceiveCount: definition.deadLetter.maxReceiveCount,
    });
  }

  const existingUrl = await findQueueUrl(sqs, QueueName);
  if (!existingUrl) {
    await sqs.send(new CreateQueueCommand({ QueueName, Attributes: wanted }));
    return [{ resource: `queue ${QueueName}`, action: 'created' }];
  }
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: existingUrl, AttributeNames: ['All'] }),
  );
  const actual: Record<string, string | undefined> = Attributes ?? {};
  const drift = Object.entries(wanted)
    .filter(([name, value]) => !sameAttribute(name, actual[name], value))
    .map(([name, value]) => `${name}: has ${actual[name] ?? '(unset)'}, definition says ${value}`);
  return drift.length === 0
    ? [{ resource: `queue ${QueueName}`, action: 'exists' }]
    : [{ resource: `queue ${QueueName}`, action: 'drift', detail: drift.join('; ') }];
}

function sameAttribute(name: string, actual: string | undefined, wanted: string): boolean {
  if (actual === undefined) return false;
  if (name !== 'RedrivePolicy') return actual === wanted;
  const a = JSON.parse(actual) as { deadLetterTargetArn: string; maxReceiveCount: number | string };
  const w = JSON.parse(wanted) as { deadLetterTargetArn: string; maxReceiveCount: number };
  return (
    a.deadLetterTargetArn === w.deadLetterTargetArn &&
    Number(a.maxReceiveCount) === w.maxReceiveCount
  );
}

async function findQueueUrl(sqs: SQSClient, QueueName: string): Promise<string | undefined> {
  try {
    return await getQueueUrl(sqs, QueueName);
  } catch (error) {
    if (error instanceof QueueDoesNotExist) return undefined;
    throw error;
  }
}

async function getQueueUrl(sqs: SQSClient, QueueName: string): Promise<string> {
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName }));
  if (!QueueUrl) throw new Error(`GetQueueUrl returned no URL for ${QueueName}`);
  return QueueUrl;
}

async function queueArn(sqs: SQSClient, QueueUrl: string): Promise<string> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  if (!Attributes?.QueueArn) throw new Error(`No QueueArn for ${QueueUrl}`);
  return Attributes.QueueArn;
}
