import cluster, { type Worker } from 'node:cluster';
import { randomUUID } from 'node:crypto';
import type { Readable, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { AggregatorRegistry, type Registry } from 'prom-client';
import type { Logger } from '../shared/logger.ts';

const LISTENING = 'api:listening';
const METRICS_REQUEST = 'api:metrics-request';
const METRICS_RESPONSE = 'api:metrics-response';
const METRICS_TIMEOUT_MS = 5_000;

interface MetricsRequest {
  type: typeof METRICS_REQUEST;
  id: string;
}

interface MetricsResponse {
  type: typeof METRICS_RESPONSE;
  id: string;
  text?: string;
  error?: string;
}

export interface ApiProcessesOptions {
  processes: number;
  log: Logger;
  shutdownTimeoutSeconds: number;
}

/**
 * API_PROCESSES > 1. This primary serves no request: each API process listens on PORT with
 * SO_REUSEPORT, so the kernel spreads connections among them with no hop through here. A
 * process that dies before it listens is not restarted (exit 1): a startup error would only
 * repeat.
 */
export function superviseApiProcesses({
  processes,
  log,
  shutdownTimeoutSeconds,
}: ApiProcessesOptions): void {
  const aggregator = new AggregatorRegistry();
  const listening = new Set<number>();
  let stopping = false;
  let failed = false;

  // Two processes writing to one pipe can interleave a long write mid-line; relaying through
  // this process keeps every log line whole.
  cluster.setupPrimary({ silent: true });
  const relays = new Set<Promise<void>>();
  const relay = (from: Readable | null, to: Writable) => {
    const done = relayWholeLines(from, to).finally(() => relays.delete(done));
    relays.add(done);
  };
  const start = () => {
    const worker = cluster.fork();
    relay(worker.process.stdout, process.stdout);
    relay(worker.process.stderr, process.stderr);
  };
  // A process's last lines (its "stopped") can still be in the pipe when it exits.
  const exit = async (code: number) => {
    await Promise.race([Promise.all(relays), sleep(1000)]);
    process.exit(code);
  };
  const running = () => Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w);

  const stop = (reason: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ reason, processes: running().length }, 'stopping the api processes');
    // Each process has its own shutdown timeout; this one only catches a process that ignores it.
    setTimeout(
      () => {
        log.error({ shutdownTimeoutSeconds }, 'api processes did not stop in time; exiting');
        process.exit(1);
      },
      (shutdownTimeoutSeconds + 5) * 1000,
    ).unref();
    // After a Ctrl-C the processes have the terminal's SIGINT already; they ignore this one.
    for (const worker of running()) worker.process.kill('SIGTERM');
    if (running().length === 0) void exit(failed ? 1 : 0);
  };

  cluster.on('exit', (worker, code, signal) => {
    const wasListening = listening.delete(worker.id);
    const fields = { apiProcess: worker.process.pid, code, signal };
    if (stopping) {
      // A process still starting when the signal came has no work to finish.
      if (code !== 0 && signal !== 'SIGTERM') failed = true;
      if (running().length === 0) void exit(failed ? 1 : 0);
    } else if (!wasListening) {
      log.fatal(fields, 'an api process exited before it started listening');
      failed = true;
      stop('startup failure');
    } else {
      log.error(fields, 'an api process exited; starting a new one');
      start();
    }
  });

  cluster.on('message', (worker, message: { type?: string; id?: string }) => {
    if (message?.type === LISTENING) {
      listening.add(worker.id);
      log.info({ apiProcess: worker.process.pid }, 'api process listening');
      if (listening.size === processes) log.info({ processes }, 'all api processes listening');
    } else if (message?.type === METRICS_REQUEST) {
      const reply = (answer: Omit<MetricsResponse, 'type' | 'id'>) =>
        worker.isConnected() && worker.send({ type: METRICS_RESPONSE, id: message.id, ...answer });
      aggregator.clusterMetrics().then(
        (text) => reply({ text }),
        (err: Error) => reply({ error: err.message }),
      );
    }
  });

  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  log.info({ processes }, 'starting api processes');
  for (let i = 0; i < processes; i++) start();
}

/**
 * In an API process started by superviseApiProcesses, once it listens: from now on, its death
 * is a crash to recover from, not a startup failure. (With SO_REUSEPORT the socket is the
 * process's own, so cluster's 'listening' event does not reach the primary.)
 */
export function announceListening(): void {
  if (cluster.isWorker) process.send?.({ type: LISTENING });
}

async function relayWholeLines(from: Readable | null, to: Writable): Promise<void> {
  if (!from) return;
  let partial: Buffer = Buffer.alloc(0);
  from.on('data', (chunk: Buffer) => {
    const end = chunk.lastIndexOf(0x0a);
    if (end === -1) {
      partial = Buffer.concat([partial, chunk]);
      return;
    }
    to.write(
      partial.length
        ? Buffer.concat([partial, chunk.subarray(0, end + 1)])
        : chunk.subarray(0, end + 1),
    );
    partial = chunk.subarray(end + 1);
  });
  await finished(from).catch(() => undefined);
  if (partial.length) to.write(partial);
}

/**
 * In an API process started by superviseApiProcesses: answers the primary's requests for this
 * process's metrics (prom-client's cluster protocol), and returns a function that renders
 * the metrics of all processes added up.
 */
export function shareMetricsAcrossProcesses(registry: Registry): () => Promise<string> {
  AggregatorRegistry.setRegistries([registry]);
  // Constructing one installs prom-client's responder for the primary's requests.
  new AggregatorRegistry();
  return () =>
    new Promise((resolve, reject) => {
      const id = randomUUID();
      const timer = setTimeout(() => {
        process.off('message', onMessage);
        reject(new Error(`no metrics from the primary process in ${METRICS_TIMEOUT_MS} ms`));
      }, METRICS_TIMEOUT_MS);
      const onMessage = (message: MetricsResponse) => {
        if (message?.type !== METRICS_RESPONSE || message.id !== id) return;
        clearTimeout(timer);
        process.off('message', onMessage);
        if (message.text !== undefined) resolve(message.text);
        else reject(new Error(`metrics of the api processes: ${message.error}`));
      };
      process.on('message', onMessage);
      process.send?.({ type: METRICS_REQUEST, id } satisfies MetricsRequest);
    });
}
