import { createDynamoDbClient, createSqsClient } from '../shared/aws-clients.ts';
import { loadConfigOrExit } from '../shared/config.ts';
import { describeProvisionStep, provisionResources } from '../shared/provision.ts';

/** `npm run provision`: creates the tables and queues the environment names, wherever it points. */
const config = loadConfigOrExit();
const target = config.aws.sqsEndpoint ?? `AWS ${config.aws.region}`;
process.stdout.write(`Provisioning against ${target} (region ${config.aws.region})\n`);

const steps = await provisionResources({
  dynamoDb: createDynamoDbClient(config.aws, { requestTimeoutMs: 10_000 }),
  sqs: createSqsClient(config.aws, { requestTimeoutMs: 10_000 }),
  names: config.resources,
});
for (const step of steps) process.stdout.write(`  ${describeProvisionStep(step)}\n`);
const drifted = steps.filter((step) => step.action === 'drift');
if (drifted.length > 0) {
  process.stdout.write('Drift is reported, not changed: fix the queue by hand or recreate it.\n');
}
