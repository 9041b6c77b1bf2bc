import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { findFreePort } from '../../scripts/dev/emulators.ts';
import { type FaultSystem, startFaultSystem } from '../harness/fault-system.ts';
import {
  type HttpAnswer,
  type HttpStep,
  planHttpScripts,
  sendStep,
} from './support/http-client.ts';
import { reconcile, settle } from './support/reconcile.ts';

let system: FaultSystem;
/** What the first test saw, for the second to judge how the worker behaved meanwhile. */
const outage = { from: 0, to: 0, failedReceives: Number.NaN };
let workerHttpPort = 0;

beforeAll(async () => {
  // A short visibility timeout: deletes that fail during the outage leave their messages
  // invisible this long before they are redelivered (as duplicates).
  system = await startFaultSystem(
    {
      AWS_REQUEST_TIMEOUT_MS: '1000',
      WORKER_VISIBILITY_TIMEOUT_SECONDS: '10',
    },
    { persistSqs: true },
  );
});
afterAll(async () => system?.close());

/** The worker's own count of failed ReceiveMessage calls, from its /metrics. */
async function failedReceives(): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${workerHttpPort}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('user_command_receive_failures_total'));
  return Number(line?.split(' ').at(-1));
}

/** A well-behaved client: a 503 means "not accepted, retry", with the same Idempotency-Key. */
async function runClient(baseUrl: string, script: HttpStep[], answers: HttpAnswer[]) {
  for (const step of script) {
    for (;;) {
      const answer = await sendStep(baseUrl, step);
      answers.push(answer);
      if (answer.status === 202) break;
      if (answer.status !== 503) throw new Error(`unexpected answer ${JSON.stringify(answer)}`);
      await sleep(300);
    }
    await sleep(150);
  }
}

async function ready(baseUrl: string) {
  const response = await fetch(`${baseUrl}/ready`);
  return { status: response.status, body: await response.json() };
}

describe('the SQS emulator unreachable while clients send commands', () => {
  it('answers 503 and not ready, loses no accepted command, and recovers when SQS returns', async () => {
    const api = await system.startApi();
    workerHttpPort = await findFreePort();
    const worker = await system.startWorker('worker', { WORKER_HTTP_PORT: String(workerHttpPort) });
    const baseUrl = api.url as string;
    const scripts = planHttpScripts('sqs-outage', 12);
    const answers: HttpAnswer[] = [];
    const clients = Promise.all(scripts.map((script) => runClient(baseUrl, script, answers)));

    await vi.waitFor(() =>
      expect(answers.filter((a) => a.status === 202).length).toBeGreaterThan(5),
    );
    await system.sqsEmulator.stop();
    outage.from = Date.now();
    const whileDown = await vi.waitFor(
      async () => {
        const answer = await ready(baseUrl);
        expect(answer.status).toBe(503);
        return answer.body;
      },
      { timeout: 10_000 },
    );
    await vi.waitFor(() => expect(answers.some((a) => a.status === 503)).toBe(true), {
      timeout: 10_000,
    });
    await sleep(3000); // the fault itself: SQS stays away a while longer
    await system.sqsEmulator.restart();
    outage.to = Date.now();

    await vi.waitFor(async () => expect((await ready(baseUrl)).status).toBe(200), {
      timeout: 15_000,
    });
    await clients;

    expect(whileDown).toMatchObject({
      status: 'not ready',
      checks: { sqs: { ok: false }, dynamodb: { ok: true } },
    });
    const refused = answers.filter((a) => a.status === 503);
    expect(refused.length).toBeGreaterThan(0);
    for (const answer of refused) {
      expect(answer).toMatchObject({
        body: { code: 'QUEUE_UNAVAILABLE', message: expect.stringContaining('not accepted') },
      });
    }
    // Every answer was an acceptance or a refusal: no 500, no dropped connection.
    expect(answers.every((a) => a.status === 202 || a.status === 503)).toBe(true);

    const expectation = { commands: scripts.flat().map((step) => step.submitted) };
    await settle(system, expectation);
    const result = await reconcile(system, expectation);
    // 12 users, 3 commands each; 4 deleted; each command's second (retried) request added nothing.
    expect(result).toMatchObject({ commands: 36, records: 36, users: 8, deadLetters: 0 });
    expect(result.logged.applied).toBe(36);
    expect(worker.isRunning() && api.isRunning()).toBe(true);
    outage.failedReceives = await failedReceives();
  }, 180_000);

  it('backs off between failed receives instead of hammering the unreachable queue', () => {
    expect(outage.to, 'the outage test ran').toBeGreaterThan(0);
    // Receives failed (the count sees the outage at all) ...
    expect(outage.failedReceives).toBeGreaterThan(0);
    // ... but spaced out: 250 ms doubling to 5 s per poller, so fewer than one a second
    // each, counting the last wait that runs past the restart. Without the backoff every
    // poller fails hundreds of times a second.
    const seconds = (outage.to - outage.from) / 1000 + 5;
    const pollers = system.config.env.WORKER_POLLERS;
    expect(outage.failedReceives).toBeLessThanOrEqual(Math.ceil(pollers * seconds));
  });
});
