import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type FaultSystem, startFaultSystem } from '../harness/fault-system.ts';
import type { ServiceProcess } from '../harness/processes.ts';
import {
  type HttpAnswer,
  type HttpStep,
  planHttpScripts,
  sendStep,
} from './support/http-client.ts';
import { planCommands, submitted } from './support/model.ts';
import { reconcile, settle } from './support/reconcile.ts';

const SHUTDOWN_BOUND_MS = 10_000;
let system: FaultSystem;

beforeAll(async () => {
  system = await startFaultSystem({
    // Hashing at cost 8 keeps each HTTP request busy long enough to be caught in flight.
    BCRYPT_COST: '8',
    HASH_THREADS: '2',
    SHUTDOWN_TIMEOUT_SECONDS: '15',
  });
});
afterAll(async () => system?.close());

/**
 * A client that stops at the first request that is not accepted (no answer, or a 503 while
 * the API shuts down) and returns what it has left, starting with that request: it will
 * repeat it, with the same Idempotency-Key, once an API is back.
 */
async function runClient(baseUrl: string, script: HttpStep[], answers: HttpAnswer[]) {
  for (const [index, step] of script.entries()) {
    const answer = await sendStep(baseUrl, step);
    answers.push(answer);
    if (answer.status === 'no answer' || answer.status === 503) return script.slice(index);
    if (answer.status !== 202) throw new Error(`unexpected answer ${JSON.stringify(answer)}`);
  }
  return [];
}

function lastLogs(service: ServiceProcess): string {
  const lines = service
    .logs()
    .slice(-4)
    .map((e) => JSON.stringify(e));
  return `${service.name} logs: ${lines.join('\n')}\n${service.strayOutput()}`;
}

describe('SIGTERM to the API and the worker under load', () => {
  it('finishes in-flight requests and messages, exits 0 in time, and loses nothing', async () => {
    const backlog = planCommands('backlog', 60);
    for (const command of backlog) await system.publish(command);
    const api = await system.startApi();
    const worker = await system.startWorker('worker');
    const scripts = planHttpScripts('sigterm', 30);
    const answers: HttpAnswer[] = [];
    const clients = Promise.all(scripts.map((s) => runClient(api.url as string, s, answers)));

    // Signal while both are busy: the worker is into its backlog (it has 195 commands), and
    // the clients are a sixth of the way through their 90 requests. (Waiting for more of the
    // worker let a slow machine finish every request first, leaving none in flight.)
    await vi.waitFor(
      () => {
        const applied = worker.logs().filter((e) => e.msg === 'command processed').length;
        const accepted = answers.filter((a) => a.status === 202).length;
        if (applied < 5 || accepted < 15)
          throw new Error(`${applied} applied, ${accepted} accepted`);
      },
      { timeout: 30_000, interval: 10 },
    );
    const signalledAt = performance.now();
    api.kill('SIGTERM');
    worker.kill('SIGTERM');
    const [apiExit, workerExit] = await Promise.all([api.exited, worker.exited]);

    // Soft: a failed shutdown must not hide whether anything was lost (checked below).
    expect.soft(apiExit.code, lastLogs(api)).toBe(0);
    expect.soft(apiExit.at - signalledAt, 'API shutdown time').toBeLessThan(SHUTDOWN_BOUND_MS);
    expect.soft(workerExit.code, lastLogs(worker)).toBe(0);
    expect
      .soft(workerExit.at - signalledAt, 'worker shutdown time')
      .toBeLessThan(SHUTDOWN_BOUND_MS);
    // The worker acknowledged everything it had received before exiting (nothing left in
    // flight to wait out a visibility timeout), and it stopped with work still queued.
    const depth = await system.queueDepth();
    expect(depth.inFlight).toBe(0);
    expect(depth.visible).toBeGreaterThan(0);

    const leftovers = await clients;
    // Requests in flight at the signal were answered 202; later ones were refused (503) or
    // got no answer at all: either way not accepted, and repeated below.
    expect(answers.every((a) => [202, 503, 'no answer'].includes(a.status))).toBe(true);
    const finishedAfterSignal = answers.filter(
      (a) => a.status === 202 && a.startedAt < signalledAt && a.endedAt > signalledAt,
    );
    expect(finishedAfterSignal.length).toBeGreaterThan(0);

    // A restarted API and worker: the clients repeat what got no answer, the worker drains.
    const api2 = await system.startApi();
    await system.startWorker('worker-2');
    const more: HttpAnswer[] = [];
    await Promise.all(leftovers.map((rest) => runClient(api2.url as string, rest, more)));
    expect(more.every((a) => a.status === 202)).toBe(true);

    const expectation = {
      commands: [...backlog.map(submitted), ...scripts.flat().map((step) => step.submitted)],
    };
    await settle(system, expectation);
    const result = await reconcile(system, expectation);
    // Backlog: 60 users (15 x 4 + 45 x 3 = 195 commands, 45 users left); HTTP: 30 users x 3
    // (20 left). Every command applied once, across both workers.
    expect(result).toMatchObject({ commands: 285, records: 285, users: 65, deadLetters: 0 });
    expect(result.logged.applied).toBe(285);
  }, 180_000);
});
