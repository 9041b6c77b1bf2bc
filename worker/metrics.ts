import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { createRegistry } from '../shared/metrics.ts';
import type { Action, Outcome } from './outcomes.ts';

export interface WorkerMetrics {
  registry: Registry;
  /** One settled message: its outcome, what was done, on which attempt, how long it took, how old it was. */
  settled(fields: {
    type: string | undefined;
    outcome: Outcome['kind'];
    action: Action;
    /** The message's receive count: 1 on its first delivery. */
    attempt: number;
    durationSeconds: number;
    lagSeconds: number | undefined;
  }): void;
  /** A ReceiveMessage call that failed (SQS unreachable, throttled, ...). */
  receiveFailed(): void;
  /** A ReceiveMessage call that answered, with messages or without: the worker polls. */
  receiveSucceeded(): void;
}

/** How far back `user_command_oldest_received_age_seconds` looks. */
export const OLDEST_AGE_WINDOW_SECONDS = 60;

export function createWorkerMetrics(options: { now?: () => number } = {}): WorkerMetrics {
  const now = options.now ?? Date.now;
  const registry = createRegistry('worker');
  const registers = [registry];
  const processed = new Counter({
    name: 'user_commands_processed_total',
    help: 'Messages processed, by command type and outcome (succeeded, rejected, duplicate, conflict, invalid, transient, exhausted).',
    labelNames: ['type', 'outcome'],
    registers,
  });
  const deadLettered = new Counter({
    name: 'user_commands_dead_lettered_total',
    help: 'Messages the worker moved to the dead-letter queue itself, by why: invalid (unreadable) or exhausted (failed on its last attempt).',
    labelNames: ['outcome'],
    registers,
  });
  const receiveFailures = new Counter({
    name: 'user_command_receive_failures_total',
    help: 'ReceiveMessage calls that failed; the pollers back off exponentially while they do.',
    registers,
  });
  const lastReceive = new Gauge({
    name: 'user_command_last_receive_timestamp_seconds',
    help: 'When a ReceiveMessage call last answered (Unix time), with messages or empty; the start of the worker until then.',
    registers,
  });
  lastReceive.set(now() / 1000);
  const duration = new Histogram({
    name: 'user_command_handler_duration_seconds',
    help: 'Time to process one message, by outcome.',
    labelNames: ['outcome'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers,
  });
  const attempts = new Histogram({
    name: 'user_command_attempts',
    help: 'The attempt (SQS receive count) on which a message was processed, by outcome: le="1" are first deliveries.',
    labelNames: ['outcome'],
    buckets: [1, 2, 3, 4, 5, 10],
    registers,
  });
  const lag = new Histogram({
    name: 'user_command_queue_lag_seconds',
    help: 'Age of a message when the worker took it (now minus its SentTimestamp).',
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 30, 60, 300, 1800],
    registers,
  });
  const oldest = oldestInWindow(now);
  new Gauge({
    name: 'user_command_oldest_received_age_seconds',
    help: `The largest age (now minus SentTimestamp when the worker took it) of the messages the worker took in the last ${OLDEST_AGE_WINDOW_SECONDS} s; 0 when it took none. What the worker sees of the queue's oldest message: SQS reports that one only to CloudWatch (ApproximateAgeOfOldestMessage).`,
    registers,
    collect() {
      this.set(oldest.max());
    },
  });
  return {
    registry,
    settled({ type, outcome, action, attempt, durationSeconds, lagSeconds }) {
      processed.inc({ type: type ?? 'unknown', outcome });
      duration.observe({ outcome }, durationSeconds);
      attempts.observe({ outcome }, attempt);
      if (lagSeconds !== undefined) {
        lag.observe(lagSeconds);
        oldest.add(lagSeconds);
      }
      if (action === 'dead-letter') deadLettered.inc({ outcome });
    },
    receiveFailed: () => receiveFailures.inc(),
    receiveSucceeded: () => lastReceive.set(now() / 1000),
  };
}

/**
 * Pollers that are turning and pollers that are wedged, from the consumer's own liveness
 * (the one /health answers from), read when scraped.
 */
export function observePollers(
  registry: Registry,
  liveness: () => { pollers: { alive: boolean }[] },
): void {
  new Gauge({
    name: 'user_command_pollers',
    help: 'The worker’s receive loops, by state: alive, or stalled (neither a receive nor a batch finished within WORKER_STALL_SECONDS; /health answers 503).',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const { pollers } = liveness();
      const alive = pollers.filter((poller) => poller.alive).length;
      this.set({ state: 'alive' }, alive);
      this.set({ state: 'stalled' }, pollers.length - alive);
    },
  });
}

/** The largest value added in the last window, kept as one maximum per second. */
function oldestInWindow(now: () => number) {
  const bySecond = new Map<number, number>();
  const prune = (second: number) => {
    for (const key of bySecond.keys()) {
      if (key <= second - OLDEST_AGE_WINDOW_SECONDS) bySecond.delete(key);
    }
  };
  return {
    add(value: number) {
      const second = Math.floor(now() / 1000);
      bySecond.set(second, Math.max(bySecond.get(second) ?? 0, value));
      if (bySecond.size > OLDEST_AGE_WINDOW_SECONDS) prune(second);
    },
    max(): number {
      prune(Math.floor(now() / 1000));
      return Math.max(0, ...bySecond.values());
    },
  };
}
