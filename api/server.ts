import { loadConfigOrExit } from '../shared/config.ts';
import { createLogger } from '../shared/logger.ts';
import { createApi } from './api.ts';

const config = loadConfigOrExit();
const log = createLogger({
  name: 'api',
  level: config.env.LOG_LEVEL,
  pretty: config.env.LOG_PRETTY,
});

try {
  const api = await createApi(config, log);
  await api.app.listen({ port: config.env.PORT, host: config.env.HOST });
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping: finishing in-flight requests');
    await api.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
} catch (err) {
  log.fatal({ err }, 'api failed to start');
  process.exit(1);
}
