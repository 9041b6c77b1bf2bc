import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';
import { readCompose, serviceOf } from './support/compose.ts';

/**
 * The healthchecks of the emulators profile, run as the containers run them but against the
 * suite's fauxqs and DynamoDB Local: the versions the images are pinned to.
 */
const compose = readCompose(join(import.meta.dirname, '../../docker-compose.yml'));
const run = promisify(execFile);

/** Runs a CMD-form healthcheck with its URL moved from the container to the given endpoint. */
async function probe(test: string[], endpoint: string): Promise<number> {
  const [form, program = '', ...args] = test;
  expect(form).toBe('CMD');
  const url = new URL(args.at(-1) ?? '');
  const moved = args.map((arg) => (arg === url.href ? `${endpoint}${url.pathname}` : arg));
  try {
    await run(program, moved, { timeout: 10_000 });
    return 0;
  } catch (error) {
    return (error as { code: number }).code;
  }
}

describe('the emulator healthchecks, against the engines themselves', () => {
  const env = inject('emulatorEnv');

  it('find fauxqs healthy, and nothing healthy where nothing listens', async () => {
    const test = serviceOf(compose, 'fauxqs').healthcheck?.test ?? [];
    expect(await probe(test, env.AWS_ENDPOINT_URL_SQS as string)).toBe(0);
    expect(await probe(test, 'http://127.0.0.1:9')).not.toBe(0);
  });

  it('find DynamoDB Local healthy by a ListTables it accepts', async () => {
    const test = serviceOf(compose, 'dynamodb-local').healthcheck?.test ?? [];
    expect(await probe(test, env.AWS_ENDPOINT_URL_DYNAMODB as string)).toBe(0);
    expect(await probe(test, 'http://127.0.0.1:9')).not.toBe(0);
  });

  it('fail on DynamoDB Local answering with an error, not only on a closed port', async () => {
    const test = serviceOf(compose, 'dynamodb-local').healthcheck?.test ?? [];
    const index = test.findIndex((arg) => arg.startsWith('Authorization:'));
    expect(index).toBeGreaterThan(0);
    // Without a credential DynamoDB Local answers 400 MissingAuthenticationToken.
    const withoutCredential = test.filter((_, i) => i !== index && i !== index - 1);
    expect(await probe(withoutCredential, env.AWS_ENDPOINT_URL_DYNAMODB as string)).not.toBe(0);
  });
});
