import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Api } from '../../api/wiring.ts';
import type { Worker } from '../../worker/worker.ts';
import {
  createTestEnvironment,
  type TestEnvironment,
  uniqueEmail,
} from '../harness/environment.ts';

let t: TestEnvironment;
let api: Api;
let worker: Worker;

beforeAll(async () => {
  t = await createTestEnvironment();
  api = await t.startApi();
  worker = await t.startWorker({ WORKER_HTTP_PORT: '0' });
});
afterAll(async () => t?.close());

/** The value of the series `name` with these labels (in any order) in Prometheus text format. */
function sample(text: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  const line = text.split('\n').find((l) => {
    const match = /^([a-z_]+)\{([^}]*)\} /.exec(l);
    return match?.[1] === name && wanted.every((label) => match[2]?.split(',').includes(label));
  });
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('Prometheus metrics', () => {
  it('count what was accepted, applied, rejected and dead-lettered', async () => {
    const emails = [uniqueEmail('m'), uniqueEmail('m'), uniqueEmail('m')];
    const ids: string[] = [];
    for (const email of [...emails, emails[0] as string]) {
      const response = await api.app.inject({
        method: 'POST',
        url: '/users',
        payload: { firstName: 'M', lastName: 'T', emailAddress: email, password: 'password-1' },
      });
      ids.push(response.json().commandId);
    }
    const remove = await api.app.inject({ method: 'DELETE', url: `/users/${emails[1]}` });
    ids.push(remove.json().commandId);
    await t.publishRaw(`not json ${randomUUID()}`);

    await vi.waitFor(
      async () => {
        for (const id of ids) expect(await t.getCommandRecord(id)).toBeDefined();
        expect(t.logs.entries().some((e) => e.outcome === 'invalid')).toBe(true);
      },
      { timeout: 15_000 },
    );

    const apiText = (await api.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(sample(apiText, 'user_commands_accepted_total', { type: 'user.create' })).toBe(4);
    expect(sample(apiText, 'user_commands_accepted_total', { type: 'user.delete' })).toBe(1);

    expect(worker.httpUrl).toBeDefined();
    const workerText = await (await fetch(`${worker.httpUrl}/metrics`)).text();
    const processed = (type: string, outcome: string) =>
      sample(workerText, 'user_commands_processed_total', { type, outcome });
    expect(processed('user.create', 'succeeded')).toBe(3);
    expect(processed('user.create', 'rejected')).toBe(1);
    expect(processed('user.delete', 'succeeded')).toBe(1);
    expect(processed('unknown', 'invalid')).toBe(1);
    expect(sample(workerText, 'user_commands_dead_lettered_total', { outcome: 'invalid' })).toBe(1);
    expect(
      sample(workerText, 'user_command_handler_duration_seconds_count', { outcome: 'succeeded' }),
    ).toBe(4);
    expect(sample(workerText, 'user_command_queue_lag_seconds_count', { service: 'worker' })).toBe(
      6,
    );
    // Attempts: every message settled on its first delivery.
    expect(
      sample(workerText, 'user_command_attempts_bucket', { outcome: 'succeeded', le: '1' }),
    ).toBe(4);
    expect(sample(workerText, 'user_command_attempts_count', { outcome: 'succeeded' })).toBe(4);
    expect(
      sample(workerText, 'user_command_last_receive_timestamp_seconds', { service: 'worker' }),
    ).toBeGreaterThan(Date.now() / 1000 - 10);
    expect(sample(workerText, 'user_command_pollers', { state: 'alive' })).toBe(4);
    expect(sample(workerText, 'user_command_pollers', { state: 'stalled' })).toBe(0);

    // HTTP requests by route pattern, never by the email in the path.
    expect(
      sample(apiText, 'http_requests_total', {
        method: 'POST',
        route: '/users',
        status_class: '2xx',
      }),
    ).toBe(4);
    expect(
      sample(apiText, 'http_requests_total', {
        method: 'DELETE',
        route: '/users/:email',
        status_class: '2xx',
      }),
    ).toBe(1);
    expect(apiText).not.toContain('example.com');
    // The invalid message waits in the dead-letter queue; SQS's count says so.
    expect(
      sample(apiText, 'user_command_queue_messages', { queue: 'dead-letter', state: 'visible' }),
    ).toBe(1);
    expect(
      sample(apiText, 'user_command_queue_messages', { queue: 'command', state: 'visible' }),
    ).toBe(0);
  });

  it('report the long polls waiting, and every password the hashing queue refused', async () => {
    // One thread, no queue: a burst of creates gets some 503 HASHING_BUSY.
    const narrow = await t.startApi({ HASH_THREADS: '1', HASH_QUEUE_MAX: '0', BCRYPT_COST: '8' });
    const waiting = narrow.app.inject({
      method: 'GET',
      url: `/commands/${randomUUID()}?waitSeconds=3`,
    });
    const statuses = await Promise.all(
      Array.from({ length: 6 }, () =>
        narrow.app
          .inject({
            method: 'POST',
            url: '/users',
            payload: {
              firstName: 'H',
              lastName: 'Q',
              emailAddress: uniqueEmail('h'),
              password: 'password-1',
            },
          })
          .then((response) => response.statusCode),
      ),
    );

    const text = (await narrow.app.inject({ method: 'GET', url: '/metrics' })).body;
    const refused = statuses.filter((status) => status === 503).length;
    expect(refused).toBeGreaterThan(0);
    expect(sample(text, 'password_hash_rejections_total', { reason: 'queue_full' })).toBe(refused);
    expect(sample(text, 'password_hash_queue_capacity', { service: 'api' })).toBe(0);
    expect(sample(text, 'password_hash_threads', { service: 'api' })).toBe(1);
    expect(sample(text, 'user_command_long_polls', { service: 'api' })).toBe(1);
    expect(
      sample(text, 'http_requests_total', { method: 'POST', route: '/users', status_class: '5xx' }),
    ).toBe(refused);
    expect((await waiting).statusCode).toBe(200);
  });
});
