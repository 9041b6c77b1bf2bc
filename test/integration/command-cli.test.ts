import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { waitForOutcome } from '../../shared/client/index.ts';
import {
  createTestEnvironment,
  type TestEnvironment,
  uniqueEmail,
} from '../harness/environment.ts';
import { drainQueue } from '../support/aws-reads.ts';
import { type Finished, runToExit } from '../support/run-to-exit.ts';

/**
 * `npm run command` as operators and scripts run it: scripts/command.ts in a process of its
 * own (Node 24), configured by the environment alone, publishing through the client library
 * to the queue of this file's deployment, where an in-process worker applies it.
 */
const root = join(import.meta.dirname, '../..');
let t: TestEnvironment;
/** The same kind of deployment with no worker: what the CLI sends stays on its queue. */
let idle: TestEnvironment;

beforeAll(async () => {
  [t, idle] = await Promise.all([createTestEnvironment(), createTestEnvironment()]);
  await t.startWorker();
});
afterAll(async () => {
  await t?.close();
  await idle?.close();
});

/** Runs the CLI with `stdin` piped in (and closed); resolves once it has exited. */
function runCli(env: Record<string, string>, args: string[], stdin = ''): Promise<Finished> {
  return runToExit(process.execPath, ['scripts/command.ts', ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdin,
  });
}

async function settledRecord(commandId: string) {
  return vi.waitFor(
    async () => {
      const record = await t.getCommandRecord(commandId);
      expect(record?.status).toMatch(/^(succeeded|rejected)$/);
      return record;
    },
    { timeout: 20_000, interval: 100 },
  );
}

const names = (email: string) => [
  '--email',
  email,
  '--first-name',
  'Ada',
  '--last-name',
  'Lovelace',
];

describe('npm run command', () => {
  it('creates, updates (names, then the password from stdin) and deletes a user, printing only each command id', async () => {
    const email = uniqueEmail('cli');
    const created = await runCli(t.env, ['create', ...names(email)], 'analytical engine\n');
    expect(created).toEqual({
      code: 0,
      stdout: expect.stringMatching(/^[0-9a-f-]{36}\n$/),
      stderr: '',
    });
    expect(await settledRecord(created.stdout.trim())).toMatchObject({
      status: 'succeeded',
      type: 'user.create',
    });
    const user = await t.getUser(email);
    expect(user).toMatchObject({ emailAddress: email, firstName: 'Ada', lastName: 'Lovelace' });
    expect(bcrypt.compareSync('analytical engine', String(user?.passwordHash))).toBe(true);

    const renamed = await runCli(t.env, [
      'update',
      '--email',
      email,
      '--last-name',
      'King',
      '--command-id',
      `cli-rename-${Date.now()}`,
    ]);
    expect(renamed).toEqual({
      code: 0,
      stdout: expect.stringMatching(/^cli-rename-\d+\n$/),
      stderr: '',
    });
    expect(await settledRecord(renamed.stdout.trim())).toMatchObject({
      status: 'succeeded',
      type: 'user.update',
    });
    expect(await t.getUser(email)).toMatchObject({
      firstName: 'Ada',
      lastName: 'King',
      passwordHash: user?.passwordHash,
    });

    const repassed = await runCli(
      t.env,
      ['update', '--email', email, '--password'],
      'difference engine\r\n',
    );
    expect(repassed).toEqual({
      code: 0,
      stdout: expect.stringMatching(/^[0-9a-f-]{36}\n$/),
      stderr: '',
    });
    expect(await settledRecord(repassed.stdout.trim())).toMatchObject({
      status: 'succeeded',
      type: 'user.update',
    });
    const changed = await t.getUser(email);
    expect(changed).toMatchObject({ firstName: 'Ada', lastName: 'King' });
    expect(bcrypt.compareSync('difference engine', String(changed?.passwordHash))).toBe(true);

    const deleted = await runCli(t.env, ['delete', '--email', email]);
    expect(deleted).toEqual({
      code: 0,
      stdout: expect.stringMatching(/^[0-9a-f-]{36}\n$/),
      stderr: '',
    });
    expect(await settledRecord(deleted.stdout.trim())).toMatchObject({
      status: 'succeeded',
      type: 'user.delete',
    });
    expect(await t.getUser(email)).toBeUndefined();
  }, 60_000);

  it('with --wait, prints the outcome once it is applied and exits 0', async () => {
    const email = uniqueEmail('cli-wait');
    const run = await runCli(
      t.env,
      ['create', ...names(email), '--wait'],
      'correct horse battery\n',
    );
    const [commandId, outcome, ...rest] = run.stdout.split('\n');
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect([outcome, ...rest]).toEqual(['succeeded', '']);
    // Applied before the CLI exited: no waiting here.
    expect(await t.getUser(email)).toMatchObject({ firstName: 'Ada' });
    expect((await t.getCommandRecord(commandId ?? ''))?.status).toBe('succeeded');
  }, 30_000);

  it('with --wait, prints the reason and exits 3 when the command is rejected (a create of an existing user)', async () => {
    const email = uniqueEmail('cli-taken');
    expect(
      (await runCli(t.env, ['create', ...names(email), '--wait'], 'correct horse battery\n')).code,
    ).toBe(0);
    const again = await runCli(
      t.env,
      ['create', ...names(email), '--wait'],
      'correct horse battery\n',
    );
    const [commandId, outcome, ...rest] = again.stdout.split('\n');
    const record = await t.getCommandRecord(commandId ?? '');
    expect(record).toMatchObject({ status: 'rejected', reason: expect.any(String) });
    expect(again).toMatchObject({ code: 3, stderr: '' });
    expect([outcome, ...rest]).toEqual([`rejected: ${record?.reason}`, '']);
    expect(again.stdout).not.toContain(email);
  }, 30_000);
});

