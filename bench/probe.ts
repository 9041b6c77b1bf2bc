import cluster, { type Worker } from 'node:cluster';
import { subscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';

/**
 * Loaded with `node --import ./bench/probe.ts` into the API or worker under benchmark, so
 * product code carries no bench hooks. Over IPC: 'reset' starts a measurement window,
 * 'read' answers event-loop delay percentiles, the peak RSS, the CPU time (all threads) and
 * the AWS calls made (by X-Amz-Target operation) in the window. With API_PROCESSES > 1 the
 * API processes inherit the probe: the primary asks each of them and answers for the whole:
 * the worst event-loop delay, and the sum of every process's peak RSS, CPU and calls.
 */
interface Reading {
  eventLoopDelayP99Ms: number;
  eventLoopDelayMaxMs: number;
  peakRssMb: number;
  cpuMs: number;
  awsCalls: Record<string, number>;
}

const delay = monitorEventLoopDelay({ resolution: 5 });
delay.enable();
let peakRss = process.memoryUsage.rss();
setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
}, 25).unref();
let cpuAtReset = process.cpuUsage();
// The AWS SDK sends every call through node:http with its operation in X-Amz-Target
// (`DynamoDB_20120810.BatchGetItem`, `AmazonSQS.SendMessageBatch`): counting them costs a
// header read per call, and no product code.
let awsCalls: Record<string, number> = {};
subscribe('http.client.request.created', (message) => {
  const target = (message as { request: ClientRequest }).request.getHeader('x-amz-target');
  if (typeof target !== 'string') return;
  const operation = target.slice(target.lastIndexOf('.') + 1);
  awsCalls[operation] = (awsCalls[operation] ?? 0) + 1;
});

function reset(): void {
  delay.reset();
  peakRss = process.memoryUsage.rss();
  cpuAtReset = process.cpuUsage();
  awsCalls = {};
}

function read(): Reading {
  const cpu = process.cpuUsage(cpuAtReset);
  return {
    eventLoopDelayP99Ms: delay.percentile(99) / 1e6,
    eventLoopDelayMaxMs: delay.max / 1e6,
    peakRssMb: Math.max(peakRss, process.memoryUsage.rss()) / 2 ** 20,
    cpuMs: (cpu.user + cpu.system) / 1000,
    awsCalls: { ...awsCalls },
  };
}

function addCalls(readings: Reading[]): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const { awsCalls: calls } of readings)
    for (const [operation, count] of Object.entries(calls))
      sum[operation] = (sum[operation] ?? 0) + count;
  return sum;
}

/** Sends `ask` to every API process and resolves with their answers. */
function askApiProcesses(ask: 'probe:reset' | 'probe:read'): Promise<Reading[]> {
  const workers = Object.values(cluster.workers ?? {}).filter(
    (w): w is Worker => !!w?.isConnected(),
  );
  return Promise.all(
    workers.map(
      (worker) =>
        new Promise<Reading>((resolve) => {
          const onMessage = (message: { type?: string; reading?: Reading }) => {
            if (message?.type !== `${ask}:done`) return;
            worker.off('message', onMessage);
            resolve(message.reading as Reading);
          };
          worker.on('message', onMessage);
          worker.send({ type: ask });
        }),
    ),
  );
}

if (cluster.isWorker) {
  process.on('message', (message: { type?: string }) => {
    if (message?.type === 'probe:reset') reset();
    if (message?.type === 'probe:reset' || message?.type === 'probe:read')
      process.send?.({ type: `${message.type}:done`, reading: read() });
  });
} else {
  process.on('message', async (message) => {
    if (message === 'reset') {
      reset();
      await askApiProcesses('probe:reset');
      process.send?.({ type: 'reset' });
    } else if (message === 'read') {
      const readings = [read(), ...(await askApiProcesses('probe:read'))];
      process.send?.({
        type: 'probe',
        eventLoopDelayP99Ms: Math.max(...readings.map((r) => r.eventLoopDelayP99Ms)),
        eventLoopDelayMaxMs: Math.max(...readings.map((r) => r.eventLoopDelayMaxMs)),
        peakRssMb: readings.reduce((sum, r) => sum + r.peakRssMb, 0),
        cpuMs: readings.reduce((sum, r) => sum + r.cpuMs, 0),
        awsCalls: addCalls(readings),
      });
    }
  });
  // The IPC channel must not keep a stopping process alive.
  process.channel?.unref();
}
