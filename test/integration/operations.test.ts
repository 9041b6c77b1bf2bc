import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Api } from '../../api/wiring.ts';
import {
  createTestEnvironment,
  makeCommand,
  SAMPLE_HASH,
  SAMPLE_PASSWORD,
  type TestEnvironment,
  uniqueEmail,
} from '../harness/environment.ts';
import { type FaultProxy, startFaultProxy, THROTTLED } from '../support/fault-proxy.ts';

/** What GET /operations answers, as far as these tests read it. */
interface Operations {
  takenAt: string;
  commandQueue: { visible: number; inFlight: number };
  deadLetterQueue: { visible: number; inFlight: number };
  deadLetters: { since: string; more: boolean; items: Record<string, unknown>[] };
}

const TOKEN = 'a-long-enough-test-token';

async function operationsOf(api: Api, headers: Record<string, string> = {}) {
  const response = await api.app.inject({ method: 'GET', url: '/operations', headers });
  return { status: response.statusCode, headers: response.headers, body: response.json() };
}

/** Polls GET /operations (cached up to 2 s) until `check` passes; returns that answer. */
function eventuallyOperations(api: Api, check: (operations: Operations) => void) {
  return vi.waitFor(
    async () => {
      const { status, body } = await operationsOf(api);
      expect(status).toBe(200);
      check(body as Operations);
      return body as Operations;
    },
    { timeout: 30_000, interval: 250 },
  );
}

/** A user.create whose payload breaks the contract, carrying an email the reason must not. */
function invalidCreate(commandId: string, emailAddress: string) {
  return JSON.stringify({
    schemaVersion: 1,
    commandId,
    type: 'user.create',
    issuedAt: new Date().toISOString(),
    payload: { emailAddress, firstName: '', lastName: 'B', passwordHash: SAMPLE_HASH },
  });
}

