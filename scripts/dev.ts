import { type ChildProcess, spawn } from 'node:child_process';
import { createDynamoDbClient, createSqsClient } from '../shared/aws-clients.ts';
import { loadConfig } from '../shared/config.ts';
import { provisionResources } from '../shared/provision.ts';
import { EMULATOR_CREDENTIALS, startEmulators } from './emulators.ts';

/**
 * `npm run dev`: the whole system on embedded emulators, no Docker. Starts fauxqs and
 * DynamoDB Local (data kept in .data/), provisions, runs the API and the worker as child
 * processes, and stops everything on Ctrl-C.
 */
const DATA_DIR = process.env.DEV_DATA_DIR ?? '.data';
const sqsPort = Number(process.env.DEV_SQS_PORT ?? 9324);
const dynamoDbPort = Number(process.env.DEV_DYNAMODB_PORT ?? 8000);

const say = (line: string) => process.stdout.write(`[dev] ${line}\n`);

say(`starting emulators (SQS on ${sqsPort}, DynamoDB on ${dynamoDbPort}, data in ${DATA_DIR}/)`);
const emulators = await startEmulators({ sqsPort, dynamoDbPort, dataDir: DATA_DIR }).catch(
  (error: Error) => {
    process.stderr.write(`[dev] could not start the emulators: ${error.message}\n`);
    process.exit(1);
  },
);

const env = {
  // The worker's /health, /ready and /metrics; and short long polls, because a stopping
  // worker lets its open receive finish rather than strand what it may bring.
  WORKER_HTTP_PORT: '9091',
  WORKER_WAIT_TIME_SECONDS: '5',
  ...process.env,
  ...emulators.env,
};
const config = loadConfig(env);
const steps = await provisionResources({
  dynamoDb: createDynamoDbClient(config.aws, {
    requestTimeoutMs: 5000,
    credentials: EMULATOR_CREDENTIALS,
  }),
  sqs: createSqsClient(config.aws, { requestTimeoutMs: 5000, credentials: EMULATOR_CREDENTIALS }),
  names: config.resources,
});
for (const step of steps)
  say(`${step.action} ${step.resource}${step.detail ? ` (${step.detail})` : ''}`);

const children: ChildProcess[] = [
  spawn(process.execPath, ['api/main.ts'], { env, stdio: 'inherit' }),
  spawn(process.execPath, ['worker/main.ts'], { env, stdio: 'inherit' }),
];
let stopping = false;
for (const child of children) {
  child.on('exit', (code) => {
    if (!stopping) {
      say(`a process exited unexpectedly (code ${code}); stopping everything`);
      void stop(1);
    }
  });
}

const base = `http://${config.env.HOST}:${config.env.PORT}`;
say(`Web page ${base}/`);
say(`API      ${base}   (docs: ${base}/docs, metrics: ${base}/metrics)`);
say(
  `Worker   http://${config.env.HOST}:${config.env.WORKER_HTTP_PORT}/health   (/ready, /metrics)`,
);
say(`SQS      ${emulators.sqsEndpoint}   DynamoDB ${emulators.dynamoDbEndpoint}`);
say('try it:');
say(
  `  curl -si -X POST ${base}/users -H 'content-type: application/json' -d '{"firstName":"Ada","lastName":"Lovelace","emailAddress":"ada@example.com","password":"correct horse"}'`,
);
say(`  curl -s '${base}/commands/<commandId>?waitSeconds=5'`);
say(`  curl -s ${base}/users/ada@example.com`);
say(`Ctrl-C stops everything; data stays in ${DATA_DIR}/ for next time.`);

async function stop(code: number) {
  stopping = true;
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        }),
    ),
  );
  await emulators.stop();
  say('stopped');
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));
