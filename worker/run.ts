import { loadConfigOrExit } from '../shared/config.ts';
import { createLogger } from '../shared/logger.ts';
import { stopOnSignals } from '../shared/shutdown.ts';
import type { Tracing } from '../shared/telemetry.ts';
import { createWorker, type WorkerOptions } from './worker.ts';

/**
 * The worker process: config from the environment, consume until SIGTERM or SIGINT. Tracing,
 * when on, is started by the caller before this module loads (see main.ts).
 */
export async function runWorker(options: WorkerOptions = {}, tracing?: Tracing): Promise<void> {
  const config = loadConfigOrExit();
  const log = createLogger({
    name: 'worker',
    level: config.env.LOG_LEVEL,
    pretty: config.env.LOG_PRETTY,
  });
  try {
    const worker = await createWorker(config, log, options);
    worker.start();
    stopOnSignals(log, config.env.SHUTDOWN_TIMEOUT_SECONDS, async () => {
      await worker.stop();
      await tracing?.shutdown();
    });
  } catch (err) {
    log.fatal({ err }, 'worker failed to start');
    process.exit(1);
  }
}