describe('GET /operations', () => {
  let t: TestEnvironment;
  let api: Api;
  // Started by the first test that needs one: the backlog test counts before any runs.
  let worker: Promise<unknown> | undefined;
  const startWorker = () => {
    worker ??= t.startWorker();
    return worker;
  };

  beforeAll(async () => {
    t = await createTestEnvironment();
    api = await t.startApi();
  });
  afterAll(async () => t?.close());

  it('counts the messages waiting in the command queue, before any worker takes them', async () => {
    // Prepare: no worker yet.
    for (let i = 0; i < 3; i += 1) {
      await t.publish(
        makeCommand(
          'user.delete',
          { emailAddress: uniqueEmail('backlog') },
          `backlog-${i}-${randomUUID()}`,
        ),
      );
    }

    // Act and assess
    const operations = await eventuallyOperations(api, (o) =>
      expect(o.commandQueue.visible).toBe(3),
    );
    expect(operations).toStrictEqual({
      takenAt: expect.any(String),
      commandQueue: { visible: 3, inFlight: 0 },
      deadLetterQueue: { visible: 0, inFlight: 0 },
      deadLetters: { since: expect.any(String), items: [], more: false },
    });
    // The window is the dead-letter queue's retention, 14 days.
    expect(Date.parse(operations.takenAt) - Date.parse(operations.deadLetters.since)).toBe(
      14 * 86_400_000,
    );
  });

  it('lists an invalid command published straight to the queue with its reason, never its email', async () => {
    // Prepare
    await startWorker();
    const commandId = `ops-invalid-${randomUUID()}`;
    const email = uniqueEmail('invalid');

    // Act
    await t.publishRaw(invalidCreate(commandId, email));

    // Assess
    const operations = await eventuallyOperations(api, (o) =>
      expect(o.deadLetters.items.map((item) => item.commandId)).toContain(commandId),
    );
    expect(operations.deadLetters.items.find((item) => item.commandId === commandId)).toStrictEqual(
      {
        // An unreadable command's record keeps no type: nothing of it was trusted.
        commandId,
        status: 'invalid',
        reason: 'payload.firstName: must not be empty',
        attempts: 1,
        at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      },
    );
    expect(JSON.stringify(operations)).not.toContain(email);
    expect(JSON.stringify(operations)).not.toContain('$2');
    await eventuallyOperations(api, (o) => {
      expect(o.deadLetterQueue.visible).toBe(1);
      // The worker took the backlog of the test before.
      expect(o.commandQueue).toEqual({ visible: 0, inFlight: 0 });
    });
  });

  it('stops listing a dead letter once its command is applied after all', async () => {
    // Prepare: an invalid message, then the same command id, readable (as after an upgrade).
    await startWorker();
    const commandId = `ops-fixed-${randomUUID()}`;
    await t.publishRaw(invalidCreate(commandId, uniqueEmail('fixed')));
    const listed = await eventuallyOperations(api, (o) =>
      expect(o.deadLetters.items.map((item) => item.commandId)).toContain(commandId),
    );
    // Newest first: before the dead letter of the test before, when it ran.
    expect(listed.deadLetters.items[0]?.commandId).toBe(commandId);

    // Act
    const fixed = makeCommand(
      'user.create',
      {
        emailAddress: uniqueEmail('fixed'),
        firstName: 'A',
        lastName: 'B',
        passwordHash: SAMPLE_HASH,
      },
      commandId,
    );
    await t.publish(fixed);

    // Assess
    await vi.waitFor(
      async () => expect((await t.getCommandRecord(commandId))?.status).toBe('succeeded'),
      {
        timeout: 15_000,
        interval: 100,
      },
    );
    const record = await t.getCommandRecord(commandId);
    expect(record?.deadLetterOutcome).toBeUndefined();
    await eventuallyOperations(api, (o) =>
      expect(o.deadLetters.items.map((item) => item.commandId)).not.toContain(commandId),
    );
  });

  it('serves the same reading to every request for 2 seconds, then reads again', async () => {
    // Act
    const first = (await operationsOf(api)).body as Operations;
    const second = (await operationsOf(api)).body as Operations;
    const later = await eventuallyOperations(api, (o) => expect(o.takenAt).not.toBe(first.takenAt));

    // Assess
    expect(second.takenAt).toBe(first.takenAt);
    expect(Date.parse(later.takenAt) - Date.parse(first.takenAt)).toBeGreaterThanOrEqual(2000);
  });

  it('needs the token with PROTECT_READS, like the other reads, and is rate-limited like them', async () => {
    const guarded = await t.startApi({ API_TOKEN: TOKEN, PROTECT_READS: 'true' });
    const open = await t.startApi({ API_TOKEN: TOKEN });
    const limited = await t.startApi({ READ_RATE_LIMIT_MAX: '2' });

    const refused = await operationsOf(guarded);
    expect(refused).toMatchObject({ status: 401, body: { code: 'UNAUTHORIZED' } });
    expect(refused.headers['www-authenticate']).toBe('Bearer');
    expect((await operationsOf(guarded, { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    expect((await operationsOf(open)).status).toBe(200);

    const statuses = [];
    for (let i = 0; i < 3; i += 1) statuses.push((await operationsOf(limited)).status);
    expect(statuses).toEqual([200, 200, 429]);
    expect((await operationsOf(limited)).body).toMatchObject({ code: 'RATE_LIMITED' });
  });

  it('answers 503 with Retry-After when SQS or the commands table cannot answer', async () => {
    const noQueue = await t.startApi({ DEAD_LETTER_QUEUE: `missing-${randomUUID()}.fifo` });
    const noTable = await t.startApi({ COMMANDS_TABLE: `missing-${randomUUID()}` });

    const queues = await operationsOf(noQueue);
    expect(queues).toMatchObject({ status: 503, body: { code: 'QUEUES_UNAVAILABLE' } });
    expect(queues.headers['retry-after']).toBe('5');
    const store = await operationsOf(noTable);
    expect(store).toMatchObject({ status: 503, body: { code: 'STORE_UNAVAILABLE' } });
  });
});

describe('the timeline a command record keeps, through GET /commands/{id}', () => {
  let t: TestEnvironment;
  let api: Api;
  let proxy: FaultProxy;
  let throttle = false;

  beforeAll(async () => {
    t = await createTestEnvironment();
    api = await t.startApi();
    proxy = await startFaultProxy(t.env.AWS_ENDPOINT_URL_DYNAMODB as string);
    // The worker's transactions go through the proxy, which throttles them when told.
    proxy.setRule((operation) =>
      throttle && operation === 'TransactWriteItems' ? THROTTLED : 'pass',
    );
    await t.startWorker({ AWS_ENDPOINT_URL_DYNAMODB: proxy.endpoint });
  });
  afterAll(async () => {
    await t?.close();
    await proxy?.close();
  });

  async function statusOf(commandId: string) {
    return (await api.app.inject({ method: 'GET', url: `/commands/${commandId}` })).json();
  }

  it('lists each attempt: accepted, queued, a throttled attempt to be retried, then the success', async () => {
    // Prepare
    throttle = true;
    const commandId = `timeline-${randomUUID()}`;

    // Act
    const accepted = await api.app.inject({
      method: 'POST',
      url: '/users',
      headers: { 'idempotency-key': commandId },
      payload: {
        firstName: 'Ada',
        lastName: 'L',
        emailAddress: uniqueEmail('timeline'),
        password: SAMPLE_PASSWORD,
      },
    });
    expect(accepted.statusCode).toBe(202);
    await vi.waitFor(async () => expect((await statusOf(commandId)).status).toBe('retrying'), {
      timeout: 15_000,
      interval: 50,
    });
    throttle = false;
    await vi.waitFor(async () => expect((await statusOf(commandId)).status).toBe('succeeded'), {
      timeout: 15_000,
      interval: 50,
    });

    // Assess
    const status = await statusOf(commandId);
    const history = status.attemptHistory as Record<string, unknown>[];
    expect(history.length).toBeGreaterThanOrEqual(2);
    expect(history[0]).toStrictEqual({
      attempt: 1,
      receivedAt: status.firstReceivedAt,
      outcome: 'retrying',
      failure: 'throttled',
      recordedAt: expect.any(String),
    });
    expect(history.at(-1)).toStrictEqual({
      attempt: status.attempts,
      receivedAt: status.lastReceivedAt,
      outcome: 'succeeded',
      recordedAt: status.processedAt,
    });
    expect(history.map((entry) => entry.attempt)).toEqual(history.map((_, i) => i + 1));
    // In order, on one machine's clock: accepted, queued, then each attempt began and ended.
    const times = [
      status.acceptedAt,
      status.queuedAt,
      ...history.flatMap((entry) => [entry.receivedAt, entry.recordedAt]),
    ].map((iso) => Date.parse(String(iso)));
    expect(times.every((time) => Number.isFinite(time))).toBe(true);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('lists a command given up after its last attempt among the dead letters, with its failure', async () => {
    // Prepare
    throttle = true;
    const command = makeCommand('user.create', {
      emailAddress: uniqueEmail('exhausted'),
      firstName: 'T',
      lastName: 'F',
      passwordHash: SAMPLE_HASH,
    });

    // Act
    await t.publish(command);

    // Assess
    const operations = await eventuallyOperations(api, (o) =>
      expect(o.deadLetters.items.map((item) => item.commandId)).toContain(command.commandId),
    );
    throttle = false;
    expect(
      operations.deadLetters.items.find((item) => item.commandId === command.commandId),
    ).toStrictEqual({
      commandId: command.commandId,
      type: 'user.create',
      status: 'dead-lettered',
      reason: 'gave up after 5 attempts: DynamoDB throttled the write (ThrottlingException)',
      failure: 'throttled',
      attempts: 5,
      at: expect.any(String),
    });
    const history = (await statusOf(command.commandId)).attemptHistory as { outcome: string }[];
    expect(history.map((entry) => entry.outcome)).toEqual([
      'retrying',
      'retrying',
      'retrying',
      'retrying',
      'dead-lettered',
    ]);
  });
});
