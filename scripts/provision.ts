import { parseArgs } from 'node:util';
import { createDynamoDbClient, createSqsClient } from '../shared/aws-clients.ts';
import { loadConfigOrExit } from '../shared/config.ts';
import { describeProvisionStep, provisionWhenReachable } from '../shared/provision.ts';

/**
 * `npm run provision [-- --wait SECONDS]`: creates the tables and queues the environment
 * names, wherever it points. `--wait` gives a backend that is still starting that long to
 * answer (the compose `provision` service waits for LocalStack or the emulators this way).
 */
const { values } = parseArgs({ options: { wait: { type: 'string', default: '0' } } });
const waitSeconds = Number(values.wait);
if (!Number.isInteger(waitSeconds) || waitSeconds < 0) {
  process.stderr.write(`--wait must be a whole number of seconds, got "${values.wait}"\n`);
  process.exit(2);
}
const config = loadConfigOrExit();
const target = config.aws.sqsEndpoint ?? `AWS ${config.aws.region}`;
process.stdout.write(`Provisioning against ${target} (region ${config.aws.region})\n`);

const steps = await provisionWhenReachable(
  {
    dynamoDb: createDynamoDbClient(config.aws, { requestTimeoutMs: 10_000 }),
    sqs: createSqsClient(config.aws, { requestTimeoutMs: 10_000 }),
    names: config.resources,
  },
  {
    waitSeconds,
    onWait: (reason) => process.stdout.write(`  waiting for the backend to answer (${reason})\n`),
  },
).catch((error: Error) => {
  process.stderr.write(`Provisioning failed: ${error.name}: ${error.message}\n`);
  process.exit(1);
});
for (const step of steps) process.stdout.write(`  ${describeProvisionStep(step)}\n`);
const drifted = steps.filter((step) => step.action === 'drift');
if (drifted.length > 0) {
  process.stdout.write('Drift is reported, not changed: fix the queue by hand or recreate it.\n');
}
