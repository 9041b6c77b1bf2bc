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

/** Appends command records from a DynamoDB of a test's own (the teardown scans the shared one). */
export function recordSuiteRecords(records: unknown[]): void {
  const file = inject('suiteRecordFile');
  if (file && records.length > 0)
    appendFileSync(file, `${records.map((r) => JSON.stringify(r, setsAsArrays)).join('\n')}\n`);
}

export function setsAsArrays(_key: string, value: unknown): unknown {
  return value instanceof Set ? [...value] : value;
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

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/;
/** Stricter for decoded bytes, so random runs do not decode into a false alarm by chance. */
const DECODED_EMAIL = /[A-Za-z0-9._%+-]{2,}@[A-Za-z0-9-]{2,}(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/;
const PERCENT_ENCODED_AT = /%40/i;
/** Runs long enough to hold an encoded email, in either base64 alphabet. */
const BASE64_RUN = /[A-Za-z0-9+/_-]{12,}={0,2}/g;

/** The email a text carries, plain, percent-encoded or base64 (either alphabet), if any. */
export function emailIn(text: string): string | undefined {
  const plain = EMAIL.exec(text)?.[0];
  if (plain) return plain;
  if (PERCENT_ENCODED_AT.test(text)) {
    const decoded = EMAIL.exec(text.replace(PERCENT_ENCODED_AT, '@'))?.[0];
    if (decoded) return `${decoded} (percent-encoded)`;
  }
  for (const [run] of text.matchAll(BASE64_RUN)) {
    // Every alignment: the email may start anywhere in the encoded run.
    for (let skip = 0; skip < 4; skip++) {
      const decoded = Buffer.from(run.slice(skip), 'base64url').toString('latin1');
      const found = DECODED_EMAIL.exec(decoded)?.[0];
      if (found) return `${found} (base64)`;
    }
  }
  return undefined;
}

/** Log lines and records may hold ids, never an email address, in any encoding. */
export function findEmailLeaks(sources: { name: string; texts: string[] }[]): string[] {
  const leaks: string[] = [];
  for (const { name, texts } of sources) {
    for (const text of texts) {
      const email = emailIn(text);
      if (email) leaks.push(`${name}: holds the email ${email}: ${text.slice(0, 300)}`);
    }
  }
  return leaks;
}
