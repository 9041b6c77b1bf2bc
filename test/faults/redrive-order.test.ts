import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  SCHEMA_VERSION,
  type UserCommand,
  type UserCommandSchema,
} from '../../shared/contract/commands.ts';
import { type FaultSystem, startFaultSystem } from '../harness/fault-system.ts';
import { stopService } from '../harness/processes.ts';
import { dlqRedrive } from './support/dlq-cli.ts';
import { HASHES } from './support/model.ts';
import { scan } from './support/reconcile.ts';

let system: FaultSystem;

beforeAll(async () => {
  system = await startFaultSystem();
});
afterAll(async () => system?.close());

type Payload = (typeof UserCommandSchema)['_output']['payload'];
let sequence = 0;
function command(type: UserCommand['type'], payload: Payload, version = SCHEMA_VERSION) {
  sequence += 1;
  return {
    schemaVersion: version,
    commandId: `order-${sequence}-${type}`,
    type,
    issuedAt: new Date(Date.parse('2026-02-01T00:00:00Z') + sequence * 1000).toISOString(),
    payload,
  } as UserCommand;
}

async function recordOf(commandId: string) {
  return (await scan(system, 'commands')).find((r) => r.commandId === commandId);
}

async function userOf(emailAddress: string) {
  return (await scan(system, 'users')).find((u) => u.emailAddress === emailAddress);
}

async function waitForStatus(commandId: string, status: string) {
  await vi.waitFor(async () => expect((await recordOf(commandId))?.status).toBe(status), {
    timeout: 30_000,
    interval: 200,
  });
}

describe('a redrive keeps each user’s order', () => {
  // The two cases the docs warn about, and one dead letter nothing overtook. Version 2
  // messages are what the old worker cannot read; the upgraded one can.
  const renamed = 'renamed@example.com';
  const late = 'late@example.com';
  const alone = 'alone@example.com';
  const createRenamed = command('user.create', {
    emailAddress: renamed,
    firstName: 'R',
    lastName: 'A',
    passwordHash: HASHES[0] as string,
  });
  const renameToB = command('user.update', { emailAddress: renamed, lastName: 'B' }, 2);
  const renameToC = command('user.update', { emailAddress: renamed, lastName: 'C' });
  const createLate = command(
    'user.create',
    { emailAddress: late, firstName: 'L', lastName: 'L', passwordHash: HASHES[0] as string },
    2,
  );
  const updateLate = command('user.update', { emailAddress: late, firstName: 'Too early' });
  const createAlone = command(
    'user.create',
    { emailAddress: alone, firstName: 'A', lastName: 'A', passwordHash: HASHES[0] as string },
    2,
  );

  it('skips and lists dead letters that later commands of their user overtook, and moves the rest', async () => {
    const old = await system.startWorker('old');
    for (const c of [createRenamed, renameToB, renameToC, createLate, updateLate, createAlone]) {
      await system.publish(c);
    }
    await waitForStatus(renameToC.commandId, 'succeeded');
    await waitForStatus(updateLate.commandId, 'rejected');
    await vi.waitFor(async () => expect((await system.queueDepth('dead-letter')).visible).toBe(3), {
      timeout: 30_000,
      interval: 200,
    });
    await stopService(old);
    await system.startWorker('upgraded', {}, 'worker-v2');

    const result = await dlqRedrive(system.env);
    expect(result.failed).toEqual([]);
    expect(result.moved.map((m) => m.commandId)).toEqual([createAlone.commandId]);
    expect(result.skipped.map((s) => [s.message.commandId, s.overtakenBy]).sort()).toEqual(
      [
        [renameToB.commandId, [renameToC.commandId]],
        [createLate.commandId, [updateLate.commandId]],
      ].sort(),
    );
    expect(result.remaining).toBe(2);

    await waitForStatus(createAlone.commandId, 'succeeded');
    expect(await userOf(renamed)).toMatchObject({ lastName: 'C' });
    expect(await userOf(late)).toBeUndefined();
  }, 120_000);

  it('moves them anyway with --force, and they apply out of order, as the docs say', async () => {
    const result = await dlqRedrive(system.env, ['--force']);
    expect(result.moved.map((m) => m.commandId).sort()).toEqual(
      [renameToB.commandId, createLate.commandId].sort(),
    );
    expect(result.skipped).toEqual([]);

    await waitForStatus(renameToB.commandId, 'succeeded');
    await waitForStatus(createLate.commandId, 'succeeded');
    // The older rename wins, and the user exists without the update that came too early.
    expect(await userOf(renamed)).toMatchObject({ lastName: 'B' });
    expect(await userOf(late)).toMatchObject({ firstName: 'L' });
    expect(await recordOf(updateLate.commandId)).toMatchObject({ status: 'rejected' });
  }, 120_000);
});
