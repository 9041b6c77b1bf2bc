import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { Api } from '../../api/wiring.ts';
import {
  createTestEnvironment,
  type TestEnvironment,
  uniqueEmail,
} from '../harness/environment.ts';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.ts';

const environments: TestEnvironment[] = [];
const proxies: FaultProxy[] = [];
afterAll(async () => {
  for (const t of environments) await t.close();
  for (const proxy of proxies) await proxy.close();
});

async function apiWith(overrides: Record<string, string>): Promise<Api> {
  const t = await createTestEnvironment(overrides);
  environments.push(t);
  return t.startApi();
}

/** A create from the client at `address`, and when its answer came. */
async function create(api: Api, address: string) {
  const response = await api.app.inject({
    method: 'POST',
    url: '/users',
    remoteAddress: address,
    payload: {
      firstName: 'F',
      lastName: 'L',
      emailAddress: uniqueEmail('fair'),
      password: 'password-1',
    },
  });
  return {
    status: response.statusCode,
    body: response.json(),
    headers: response.headers,
    at: performance.now(),
  };
}

describe('the password-hashing queue', () => {
  it('takes clients in turn: one client’s burst delays another’s create by a hash or two', async () => {
    // One thread, cost 10 (about 80 ms a hash): the burst's share alone takes most of a second.
    const api = await apiWith({
      HASH_THREADS: '1',
      BCRYPT_COST: '10',
      HASH_QUEUE_PER_CLIENT: '8',
      HASH_QUEUE_MAX: '64',
    });
    const burst = Array.from({ length: 40 }, () => create(api, '10.0.0.1'));
    // Let the burst fill its share of the queue first.
    await new Promise((resolve) => setImmediate(resolve));
    const single = await create(api, '10.0.0.2');
    const answers = await Promise.all(burst);

    expect(single.status).toBe(202);
    const accepted = answers.filter((a) => a.status === 202).sort((a, b) => a.at - b.at);
    expect(accepted).toHaveLength(8);
    // Answered second or third, not ninth: at most two of the burst's hashes went first.
    expect(accepted.filter((a) => a.at < single.at).length).toBeLessThanOrEqual(2);
  });

  it('refuses a client past its share at once with 429 and Retry-After', async () => {
    const api = await apiWith({ HASH_THREADS: '1', BCRYPT_COST: '8', HASH_QUEUE_PER_CLIENT: '3' });
    const answers = await Promise.all(Array.from({ length: 10 }, () => create(api, '10.0.0.3')));
    const refused = answers.filter((a) => a.status === 429);
    expect(answers.filter((a) => a.status === 202)).toHaveLength(3);
    expect(refused).toHaveLength(7);
    for (const answer of refused) {
      expect(answer.headers['retry-after']).toBe('1');
      expect(answer.body).toMatchObject({ code: 'TOO_MANY_PENDING' });
    }
  });

  it('refuses everyone past the queue’s bound with 503 and Retry-After', async () => {
    const api = await apiWith({
      HASH_THREADS: '1',
      BCRYPT_COST: '8',
      HASH_QUEUE_MAX: '2',
      HASH_QUEUE_PER_CLIENT: '0',
    });
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => create(api, `10.0.1.${i}`)),
    );
    expect(answers.filter((a) => a.status === 202)).toHaveLength(3);
    const busy = answers.filter((a) => a.status === 503);
    expect(busy).toHaveLength(7);
    expect(busy[0]?.body).toMatchObject({ code: 'HASHING_BUSY' });
    expect(busy[0]?.headers['retry-after']).toBe('1');
  });
});

describe('requests waiting on commands', () => {
  it('share batched reads: three hundred waiters cost a few BatchGetItem calls, not thousands of reads', async () => {
    const t = await createTestEnvironment();
    environments.push(t);
    const proxy = await startFaultProxy(t.env.AWS_ENDPOINT_URL_DYNAMODB as string);
    proxies.push(proxy);
    const api = await t.startApi({ AWS_ENDPOINT_URL_DYNAMODB: proxy.endpoint });
    const waits = Array.from({ length: 300 }, (_, i) =>
      api.app.inject({
        method: 'GET',
        url: `/commands/never-sent-${randomUUID()}?waitSeconds=2`,
        remoteAddress: `10.1.${Math.floor(i / 200)}.${i % 200}`,
      }),
    );
    const answers = await Promise.all(waits);

    expect(answers.every((a) => a.statusCode === 200 && a.json().status === 'pending')).toBe(true);
    const calls = proxy.counts();
    expect(calls.GetItem ?? 0).toBe(0);
    // About 14 beats in 2 s (pauses of 10 ms growing to 250 ms), 3 calls of 100 keys each.
    expect(calls.BatchGetItem).toBeGreaterThan(0);
    expect(calls.BatchGetItem).toBeLessThanOrEqual(60);
  });

  it('lets one client wait on so many commands at once, then answers 429', async () => {
    const api = await apiWith({ COMMAND_WAITERS_PER_CLIENT: '3' });
    const wait = () =>
      api.app.inject({
        method: 'GET',
        url: `/commands/never-sent-${randomUUID()}?waitSeconds=1`,
        remoteAddress: '10.2.0.1',
      });
    const answers = await Promise.all(Array.from({ length: 5 }, wait));
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 200, 200, 429, 429]);
    const refused = answers.find((a) => a.statusCode === 429);
    expect(refused?.json()).toMatchObject({ code: 'TOO_MANY_WAITS' });
    expect(refused?.headers['retry-after']).toBe('1');
  });

  it('answers at once, without waiting, when the process has no room for more waiters', async () => {
    const api = await apiWith({ COMMAND_WAITERS_MAX: '2' });
    const startedAt = performance.now();
    const answers = await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        api.app.inject({
          method: 'GET',
          url: `/commands/never-sent-${i}?waitSeconds=3`,
          remoteAddress: `10.3.0.${i}`,
        }),
      ).map(async (answer) => ({ answer: await answer, at: performance.now() - startedAt })),
    );
    expect(answers.every((a) => a.answer.statusCode === 200)).toBe(true);
    const quick = answers.filter((a) => a.at < 1_000);
    expect(quick).toHaveLength(2);
  });
});

describe('reads', () => {
  it('have a rate limit of their own, counted apart from commands', async () => {
    const api = await apiWith({ READ_RATE_LIMIT_MAX: '3', RATE_LIMIT_MAX: '100' });
    const read = () => api.app.inject({ method: 'GET', url: '/users', remoteAddress: '10.4.0.1' });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await read()).statusCode);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await read();
    expect(limited.json()).toMatchObject({ code: 'RATE_LIMITED' });
    expect(limited.headers['retry-after']).toBeDefined();
    // Commands of the same client are counted apart, and still go through.
    const command = await api.app.inject({
      method: 'DELETE',
      url: `/users/${uniqueEmail('rl')}`,
      remoteAddress: '10.4.0.1',
    });
    expect(command.statusCode).toBe(202);
  });
});
