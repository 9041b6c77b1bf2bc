import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { type Fauxqs, findFreePort, launchFauxqs } from '../../scripts/dev/emulators.ts';
import { suffixedResourceNames } from '../../shared/resources.ts';

/**
 * `npm run provision -- --wait`, as the compose `provision` service runs it: a backend that
 * is still starting gets time to answer; an error with an answer ends it at once.
 */
const root = join(import.meta.dirname, '../..');
let lateSqs: Fauxqs | undefined;
afterAll(async () => lateSqs?.stop());

function provision(env: Record<string, string>, wait: string) {
  const child = spawn(process.execPath, ['scripts/provision.ts', '--wait', wait], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...inject('emulatorEnv'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const startedAt = performance.now();
  return {
    output: () => output,
    exited: new Promise<{ code: number | null; seconds: number }>((resolve) =>
      child.once('exit', (code) =>
        resolve({ code, seconds: (performance.now() - startedAt) / 1000 }),
      ),
    ),
  };
}

describe('npm run provision -- --wait', () => {
  it('waits for an SQS that starts late, then creates everything', async () => {
    const port = await findFreePort();
    const run = provision(
      {
        ...suffixedResourceNames(`wait-${Date.now()}`),
        AWS_ENDPOINT_URL_SQS: `http://127.0.0.1:${port}`,
      },
      '30',
    );
    while (!run.output().includes('waiting for the backend to answer')) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    lateSqs = await launchFauxqs({ port, dataDir: undefined, recordMessages: false });
    const { code } = await run.exited;
    expect(run.output()).toMatch(/waiting for the backend to answer \(.*ECONNREFUSED/);
    expect(run.output()).toMatch(/created +queue user-commands-wait-\d+\.fifo/);
    expect(code).toBe(0);
  });

  it('gives up at once on an error that waiting cannot heal (credentials DynamoDB refuses)', async () => {
    const run = provision(
      { ...suffixedResourceNames(`bad-${Date.now()}`), AWS_ACCESS_KEY_ID: 'not-valid!' },
      '30',
    );
    const { code, seconds } = await run.exited;
    expect(code).toBe(1);
    expect(run.output()).toMatch(/^Provisioning failed: Unrecognized/m);
    expect(run.output()).not.toMatch(/waiting for the backend/);
    expect(seconds).toBeLessThan(15);
  });
});
