import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type FaultSystem, startFaultSystem } from '../harness/fault-system.ts';
import { planCommands } from './support/model.ts';
import { scan } from './support/reconcile.ts';

const VISIBILITY_TIMEOUT_SECONDS = 30;
let system: FaultSystem;

beforeAll(async () => {
  // Long polls of 5 s, and a visibility timeout long enough to tell "released" from "lost
  // until it lapsed" by the clock.
  system = await startFaultSystem({
    WORKER_WAIT_TIME_SECONDS: '5',
    WORKER_VISIBILITY_TIMEOUT_SECONDS: String(VISIBILITY_TIMEOUT_SECONDS),
    WORKER_POLLERS: '2',
  });
});
afterAll(async () => system?.close());

describe('a worker stopped while it waits on a long poll', () => {
  it('strands nothing: a message its poll still receives goes back at once for the next worker', async () => {
    const first = await system.startWorker('first');
    // Let both pollers get their long polls going, with nothing to receive.
    await sleep(500);
    first.kill('SIGTERM');
    // Published while the stopped worker's receives are still open: on SQS (and fauxqs)
    // an open receive takes it, whether or not its caller is still listening.
    const [command] = planCommands('shutdown', 1);
    if (!command) throw new Error('no command planned');
    const publishedAt = performance.now();
    await system.publish(command);

    const exit = await first.exited;
    expect(exit.code, first.strayOutput()).toBe(0);
    // It waited for its open receives instead of abandoning them, and no longer.
    expect(exit.at - publishedAt).toBeLessThan(8_000);
    expect(first.logs().filter((e) => e.commandId === command.commandId)).toEqual([]);
    expect(first.logs().find((e) => e.msg === 'released unstarted messages')).toMatchObject({
      released: 1,
    });

    await system.startWorker('second');
    const record = await vi.waitFor(
      async () => {
        const found = (await scan(system, 'commands')).find(
          (r) => r.commandId === command.commandId,
        );
        expect(found?.status).toBe('succeeded');
        return found;
      },
      { timeout: 10_000, interval: 100 },
    );
    // Seconds, not the 30 s a lost receive would have hidden it for; on its second delivery.
    expect(performance.now() - publishedAt).toBeLessThan((VISIBILITY_TIMEOUT_SECONDS * 1000) / 2);
    expect(record?.attempts).toBe(2);
  }, 60_000);
});
