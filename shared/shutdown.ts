import type { Logger } from './logger.ts';

/**
 * On SIGTERM or SIGINT: run `stop` once (stop taking work, finish what is in flight), then
 * exit 0. If stopping outlasts the timeout (a hung dependency), exit 1 rather than hang:
 * an orchestrator kills the process anyway, and unfinished messages are redelivered.
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
