import { type ChildProcess, spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { createDynamoDbClient, createSqsClient } from '../../shared/aws-clients.ts';
import { loadConfig } from '../../shared/config.ts';
import { describeProvisionStep, provisionWhenReachable } from '../../shared/provision.ts';
import { tracingRequested } from '../../shared/telemetry.ts';
import { EMULATOR_CREDENTIALS, startEmulators } from './emulators.ts';

/**
 * `npm run dev`: the whole system on your machine. By default on embedded emulators (fauxqs
 * and DynamoDB Local, data kept in .data/, no Docker); with `--endpoint URL` or
 * AWS_ENDPOINT_URL on one that already runs (LocalStack in Docker, say). Provisions, then
 * runs the API and the worker under `node --watch`, so each restarts when its code changes.
 * Ctrl-C stops everything.
 */
const { values: options } = parseArgs({
  options: { endpoint: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
});
if (options.help) {
  process.stdout.write(
    'usage: npm run dev [-- --endpoint URL]\n' +
      '  no endpoint: embedded fauxqs and DynamoDB Local (DEV_SQS_PORT, DEV_DYNAMODB_PORT, DEV_DATA_DIR)\n' +
      '  --endpoint URL, or AWS_ENDPOINT_URL: an SQS and DynamoDB that already run, e.g. LocalStack\n',
  );
  process.exit(0);
}
const say = (line: string) => process.stdout.write(`[dev] ${line}\n`);
const fail = (line: string): never => {
  process.stderr.write(`[dev] ${line}\n`);
  process.exit(1);
};

const running =
  options.endpoint ??
  ['AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_SQS', 'AWS_ENDPOINT_URL_DYNAMODB']
    .map((name) => process.env[name])
    .find(Boolean);
const backend = running ? useRunningEndpoint(options.endpoint) : await startEmbeddedEmulators();
const env: Record<string, string | undefined> = {
  // The worker's /health, /ready and /metrics; and short long polls, because a stopping
  // worker lets its open receive finish rather than strand what it may bring.
  WORKER_HTTP_PORT: '9091',
  WORKER_WAIT_TIME_SECONDS: '5',
  ...process.env,
  ...backend.env,
};
const config = loadConfig(env);
const clientOptions = { requestTimeoutMs: 5000, credentials: EMULATOR_CREDENTIALS };
const steps = await provisionWhenReachable(
  {
    dynamoDb: createDynamoDbClient(config.aws, clientOptions),
    sqs: createSqsClient(config.aws, clientOptions),
    names: config.resources,
  },
  // A backend started right before (`docker compose up -d localstack`) gets time to come up.
  { waitSeconds: 60, onWait: (reason) => say(`waiting for ${backend.description}: ${reason}`) },
).catch((error: Error) =>
  fail(`could not provision on ${backend.description}: ${error.name}: ${error.message}`),
);
for (const step of steps) say(describeProvisionStep(step));

// `--watch` restarts a process when a file it loaded changes; one that crashes waits for
// the fix instead of taking the others down.
const children: ChildProcess[] = ['api/main.ts', 'worker/main.ts'].map((entry) =>
  spawn(process.execPath, ['--watch', '--watch-preserve-output', entry], {
    env,
    stdio: 'inherit',
  }),
);
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
say(`AWS      ${backend.description}`);
say(
  tracingRequested(env)
    ? `Tracing  on: OTLP/HTTP to ${env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT}`
    : 'Tracing  off; to turn it on, run with OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 (a collector, Jaeger, Tempo; docs/tracing.md)',
);
say('try it:');
say(
  `  curl -si -X POST ${base}/users -H 'content-type: application/json' -d '{"firstName":"Ada","lastName":"Lovelace","emailAddress":"ada@example.com","password":"correct horse"}'`,
);
say(`  curl -s '${base}/commands/<commandId>?waitSeconds=5'`);
say(`  curl -s ${base}/users/ada@example.com`);
say(`Editing api/, worker/ or shared/ restarts what uses it. Ctrl-C stops everything.`);

interface Backend {
  env: Record<string, string>;
  description: string;
  stop(): Promise<void>;
}

async function startEmbeddedEmulators(): Promise<Backend> {
  const dataDir = process.env.DEV_DATA_DIR ?? '.data';
  const sqsPort = Number(process.env.DEV_SQS_PORT ?? 9324);
  const dynamoDbPort = Number(process.env.DEV_DYNAMODB_PORT ?? 8000);
  say(`starting emulators (SQS on ${sqsPort}, DynamoDB on ${dynamoDbPort}, data in ${dataDir}/)`);
  const emulators = await startEmulators({ sqsPort, dynamoDbPort, dataDir }).catch((error: Error) =>
    fail(`could not start the emulators: ${error.message}`),
  );
  return {
    env: emulators.env,
    description: `embedded: SQS ${emulators.sqsEndpoint}, DynamoDB ${emulators.dynamoDbEndpoint}, data kept in ${dataDir}/`,
    stop: () => emulators.stop(),
  };
}

/**
 * LocalStack, or any SQS and DynamoDB that already run: `--endpoint` or the AWS_ENDPOINT_URL
 * variables (the SDK's) say where. Emulators accept any credentials.
 */
function useRunningEndpoint(url: string | undefined): Backend {
  if (url !== undefined && !URL.canParse(url))
    fail(`--endpoint ${url} is not a URL (e.g. http://localhost:4566)`);
  const where =
    url ??
    process.env.AWS_ENDPOINT_URL ??
    [process.env.AWS_ENDPOINT_URL_SQS, process.env.AWS_ENDPOINT_URL_DYNAMODB]
      .filter(Boolean)
      .join(' and ');
  return {
    env: {
      ...(url ? { AWS_ENDPOINT_URL: url } : {}),
      AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
      AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? EMULATOR_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY:
        process.env.AWS_SECRET_ACCESS_KEY ?? EMULATOR_CREDENTIALS.secretAccessKey,
    },
    description: `${where} (already running; its data is its own)`,
    stop: async () => {},
  };
}

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
  await backend.stop();
  say('stopped');
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));
