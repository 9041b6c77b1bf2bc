import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserCommand } from '../../shared/contract/commands.ts';
import { type FaultSystem, startFaultSystem } from '../harness/fault-system.ts';
import { stopService } from '../harness/processes.ts';
import { dlqList, dlqRedrive } from './support/dlq-cli.ts';
import { planCommands, submitted } from './support/model.ts';
import { reconcile, scan, settle } from './support/reconcile.ts';

let system: FaultSystem;

beforeAll(async () => {
  // Retry at once: five receives take a second, not a minute.
  system = await startFaultSystem({ WORKER_RETRY_BASE_SECONDS: '0' });
});
afterAll(async () => system?.close());

function firstOfEachUser(commands: UserCommand[]): string[] {
  const first = new Map<string, string>();
  for (const c of commands)
    if (!first.has(c.payload.emailAddress)) first.set(c.payload.emailAddress, c.commandId);
  return [...first.values()];
}

describe('commands that fail transiently every time', () => {
  it('are dead-lettered by the worker on their 5th attempt, with the reason, and apply exactly once after a redrive', async () => {
    // This worker's DynamoDB is a port nobody listens on: every write fails like an outage.
    const broken = await system.startWorker('broken', {
      AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:9',
    });
    const commands = planCommands('doomed', 4);
    for (const command of commands) await system.publish(command);
    const unreachable = 'gave up after 5 attempts: DynamoDB could not be reached (ECONNREFUSED)';
    await settle(system, {
      commands: [],
      deadLettered: commands.map((c) => ({ commandId: c.commandId, reason: unreachable })),
    });
    await stopService(broken);

    // Every command was tried exactly maxReceiveCount (5) times, never acknowledged, and
    // given up by the worker itself on the last one (SQS would have moved it without a word).
    for (const command of commands) {
      const attempts = broken.logs().filter((e) => e.commandId === command.commandId);
      expect(attempts.map((e) => [e.outcome, e.action, e.receiveCount])).toEqual([
        ...[1, 2, 3, 4].map((n) => ['transient', 'retry', n]),
        ['exhausted', 'dead-letter', 5],
      ]);
    }
    expect(await scan(system, 'users')).toEqual([]);
    expect(await scan(system, 'commands')).toEqual([]);

    // The tool lists them with their reason and leaves them there. In a FIFO queue it can
    // only read the head of each group: the rest wait behind it.
    const listing = await dlqList(system.env);
    const listed = listing.messages.map((m) => m.commandId);
    expect(listing.approximateTotal).toBe(13);
    for (const head of firstOfEachUser(commands)) expect(listed).toContain(head);
    expect(listed.every((id) => commands.some((c) => c.commandId === id))).toBe(true);
    expect(listing.messages.map((m) => [m.reason, m.attempts])).toEqual(
      listing.messages.map(() => [unreachable, 5]),
    );

    // Redriven to a healthy worker, each applies exactly once, in its user's order.
    await system.startWorker('healthy');
    const redriven = await dlqRedrive(system.env);
    expect(redriven.failed).toEqual([]);
    // All 13, right after the listing: it released what it read instead of holding the groups.
    expect(redriven.moved).toHaveLength(13);
    expect(redriven.remaining).toBe(0);
    const expectation = { commands: commands.map(submitted) };
    await settle(system, expectation);
    const result = await reconcile(system, expectation);
    // 4 users: one script of 4 commands and three of 3; one user deleted for good.
    expect(result).toMatchObject({ commands: 13, records: 13, users: 3, deadLetters: 0 });
    expect(result.logged).toMatchObject({ applied: 13, duplicates: 0, retries: 52, givenUp: 13 });
  }, 180_000);
});
