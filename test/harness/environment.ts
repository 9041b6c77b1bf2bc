import { randomUUID } from 'node:crypto';
import bcrypt from 'bcryptjs';
import { inject } from 'vitest';
import { type Api, createApi } from '../../api/wiring.ts';
import { loadConfig } from '../../shared/config.ts';
import { SCHEMA_VERSION, type UserCommand } from '../../shared/contract/commands.ts';
import type { SettledSpy } from '../../worker/settled-spy.ts';
import { createWorker, type Worker, type WorkerOptions } from '../../worker/worker.ts';
import { type CapturedLogs, captureLogs } from '../support/capture-logs.ts';
import { recordSuiteResponses } from '../support/observed-statuses.ts';
import { type Deployment, deploy, ONE_CLIENT } from './deployment.ts';

/** A deployment on the suite's shared emulators, with the API and worker in this process. */
export interface TestEnvironment extends Deployment {
  logs: CapturedLogs;
  /** Starts an in-process API; overrides change its environment only. */
  startApi(overrides?: Record<string, string>): Promise<Api>;
  /**
   * Starts an in-process worker with a spy on what it settles; overrides change its
   * environment only (e.g. a dead endpoint).
   */
  startWorker(
    overrides?: Record<string, string>,
    options?: WorkerOptions,
  ): Promise<Worker & { spy: SettledSpy }>;
  close(): Promise<void>;
}

/**
 * Each test file gets its own tables and queues (unique names) on the shared emulators, so
 * files run in parallel without seeing each other's messages.
 */
export async function createTestEnvironment(
  overrides: Record<string, string> = {},
): Promise<TestEnvironment> {
  const emulatorEnv = inject('emulatorEnv');
  // The in-process API and worker use the standard credential chain, like in production.
  process.env.AWS_ACCESS_KEY_ID = emulatorEnv.AWS_ACCESS_KEY_ID;
  process.env.AWS_SECRET_ACCESS_KEY = emulatorEnv.AWS_SECRET_ACCESS_KEY;
  const deployment = await deploy({
    ...emulatorEnv,
    ...ONE_CLIENT,
    BCRYPT_COST: '4',
    HASH_THREADS: '2',
    WORKER_WAIT_TIME_SECONDS: '1',
    WORKER_RETRY_BASE_SECONDS: '0',
    STARTUP_TIMEOUT_SECONDS: '5',
    LOG_LEVEL: 'debug',
    ...overrides,
  });
  const { env } = deployment;
  const logs = captureLogs('test');
  const closers: (() => Promise<void>)[] = [];
  return {
    ...deployment,
    logs,
    async startApi(apiOverrides = {}) {
      const api = await createApi(
        loadConfig({ ...env, ...apiOverrides }),
        logs.log.child({ name: 'api' }),
      );
      recordSuiteResponses(api.app);
      closers.push(() => api.close());
      return api;
    },
    async startWorker(workerOverrides = {}, options = {}) {
      const worker = await createWorker(
        loadConfig({ ...env, ...workerOverrides }),
        logs.log.child({ name: 'worker' }),
        { spy: true, ...options },
      );
      worker.start();
      closers.push(() => worker.stop());
      return worker as Worker & { spy: SettledSpy };
    },
    async close() {
      for (const close of closers.reverse()) await close();
      deployment.destroy();
    },
  };
}

let sequence = 0;

/** A unique email per call, so tests never share users. */
export function uniqueEmail(label = 'user'): string {
  sequence += 1;
  return `${label}-${sequence}-${randomUUID().slice(0, 8)}@example.com`;
}

export const SAMPLE_PASSWORD = 'correct horse battery';
/** A real bcrypt hash (cost 4) for commands published straight to the queue. */
export const SAMPLE_HASH = bcrypt.hashSync(SAMPLE_PASSWORD, 4);

export function makeCommand<T extends UserCommand['type']>(
  type: T,
  payload: Extract<UserCommand, { type: T }>['payload'],
  commandId: string = randomUUID(),
): Extract<UserCommand, { type: T }> {
  return {
    schemaVersion: SCHEMA_VERSION,
    commandId,
    type,
    issuedAt: new Date().toISOString(),
    payload,
  } as Extract<UserCommand, { type: T }>;
}
