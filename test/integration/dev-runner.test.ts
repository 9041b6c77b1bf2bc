import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { utimesSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { findFreePort } from '../../scripts/dev/emulators.ts';
import { suffixedResourceNames } from '../../shared/resources.ts';
import { uniqueEmail } from '../harness/environment.ts';
import { recordSuiteLogLines } from '../support/secrecy.ts';

/**
 * `npm run dev` against an SQS and a DynamoDB that already run (the LocalStack development
 * loop; here the suite's emulators, named by the SDK's AWS_ENDPOINT_URL_* variables): it
 * provisions them, runs both processes, and restarts the API when its code changes.
 */
const root = join(import.meta.dirname, '../..');
let runner: ChildProcess | undefined;
let output = '';

afterAll(async () => {
  recordSuiteLogLines(output.split('\n').filter((line) => line.startsWith('{')));
  if (runner && runner.exitCode === null) {
    runner.kill('SIGKILL');
    await once(runner, 'exit');
  }
});

function outputLines(pattern: RegExp): number {
  return output.split('\n').filter((line) => pattern.test(line)).length;
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!condition()) {
    if (runner?.exitCode !== null) throw new Error(`dev runner exited; output:\n${output}`);
    if (Date.now() > deadline) throw new Error(`no ${what} within 30 s; output:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('npm run dev on a running endpoint', () => {
  it('provisions it, applies a command end to end, restarts the API on a change, stops on Ctrl-C', async () => {
    const port = await findFreePort();
    runner = spawn(process.execPath, ['scripts/dev/run.ts'], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        ...inject('emulatorEnv'),
        ...suffixedResourceNames(`dev-${Date.now()}`),
        PORT: String(port),
        WORKER_HTTP_PORT: String(await findFreePort()),
        BCRYPT_COST: '4',
        LOG_PRETTY: 'false',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [runner.stdout, runner.stderr]) {
      stream?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
    }
    const listening = /"msg":"Server listening at/;
    await until(
      () => outputLines(listening) === 1 && /"msg":"worker polling"/.test(output),
      'start',
    );
    expect(output).toMatch(/\[dev\] created +table users-dev-/);
    expect(output).not.toMatch(/starting emulators/);

    const base = `http://127.0.0.1:${port}`;
    const accepted = await fetch(`${base}/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        firstName: 'Dev',
        lastName: 'Loop',
        emailAddress: uniqueEmail('dev'),
        password: 'correct horse battery',
      }),
    });
    expect(accepted.status).toBe(202);
    const { commandId } = (await accepted.json()) as { commandId: string };
    const outcome = await fetch(`${base}/commands/${commandId}?waitSeconds=10`);
    expect(await outcome.json()).toMatchObject({ commandId, status: 'succeeded' });

    const now = new Date();
    utimesSync(join(root, 'api/wiring.ts'), now, now);
    await until(() => outputLines(listening) === 2, 'restart of the API');
    expect(output).toMatch(/Restarting 'api\/main\.ts'/);

    runner.kill('SIGINT');
    const [code] = (await once(runner, 'exit')) as [number | null];
    expect(code).toBe(0);
    expect(output).toMatch(/\[dev\] stopped/);
  });
});
