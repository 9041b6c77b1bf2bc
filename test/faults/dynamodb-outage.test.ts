import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  DYNAMODB_QUIESCE_MS,
  type FaultSystem,
  startFaultSystem,
} from '../harness/fault-system.ts';
import { planCommands, submitted } from './support/model.ts';
import { reconcile, settle } from './support/reconcile.ts';

/**
 * The numbers. A transient failure on receive n hides the message for
 * WORKER_RETRY_BASE_SECONDS * 2^(n-1) s, and SQS dead-letters it when a 5th receive would be
 * exceeded. With a base of 1 s, a message that first fails at t is received again at
 * t+1, t+3, t+7 and t+15 s: it is dead-lettered only if DynamoDB is still unreachable 15 s
 * after its first failure. DynamoDB is unreachable for 5 s (its connections cut, then
 * DynamoDB Local stopped: see stoppableWithoutLoss), plus the 1-5 s DynamoDB Local takes to
 * start again on a busy machine, so a correct worker dead-letters nothing, with at least 5 s
 * to spare. (A base of 2 s would leave more margin but make the test 8 s longer.)
 */
const OUTAGE_MS = 5000;
const STOPPED_MS = OUTAGE_MS - DYNAMODB_QUIESCE_MS;

let system: FaultSystem;

beforeAll(async () => {
  system = await startFaultSystem({ WORKER_RETRY_BASE_SECONDS: '1' });
});
afterAll(async () => system?.close());

describe('DynamoDB stopped for several seconds in the middle of a stream of commands', () => {
  it('retries with backoff, recovers by itself, and dead-letters nothing', async () => {
    const worker = await system.startWorker('worker');
    const commands = planCommands('outage', 36);
    // A steady stream of about 10 commands a second, across the outage.
    const stream = (async () => {
      for (const command of commands) {
        await system.publish(command);
        await sleep(100);
      }
    })();

    await vi.waitFor(
      () => {
        if (!worker.logs().some((e) => e.outcome === 'succeeded')) throw new Error('not yet');
      },
      { timeout: 15_000, interval: 50 },
    );
    await system.dynamoDbEmulator.stop();
    await sleep(STOPPED_MS); // the fault itself: DynamoDB stays down this long
    await system.dynamoDbEmulator.restart();
    await stream;

    // A write in flight when the connections were cut may have landed with its answer lost:
    // the worker retries it and finds its record, a duplicate. Exactly the case idempotency
    // is for, so the reconciliation accepts it and counts it.
    const expectation = { commands: commands.map(submitted), everyEffectLogged: false };
    await settle(system, expectation);
    const result = await reconcile(system, expectation);

    // 36 users: 9 scripts of 4 commands and 27 of 3; the 9 deleted-for-good users are gone.
    expect(result).toMatchObject({ commands: 117, records: 117, users: 27, deadLetters: 0 });
    expect(result.logged.applied + result.logged.seenOnRedelivery).toBe(117);
    // The outage was felt: commands failed transiently, were retried, and then applied.
    expect(result.logged.retries).toBeGreaterThan(0);
    const receiveCounts = worker
      .logs()
      .filter((e) => e.outcome === 'succeeded')
      .map((e) => Number(e.receiveCount));
    expect(Math.max(...receiveCounts)).toBeGreaterThanOrEqual(2);
    expect(Math.max(...receiveCounts)).toBeLessThanOrEqual(5);
    expect(worker.isRunning()).toBe(true);
  }, 180_000);
});
