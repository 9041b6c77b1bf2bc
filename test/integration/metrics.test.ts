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
  });
});
