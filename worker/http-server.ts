import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import { checkReadiness, type ReadinessChecks } from '../shared/readiness.ts';
import type { CommandConsumer } from './consumer.ts';

export interface WorkerHttpOptions {
  port: number;
  host: string;
  registry: Registry;
  consumer: Pick<CommandConsumer, 'liveness'>;
  /** Reachability probes for /ready, by dependency name. */
  readinessChecks: ReadinessChecks;
}

/**
 * The worker's only HTTP surface:
 * - GET /health: 200 while every poll loop turns (a receive or a batch finished within
 *   WORKER_STALL_SECONDS), else 503: the process is wedged and should be restarted;
 * - GET /ready: 200 while the queue and both tables answer and the worker is not stopping;
 * - GET /metrics: Prometheus text.
 */
export async function serveWorkerHttp(options: WorkerHttpOptions): Promise<Server> {
  const server = createServer((request, response) => {
    const answer = (status: number, body: unknown) =>
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    const path = request.url?.split('?')[0];
    if (request.method !== 'GET') return answer(405, { code: 'METHOD_NOT_ALLOWED' });
    if (path === '/health') {
      const liveness = options.consumer.liveness();
      return answer(liveness.alive ? 200 : 503, {
        status: liveness.alive ? 'ok' : 'stalled',
        stopping: liveness.stopping,
        pollers: liveness.pollers.map((p) => ({
          alive: p.alive,
          idleSeconds: round(p.idleSeconds),
          ...(p.busySeconds === undefined ? {} : { busySeconds: round(p.busySeconds) }),
        })),
      });
    }
    if (path === '/ready') {
      void readiness(options).then(({ ready, checks }) =>
        answer(ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', checks }),
      );
      return;
    }
    if (path === '/metrics') {
      options.registry.metrics().then(
        (text) =>
          response.writeHead(200, { 'content-type': options.registry.contentType }).end(text),
        () => answer(500, { code: 'INTERNAL' }),
      );
      return;
    }
    answer(404, { code: 'ROUTE_NOT_FOUND' });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return server;
}

async function readiness(options: WorkerHttpOptions) {
  const { ready, checks } = await checkReadiness(options.readinessChecks);
  const stopping = options.consumer.liveness().stopping;
  return { ready: ready && !stopping, checks: { ...checks, polling: { ok: !stopping } } };
}

function round(seconds: number): number {
  return Math.round(seconds * 10) / 10;
}
