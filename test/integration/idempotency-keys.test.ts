import { randomUUID } from 'node:crypto';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Api } from '../../api/wiring.ts';
import {
  createTestEnvironment,
  type TestEnvironment,
  uniqueEmail,
} from '../harness/environment.ts';
import { drainQueue } from '../support/aws-reads.ts';
import { startFaultProxy } from '../support/fault-proxy.ts';

let t: TestEnvironment;
let api: Api;

beforeAll(async () => {
  t = await createTestEnvironment();
  api = await t.startApi();
});
afterAll(async () => t?.close());

function create(key: string, fields: { email: string; firstName?: string; password?: string }) {
  return api.app.inject({
    method: 'POST',
    url: '/users',
    headers: { 'idempotency-key': key },
    payload: {
      firstName: fields.firstName ?? 'Ada',
      lastName: 'Lovelace',
      emailAddress: fields.email,
      password: fields.password ?? 'password-1',
    },
  });
}

async function outcome(commandId: string) {
  return (
    await api.app.inject({ method: 'GET', url: `/commands/${commandId}?waitSeconds=10` })
  ).json();
}

describe('an Idempotency-Key stands for one command', () => {
  it('refuses the same key with other content (422) and queues nothing for it', async () => {
    const key = `k-${randomUUID()}`;
    const email = uniqueEmail('idem');
    expect((await create(key, { email, firstName: 'Ada' })).statusCode).toBe(202);

    const other = await create(key, { email, firstName: 'Grace' });
    expect(other.statusCode).toBe(422);
    expect(other.json()).toEqual({
      code: 'IDEMPOTENCY_KEY_REUSED',
      message: expect.stringContaining(`Idempotency-Key ${key} was already used`),
    });
    // The same request again is still welcome: the same command, not a new one.
    expect((await create(key, { email, firstName: 'Ada' })).statusCode).toBe(202);

    const queued = (await drainQueue(t.sqs, t.queueUrl)).filter(
      (m) => JSON.parse(m.Body ?? '{}').commandId === key,
    );
    expect(queued.map((m) => JSON.parse(m.Body ?? '{}').payload.firstName)).toEqual(['Ada']);
  });

  it('applies the first content of a key, never the refused one', async () => {
    await t.startWorker();
    const key = `k-${randomUUID()}`;
    const email = uniqueEmail('idem');
    expect((await create(key, { email, firstName: 'Ada' })).statusCode).toBe(202);
    expect((await create(key, { email, firstName: 'Grace' })).statusCode).toBe(422);

    expect(await outcome(key)).toMatchObject({ status: 'succeeded', type: 'user.create' });
    expect(await outcome(key)).not.toHaveProperty('reusedForOtherContent');
    expect(await t.getUser(email)).toMatchObject({ firstName: 'Ada' });
  });

  it('refuses the same key with another password, and takes the same password again', async () => {
    const key = `k-${randomUUID()}`;
    const email = uniqueEmail('idem');
    expect((await create(key, { email, password: 'first-password' })).statusCode).toBe(202);
    const otherPassword = await create(key, { email, password: 'second-password' });
    expect(otherPassword.statusCode).toBe(422);
    expect(otherPassword.json().code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect((await create(key, { email, password: 'first-password' })).statusCode).toBe(202);

    expect(await outcome(key)).toMatchObject({ status: 'succeeded' });
    const user = await t.getUser(email);
    expect(await bcrypt.compare('first-password', String(user?.passwordHash))).toBe(true);
    expect((await t.scanTable('commands')).filter((r) => r.commandId === key)).toHaveLength(1);
  });

  it('answers a repeat of an applied command with 202 and its id, and it stays applied once', async () => {
    const key = `k-${randomUUID()}`;
    const email = uniqueEmail('idem');
    expect((await create(key, { email })).statusCode).toBe(202);
    expect(await outcome(key)).toMatchObject({ status: 'succeeded' });

    // The worker's final record must still match what the API reserved for the key.
    const repeat = await create(key, { email });
    expect(repeat.statusCode).toBe(202);
    expect(repeat.json()).toEqual({ commandId: key, status: 'accepted' });
    expect(await outcome(key)).toMatchObject({ status: 'succeeded' });
    expect((await t.scanTable('commands')).filter((r) => r.commandId === key)).toHaveLength(1);
  });

  it('answers 503 and queues nothing when the ledger cannot reserve the key', async () => {
    const proxy = await startFaultProxy(t.env.AWS_ENDPOINT_URL_DYNAMODB as string);
    try {
      proxy.setRule((operation) =>
        operation === 'PutItem'
          ? { status: 500, type: 'InternalServerError', message: 'down for the test' }
          : 'pass',
      );
      const cutOff = await t.startApi({ AWS_ENDPOINT_URL_DYNAMODB: proxy.endpoint });
      const key = `k-${randomUUID()}`;
      const answer = await cutOff.app.inject({
        method: 'POST',
        url: '/users',
        headers: { 'idempotency-key': key },
        payload: {
          firstName: 'Ada',
          lastName: 'Lovelace',
          emailAddress: uniqueEmail('idem'),
          password: 'password-1',
        },
      });
      expect(answer.statusCode).toBe(503);
      expect(answer.headers['retry-after']).toBe('5');
      expect(answer.json().code).toBe('LEDGER_UNAVAILABLE');
      const queued = (await drainQueue(t.sqs, t.queueUrl)).filter(
        (m) => JSON.parse(m.Body ?? '{}').commandId === key,
      );
      expect(queued).toEqual([]);
    } finally {
      await proxy.close();
    }
  });
});
