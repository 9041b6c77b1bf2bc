import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { type Emulators, startEmulators } from '../scripts/emulators.ts';
import { findSecretLeaks } from './support/secrecy.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    emulatorEnv: Record<string, string>;
    /** Where every test appends the log lines of the processes it runs (secrecy check). */
    suiteLogFile: string;
    /** Where tests with an SQS emulator of their own append what was queued on it. */
    suiteMessageFile: string;
  }
}

const SUITE_LOG_FILE = 'test-results/suite-logs.ndjson';
const SUITE_MESSAGE_FILE = 'test-results/suite-messages.ndjson';
let emulators: Emulators | undefined;

/** One fauxqs and one DynamoDB Local for the whole run, on free ports, in memory. */
export async function setup(project: TestProject) {
  mkdirSync('test-results', { recursive: true });
  writeFileSync(SUITE_LOG_FILE, '');
  writeFileSync(SUITE_MESSAGE_FILE, '');
  emulators = await startEmulators({ recordMessages: true });
  project.provide('emulatorEnv', emulators.env);
  project.provide('suiteLogFile', SUITE_LOG_FILE);
  project.provide('suiteMessageFile', SUITE_MESSAGE_FILE);
}

/**
 * Before stopping the emulators: the suite-wide secrecy check. Every message any test queued
 * on the shared emulator and every log line any API or worker wrote during the whole run
 * must be free of plaintext passwords and uncensored password fields.
 */
export async function teardown() {
  try {
    if (!emulators) return;
    const messages = [
      ...emulators.publishedMessageBodies(),
      ...readLines(SUITE_MESSAGE_FILE).map((line) => JSON.parse(line) as string),
    ];
    const logs = readLines(SUITE_LOG_FILE);
    const leaks = findSecretLeaks([
      { name: 'queued message', texts: messages },
      { name: 'log', texts: logs },
    ]);
    if (leaks.length > 0) {
      throw new Error(
        `Secrecy check: ${leaks.length} leaks of a password:\n${leaks.slice(0, 10).join('\n')}`,
      );
    }
    process.stdout.write(
      `Secrecy check: ${messages.length} queued messages and ${logs.length} log lines of the whole suite, no plaintext password.\n`,
    );
  } finally {
    await emulators?.stop();
  }
}

function readLines(file: string): string[] {
  return readFileSync(file, 'utf8').split('\n').filter(Boolean);
}
