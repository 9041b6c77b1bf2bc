import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { DeadLetter, Listing } from '../../../scripts/dlq/dead-letters.ts';
import type { RedriveResult } from '../../../scripts/dlq/redrive.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Runs `scripts/dlq.ts` (what `npm run dlq` runs) as its own process; returns its stdout. */
export async function runDlq(env: Record<string, string>, args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ['scripts/dlq.ts', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    timeout: 60_000,
  });
  return stdout;
}

export async function dlqList(env: Record<string, string>, args: string[] = []): Promise<Listing> {
  return JSON.parse(await runDlq(env, ['list', '--json', ...args])) as Listing;
}

export async function dlqRedrive(
  env: Record<string, string>,
  args: string[] = [],
): Promise<RedriveResult> {
  return JSON.parse(await runDlq(env, ['redrive', '--json', ...args])) as RedriveResult;
}

export type { DeadLetter };
