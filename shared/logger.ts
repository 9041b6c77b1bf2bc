import { isSpanContextValid, trace } from '@opentelemetry/api';
import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger };

export interface LoggerOptions {
  name: string;
  level: string;
  pretty?: boolean | undefined;
  /** Where lines go; tests pass a capturing stream. Default: stdout. */
  destination?: DestinationStream;
}

/**
 * Secrets never reach a log line, whatever a caller passes: these paths are censored
 * at serialization time, including inside request bodies and error details.
 */
const REDACTED_PATHS = [
  'password',
  'passwordHash',
  '*.password',
  '*.passwordHash',
  '*.*.password',
  '*.*.passwordHash',
  'req.headers.authorization',
  'req.headers.cookie',
  'body',
  '*.body',
];

/** Email addresses (plain or URL-encoded) in free text, e.g. in `/users/{email}` paths. */
const EMAIL_IN_TEXT = /[^/?&=\s]+(?:@|%40)[^/?&\s]+/gi;

export function redactEmails(text: string): string {
  return text.replace(EMAIL_IN_TEXT, '[email]');
}

/** Query parameters whose values say nothing about anyone; others are logged by name only. */
const PLAIN_QUERY_PARAMETERS = new Set(['limit', 'waitSeconds']);

/**
 * A URL as a log may keep it: the path with emails masked, and of the query string only
 * the names, with the values of all but plain numbers hidden (a pagination cursor is an
 * email in base64).
 */
export function loggableUrl(url: string): string {
  const at = url.indexOf('?');
  if (at === -1) return redactEmails(url);
  const query = url
    .slice(at + 1)
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const [name = '', value] = pair.split('=', 2);
      const plain = PLAIN_QUERY_PARAMETERS.has(name) && /^[\d.]*$/.test(value ?? '');
      return value === undefined || plain ? pair : `${redactEmails(name)}=[redacted]`;
    });
  return `${redactEmails(url.slice(0, at))}?${query.join('&')}`;
}

/**
 * HTTP requests are logged by method and URL as loggableUrl() keeps it: logs carry ids, not
 * personal data. (Fastify uses a logger's own `req` serializer over its default.)
 */
function serializeRequest(request: { method?: string; url?: string; id?: string }) {
  return { method: request.method, url: request.url ? loggableUrl(request.url) : undefined };
}

/** pino-pretty is a dev dependency: a production image without it logs JSON instead of crashing. */
function prettyPrinterInstalled(): boolean {
  try {
    import.meta.resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

/**
 * The trace and span of the line's moment, when tracing is on and a span is active: what
 * joins a log line to its trace (the field names OpenTelemetry's own pino instrumentation
 * uses). Read from @opentelemetry/api, with no SDK: without one there is never a span.
 */
export function activeTraceFields(): { trace_id?: string; span_id?: string } {
  const spanContext = trace.getActiveSpan()?.spanContext();
  if (!spanContext || !isSpanContextValid(spanContext)) return {};
  return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
}

export function createLogger(options: LoggerOptions): Logger {
  const pretty = options.pretty ?? (process.stdout.isTTY === true && !options.destination);
  const base = {
    name: options.name,
    level: options.level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: { req: serializeRequest },
    mixin: activeTraceFields,
  };
  if (options.destination) return pino(base, options.destination);
  if (pretty && prettyPrinterInstalled()) {
    return pino({
      ...base,
      transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l' } },
    });
  }
  // Asynchronous writes: a line no longer costs a write syscall on the hot path. pino
  // flushes what is buffered when the process exits.
  return pino(base, pino.destination({ dest: 1, sync: false }));
}
