import Fastify from 'fastify';
import { AggregatorRegistry } from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type ApiMetricsSources, countRequests, createApiMetrics } from '../../api/metrics.ts';
import type { HashingStats } from '../../api/password-hasher.ts';
import type { QueueDepth } from '../../shared/queues.ts';

/** Every sample of a metric, as `labels value` lines without the service label. */
async function samples(metrics: { registry: { metrics(): Promise<string> } }, name: string) {
  const text = await metrics.registry.metrics();
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .map((line) =>
      line
        .replace(/service="api",?/, '')
        .replace(',}', '}')
        .replace('{}', ''),
    );
}

const idleHasher: HashingStats = {
  waiting: 0,
  capacity: 64,
  threads: 2,
  busy: 0,
  refused: { queueFull: 0, clientLimit: 0 },
};

function sources(overrides: Partial<ApiMetricsSources> = {}): ApiMetricsSources {
  const depth = async (): Promise<QueueDepth> => ({ visible: 0, inFlight: 0 });
  return {
    queues: { command: depth, 'dead-letter': depth },
    hasher: { stats: () => idleHasher },
    waiters: { stats: () => ({ waiting: 0, capacity: 1000 }) },
    ...overrides,
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('the API metrics', () => {
  it('count requests by method, route pattern and status class, never the raw path', async () => {
    // Prepare
    const metrics = createApiMetrics(sources());
    const app = Fastify();
    countRequests(app, metrics);
    app.get('/users/:email', async () => ({ ok: true }));
    app.get('/boom', async () => {
      throw new Error('boom');
    });
    await app.ready();

    // Act
    await app.inject({ method: 'GET', url: '/users/ada@example.com' });
    await app.inject({ method: 'GET', url: '/users/grace@example.com' });
    await app.inject({ method: 'GET', url: '/boom' });
    await app.inject({ method: 'GET', url: '/nowhere/ada@example.com' });
    await app.close();

    // Assess
    expect(await samples(metrics, 'http_requests_total')).toEqual([
      'http_requests_total{method="GET",route="/users/:email",status_class="2xx"} 2',
      'http_requests_total{method="GET",route="/boom",status_class="5xx"} 1',
      'http_requests_total{method="GET",route="unmatched",status_class="4xx"} 1',
    ]);
    expect(await samples(metrics, 'http_request_duration_seconds_count')).toEqual([
      'http_request_duration_seconds_count{method="GET",route="/users/:email"} 2',
      'http_request_duration_seconds_count{method="GET",route="/boom"} 1',
      'http_request_duration_seconds_count{method="GET",route="unmatched"} 1',
    ]);
    expect(await metrics.registry.metrics()).not.toContain('example.com');
  });

  it('read both queues when scraped, once per cache period however many scrape', async () => {
    // Prepare
    vi.useFakeTimers({ toFake: ['Date'] });
    const reads: string[] = [];
    const reader = (queue: string, depth: QueueDepth) => async () => {
      reads.push(queue);
      return depth;
    };
    const metrics = createApiMetrics(
      sources({
        queues: {
          command: reader('command', { visible: 7, inFlight: 3 }),
          'dead-letter': reader('dead-letter', { visible: 2, inFlight: 0 }),
        },
        queueCacheMs: 5_000,
      }),
    );
    const text = () => samples(metrics, 'user_command_queue_messages');

    // Act
    const [first] = await Promise.all([text(), text(), text()]);
    vi.advanceTimersByTime(4_999);
    await text();
    vi.advanceTimersByTime(1);
    await text();
    vi.useRealTimers();

    // Assess
    expect(first).toEqual([
      'user_command_queue_messages{queue="command",state="visible"} 7',
      'user_command_queue_messages{queue="command",state="in_flight"} 3',
      'user_command_queue_messages{queue="dead-letter",state="visible"} 2',
      'user_command_queue_messages{queue="dead-letter",state="in_flight"} 0',
    ]);
    expect(reads).toEqual(['command', 'dead-letter', 'command', 'dead-letter']);
  });

  it('leave out a queue SQS did not answer for, rather than show an old count', async () => {
    // Prepare
    let failing = false;
    const metrics = createApiMetrics(
      sources({
        queues: {
          command: async () => ({ visible: 1, inFlight: 0 }),
          'dead-letter': async () => {
            if (failing) throw new Error('SQS is down');
            return { visible: 4, inFlight: 0 };
          },
        },
        queueCacheMs: 0,
      }),
    );

    // Act
    const before = await samples(metrics, 'user_command_queue_messages');
    failing = true;
    const during = await samples(metrics, 'user_command_queue_messages');

    // Assess
    expect(before).toContain('user_command_queue_messages{queue="dead-letter",state="visible"} 4');
    expect(during).toEqual([
      'user_command_queue_messages{queue="command",state="visible"} 1',
      'user_command_queue_messages{queue="command",state="in_flight"} 0',
    ]);
  });

  it('report the hashing queue, its threads and its refusals, and the long polls', async () => {
    // Prepare
    const metrics = createApiMetrics(
      sources({
        hasher: {
          stats: () => ({
            waiting: 48,
            capacity: 64,
            threads: 2,
            busy: 2,
            refused: { queueFull: 5, clientLimit: 1 },
          }),
        },
        waiters: { stats: () => ({ waiting: 12, capacity: 1000 }) },
      }),
    );

    // Act
    const read = (name: string) => samples(metrics, name);

    // Assess
    expect(await read('password_hash_queue_length')).toEqual(['password_hash_queue_length 48']);
    expect(await read('password_hash_queue_capacity')).toEqual(['password_hash_queue_capacity 64']);
    expect(await read('password_hash_threads')).toEqual(['password_hash_threads 2']);
    expect(await read('password_hash_threads_busy')).toEqual(['password_hash_threads_busy 2']);
    expect(await read('password_hash_rejections_total')).toEqual([
      'password_hash_rejections_total{reason="queue_full"} 5',
      'password_hash_rejections_total{reason="client_limit"} 1',
    ]);
    expect(await read('user_command_long_polls')).toEqual(['user_command_long_polls 12']);
    expect(await read('user_command_long_polls_capacity')).toEqual([
      'user_command_long_polls_capacity 1000',
    ]);
  });

  it('add up the processes of a cluster, except the queues every process sees alike', async () => {
    // Prepare
    const processes = [0, 1].map(() =>
      createApiMetrics(
        sources({
          queues: {
            command: async () => ({ visible: 9, inFlight: 1 }),
            'dead-letter': async () => ({ visible: 0, inFlight: 0 }),
          },
          hasher: { stats: () => ({ ...idleHasher, waiting: 3 }) },
        }),
      ),
    );

    // Act
    const added = AggregatorRegistry.aggregate(
      await Promise.all(processes.map((p) => p.registry.getMetricsAsJSON())),
    );
    const text = await added.metrics();

    // Assess
    expect(text).toContain(
      'user_command_queue_messages{queue="command",state="visible",service="api"} 9',
    );
    expect(text).toContain('password_hash_queue_length{service="api"} 6');
    expect(text).toContain('password_hash_queue_capacity{service="api"} 128');
  });
});
