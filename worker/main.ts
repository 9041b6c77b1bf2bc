import { loadConfigOrExit } from '../shared/config.ts';
import { createLogger } from '../shared/logger.ts';
import { createWorker } from './worker.ts';

const config = loadConfigOrExit();
const log = createLogger({
  name: 'worker',
  level: config.env.LOG_LEVEL,
  pretty: config.env.LOG_PRETTY,
});

try {
  const worker = await createWorker(config, log);
  worker.start();
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping: finishing in-flight messages');
    await worker.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
} catch (err) {
  log.fatal({ err }, 'worker failed to start');
  process.exit(1);
}
