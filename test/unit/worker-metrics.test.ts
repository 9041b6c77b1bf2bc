import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import {
  createWorkerMetrics,
  OLDEST_AGE_WINDOW_SECONDS,
  observePollers,
  type WorkerMetrics,
} from '../../worker/metrics.ts';

async function series(metrics: Pick<WorkerMetrics, 'registry'>, name: string) {
  const metric = metrics.registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  // Histograms name each series (_bucket, _sum, _count); counters leave it to the metric.
  const { values } = await metric.get();
  return (values as { labels: Record<string, unknown>; value: number; metricName?: string }[]).map(
    ({ labels, value, metricName }) => ({ name: metricName ?? name, labels, value }),
  );
}

describe('the worker metrics', () => {
  it('count processed messages by type and outcome, an unknown type as unknown', async () => {
    // Prepare
    const metrics = createWorkerMetrics();

    // Act
    metrics.settled({
      type: 'user.create',
      outcome: 'succeeded',
      action: 'acknowledge',
      attempt: 1,
      durationSeconds: 0.02,
      lagSeconds: 3,
    });
    metrics.settled({
      type: undefined,
      outcome: 'invalid',
      action: 'dead-letter',
      attempt: 1,
      durationSeconds: 0.001,
      lagSeconds: undefined,
    });

    // Assess
    expect(await series(metrics, 'user_commands_processed_total')).toEqual([
      {
        name: 'user_commands_processed_total',
        labels: { type: 'user.create', outcome: 'succeeded' },
        value: 1,
      },
      {
        name: 'user_commands_processed_total',
        labels: { type: 'unknown', outcome: 'invalid' },
        value: 1,
      },
    ]);
  });

  it('count what the worker dead-lettered itself, by outcome', async () => {
    // Prepare
    const metrics = createWorkerMetrics();
    const fields = {
      type: 'user.create',
      attempt: 1,
      durationSeconds: 0.01,
      lagSeconds: undefined,
    };

    // Act
    metrics.settled({ ...fields, outcome: 'exhausted', action: 'dead-letter' });
    metrics.settled({ ...fields, outcome: 'invalid', action: 'retry' });
    metrics.settled({ ...fields, outcome: 'succeeded', action: 'acknowledge' });

    // Assess
    expect(await series(metrics, 'user_commands_dead_lettered_total')).toEqual([
      { name: 'user_commands_dead_lettered_total', labels: { outcome: 'exhausted' }, value: 1 },
    ]);
  });

  it('observe the duration by outcome, and the lag when it is known', async () => {
    // Prepare
    const metrics = createWorkerMetrics();
    const fields = { type: 'user.create', action: 'acknowledge', attempt: 1 } as const;

    // Act
    metrics.settled({ ...fields, outcome: 'succeeded', durationSeconds: 0.02, lagSeconds: 3 });
    metrics.settled({
      ...fields,
      outcome: 'duplicate',
      durationSeconds: 0.5,
      lagSeconds: undefined,
    });

    // Assess
    const durations = await series(metrics, 'user_command_handler_duration_seconds');
    expect(durations.filter((s) => s.name.endsWith('_sum'))).toEqual([
      {
        name: 'user_command_handler_duration_seconds_sum',
        labels: { outcome: 'succeeded' },
        value: 0.02,
      },
      {
        name: 'user_command_handler_duration_seconds_sum',
        labels: { outcome: 'duplicate' },
        value: 0.5,
      },
    ]);
    expect(
      durations
        .filter((s) => s.name.endsWith('_bucket') && s.labels.outcome === 'succeeded')
        .map((s) => s.labels.le),
    ).toEqual([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, '+Inf']);
    const lags = await series(metrics, 'user_command_queue_lag_seconds');
    expect(lags.filter((s) => s.name.endsWith('_bucket')).map((s) => s.labels.le)).toEqual([
      0.01,
      0.05,
      0.1,
      0.5,
      1,
      5,
      30,
      60,
      300,
      1800,
      '+Inf',
    ]);
    expect(lags.filter((s) => !s.name.endsWith('_bucket'))).toEqual([
      { name: 'user_command_queue_lag_seconds_sum', labels: {}, value: 3 },
      { name: 'user_command_queue_lag_seconds_count', labels: {}, value: 1 },
    ]);
  });

  it('count failed receives', async () => {
    // Prepare
    const metrics = createWorkerMetrics();

    // Act
    metrics.receiveFailed();
    metrics.receiveFailed();

    // Assess
    expect(await series(metrics, 'user_command_receive_failures_total')).toEqual([
      { name: 'user_command_receive_failures_total', labels: {}, value: 2 },
    ]);
  });

  it('label every series with the service', async () => {
    // Prepare
    const metrics = createWorkerMetrics();
    metrics.receiveFailed();

    // Act
    const text = await metrics.registry.metrics();

    // Assess
    expect(text).toContain('user_command_receive_failures_total{service="worker"} 1');
  });

  it('observe the attempt each message was processed on, by outcome', async () => {
    // Prepare
    const metrics = createWorkerMetrics();
    const fields = { type: 'user.create', durationSeconds: 0.01, lagSeconds: undefined };

    // Act
    metrics.settled({ ...fields, outcome: 'succeeded', action: 'acknowledge', attempt: 1 });
    metrics.settled({ ...fields, outcome: 'transient', action: 'retry', attempt: 2 });
    metrics.settled({ ...fields, outcome: 'succeeded', action: 'acknowledge', attempt: 3 });

    // Assess
    const buckets = (await series(metrics, 'user_command_attempts')).filter(
      (s) => s.name.endsWith('_bucket') && s.labels.outcome === 'succeeded',
    );
    expect(buckets.map((s) => [s.labels.le, s.value])).toEqual([
      [1, 1],
      [2, 1],
      [3, 2],
      [4, 2],
      [5, 2],
      [10, 2],
      ['+Inf', 2],
    ]);
    const retried = await series(metrics, 'user_command_attempts');
    expect(
      retried.find((s) => s.name.endsWith('_sum') && s.labels.outcome === 'transient')?.value,
    ).toBe(2);
  });

  it('report the oldest message taken in the last minute, and 0 once none was', async () => {
    // Prepare
    let clock = Date.parse('2026-03-01T12:00:00.000Z');
    const metrics = createWorkerMetrics({ now: () => clock });
    const take = (lagSeconds: number) =>
      metrics.settled({
        type: 'user.create',
        outcome: 'succeeded',
        action: 'acknowledge',
        attempt: 1,
        durationSeconds: 0.01,
        lagSeconds,
      });
    const oldest = async () =>
      (await series(metrics, 'user_command_oldest_received_age_seconds'))[0]?.value;

    // Act, Assess
    expect(await oldest()).toBe(0);
    take(400);
    clock += 10_000;
    take(2);
    expect(await oldest()).toBe(400);
    // 1 s before the first one leaves the window, and 1 s after.
    clock += (OLDEST_AGE_WINDOW_SECONDS - 11) * 1000;
    expect(await oldest()).toBe(400);
    clock += 2_000;
    expect(await oldest()).toBe(2);
    clock += 10_000;
    expect(await oldest()).toBe(0);
  });

  it('stamp every answered receive, and the start before the first', async () => {
    // Prepare
    let clock = 1_000_000;
    const metrics = createWorkerMetrics({ now: () => clock });
    const stamp = async () =>
      (await series(metrics, 'user_command_last_receive_timestamp_seconds'))[0]?.value;

    // Act, Assess
    expect(await stamp()).toBe(1000);
    clock += 5_000;
    metrics.receiveFailed();
    expect(await stamp()).toBe(1000);
    metrics.receiveSucceeded();
    expect(await stamp()).toBe(1005);
  });

  it('count the pollers alive and stalled, as the liveness says when scraped', async () => {
    // Prepare
    const registry = new Registry();
    let pollers = [{ alive: true }, { alive: true }, { alive: true }];
    observePollers(registry, () => ({ pollers }));
    const states = async () =>
      Object.fromEntries(
        (await series({ registry }, 'user_command_pollers')).map((s) => [s.labels.state, s.value]),
      );

    // Act, Assess
    expect(await states()).toEqual({ alive: 3, stalled: 0 });
    pollers = [{ alive: true }, { alive: false }, { alive: true }];
    expect(await states()).toEqual({ alive: 2, stalled: 1 });
  });
});
