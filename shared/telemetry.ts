import { type Attributes, context, propagation, trace } from '@opentelemetry/api';
import { redactEmails } from './logger.ts';

/**
 * OpenTelemetry tracing, off unless the standard variables ask for it: an OTLP endpoint
 * (`OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`), and not
 * `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none`. Off, nothing of the SDK is even
 * loaded, and the spans the code starts through @opentelemetry/api cost next to nothing.
 *
 * On, spans go as OTLP/HTTP (JSON) to that endpoint, in batches, with the maintained
 * instrumentations: the AWS SDK's (a client span per call: SendMessageBatch, TransactWriteItems,
 * ...) and, in the API, Fastify's (@fastify/otel: a span per request). The service's own spans
 * (a publish span per command, a process span per message) and the trace context carried in
 * each message's attributes are in api/command-publisher.ts, worker/tracing.ts and
 * shared/contract/message.ts. docs/tracing.md says how they fit.
 */
export const TRACER_NAME = 'event-driven-user-service';

/** The standard variables tracing reads (here, or in the OTLP exporter). */
export const TRACING_VARIABLES = [
  'OTEL_SDK_DISABLED',
  'OTEL_TRACES_EXPORTER',
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  'OTEL_EXPORTER_OTLP_HEADERS',
  'OTEL_EXPORTER_OTLP_TRACES_HEADERS',
  'OTEL_EXPORTER_OTLP_TIMEOUT',
  'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT',
  'OTEL_EXPORTER_OTLP_COMPRESSION',
  'OTEL_EXPORTER_OTLP_TRACES_COMPRESSION',
  'OTEL_SERVICE_NAME',
  'OTEL_RESOURCE_ATTRIBUTES',
  'OTEL_TRACES_SAMPLER',
  'OTEL_TRACES_SAMPLER_ARG',
  'OTEL_BSP_SCHEDULE_DELAY',
  'OTEL_BSP_MAX_QUEUE_SIZE',
  'OTEL_BSP_MAX_EXPORT_BATCH_SIZE',
] as const;

export function tracer() {
  return trace.getTracer(TRACER_NAME);
}

export function tracingRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.OTEL_SDK_DISABLED?.toLowerCase() === 'true') return false;
  if (env.OTEL_TRACES_EXPORTER?.toLowerCase() === 'none') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

const UNTRACED_ROUTES = new Set(['/health', '/ready', '/metrics']);

export interface Tracing {
  /** Exports what is still buffered, then stops. */
  shutdown(): Promise<void>;
}

/**
 * Starts tracing for one process, when the environment asks for it. Call it before the
 * process imports the AWS SDK: the SDK's instrumentation patches modules as they load, which
 * under ESM needs a loader hook, registered here for the modules instrumentations ask for.
 */
export async function startTracing(
  serviceName: 'api' | 'worker',
  env: NodeJS.ProcessEnv = process.env,
): Promise<Tracing | undefined> {
  if (!tracingRequested(env)) return undefined;
  const { register } = await import('node:module');
  const { createAddHookMessageChannel } = await import('import-in-the-middle');
  const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
  register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);

  const [
    { AsyncLocalStorageContextManager },
    { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator },
    { OTLPTraceExporter },
    { registerInstrumentations },
    { AwsInstrumentation },
    { resourceFromAttributes },
    { BatchSpanProcessor, TracerProvider },
  ] = await Promise.all([
    import('@opentelemetry/context-async-hooks'),
    import('@opentelemetry/core'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/instrumentation'),
    import('@opentelemetry/instrumentation-aws-sdk'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/sdk-trace'),
  ]);
  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      'service.name': env.OTEL_SERVICE_NAME ?? `user-service-${serviceName}`,
      ...resourceAttributesFrom(env.OTEL_RESOURCE_ATTRIBUTES),
    }),
    sampler: await samplerFrom(env),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter: new OTLPTraceExporter(),
        scheduledDelayMillis: numberFrom(env.OTEL_BSP_SCHEDULE_DELAY, 5000),
        maxExportBatchSize: numberFrom(env.OTEL_BSP_MAX_EXPORT_BATCH_SIZE, 512),
        maxQueueSize: numberFrom(env.OTEL_BSP_MAX_QUEUE_SIZE, 2048),
      }),
    ],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(
    new CompositePropagator({
      propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
    }),
  );
  trace.setGlobalTracerProvider(provider);
  const instrumentations = [
    // Without it, each AWS call would also get an HTTP span of its own: noise.
    new AwsInstrumentation({ suppressInternalInstrumentation: true }),
  ];
  if (serviceName === 'api') {
    const { FastifyOtelInstrumentation } = await import('@fastify/otel');
    instrumentations.push(
      new FastifyOtelInstrumentation({
        registerOnInitialization: true,
        // The request span only: a span per lifecycle hook of every plugin (security, rate
        // limit, headers, ...) and one for the handler would multiply the spans, and what they
        // cost, for nothing the request span and the command's own spans do not say.
        instrumentHooks: false,
        instrumentHandler: false,
        // Orchestrators' probes every few seconds would be most of the traces.
        ignorePaths: (route: { url: string }) => UNTRACED_ROUTES.has(route.url),
        // An error's message can hold what a client sent; the status code says enough.
        recordExceptions: false,
        // Paths hold emails (/users/{email}): a trace keeps the route and the masked path.
        requestHook: (span, request) => {
          span.setAttribute('url.path', redactEmails(request.url.split('?')[0] ?? ''));
        },
      }) as unknown as (typeof instrumentations)[number],
    );
  }
  registerInstrumentations({ tracerProvider: provider, instrumentations });
  await waitForAllMessagesAcknowledged();
  return { shutdown: () => provider.shutdown() };
}

/** `OTEL_TRACES_SAMPLER` and `OTEL_TRACES_SAMPLER_ARG`, as the specification names them. */
async function samplerFrom(env: NodeJS.ProcessEnv) {
  const { AlwaysOffSampler, AlwaysOnSampler, ParentBasedSampler, TraceIdRatioBasedSampler } =
    await import('@opentelemetry/sdk-trace');
  const ratio = () => new TraceIdRatioBasedSampler(numberFrom(env.OTEL_TRACES_SAMPLER_ARG, 1));
  switch (env.OTEL_TRACES_SAMPLER ?? 'parentbased_always_on') {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return ratio();
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: ratio() });
    default:
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

/** `OTEL_RESOURCE_ATTRIBUTES`: `key=value,key=value`, values percent-encoded. */
function resourceAttributesFrom(text: string | undefined): Attributes {
  const pairs = (text ?? '').split(',').flatMap((pair) => {
    const at = pair.indexOf('=');
    if (at <= 0) return [];
    return [[pair.slice(0, at).trim(), decodeURIComponent(pair.slice(at + 1).trim())]];
  });
  return Object.fromEntries(pairs);
}

function numberFrom(text: string | undefined, fallback: number): number {
  const value = Number(text);
  return text !== undefined && text !== '' && Number.isFinite(value) ? value : fallback;
}
