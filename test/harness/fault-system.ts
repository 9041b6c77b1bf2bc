import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { EMULATOR_CREDENTIALS } from '../../scripts/dev/emulators.ts';
import {
  recordSuiteLogLines,
  recordSuiteMessages,
  recordSuiteRecords,
} from '../support/secrecy.ts';
import { type CuttableLink, startCuttableLink } from './cuttable-link.ts';
import { type Deployment, deploy, PROCESS_TEST_SETTINGS } from './deployment.ts';
import { type RestartableEmulator, startDynamoDbEmulator, startSqsEmulator } from './emulators.ts';
import { type ServiceProcess, startService, stopService } from './processes.ts';

/**
 * A whole deployment for one fault test file: its own fauxqs and DynamoDB Local (persisted to
 * a temporary folder, so either can be restarted without losing data), its own
 * tables and queues, and the real API and worker processes on top.
 */
export interface FaultSystem extends Deployment {
  sqsEmulator: RestartableEmulator;
  dynamoDbEmulator: RestartableEmulator;
  startWorker(
    name: string,
    overrides?: Record<string, string>,
    kind?: 'worker' | 'worker-v2',
  ): Promise<ServiceProcess>;
  startApi(overrides?: Record<string, string>): Promise<ServiceProcess>;
  /** Every process started so far, stopped or not (their logs outlive them). */
  services: ServiceProcess[];
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
  const deployment = await deploy({
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_SQS: sqsEmulator.endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: dynamoDbEmulator.endpoint,
    ...PROCESS_TEST_SETTINGS,
    ...overrides,
  });
  const { env } = deployment;
  const services: ServiceProcess[] = [];
  const start = async (
    kind: 'api' | 'worker' | 'worker-v2',
    name: string,
    more: Record<string, string>,
  ) => {
    // Every line also goes to the suite-wide secrecy check (test/global-setup.ts).
    const service = await startService(
      kind,
      { ...env, ...more },
      { name, onLines: recordSuiteLogLines },
    );
    services.push(service);
    return service;
  };

  return {
    ...deployment,
    sqsEmulator,
    dynamoDbEmulator,
    services,
    startWorker: (name, workerOverrides = {}, kind = 'worker') =>
      start(kind, name, workerOverrides),
    startApi: (apiOverrides = {}) => start('api', 'api', apiOverrides),
    async close() {
      await Promise.all(services.map((service) => stopService(service)));
      recordSuiteRecords(await deployment.scanTable('commands').catch(() => []));
      deployment.destroy();
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
