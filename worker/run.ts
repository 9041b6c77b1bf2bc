import { loadConfigOrExit } from '../shared/config.ts';
import { createLogger } from '../shared/logger.ts';
import { stopOnSignals } from '../shared/shutdown.ts';
import { createWorker, type WorkerOptions } from './worker.ts';

/** The worker process: config from the environment, consume until SIGTERM or SIGINT. */
export async function runWorker(options: WorkerOptions = {}): Promise<void> {
  const config = loadConfigOrExit();
  const log = createLogger({
    name: 'worker',
    level: config.env.LOG_LEVEL,
    pretty: config.env.LOG_PRETTY,
  });
  try {
    const worker = await createWorker(config, log, options);
    worker.start();
    stopOnSignals(log, config.env.SHUTDOWN_TIMEOUT_SECONDS, () => worker.stop());
  } catch (err) {
    log.fatal({ err }, 'worker failed to start');
    process.exit(1);
  }
}
