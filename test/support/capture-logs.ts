import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../shared/logger.ts';
import { recordSuiteLogLines } from './secrecy.ts';

export interface CapturedLogs {
  log: Logger;
  /** Every line written so far, raw (what would reach a log shipper). */
  lines: string[];
  /** Parsed lines, for asserting on fields. */
  entries(): Record<string, unknown>[];
}

/** A real pino logger (redaction and all) whose output is kept in memory. */
export function captureLogs(name: string, level = 'info'): CapturedLogs {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      const written = chunk.toString('utf8').split('\n').filter(Boolean);
      lines.push(...written);
      recordSuiteLogLines(written);
      callback();
    },
  });
  const log = createLogger({ name, level, destination });
  return {
    log,
    lines,
    entries: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
