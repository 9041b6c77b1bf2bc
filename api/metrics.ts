import cluster from 'node:cluster';
import { Counter, type Registry } from 'prom-client';
import type { CommandType } from '../shared/contract/commands.ts';
import { createRegistry } from '../shared/metrics.ts';
import { shareMetricsAcrossProcesses } from './supervisor.ts';

export interface ApiMetrics {
  registry: Registry;
  commandAccepted(type: CommandType): void;
  /** Prometheus text: this process's metrics, or every API process's added up. */
  render(): Promise<string>;
}

export function createApiMetrics(): ApiMetrics {
  const registry = createRegistry('api');
  const accepted = new Counter({
    name: 'user_commands_accepted_total',
    help: 'Commands accepted (202) and stored on the queue, by type.',
    labelNames: ['type'],
    registers: [registry],
  });
  return {
    registry,
    commandAccepted: (type) => accepted.inc({ type }),
    render: cluster.isWorker ? shareMetricsAcrossProcesses(registry) : () => registry.metrics(),
  };
}
