import cluster from 'node:cluster';
import { loadConfigOrExit } from '../shared/config.ts';
import { createLogger } from '../shared/logger.ts';
import { stopOnSignals } from '../shared/shutdown.ts';
import { startTracing } from '../shared/telemetry.ts';
import { announceListening, superviseApiProcesses } from './supervisor.ts';

const config = loadConfigOrExit();
const log = createLogger({
  name: 'api',
  level: config.env.LOG_LEVEL,
  pretty: config.env.LOG_PRETTY,
});

if (cluster.isPrimary && config.env.API_PROCESSES > 1) {
  superviseApiProcesses({
    processes: config.env.API_PROCESSES,
    log,
    shutdownTimeoutSeconds: config.env.SHUTDOWN_TIMEOUT_SECONDS,
  });
} else {
  try {
    // Before the app is imported: tracing instruments the AWS SDK as it loads.
    const tracing = await startTracing('api');
    // Imported here, so a primary that only supervises does not load the whole app.
    const { createApi } = await import('./wiring.ts');
    const api = await createApi(config, log);
    await api.app.listen({
      port: config.env.PORT,
      host: config.env.HOST,
      // Fastify passes this on to net.Server#listen (Node ≥ 22.12): each API process owns a
      // listening socket, and the kernel spreads connections among them.
      ...(cluster.isWorker && { reusePort: true }),
    });
    announceListening();
    stopOnSignals(log, config.env.SHUTDOWN_TIMEOUT_SECONDS, async () => {
      await api.close();
      await tracing?.shutdown();
    });
  } catch (err) {
    log.fatal({ err }, 'api failed to start');
    process.exit(1);
  }
}
