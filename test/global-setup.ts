import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import type { TestProject } from 'vitest/node';
import { EMULATOR_CREDENTIALS, type Emulators, startEmulators } from '../scripts/dev/emulators.ts';
import { createDynamoDbClient, createDynamoDbDocumentClient } from '../shared/aws-clients.ts';
import { scanAll } from './support/aws-reads.ts';
import {
  compareWithDocument,
  type ObservedResponse,
  unobservedStatuses,
} from './support/observed-statuses.ts';
import { renderOpenApiDocument } from './support/openapi-document.ts';
import { findEmailLeaks, findSecretLeaks, setsAsArrays } from './support/secrecy.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    emulatorEnv: Record<string, string>;
    /** Where every test appends the log lines of the processes it runs (secrecy check). */
    suiteLogFile: string;
    /** Where tests with an SQS emulator of their own append what was queued on it. */
    suiteMessageFile: string;
    /** Where tests with a DynamoDB of their own append the command records it held. */
    suiteRecordFile: string;
    /** Where every in-process API appends the (route, status) pairs it answered. */
    suiteResponseFile: string;
  }
}

const SUITE_LOG_FILE = 'test-results/suite-logs.ndjson';
const SUITE_MESSAGE_FILE = 'test-results/suite-messages.ndjson';
const SUITE_RECORD_FILE = 'test-results/suite-records.ndjson';
const SUITE_RESPONSE_FILE = 'test-results/suite-responses.ndjson';
let emulators: Emulators | undefined;

/** One fauxqs and one DynamoDB Local for the whole run, on free ports, in memory. */
export async function setup(project: TestProject) {
  mkdirSync('test-results', { recursive: true });
  writeFileSync(SUITE_LOG_FILE, '');
  writeFileSync(SUITE_MESSAGE_FILE, '');
  writeFileSync(SUITE_RECORD_FILE, '');
  writeFileSync(SUITE_RESPONSE_FILE, '');
  emulators = await startEmulators({ recordMessages: true });
  project.provide('emulatorEnv', emulators.env);
  project.provide('suiteLogFile', SUITE_LOG_FILE);
  project.provide('suiteMessageFile', SUITE_MESSAGE_FILE);
  project.provide('suiteRecordFile', SUITE_RECORD_FILE);
  project.provide('suiteResponseFile', SUITE_RESPONSE_FILE);
}

/**
 * Before stopping the emulators, the suite-wide checks: secrecy (below) and the statuses the
 * OpenAPI document declares. Both run; either failing fails the run.
 */
export async function teardown() {
  try {
    if (!emulators) return;
    const failures = [await checkSecrecy(emulators), await checkDeclaredStatuses()].filter(
      (failure) => failure !== undefined,
    );
    if (failures.length > 0) throw new Error(failures.join('\n\n'));
  } finally {
    await emulators?.stop();
  }
}

/**
 * Every message any test queued on the shared emulator and every log line any API or worker
 * wrote during the whole run must be free of plaintext passwords and uncensored password
 * fields; every log line and every command record (the shared emulator's and the fault
 * tests' own) free of emails.
 */
async function checkSecrecy(running: Emulators): Promise<string | undefined> {
  const messages = [
    ...running.publishedMessageBodies(),
    ...readLines(SUITE_MESSAGE_FILE).map((line) => JSON.parse(line) as string),
  ];
  const logs = readLines(SUITE_LOG_FILE);
  const records = [
    ...(await commandRecordsOf(running)).map((r) => JSON.stringify(r, setsAsArrays)),
    ...readLines(SUITE_RECORD_FILE),
  ];
  const leaks = [
    ...findSecretLeaks([
      { name: 'queued message', texts: messages },
      { name: 'log', texts: logs },
    ]),
    ...findEmailLeaks([
      { name: 'log', texts: logs },
      { name: 'command record', texts: records },
    ]),
  ];
  if (leaks.length > 0) {
    return `Secrecy check: ${leaks.length} leaks of a password or an email:\n${leaks.slice(0, 10).join('\n')}`;
  }
  process.stdout.write(
    `Secrecy check: ${messages.length} queued messages, ${logs.length} log lines and ${records.length} command records of the whole suite, no plaintext password, no email where none belongs.\n`,
  );
  return undefined;
}

/**
 * Every status an in-process API answered during the run must be declared by its operation
 * in the OpenAPI document. Routes the document hides (HEAD, /metrics, the page, the docs)
 * cannot be held to it; they are named, as are the declared statuses no test produced.
 */
async function checkDeclaredStatuses(): Promise<string | undefined> {
  const observed = readLines(SUITE_RESPONSE_FILE).map(
    (line) => JSON.parse(line) as ObservedResponse,
  );
  const document = await renderOpenApiDocument();
  const { undeclared, undocumented } = compareWithDocument(document, observed);
  if (undeclared.length > 0) {
    return `Declared statuses: ${undeclared.length} answers of the suite have a status the OpenAPI document does not declare for their operation:\n${undeclared.join('\n')}`;
  }
  const unobserved = unobservedStatuses(document, observed);
  process.stdout.write(
    `Declared statuses: ${new Set(readLines(SUITE_RESPONSE_FILE)).size} (route, status) pairs answered, each declared by the OpenAPI document. Not in the document: ${undocumented.join(', ') || 'none'}. Declared, never answered in this run:\n  ${unobserved.join('\n  ') || 'none'}\n`,
  );
  return undefined;
}

/** Every item of every commands table on the shared emulator. */
async function commandRecordsOf(running: Emulators): Promise<Record<string, unknown>[]> {
  const aws = {
    region: running.env.AWS_REGION ?? 'us-east-1',
    sqsEndpoint: undefined,
    dynamoDbEndpoint: running.dynamoDbEndpoint,
  };
  const options = { requestTimeoutMs: 10_000, credentials: EMULATOR_CREDENTIALS };
  const client = createDynamoDbClient(aws, options);
  const documents = createDynamoDbDocumentClient(aws, options);
  try {
    const { TableNames = [] } = await client.send(new ListTablesCommand({ Limit: 100 }));
    const tables = TableNames.filter((name) => name.startsWith('commands'));
    return (await Promise.all(tables.map((table) => scanAll(documents, table)))).flat();
  } finally {
    client.destroy();
    documents.destroy();
  }
}

function readLines(file: string): string[] {
  return readFileSync(file, 'utf8').split('\n').filter(Boolean);
}
