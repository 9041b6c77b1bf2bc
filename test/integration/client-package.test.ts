import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestEnvironment,
  type TestEnvironment,
  uniqueEmail,
} from '../harness/environment.ts';
import { runToExit } from '../support/run-to-exit.ts';

/**
 * `event-driven-user-service/client` the way another team consumes it: the `npm pack`
 * tarball installed into a project of its own, imported from plain JavaScript by plain
 * Node 24 (no TypeScript loader), and type-checked from TypeScript against its declarations.
 */
const root = join(import.meta.dirname, '../..');
const consumer = mkdtempSync(join(tmpdir(), 'client-consumer-'));
let t: TestEnvironment;
let apiUrl: string;

beforeAll(async () => {
  t = await createTestEnvironment();
  await t.startWorker();
  const api = await t.startApi();
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  apiUrl = `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}`;
  execFileSync('npm', ['pack', '--silent', '--pack-destination', consumer], { cwd: root });
  const [tarball] = readdirSync(consumer).filter((file) => file.endsWith('.tgz'));
  writeFileSync(
    join(consumer, 'package.json'),
    '{"name":"consumer","private":true,"type":"module"}',
  );
  execFileSync(
    'npm',
    ['install', `./${tarball}`, '--omit=dev', '--no-audit', '--no-fund', '--loglevel=error'],
    { cwd: consumer },
  );
}, 180_000);
afterAll(async () => {
  await t?.close();
  rmSync(consumer, { recursive: true, force: true });
});

/**
 * Runs a plain JavaScript module in the consumer project; returns what it printed as JSON.
 * Asynchronously: the API and the worker it talks to run in this process.
 */
async function runConsumer(source: string): Promise<Record<string, unknown>> {
  writeFileSync(join(consumer, 'main.mjs'), source);
  const { code, stdout, stderr } = await runToExit(process.execPath, ['main.mjs'], {
    cwd: consumer,
    env: { PATH: process.env.PATH ?? '', ...t.env, API_URL: apiUrl },
  });
  expect(stderr).toBe('');
  expect(code).toBe(0);
  return JSON.parse(stdout);
}

const CLIENT = `
import { SQSClient } from '@aws-sdk/client-sqs';
import { createUserCommandsClient, hashPassword, waitForOutcome, ContractError } from 'event-driven-user-service/client';
// Against an emulator: its queue URLs name a host that does not resolve (docs/publishing.md).
const sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
const client = createUserCommandsClient({ sqs, queueName: process.env.COMMAND_QUEUE });
`;

describe('the client library, installed from its tarball', () => {
  it('publishes every command type from plain JavaScript, and each is applied', async () => {
    const [a, b, c] = [uniqueEmail('client-a'), uniqueEmail('client-b'), uniqueEmail('client-c')];
    const printed = await runConsumer(`${CLIENT}
const passwordHash = await hashPassword('correct horse battery', 4);
const created = await client.create({ emailAddress: ${JSON.stringify(a.toUpperCase())}, firstName: 'Ada', lastName: 'L', passwordHash });
const outcome = await waitForOutcome(created, { apiUrl: process.env.API_URL, timeoutMs: 20000 });
await client.update({ emailAddress: ${JSON.stringify(a)}, lastName: 'Lovelace' });
await client.create({ emailAddress: ${JSON.stringify(b)}, firstName: 'B', lastName: 'B', passwordHash });
const deleted = await client.delete({ emailAddress: ${JSON.stringify(b)} });
const batch = await client.publishBatch([
  { type: 'user.create', payload: { emailAddress: ${JSON.stringify(c)}, firstName: 'C', lastName: 'C', passwordHash } },
  { type: 'user.update', payload: { emailAddress: ${JSON.stringify(c)}, firstName: 'Cee' }, commandId: 'client-batch-' + Date.now() },
]);
const last = await waitForOutcome(batch[1], { apiUrl: process.env.API_URL, timeoutMs: 20000 });
const gone = await waitForOutcome(deleted, { apiUrl: process.env.API_URL, timeoutMs: 20000 });
console.log(JSON.stringify({ outcome, last, gone }));
`);
    expect(printed).toMatchObject({
      outcome: { status: 'succeeded', type: 'user.create' },
      last: { status: 'succeeded', type: 'user.update' },
      gone: { status: 'succeeded', type: 'user.delete' },
    });
    await expect.poll(async () => (await t.getUser(a))?.lastName).toBe('Lovelace');
    expect(await t.getUser(b)).toBeUndefined();
    expect(await t.getUser(c)).toMatchObject({ firstName: 'Cee', lastName: 'C' });
  });

  it('refuses a wrong command before it reaches the queue, naming the field', async () => {
    const commandId = `client-wrong-${Date.now()}`;
    const printed = await runConsumer(`${CLIENT}
try {
  await client.update({ emailAddress: 'not an email', nickname: 'x' }, { commandId: '${commandId}' });
  console.log(JSON.stringify({ sent: true }));
} catch (error) {
  console.log(JSON.stringify({ name: error.name, isContractError: error instanceof ContractError, message: error.message, issues: error.issues }));
}
`);
    expect(printed).toEqual({
      name: 'ContractError',
      isContractError: true,
      message: expect.stringMatching(/^invalid user\.update command, nothing sent: /),
      issues: expect.arrayContaining([
        { path: 'payload.emailAddress', message: expect.any(String) },
        { path: 'payload', message: expect.stringContaining('nickname') },
      ]),
    });
    expect(await t.queueDepth()).toEqual({ visible: 0, inFlight: 0 });
    expect(await t.getCommandRecord(commandId)).toBeUndefined();
  });

  it('gives TypeScript consumers real types', () => {
    writeFileSync(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: [],
        },
        files: ['typed.ts'],
      }),
    );
    writeFileSync(
      join(consumer, 'typed.ts'),
      `import type { SQSClient } from '@aws-sdk/client-sqs';
import { createUserCommandsClient, type UserCommandsClient } from 'event-driven-user-service/client';
declare const sqs: SQSClient;
const client: UserCommandsClient = createUserCommandsClient({ sqs, queueUrl: 'https://example' });
export const ok: Promise<string> = client.delete({ emailAddress: 'a@example.com' });
// @ts-expect-error: a create needs firstName, lastName and passwordHash
export const wrong = client.create({ emailAddress: 'a@example.com' });
`,
    );
    const tsc = spawnSync(join(root, 'node_modules/.bin/tsc'), ['-p', consumer], {
      encoding: 'utf8',
    });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  });
});
