import type { Logger } from './logger.ts';

/**
 * On SIGTERM or SIGINT: run `stop` once (stop taking work, finish what is in flight), then
 * exit 0. If stopping fails or outlasts the timeout (a hung dependency), exit 1 rather than
 * hang: an orchestrator kills the process anyway, and unfinished messages are redelivered.
 *
 * Why not close-with-grace (fastify/demo's choice): it exits 1 at once on a second signal,
 * and one Ctrl-C brings two here: the terminal's SIGINT to the whole process group, then
 * the SIGTERM of our parent (`npm run dev`, the API supervisor). That would cut in-flight
 * requests and strand a worker's open receive, so a repeat is ignored; a stuck stop ends at
 * the timeout. Nor do we take its graceful stop on an uncaught error: Node's default (exit 1
 * at once) beats running on in an unknown state, and what it cuts is recoverable (a client
 * repeats its request, with its Idempotency-Key; SQS redelivers what was not acknowledged).
 */
export function stopOnSignals(
  log: Logger,
  timeoutSeconds: number,
  stop: () => Promise<void>,
): void {
  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal, timeoutSeconds }, 'stopping: finishing in-flight work');
    setTimeout(() => {
      log.error({ timeoutSeconds }, 'shutdown timed out; exiting');
      process.exit(1);
    }, timeoutSeconds * 1000).unref();
    try {
      await stop();
      log.info('stopped');
      process.exit(0);
    } catch (err) {
      log.error({ err }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', (signal) => void shutdown(signal));
  process.on('SIGINT', (signal) => void shutdown(signal));
}
