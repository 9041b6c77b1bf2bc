import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { QueueDepth } from './queues.ts';

/**
 * A Prometheus registry per process (prom-client: the maintained Node client), with the
 * runtime defaults (event-loop lag, heap, GC) and a `service` label on every series.
 */
export function createRegistry(service: 'api' | 'worker'): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** The queues the service reports on, as the `queue` label names them. */
export type QueueLabel = 'command' | 'dead-letter';

export interface QueueDepthGaugeOptions {
  registry: Registry;
  /** Reads one queue's approximate counts (GetQueueAttributes). */
  queues: Record<QueueLabel, () => Promise<QueueDepth>>;
  /** A scrape within this long of a read reuses it, so scrapers cannot hammer SQS. */
  cacheMs: number;
  now?: () => number;
}

/**
 * `user_command_queue_messages{queue, state}`, read from SQS when scraped (at most once per
 * `cacheMs` per queue, one read shared by concurrent scrapes). A queue SQS did not answer
 * for is left out of that scrape rather than shown with an old count. Every process sees the
 * same queue, so several API processes report the largest count, not the sum.
 */
export function registerQueueDepthGauge(options: QueueDepthGaugeOptions): void {
  const now = options.now ?? (() => Date.now());
  const reads = new Map<QueueLabel, { at: number; depth: Promise<QueueDepth | undefined> }>();
  const read = (queue: QueueLabel): Promise<QueueDepth | undefined> => {
    const cached = reads.get(queue);
    if (cached && now() - cached.at < options.cacheMs) return cached.depth;
    const depth = options.queues[queue]().catch(() => undefined);
    reads.set(queue, { at: now(), depth });
    return depth;
  };
  const queues = Object.keys(options.queues) as QueueLabel[];
  new Gauge({
    name: 'user_command_queue_messages',
    help: 'Messages on the command queue and its dead-letter queue, by state: visible (waiting to be received) or in_flight (received, neither deleted nor released yet). SQS approximate counts, read at most every few seconds; absent when SQS did not answer.',
    labelNames: ['queue', 'state'],
    registers: [options.registry],
    aggregator: 'max',
    async collect() {
      const depths = await Promise.all(queues.map(read));
      this.reset();
      depths.forEach((depth, index) => {
        if (!depth) return;
        const queue = queues[index];
        this.set({ queue, state: 'visible' }, depth.visible);
        this.set({ queue, state: 'in_flight' }, depth.inFlight);
      });
    },
  });
}
