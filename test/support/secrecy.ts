import { appendFileSync } from 'node:fs';
import { inject } from 'vitest';

/**
 * The plaintext passwords the suite sends to the API. None may ever show up in a queued
 * message or a log line; the global teardown checks every one the whole suite produced.
 */
export const PLAINTEXT_PASSWORDS = [
  'password-1',
  'password-2',
  'correct horse',
  'correct horse battery',
  'Tr0ub4dor&3-create',
  'Tr0ub4dor&3-update',
  'analytical engine',
  'difference engine',
  'cobol compiler',
];
/** Generated ones (test/faults). */
const PLAINTEXT_PATTERN = /\b(first|second)-pw-\d+\b/;

/** Appends log lines to the suite-wide log the teardown checks. */
export function recordSuiteLogLines(lines: string[]): void {
  const file = inject('suiteLogFile');
  if (file && lines.length > 0) appendFileSync(file, `${lines.join('\n')}\n`);
}

/** Appends the bodies queued on an emulator of a test's own (the shared one keeps its own). */
export function recordSuiteMessages(bodies: string[]): void {
  const file = inject('suiteMessageFile');
  if (file && bodies.length > 0)
    appendFileSync(file, `${bodies.map((b) => JSON.stringify(b)).join('\n')}\n`);
}

/**
 * What leaks a password: a known plaintext anywhere, or a log field named password or
 * passwordHash whose value was not censored. Returns one line per leak.
 */
export function findSecretLeaks(sources: { name: string; texts: string[] }[]): string[] {
  const leaks: string[] = [];
  const uncensored = /"password(Hash)?":"(?!\[redacted\])/;
  for (const { name, texts } of sources) {
    for (const text of texts) {
      const plaintext =
        PLAINTEXT_PASSWORDS.find((password) => text.includes(password)) ??
        PLAINTEXT_PATTERN.exec(text)?.[0];
      if (plaintext)
        leaks.push(`${name}: contains the plaintext "${plaintext}": ${text.slice(0, 200)}`);
      else if (name === 'log' && uncensored.test(text))
        leaks.push(`${name}: uncensored field: ${text.slice(0, 200)}`);
    }
  }
  return leaks;
}
