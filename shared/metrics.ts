import { collectDefaultMetrics, Registry } from 'prom-client';

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
