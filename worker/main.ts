import { startTracing } from '../shared/telemetry.ts';

// Before the worker is imported: tracing instruments the AWS SDK as it loads.
const tracing = await startTracing('worker');
const { runWorker } = await import('./run.ts');
await runWorker({}, tracing);
