import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Api } from '../../api/wiring.ts';
import {
  createTestEnvironment,
  type TestEnvironment,
  uniqueEmail,
} from '../harness/environment.ts';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.ts';

let t: TestEnvironment;
let proxy: FaultProxy;
let api: Api;

beforeAll(async () => {
  t = await createTestEnvironment({ AWS_REQUEST_TIMEOUT_MS: '1000' });
  proxy = await startFaultProxy(t.env.AWS_ENDPOINT_URL_DYNAMODB as string);
  api = await t.startApi({ AWS_ENDPOINT_URL_DYNAMODB: proxy.endpoint });
});
afterAll(async () => {
  await t?.close();
  await proxy?.close();
});

describe('when DynamoDB cannot answer reads', () => {
  it('answers reads with 503 STORE_UNAVAILABLE and Retry-After, not a 500, and still takes commands', async () => {
    proxy.setRule((operation) =>
      ['GetItem', 'Scan', 'BatchGetItem'].includes(operation)
        ? { status: 500, type: 'InternalServerError', message: 'down for the test' }
        : 'pass',
    );
    for (const url of [
      `/users/${uniqueEmail('outage')}`,
      '/users',
      '/commands/some-command',
      '/commands/some-command?waitSeconds=1',
    ]) {
      const answer = await api.app.inject({ method: 'GET', url });
      expect(answer.statusCode, `${url} ${answer.body}`).toBe(503);
      expect(answer.headers['retry-after'], url).toBe('5');
      expect(answer.json(), url).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    }
    const ready = await api.app.inject({ method: 'GET', url: '/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ checks: { sqs: { ok: true }, dynamodb: { ok: false } } });
    // Commands without an Idempotency-Key need no read: they still go to the queue.
    const command = await api.app.inject({ method: 'DELETE', url: `/users/${uniqueEmail('o')}` });
    expect(command.statusCode).toBe(202);
    proxy.setRule(() => 'pass');
    expect((await api.app.inject({ method: 'GET', url: '/users' })).statusCode).toBe(200);
  });
});
