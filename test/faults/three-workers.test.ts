import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FaultSystem, startFaultSystem } from '../harness/fault-system.ts';
import { planCommands, submitted } from './support/model.ts';
import { reconcile, settle } from './support/reconcile.ts';

let system: FaultSystem;

beforeAll(async () => {
  // Small batches and two pollers each, so the three workers really share the groups.
  system = await startFaultSystem({ WORKER_POLLERS: '2', WORKER_BATCH_SIZE: '5' });
});
afterAll(async () => system?.close());

describe('three worker processes on one queue, every command published twice', () => {
  it('applies each command exactly once and turns every second copy into a duplicate', async () => {
    const workers = await Promise.all(
      ['worker-1', 'worker-2', 'worker-3'].map((name) => system.startWorker(name)),
    );
    const commands = planCommands('three', 32);
    for (const command of commands) await system.publish(command);
    // The copies go in after every original, so a copy of a create can arrive after that
    // user's delete: only the command ledger stops it from bringing the user back.
    for (const command of commands) {
      await system.publish(command, { deduplicationId: `again-${command.commandId}` });
    }

    const expectation = { commands: commands.map(submitted) };
    await settle(system, expectation);
    const result = await reconcile(system, expectation);

    // 32 users: 8 scripts of 4 commands and 24 of 3; the 8 deleted-for-good users are gone.
    expect(result).toEqual({
      commands: 104,
      records: 104,
      users: 24,
      deadLetters: 0,
      logged: { applied: 104, duplicates: 104, retries: 0, givenUp: 0, seenOnRedelivery: 0 },
    });
    const busy = workers.filter((w) => w.logs().some((entry) => entry.outcome === 'succeeded'));
    expect(busy.length, 'workers that applied commands').toBeGreaterThanOrEqual(2);
    expect(workers.every((w) => w.isRunning())).toBe(true);
  }, 180_000);
});
