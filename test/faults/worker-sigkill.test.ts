import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type FaultSystem, startFaultSystem } from '../harness/fault-system.ts';
import { planCommands, submitted } from './support/model.ts';
import { reconcile, settle } from './support/reconcile.ts';

let system: FaultSystem;

beforeAll(async () => {
  // The shortest visibility timeout the config allows: what the killed worker held comes
  // back 5 s after it last touched it.
  system = await startFaultSystem({ WORKER_VISIBILITY_TIMEOUT_SECONDS: '5' });
});
afterAll(async () => system?.close());

describe('a worker killed with SIGKILL in the middle of a batch', () => {
  it('loses nothing and applies nothing twice once a new worker takes over', async () => {
    const commands = planCommands('kill', 40);
    for (const command of commands) await system.publish(command);

    const doomed = await system.startWorker('doomed');
    await vi.waitFor(
      () => {
        const done = doomed.logs().filter((entry) => entry.msg === 'command processed').length;
        if (done < 20) throw new Error(`only ${done} processed`);
      },
      { timeout: 30_000, interval: 10 },
    );
    doomed.kill('SIGKILL');
    expect(await doomed.exited).toMatchObject({ code: null, signal: 'SIGKILL' });

    // It died holding received messages it never acknowledged: the middle of a batch.
    const depth = await system.queueDepth();
    expect(depth.inFlight).toBeGreaterThan(0);
    const processedBeforeKill = doomed.logs().filter((e) => e.msg === 'command processed').length;
    expect(processedBeforeKill).toBeLessThan(commands.length);

    const successor = await system.startWorker('successor');
    const expectation = { commands: commands.map(submitted), everyEffectLogged: false };
    await settle(system, expectation);
    const result = await reconcile(system, expectation);

    // 40 users: 10 scripts of 4 commands and 30 of 3; the 10 deleted-for-good users are gone.
    expect(result).toMatchObject({ commands: 130, records: 130, users: 30, deadLetters: 0 });
    // The successor got the killed worker's messages again (receive count 2 or more).
    const redelivered = successor.logs().filter((e) => Number(e.receiveCount) >= 2);
    expect(redelivered.length).toBeGreaterThan(0);
  }, 180_000);
});
