import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

const script = join(import.meta.dirname, '../../localstack/healthcheck.py');
const run = promisify(execFile);

interface FakeLocalStack {
  /** What /_localstack/health reports per service; null: the endpoint is not up yet. */
  states: Record<string, string> | null;
  /** The status each service answers a call with, by the signing name of the call. */
  answers: Record<string, number>;
}

let fake: FakeLocalStack;
/** The calls the healthcheck made: signing name and X-Amz-Target. */
let calls: { service: string | undefined; target: string | undefined }[];
let server: Server;
let baseUrl: string;

/** Enough of LocalStack: its health report, and service calls routed by credential scope. */
beforeAll(async () => {
  server = createServer((request, response) => {
    if (request.method === 'GET' && request.url === '/_localstack/health' && fake.states) {
      const body = { services: fake.states, edition: 'community', version: '4.14.0' };
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      return;
    }
    if (request.method === 'POST' && request.url === '/') {
      const auth = String(request.headers.authorization ?? '');
      const service = auth.match(/Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\/aws4_request/)?.[1];
      calls.push({ service, target: request.headers['x-amz-target'] as string | undefined });
      const status = fake.answers[service ?? ''] ?? 400;
      response
        .writeHead(status, { 'content-type': 'application/x-amz-json-1.0' })
        .end(status === 200 ? '{}' : '{"__type":"InternalError"}');
      return;
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

beforeEach(() => {
  fake = {
    states: { sqs: 'running', dynamodb: 'running', s3: 'disabled' },
    answers: { sqs: 200, dynamodb: 200 },
  };
  calls = [];
});

async function healthcheck(url = baseUrl): Promise<{ exitCode: number; output: string }> {
  try {
    const { stdout } = await run('python3', [script, url]);
    return { exitCode: 0, output: stdout };
  } catch (error) {
    const { code, stdout } = error as { code: number; stdout: string };
    return { exitCode: code, output: stdout };
  }
}

describe('the LocalStack healthcheck', () => {
  it('is healthy once SQS and DynamoDB are running and each answers a real read', async () => {
    expect((await healthcheck()).exitCode).toBe(0);
    expect(calls).toEqual([
      { service: 'sqs', target: 'AmazonSQS.ListQueues' },
      { service: 'dynamodb', target: 'DynamoDB_20120810.ListTables' },
    ]);
  });

  it('is healthy when a service is available and answers (LocalStack starts it on use)', async () => {
    fake.states = { sqs: 'available', dynamodb: 'running' };
    expect((await healthcheck()).exitCode).toBe(0);
  });

  it.each(['starting', 'error', 'disabled', 'stopped'])(
    'is unhealthy while a service is %s, without calling it',
    async (state) => {
      fake.states = { sqs: 'running', dynamodb: state };
      const result = await healthcheck();
      expect(result.exitCode).toBe(1);
      expect(result.output).toContain(`dynamodb is ${state}`);
      expect(calls.map((call) => call.service)).not.toContain('dynamodb');
    },
  );

  it('is unhealthy when a service of ours is not in the report (SERVICES left it out)', async () => {
    fake.states = { sqs: 'running' };
    const result = await healthcheck();
    expect(result.exitCode).toBe(1);
    expect(result.output).toContain('dynamodb is not reported');
  });

  it('is unhealthy when the report is green but DynamoDB does not answer its read', async () => {
    fake.answers.dynamodb = 500;
    const result = await healthcheck();
    expect(result.exitCode).toBe(1);
    expect(result.output).toContain('dynamodb (running) does not answer');
  });

  it('is unhealthy when the report is green but SQS does not answer its read', async () => {
    fake.answers.sqs = 503;
    expect((await healthcheck()).exitCode).toBe(1);
  });

  it('is unhealthy while LocalStack does not answer', async () => {
    fake.states = null;
    expect((await healthcheck()).exitCode).toBe(1);
    expect((await healthcheck('http://127.0.0.1:9')).exitCode).toBe(1);
  });
});
