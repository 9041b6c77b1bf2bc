import { randomUUID } from 'node:crypto';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { findFreePort } from '../scripts/dev/emulators.ts';
import { SCHEMA_VERSION, type UserCommand } from '../shared/contract/commands.ts';
import { commandMessage } from '../shared/contract/message.ts';
import { type Deployment, deploy, ONE_CLIENT } from '../test/harness/deployment.ts';
import {
  type ApiProcess,
  type ServiceKind,
  type ServiceProcess,
  startService,
} from '../test/harness/processes.ts';

/** One isolated set of tables and queues, and clients for it. */
export type Resources = Deployment;

/** The API on every core, as one would run it on a host of this size (or API_PROCESSES). */
export function benchApiProcesses(): number {
  return Number(process.env.API_PROCESSES ?? availableParallelism());
}

/**
 * H and I simulate many clients, and the per-client limits are what they test: every limit
 * at its default, and the API trusting X-Forwarded-For from the loopback, as behind a load
 * balancer (docs/security.md), so each simulated client names its address (clients.ts).
 * Giving each client a loopback source address of its own (127.0.0.2, ...) would need no
 * header, but only Linux routes 127/8 without setup, and the smoke test runs everywhere;
 * the header costs both sides of each figure the same.
 */
export const MANY_CLIENTS: Record<string, string> = { TRUST_PROXY: '127.0.0.1' };

/** Settings under study, passed through from the bench's own environment. */
function tuning(): Record<string, string> {
  const names = [
    'WORKER_POLLERS',
    'WORKER_BATCH_SIZE',
    'HASH_THREADS',
    'PUBLISH_BATCH_WINDOW_MS',
    'BCRYPT_COST',
  ];
  return Object.fromEntries(
    names.flatMap((name) => (process.env[name] ? [[name, process.env[name]]] : [])),
  );
}

export async function newResources(
  emulatorEnv: Record<string, string>,
  label: string,
  clients: Record<string, string> = ONE_CLIENT,
): Promise<Resources> {
  const env = {
    ...emulatorEnv,
    PORT: String(await findFreePort()),
    LOG_LEVEL: 'info',
    API_PROCESSES: String(benchApiProcesses()),
    ...clients,
    ...tuning(),
  };
  return deploy(env, { label, requestTimeoutMs: 30_000 });
}

export function createCommand(
  index: number,
  passwordHash: string,
  prefix = 'u',
): Extract<UserCommand, { type: 'user.create' }> {
  return {
    schemaVersion: SCHEMA_VERSION,
    commandId: randomUUID(),
    type: 'user.create',
    issuedAt: new Date().toISOString(),
    payload: {
      emailAddress: `${prefix}-${index}@bench.io`,
      firstName: 'Bench',
      lastName: 'Mark',
      passwordHash,
    },
  };
}

/** Fills the queue quickly (batches of 10, several in flight): setup, not a measurement. */
export async function prefillQueue(resources: Resources, commands: UserCommand[]): Promise<void> {
  const batches: UserCommand[][] = [];
  for (let i = 0; i < commands.length; i += 10) batches.push(commands.slice(i, i + 10));
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < batches.length) {
        const batch = batches[next++] ?? [];
        await resources.sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: resources.queueUrl,
            Entries: batch.map((command, index) => ({
              Id: String(index),
              ...commandMessage(command),
            })),
          }),
        );
      }
    }),
  );
}

/** Every command record in the table (the worker's output), for counting and timing. */
export async function commandRecords(resources: Resources): Promise<{ processedAt: string }[]> {
  const items: { processedAt: string }[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await resources.dynamoDb.send(
      new ScanCommand({
        TableName: resources.config.resources.tables.commands,
        ProjectionExpression: 'processedAt',
        ExclusiveStartKey,
      }),
    );
    items.push(...((page.Items ?? []) as { processedAt: string }[]));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/**
 * A service under measurement: bench/probe.ts loaded, its log in a temp file (as a
 * deployment would ship it), and a CPU profile when BENCH_PROFILE_DIR is set.
 */
export function startBenchService(
  kind: 'api' | 'tutorial',
  env: Record<string, string>,
): Promise<ApiProcess>;
export function startBenchService(
  kind: ServiceKind,
  env: Record<string, string>,
): Promise<ServiceProcess>;
export function startBenchService(kind: ServiceKind, env: Record<string, string>) {
  const profileDir = process.env.BENCH_PROFILE_DIR;
  return startService(kind, env, {
    probe: true,
    logFile: join(tmpdir(), `bench-${kind}-${process.pid}-${Date.now()}.log`),
    nodeOptions: profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
  });
}
