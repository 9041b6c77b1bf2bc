import { loadConfigOrExit } from '../shared/config.ts';
import { createLogger } from '../shared/logger.ts';
import { stopOnSignals } from '../shared/shutdown.ts';
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
  stopOnSignals(log, config.env.SHUTDOWN_TIMEOUT_SECONDS, () => api.close());
} catch (err) {
  log.fatal({ err }, 'api failed to start');
  process.exit(1);
}
