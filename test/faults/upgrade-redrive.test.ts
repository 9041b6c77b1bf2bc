import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserCommand } from '../../shared/contract/commands.ts';
import { type FaultSystem, startFaultSystem } from '../harness/fault-system.ts';
import { stopService } from '../harness/processes.ts';
import { dlqRedrive } from './support/dlq-cli.ts';
import { planCommands, submitted } from './support/model.ts';
import { reconcile, scan, settle } from './support/reconcile.ts';

let system: FaultSystem;

beforeAll(async () => {
  system = await startFaultSystem();
});
afterAll(async () => system?.close());

/** The same command as a publisher that moved to schema version 2 sends it. */
function asVersion2(command: UserCommand): UserCommand {
  return { ...command, schemaVersion: 2 } as unknown as UserCommand;
}

describe('dead letters a worker could not read, redriven after an upgrade', () => {
  it('are applied exactly once, in order, by the upgraded worker', async () => {
    const old = await system.startWorker('old');
    // Users whose publisher already speaks version 2, and users still on version 1.
    const ahead = planCommands('ahead', 8);
    const current = planCommands('current', 8);
    for (const command of ahead) await system.publish(asVersion2(command));
    for (const command of current) await system.publish(command);
    const unreadable = /^schemaVersion: must be 1 \(the versions this worker reads\), got 2$/;
    await settle(system, {
      commands: current.map(submitted),
      deadLettered: ahead.map((c) => ({ commandId: c.commandId, reason: unreadable })),
    });
    await stopService(old);
    // Each is on record as invalid, so its publisher can see why; nothing of it was applied.
    const records = new Map((await scan(system, 'commands')).map((r) => [r.commandId, r]));
    for (const command of ahead) {
      expect(records.get(command.commandId), command.commandId).toMatchObject({
        status: 'invalid',
        reason: expect.stringMatching(unreadable),
      });
    }

    // The upgrade, then the operator's redrive: every dead letter goes back, in order.
    await system.startWorker('upgraded', {}, 'worker-v2');
    const redriven = await dlqRedrive(system.env);
    expect(redriven).toMatchObject({ failed: [], skipped: [], remaining: 0 });
    expect(redriven.moved).toHaveLength(ahead.length);

    const expectation = { commands: [...current, ...ahead].map(submitted) };
    await settle(system, expectation);
    const result = await reconcile(system, expectation);
    // 26 commands for each kind of user (planCommands), all applied or rejected once.
    expect(result).toMatchObject({ records: 2 * ahead.length, deadLetters: 0 });
    expect(result.commands).toBe(ahead.length + current.length);
    expect(result.logged.applied).toBe(ahead.length + current.length);
  }, 180_000);
});
