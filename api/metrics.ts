import cluster from 'node:cluster';
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { CommandType } from '../shared/contract/commands.ts';
import { createRegistry, type QueueLabel, registerQueueDepthGauge } from '../shared/metrics.ts';
import type { QueueDepth } from '../shared/queues.ts';
import type { CommandWaiters } from './command-waiters.ts';
import type { PasswordHasher } from './password-hasher.ts';
import { shareMetricsAcrossProcesses } from './supervisor.ts';

export interface ApiMetrics {
  registry: Registry;
  commandAccepted(type: CommandType): void;
  /** One answered request; `route` is the matched route's pattern, undefined for a 404. */
  requestCompleted(request: {
    method: string;
    route: string | undefined;
    statusCode: number;
    seconds: number;
  }): void;
  /** Prometheus text: this process's metrics, or every API process's added up. */
  render(): Promise<string>;
}

/** What the API reports on besides its requests, read when scraped. */
export interface ApiMetricsSources {
  /**
   * The command queue and its dead-letter queue. The API reports them, not the worker: the
   * backlog must stay visible while no worker runs.
   */
  queues: Record<QueueLabel, () => Promise<QueueDepth>>;
  hasher: Pick<PasswordHasher, 'stats'>;
  waiters: Pick<CommandWaiters, 'stats'>;
  /** How long a queue count is reused; default 5 s. */
  queueCacheMs?: number;
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export function createApiMetrics(sources: ApiMetricsSources): ApiMetrics {
  const registry = createRegistry('api');
  const registers = [registry];
  const accepted = new Counter({
    name: 'user_commands_accepted_total',
    help: 'Commands accepted (202) and stored on the queue, by type.',
    labelNames: ['type'],
    registers,
  });
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, route pattern (never the raw path: it can hold an email) and status class (2xx, 4xx, 5xx).',
    labelNames: ['method', 'route', 'status_class'],
    registers,
  });
  const durations = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method and route pattern; GET /commands/{id} includes its waitSeconds.',
    labelNames: ['method', 'route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25],
    registers,
  });
  registerQueueDepthGauge({
    registry,
    queues: sources.queues,
    cacheMs: sources.queueCacheMs ?? 5_000,
  });
  registerHashingMetrics(registry, sources.hasher);
  new Gauge({
    name: 'user_command_long_polls',
    help: 'Requests waiting on GET /commands/{id}?waitSeconds for a command to settle.',
    registers,
    collect() {
      this.set(sources.waiters.stats().waiting);
    },
  });
  new Gauge({
    name: 'user_command_long_polls_capacity',
    help: 'Requests that may wait at once (COMMAND_WAITERS_MAX); past it, requests are answered without waiting.',
    registers,
    collect() {
      this.set(sources.waiters.stats().capacity);
    },
  });
  return {
    registry,
    commandAccepted: (type) => accepted.inc({ type }),
    requestCompleted({ method, route, statusCode, seconds }) {
      const known = METHODS.has(method) ? method : 'other';
      const matched = route ?? 'unmatched';
      requests.inc({
        method: known,
        route: matched,
        status_class: `${Math.floor(statusCode / 100)}xx`,
      });
      durations.observe({ method: known, route: matched }, seconds);
    },
    render: cluster.isWorker ? shareMetricsAcrossProcesses(registry) : () => registry.metrics(),
  };
}

function registerHashingMetrics(registry: Registry, hasher: Pick<PasswordHasher, 'stats'>) {
  const registers = [registry];
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(read());
      },
    });
  gauge(
    'password_hash_queue_length',
    'Passwords waiting for a hashing thread.',
    () => hasher.stats().waiting,
  );
  gauge(
    'password_hash_queue_capacity',
    'Passwords that may wait for a hashing thread (HASH_QUEUE_MAX); past it, commands with a password get 503 HASHING_BUSY.',
    () => hasher.stats().capacity,
  );
  gauge(
    'password_hash_threads',
    'Threads hashing passwords (HASH_THREADS).',
    () => hasher.stats().threads,
  );
  gauge(
    'password_hash_threads_busy',
    'Threads hashing a password right now.',
    () => hasher.stats().busy,
  );
  new Counter({
    name: 'password_hash_rejections_total',
    help: 'Passwords refused without hashing: queue_full (503 HASHING_BUSY: every thread busy and the queue full) or client_limit (429 TOO_MANY_PENDING: one client had its share).',
    labelNames: ['reason'],
    registers,
    collect() {
      const { refused } = hasher.stats();
      this.reset();
      this.inc({ reason: 'queue_full' }, refused.queueFull);
      this.inc({ reason: 'client_limit' }, refused.clientLimit);
    },
  });
}

/**
 * Counts and times every request the app answers (404s and errors too). Called by buildApp
 * on the root instance, before any route, so every route inherits the hook.
 */
export function countRequests(
  app: FastifyInstance,
  metrics: Pick<ApiMetrics, 'requestCompleted'>,
): void {
  app.addHook('onResponse', (request, reply, done) => {
    metrics.requestCompleted({
      method: request.method,
      route: request.is404 ? undefined : request.routeOptions.url,
      statusCode: reply.statusCode,
      seconds: reply.elapsedTime / 1000,
    });
    done();
  });
}
