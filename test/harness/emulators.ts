import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import {
  type Fauxqs,
  findFreePort,
  launchDynamoDbLocal,
  launchFauxqs,
  publishedBodies,
  stopProcess,
} from '../../scripts/dev/emulators.ts';

/** One emulator that can be stopped and started again on the same port with the same data. */
export interface RestartableEmulator {
  endpoint: string;
  stop(): Promise<void>;
  /** Starts it again after stop(): same port, same data directory, so no data is lost. */
  restart(): Promise<void>;
}

/**
 * fauxqs alone, for tests that take SQS away and bring it back. `dataDir` keeps the queued
 * messages across a restart (without it a restart starts empty).
 */
export async function startSqsEmulator(
  options: { dataDir?: string } = {},
): Promise<RestartableEmulator & { publishedMessageBodies(): string[] }> {
  const dataDir = options.dataDir ? resolve(options.dataDir) : undefined;
  const port = await findFreePort();
  const start = () => launchFauxqs({ port, dataDir, recordMessages: true });
  let server: Fauxqs | undefined = await start();
  // Messages sent before a restart, kept for the suite-wide secrecy check.
  const earlier: string[] = [];
  return {
    endpoint: `http://127.0.0.1:${port}`,
    publishedMessageBodies: () => [...earlier, ...publishedBodies(server)],
    async stop() {
      earlier.push(...publishedBodies(server));
      await server?.stop();
      server = undefined;
    },
    async restart() {
      if (server) throw new Error('the SQS emulator is already running');
      server = await start();
    },
  };
}

/**
 * DynamoDB Local alone, for tests that take DynamoDB away and bring it back. With a
 * `dataDir`, tables and items survive a restart.
 */
export async function startDynamoDbEmulator(
  options: { dataDir?: string } = {},
): Promise<RestartableEmulator> {
  const dataDir = options.dataDir ? resolve(options.dataDir) : undefined;
  const port = await findFreePort();
  let child: ChildProcess | undefined = await launchDynamoDbLocal({ port, dataDir });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async stop() {
      if (child) await stopProcess(child);
      child = undefined;
    },
    async restart() {
      if (child) throw new Error('DynamoDB Local is already running');
      child = await launchDynamoDbLocal({ port, dataDir });
    },
  };
}

/**
 * Both emulators in a process of their own (the bench's): a load generator must not share
 * its event loop with the SQS emulator it measures.
 */
export async function startEmulatorsInOwnProcess(): Promise<{
  env: Record<string, string>;
  stop(): Promise<void>;
}> {
  const child = spawn(
    process.execPath,
    [new URL('./emulators-process.ts', import.meta.url).pathname],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const [line] = (await once(lines, 'line')) as [string];
  lines.close();
  return { env: JSON.parse(line), stop: () => stopProcess(child) };
}