describe('npm run command, refusing before anything is sent (no worker: the queue keeps all)', () => {
  it.each([
    ['--password=value', ['update', '--email', 'x@example.com', '--password=difference engine']],
    ['--password value', ['update', '--email', 'x@example.com', '--password', 'difference engine']],
  ])('refuses a password on the command line (%s), saying why', async (_, args) => {
    const run = await runCli(idle.env, args, 'difference engine\n');
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^error: --password takes no value: .*`ps`.*shell history/);
    expect(run.stderr).not.toContain('difference engine');
    expect(await idle.queueDepth()).toEqual({ visible: 0, inFlight: 0 });
  });

  it('refuses a bad email naming --email, without echoing it', async () => {
    const run = await runCli(
      idle.env,
      ['create', ...names('not-an-email@')],
      'correct horse battery\n',
    );
    expect(run).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'error: --email: must be a valid email address\nNothing was sent. `npm run command -- --help` shows the usage.\n',
    });
    expect(await idle.queueDepth()).toEqual({ visible: 0, inFlight: 0 });
  });

  it('refuses a password the contract refuses, saying why and never what it was', async () => {
    const run = await runCli(idle.env, ['create', ...names(uniqueEmail('cli-short'))], 'short\n');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: password: must be 8-72 bytes in UTF-8 .*got 5\n/);
    expect(run.stderr).not.toContain('short\n');
    expect(await idle.queueDepth()).toEqual({ visible: 0, inFlight: 0 });
  });

  // Last in this block: it leaves its command on the idle queue.
  it('with --wait, exits 6 when no outcome comes within --timeout; the queue carries a hash, never the password', async () => {
    const started = Date.now();
    const run = await runCli(
      idle.env,
      ['update', '--email', uniqueEmail('cli-idle'), '--password', '--wait', '--timeout', '1'],
      'difference engine\n',
    );
    expect(run.code).toBe(6);
    expect(run.stdout).toMatch(/^[0-9a-f-]{36}\n$/);
    expect(run.stderr).toContain(`command ${run.stdout.trim()} is still pending after 1 s`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    const [message, ...others] = await drainQueue(idle.sqs, idle.queueUrl);
    expect(others).toEqual([]);
    const body = JSON.parse(message?.Body ?? '{}');
    expect(body).toMatchObject({ commandId: run.stdout.trim(), type: 'user.update' });
    expect(bcrypt.compareSync('difference engine', body.payload.passwordHash)).toBe(true);
    expect(message?.Body).not.toContain('difference engine');
  }, 30_000);
});

describe('waitForOutcome on the commands table', () => {
  it('answers what GET /commands/{id} answers, from a plain DynamoDBClient too', async () => {
    const api = await t.startApi();
    await api.app.listen({ port: 0, host: '127.0.0.1' });
    const apiUrl = `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}`;
    const email = uniqueEmail('cli-outcome');
    const run = await runCli(t.env, ['create', ...names(email)], 'correct horse battery\n');
    const commandId = run.stdout.trim();
    const dynamodb = new DynamoDBClient({
      region: t.config.aws.region,
      endpoint: t.config.aws.dynamoDbEndpoint,
    });
    try {
      const commandsTable = t.config.resources.tables.commands;
      const fromTable = await waitForOutcome(commandId, {
        dynamodb,
        commandsTable,
        timeoutMs: 20_000,
      });
      const fromApi = await waitForOutcome(commandId, { apiUrl, timeoutMs: 20_000 });
      expect(fromTable).toMatchObject({ commandId, status: 'succeeded', type: 'user.create' });
      expect(fromTable).toStrictEqual(fromApi);
      const viaDocuments = await waitForOutcome(commandId, { dynamodb: t.dynamoDb, commandsTable });
      expect(viaDocuments).toStrictEqual(fromApi);
    } finally {
      dynamodb.destroy();
    }
  }, 30_000);
});
