import { Counter, Histogram, type Registry } from 'prom-client';
import { createRegistry } from '../shared/metrics.ts';
import type { Action, Outcome } from './outcomes.ts';

export interface WorkerMetrics {
  registry: Registry;
  /** One settled message: its outcome, what was done, how long it took, how old it was. */
  settled(fields: {
    type: string | undefined;
    outcome: Outcome['kind'];
    action: Action;
    durationSeconds: number;
    lagSeconds: number | undefined;
  }): void;
  /** A ReceiveMessage call that failed (SQS unreachable, throttled, ...). */
  receiveFailed(): void;
}

export function createWorkerMetrics(): WorkerMetrics {
  const registry = createRegistry('worker');
  const processed = new Counter({
    name: 'user_commands_processed_total',
    help: 'Messages processed, by command type and outcome (succeeded, rejected, duplicate, conflict, invalid, transient, exhausted).',
    labelNames: ['type', 'outcome'],
    registers: [registry],
  });
  const deadLettered = new Counter({
    name: 'user_commands_dead_lettered_total',
    help: 'Messages the worker moved to the dead-letter queue itself, by why: invalid (unreadable) or exhausted (failed on its last attempt).',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const receiveFailures = new Counter({
    name: 'user_command_receive_failures_total',
    help: 'ReceiveMessage calls that failed; the pollers back off exponentially while they do.',
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'user_command_handler_duration_seconds',
    help: 'Time to process one message, by outcome.',
    labelNames: ['outcome'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const lag = new Histogram({
    name: 'user_command_queue_lag_seconds',
    help: 'Age of a message when the worker took it (now minus its SentTimestamp).',
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 30, 60, 300, 1800],
    registers: [registry],
  });
  return {
    registry,
    settled({ type, outcome, action, durationSeconds, lagSeconds }) {
      processed.inc({ type: type ?? 'unknown', outcome });
      duration.observe({ outcome }, durationSeconds);
      if (lagSeconds !== undefined) lag.observe(lagSeconds);
      if (action === 'dead-letter') deadLettered.inc({ outcome });
    },
    receiveFailed: () => receiveFailures.inc(),
  };
}
