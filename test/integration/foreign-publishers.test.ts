import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { isSettled } from '../../shared/command-record.ts';
import {
  createTestEnvironment,
  type TestEnvironment,
  uniqueEmail,
} from '../harness/environment.ts';
import { findAwsCli, findBoto3, type SqsTool } from '../support/foreign-tools.ts';
import { type SqsQueryAdapter, startSqsQueryAdapter } from '../support/sqs-query-adapter.ts';

/**
 * The publishing examples of docs/publishing.md, run as users run them: the AWS CLI blocks as
 * written there (only SQS_ENDPOINT, QUEUE_URL and API_URL, which they read, point at this
 * file's queue and API) and the boto3 script. Tools too old for SQS's JSON protocol, the
 * only one fauxqs speaks, go through the query adapter; tools missing altogether fail the test.
 */
const PUBLISHING_DOC = 'docs/publishing.md';
const BOTO3_SCRIPT = 'docs/examples/publish_with_boto3.py';
/** What the examples hash and name the user. */
const EXAMPLE_PASSWORD = 'correct horse battery';
const EXAMPLE_EMAIL = 'grace@example.com';
/** Each step starts a Python tool (Debian's awscli 2.9 takes seconds) and waits on the worker. */
const EXAMPLE_TIMEOUT_MS = 90_000;

const run = promisify(execFile);
let t: TestEnvironment;
let apiUrl: string;
let adapter: SqsQueryAdapter;
/** Command ids already in this file's ledger: each step must add exactly one. */
const seen = new Set<string>();

beforeAll(async () => {
  // Tables and a queue of this file's own: the AWS CLI example's fixed address is ours alone.
  t = await createTestEnvironment();
  await t.startWorker();
  const api = await t.startApi();
  apiUrl = await api.app.listen({ port: 0, host: '127.0.0.1' });
  adapter = await startSqsQueryAdapter(inject('emulatorEnv').AWS_ENDPOINT_URL_SQS ?? '');
});
afterAll(async () => {
  await adapter?.close();
  await t?.close();
});

describe('the AWS CLI example in docs/publishing.md', () => {
  it(
    'publishes create, update and delete, and the worker applies each',
    async () => {
      const aws = requireTool(findAwsCli(), 'the AWS CLI (`aws`)', 'awscli');
      const env = toolEnv(aws);
      const step = (name: string) =>
        runTool('bash', ['-euo', 'pipefail', '-c', `${example('setup')}\n${example(name)}`], env);
      const translatedBefore = adapter.translated();

      await expectApplied(step('create'), 'user.create');
      await expectUser(EXAMPLE_EMAIL, { firstName: 'Grace', lastName: 'Hopper' });
      await expectApplied(step('update'), 'user.update');
      await expectUser(EXAMPLE_EMAIL, { firstName: 'Grace', lastName: 'Murray Hopper' });
      await expectApplied(step('delete'), 'user.delete');
      expect(await t.getUser(EXAMPLE_EMAIL)).toBeUndefined();
      expect(adapter.translated() - translatedBefore).toBe(aws.speaksJson ? 0 : 3);
    },
    EXAMPLE_TIMEOUT_MS,
  );
});

describe('the boto3 example, docs/examples/publish_with_boto3.py', () => {
  it(
    'publishes create, update and delete, and the worker applies each',
    async () => {
      const python = requireTool(
        findBoto3(),
        'boto3 (`python3 -c "import boto3"`)',
        'python3-boto3',
      );
      const env = toolEnv(python);
      const publish = (...args: string[]) => runTool(python.command, [BOTO3_SCRIPT, ...args], env);
      const email = uniqueEmail('boto3');
      const hash = bcrypt.hashSync(EXAMPLE_PASSWORD, 4);
      const names = ['--first-name', 'Ada', '--last-name', 'Byron'];
      const translatedBefore = adapter.translated();

      await expectApplied(
        publish('create', email, ...names, '--password-hash', hash),
        'user.create',
      );
      await expectUser(email, { firstName: 'Ada', lastName: 'Byron' });
      // The script normalizes the address, so the command lands in the same user's group.
      await expectApplied(
        publish('update', email.toUpperCase(), '--last-name', 'Lovelace'),
        'user.update',
      );
      await expectUser(email, { firstName: 'Ada', lastName: 'Lovelace' });
      await expectApplied(publish('delete', email), 'user.delete');
      expect(await t.getUser(email)).toBeUndefined();
      expect(adapter.translated() - translatedBefore).toBe(python.speaksJson ? 0 : 3);
    },
    EXAMPLE_TIMEOUT_MS,
  );
});

