import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { ReadinessChecks } from '../../shared/readiness.ts';
import type { CommandConsumer } from '../../worker/consumer.ts';
import { serveWorkerHttp } from '../../worker/http-server.ts';

type Liveness = ReturnType<CommandConsumer['liveness']>;

const healthy: Liveness = {
  alive: true,
  stopping: false,
  pollers: [{ alive: true, idleSeconds: 1.234, busySeconds: undefined }],
};

const servers: Server[] = [];

afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))),
  );
});

async function serve(
  options: { liveness?: Liveness; checks?: ReadinessChecks; metrics?: () => Promise<string> } = {},
): Promise<string> {
  const registry = {
    metrics: options.metrics ?? (async () => 'user_command_receive_failures_total 0\n'),
    contentType: 'text/plain; version=0.0.4; charset=utf-8',
  } as unknown as Registry;
  const server = await serveWorkerHttp({
    port: 0,
    host: '127.0.0.1',
    registry,
    consumer: { liveness: () => options.liveness ?? healthy },
    readinessChecks: options.checks ?? { sqs: async () => undefined },
  });
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function get(url: string, init?: RequestInit) {
  const response = await fetch(url, init);
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    body: await response.text(),
  };
}

describe('the worker’s HTTP surface', () => {
  it('answers /health with 200 while every poller turns', async () => {
    // Prepare
    const url = await serve({
      liveness: {
        alive: true,
        stopping: false,
        pollers: [
          { alive: true, idleSeconds: 1.234, busySeconds: undefined },
          { alive: true, idleSeconds: 0.06, busySeconds: 2.25 },
        ],
      },
    });

    // Act
    const response = await get(`${url}/health?verbose=1`);

    // Assess
    expect(response.status).toBe(200);
    expect(response.type).toBe('application/json');
    expect(JSON.parse(response.body)).toEqual({
      status: 'ok',
      stopping: false,
      pollers: [
        { alive: true, idleSeconds: 1.2 },
        { alive: true, idleSeconds: 0.1, busySeconds: 2.3 },
      ],
    });
  });

  it('answers /health with 503 when a poller is wedged', async () => {
    // Prepare
    const url = await serve({
      liveness: {
        alive: false,
        stopping: true,
        pollers: [{ alive: false, idleSeconds: 400, busySeconds: 399.96 }],
      },
    });

    // Act
    const response = await get(`${url}/health`);

    // Assess
    expect(response.status).toBe(503);
    expect(JSON.parse(response.body)).toEqual({
      status: 'stalled',
      stopping: true,
      pollers: [{ alive: false, idleSeconds: 400, busySeconds: 400 }],
    });
  });

  it('answers /ready with 200 while every dependency answers and the worker is not stopping', async () => {
    // Prepare
    const url = await serve({
      checks: { sqs: async () => undefined, dynamodb: async () => undefined },
    });

    // Act
    const response = await get(`${url}/ready`);

    // Assess
    expect(response.status).toBe(200);
    expect(response.type).toBe('application/json');
    expect(JSON.parse(response.body)).toEqual({
      status: 'ready',
      checks: { sqs: { ok: true }, dynamodb: { ok: true }, polling: { ok: true } },
    });
  });

  it('answers /ready with 503 naming the dependency that does not answer', async () => {
    // Prepare
    const url = await serve({
      checks: {
        sqs: async () => undefined,
        dynamodb: async () => {
          throw new Error('connect ECONNREFUSED');
        },
      },
    });

    // Act
    const response = await get(`${url}/ready`);

    // Assess
    expect(response.status).toBe(503);
    expect(JSON.parse(response.body)).toEqual({
      status: 'not ready',
      checks: {
        sqs: { ok: true },
        dynamodb: { ok: false, error: 'connect ECONNREFUSED' },
        polling: { ok: true },
      },
    });
  });

  it('answers /ready with 503 once the worker is stopping', async () => {
    // Prepare
    const url = await serve({ liveness: { ...healthy, stopping: true } });

    // Act
    const response = await get(`${url}/ready`);

    // Assess
    expect(response.status).toBe(503);
    expect(JSON.parse(response.body)).toEqual({
      status: 'not ready',
      checks: { sqs: { ok: true }, polling: { ok: false } },
    });
  });

  it('serves the metrics as Prometheus text', async () => {
    // Prepare
    const url = await serve();

    // Act
    const response = await get(`${url}/metrics`);

    // Assess
    expect(response).toEqual({
      status: 200,
      type: 'text/plain; version=0.0.4; charset=utf-8',
      body: 'user_command_receive_failures_total 0\n',
    });
  });

  it('answers 500 when the metrics cannot be collected', async () => {
    // Prepare
    const url = await serve({
      metrics: async () => {
        throw new Error('collector failed');
      },
    });

    // Act
    const response = await get(`${url}/metrics`);

    // Assess
    expect(response).toEqual({
      status: 500,
      type: 'application/json',
      body: '{"code":"INTERNAL"}',
    });
  });

  it('answers 404 for any other path and 405 for any other method', async () => {
    // Prepare
    const url = await serve();

    // Act
    const unknown = await get(`${url}/users`);
    const posted = await get(`${url}/health`, { method: 'POST' });

    // Assess
    expect(unknown).toEqual({
      status: 404,
      type: 'application/json',
      body: '{"code":"ROUTE_NOT_FOUND"}',
    });
    expect(posted).toEqual({
      status: 405,
      type: 'application/json',
      body: '{"code":"METHOD_NOT_ALLOWED"}',
    });
  });

  it('fails to start on a port that is taken', async () => {
    // Prepare
    const url = await serve();
    const port = Number(new URL(url).port);

    // Act
    const starting = serveWorkerHttp({
      port,
      host: '127.0.0.1',
      registry: {} as Registry,
      consumer: { liveness: () => healthy },
      readinessChecks: {},
    });

    // Assess
    await expect(starting).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });
});
