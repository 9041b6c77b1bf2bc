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

export function createLogger(options: LoggerOptions): Logger {
  const pretty = options.pretty ?? (process.stdout.isTTY === true && !options.destination);
  const base = {
    name: options.name,
    level: options.level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  if (options.destination) return pino(base, options.destination);
  if (pretty) {
    return pino({
      ...base,
      transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l' } },
    });
  }
  return pino(base);
}
