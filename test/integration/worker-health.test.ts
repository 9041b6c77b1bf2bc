import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Worker } from '../../worker/worker.ts';
import {
  createTestEnvironment,
  makeCommand,
  SAMPLE_HASH,
  type TestEnvironment,
  uniqueEmail,
} from '../harness/environment.ts';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.ts';

let t: TestEnvironment;
let proxy: FaultProxy;
let worker: Worker;

beforeAll(async () => {
  t = await createTestEnvironment();
  proxy = await startFaultProxy(t.env.AWS_ENDPOINT_URL_DYNAMODB as string);
  worker = await t.startWorker({
    AWS_ENDPOINT_URL_DYNAMODB: proxy.endpoint,
    WORKER_HTTP_PORT: '0',
    WORKER_STALL_SECONDS: '2',
  });
});
afterAll(async () => {
  proxy?.setRule(() => 'pass');
  await t?.close();
  await proxy?.close();
});

interface Answer {
  status: number;
  body: { status: string; pollers?: unknown[]; checks?: Record<string, unknown> };
}

async function get(path: '/health' | '/ready'): Promise<Answer> {
  const response = await fetch(`${worker.httpUrl}${path}`);
  return { status: response.status, body: (await response.json()) as Answer['body'] };
}

describe('the worker’s health and readiness', () => {
  it('is healthy and ready while it polls and its queue and tables answer', async () => {
    expect(await get('/health')).toEqual({
      status: 200,
      body: {
        status: 'ok',
        stopping: false,
        pollers: expect.arrayContaining([expect.objectContaining({ alive: true })]),
      },
    });
    expect(await get('/ready')).toEqual({
      status: 200,
      body: {
        status: 'ready',
        checks: { sqs: { ok: true }, dynamodb: { ok: true }, polling: { ok: true } },
      },
    });
  });

  it('is not ready while DynamoDB fails, and says which dependency', async () => {
    proxy.setRule((operation) =>
      operation === 'DescribeTable'
        ? { status: 500, type: 'InternalServerError', message: 'down for the test' }
        : 'pass',
    );
    const ready = await get('/ready');
    proxy.setRule(() => 'pass');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({
      status: 'not ready',
      checks: { sqs: { ok: true }, dynamodb: { ok: false } },
    });
  });

  it('turns unhealthy when a poller wedges on a batch, and healthy again once it moves', async () => {
    // DynamoDB takes the transaction and never answers: the poller holding it is stuck.
    proxy.setRule((operation) => (operation === 'TransactWriteItems' ? 'hang' : 'pass'));
    const command = makeCommand('user.create', {
      emailAddress: uniqueEmail('wedged'),
      firstName: 'W',
      lastName: 'H',
      passwordHash: SAMPLE_HASH,
    });
    await t.publish(command);
    const stalled = await vi.waitFor(
      async () => {
        const health = await get('/health');
        expect(health.status).toBe(503);
        return health.body;
      },
      { timeout: 10_000, interval: 200 },
    );
    expect(stalled).toMatchObject({ status: 'stalled' });
    expect(stalled.pollers).toContainEqual(
      expect.objectContaining({ alive: false, busySeconds: expect.any(Number) }),
    );

    proxy.setRule(() => 'pass');
    await worker.spy?.waitForCommand(command.commandId, { outcome: 'succeeded' });
    await vi.waitFor(async () => expect((await get('/health')).status).toBe(200), {
      timeout: 5_000,
    });
  });

  it('is not ready once it is stopping', async () => {
    const stopping = worker.stop();
    const ready = await get('/ready');
    await stopping;
    expect(ready.status).toBe(503);
    expect(ready.body.checks?.polling).toEqual({ ok: false });
  });
});