/** The code block right after `<!-- example: aws-cli NAME -->`, exactly as users read it. */
function example(name: string): string {
  const doc = readFileSync(PUBLISHING_DOC, 'utf8');
  const marker = `<!-- example: aws-cli ${name} -->`;
  const blocks = doc.split(marker);
  expect(blocks, `exactly one "${marker}" in ${PUBLISHING_DOC}`).toHaveLength(2);
  const code = /^\s*```bash\n([\s\S]*?)\n```/.exec(blocks[1] ?? '')?.[1];
  if (code === undefined) throw new Error(`no \`\`\`bash block right after "${marker}"`);
  return code;
}

function requireTool(tool: SqsTool | undefined, what: string, debianPackage: string): SqsTool {
  if (!tool) {
    throw new Error(
      `${what} is not installed: the publishing examples need it. Install Debian's ${debianPackage} (.ci/run does) or any release that speaks SQS's JSON protocol.`,
    );
  }
  if (!tool.speaksJson) {
    process.stdout.write(
      `foreign-publishers: ${tool.version} speaks SQS's query protocol (JSON from ${tool.jsonFrom}); it goes through the query adapter.\n`,
    );
  }
  return tool;
}

/** The tool's environment: the emulator's credentials, none of the machine's AWS settings. */
function toolEnv(tool: SqsTool): NodeJS.ProcessEnv {
  const emulatorEnv = inject('emulatorEnv');
  const inherited = Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_'));
  const path = process.env.PATH ?? '';
  return {
    ...Object.fromEntries(inherited),
    PATH: tool.command.includes('/') ? `${dirname(tool.command)}:${path}` : path,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_PAGER: '',
    AWS_ACCESS_KEY_ID: emulatorEnv.AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: emulatorEnv.AWS_SECRET_ACCESS_KEY,
    AWS_DEFAULT_REGION: emulatorEnv.AWS_REGION,
    SQS_ENDPOINT: tool.speaksJson ? emulatorEnv.AWS_ENDPOINT_URL_SQS : adapter.endpoint,
    QUEUE_URL: t.queueUrl,
    API_URL: apiUrl,
  };
}

async function runTool(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  try {
    const { stdout } = await run(command, args, { env, timeout: 60_000 });
    return stdout;
  } catch (error) {
    const { code, stdout, stderr } = error as { code?: number; stdout?: string; stderr?: string };
    throw new Error(
      `${command} ${args.at(-1)?.slice(0, 60)}… exited with ${code}\nstdout: ${stdout}\nstderr: ${stderr}`,
    );
  }
}

/**
 * A step added exactly one command to the ledger, the worker applied it, and the step's last
 * line of output, its GET /commands/{id}, says so too: what a publisher reads.
 */
async function expectApplied(step: Promise<string>, type: string) {
  const stdout = await step;
  const record = await vi.waitFor(
    async () => {
      const fresh = (await t.scanTable('commands')).filter(
        (item) => !seen.has(String(item.commandId)),
      );
      expect(fresh).toHaveLength(1);
      const [found] = fresh;
      if (!found || !isSettled(String(found.status))) throw new Error('not settled yet');
      return found;
    },
    { timeout: 15_000, interval: 100 },
  );
  seen.add(String(record.commandId));
  expect(record).toMatchObject({ type, status: 'succeeded' });
  const printed = JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as unknown;
  expect(printed).toMatchObject({ commandId: record.commandId, status: 'succeeded' });
}

async function expectUser(email: string, names: { firstName: string; lastName: string }) {
  const user = await t.getUser(email);
  expect(user).toMatchObject({ emailAddress: email, ...names });
  expect(bcrypt.compareSync(EXAMPLE_PASSWORD, String(user?.passwordHash))).toBe(true);
}
