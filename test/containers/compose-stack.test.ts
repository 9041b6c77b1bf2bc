import { spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLocalImages } from '../../scripts/dev/local-images.ts';
import { createDynamoDbDocumentClient, createSqsClient } from '../../shared/aws-clients.ts';
import { queueDepth } from '../../shared/queues.ts';

/**
 * The container path, run for real: `docker-compose up --build` of the token-free profile
 * (fauxqs and DynamoDB Local containers) from a clean state, on base images built locally
 * (`npm run images:local`: no registry here). The test reaches the stack only through the
 * ports it publishes on 127.0.0.1; the containers reach only each other.
 */
const PROJECT = 'user-service-containers';
const API = 'http://127.0.0.1:5000';
let env: NodeJS.ProcessEnv;
const aws = {
  region: 'us-east-1',
  sqsEndpoint: 'http://127.0.0.1:9324',
  dynamoDbEndpoint: 'http://127.0.0.1:8000',
};
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const dynamoDb = createDynamoDbDocumentClient(aws, { requestTimeoutMs: 5000, credentials });
const sqs = createSqsClient(aws, { requestTimeoutMs: 5000, credentials });

function compose(...args: string[]): string {
  const result = spawnSync('docker-compose', args, { env, encoding: 'utf8', maxBuffer: 2 ** 28 });
  if (result.status !== 0) {
    throw new Error(`docker-compose ${args.join(' ')} failed:\n${result.stdout}${result.stderr}`);
  }
  return result.stdout;
}

function docker(...args: string[]): string {
  const result = spawnSync('docker', args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`docker ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout.trim();
}

/** The container ids of a service (all of them, running or not). */
function containersOf(service: string): string[] {
  return compose('ps', '-a', '-q', service).split('\n').filter(Boolean);
}

function state(container: string): { status: string; exitCode: number; health?: string } {
  const { Status, ExitCode, Health } = JSON.parse(
    docker('inspect', '--format', '{{json .State}}', container),
  ) as { Status: string; ExitCode: number; Health?: { Status: string } };
  return { status: Status, exitCode: ExitCode, health: Health?.Status };
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined) {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`${what}: not within 120 s\n${compose('logs', '--tail', '40')}`);
    await sleep(500);
  }
}

async function send(method: string, path: string, body?: unknown) {
  const response = await fetch(`${API}${path}`, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function settled(commandId: string) {
  return until(`command ${commandId}`, async () => {
    const { body } = await send('GET', `/commands/${commandId}?waitSeconds=10`);
    return ['pending', 'retrying'].includes(String(body.status)) ? undefined : body;
  });
}

beforeAll(async () => {
  const images = buildLocalImages();
  env = { ...process.env, COMPOSE_PROJECT_NAME: PROJECT, COMPOSE_PROFILES: 'emulators', ...images };
  compose('down', '-v', '--remove-orphans');
  compose('up', '--build', '-d');
});

afterAll(async () => {
  dynamoDb.destroy();
  sqs.destroy();
  if (env) compose('down', '-v', '--remove-orphans');
});

describe('docker-compose up of the emulators profile', () => {
  it('provisions once, then starts the API (healthy) and the worker', async () => {
    const [provision] = containersOf('provision');
    expect(provision).toBeDefined();
    expect(
      await until('provision exits', () => {
        const s = state(provision as string);
        return s.status === 'exited' ? s : undefined;
      }),
    ).toMatchObject({ exitCode: 0 });
    expect(compose('logs', 'provision')).toMatch(/created +table users/);
    const [api] = containersOf('api');
    await until('the API turns healthy', () =>
      state(api as string).health === 'healthy' ? true : undefined,
    );
    expect((await send('GET', '/ready')).status).toBe(200);
  });

  it('applies commands sent to the published port', async () => {
    const accepted = await send('POST', '/users', {
      firstName: 'Con',
      lastName: 'Tainer',
      emailAddress: 'con@example.com',
      password: 'correct horse battery',
    });
    expect(accepted.status).toBe(202);
    expect(await settled(String(accepted.body.commandId))).toMatchObject({ status: 'succeeded' });
    expect(await send('GET', '/users/con@example.com')).toMatchObject({
      status: 200,
      body: { firstName: 'Con', lastName: 'Tainer' },
    });
  });

  it('shares the queue among three workers and keeps each user’s commands in order', async () => {
    compose('up', '-d', '--no-recreate', '--scale', 'worker=3');
    const workers = containersOf('worker');
    expect(workers).toHaveLength(3);
    await until('three healthy workers', () =>
      workers.every((w) => state(w).health === 'healthy') ? true : undefined,
    );
    const users = Array.from({ length: 8 }, (_, i) => `order-${i}@example.com`);
    const commandIds: string[] = [];
    for (const emailAddress of users) {
      const { body } = await send('POST', '/users', {
        firstName: 'v0',
        lastName: 'Order',
        emailAddress,
        password: 'correct horse battery',
      });
      commandIds.push(String(body.commandId));
    }
    for (let version = 1; version <= 5; version++) {
      for (const emailAddress of users) {
        const { status, body } = await send('PATCH', `/users/${emailAddress}`, {
          firstName: `v${version}`,
        });
        expect(status).toBe(202);
        commandIds.push(String(body.commandId));
      }
    }
    for (const commandId of commandIds) {
      expect(await settled(commandId), commandId).toMatchObject({ status: 'succeeded' });
    }
    for (const emailAddress of users) {
      const { Item } = await dynamoDb.send(
        new GetCommand({ TableName: 'users', Key: { emailAddress }, ConsistentRead: true }),
      );
      expect(Item?.firstName, emailAddress).toBe('v5');
    }
    const busy = workers.filter((w) => /"msg":"command processed"/.test(docker('logs', w)));
    expect(busy.length, 'workers that applied a command').toBeGreaterThan(1);
  });

  it('stops the API and every worker with SIGTERM: each exits 0, and nothing is lost', async () => {
    const commandIds: string[] = [];
    for (let i = 0; i < 10; i++) {
      const { body } = await send('PATCH', '/users/con@example.com', { lastName: `stop-${i}` });
      commandIds.push(String(body.commandId));
    }
    compose('stop', 'api', 'worker');
    for (const container of [...containersOf('api'), ...containersOf('worker')]) {
      expect(state(container), container).toMatchObject({ status: 'exited', exitCode: 0 });
      expect(docker('logs', container)).toMatch(/"msg":"stopped"/);
    }
    compose('start', 'api', 'worker');
    await until('the API is back', async () =>
      (await fetch(`${API}/ready`).catch(() => undefined))?.ok ? true : undefined,
    );
    for (const commandId of commandIds) {
      expect(await settled(commandId), commandId).toMatchObject({ status: 'succeeded' });
    }
    const { Item } = await dynamoDb.send(
      new GetCommand({ TableName: 'users', Key: { emailAddress: 'con@example.com' } }),
    );
    expect(Item?.lastName).toBe('stop-9');
    const { QueueUrl } = await sqs.send(
      new GetQueueUrlCommand({ QueueName: 'user-commands.fifo' }),
    );
    expect(await queueDepth(sqs, QueueUrl as string)).toEqual({ visible: 0, inFlight: 0 });
  });

  it('leaves nothing behind after down -v', () => {
    compose('down', '-v', '--remove-orphans');
    const label = `label=com.docker.compose.project=${PROJECT}`;
    expect(docker('ps', '-a', '-q', '--filter', label)).toBe('');
    expect(docker('network', 'ls', '-q', '--filter', label)).toBe('');
    expect(docker('volume', 'ls', '-q', '--filter', label)).toBe('');
  });
});
