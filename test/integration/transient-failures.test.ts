import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createTestEnvironment,
  makeCommand,
  SAMPLE_HASH,
  type TestEnvironment,
  uniqueEmail,
} from '../support/environment.ts';

let t: TestEnvironment;

beforeAll(async () => {
  t = await createTestEnvironment();
});
afterAll(async () => t?.close());

describe('a command that fails transiently every time', () => {
  it('is retried, never acknowledged, and dead-lettered by SQS after maxReceiveCount (5)', async () => {
    // This worker's DynamoDB is a port nobody listens on: every write fails like an outage.
    await t.startWorker({ AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:9' });
    const email = uniqueEmail('transient');
    const command = makeCommand('user.create', {
      emailAddress: email,
      firstName: 'T',
      lastName: 'F',
      passwordHash: SAMPLE_HASH,
    });
    await t.publishCommand(command);

    const deadLetters = await vi.waitFor(
      async () => {
        const received = await t.receiveDeadLetters();
        if (received.length === 0) throw new Error('not dead-lettered yet');
        return received;
      },
      { timeout: 60_000, interval: 250 },
    );
    expect(deadLetters.map((m) => JSON.parse(m.Body ?? '{}').commandId)).toEqual([
      command.commandId,
    ]);
    // SQS moved it, not the worker: there is no reason attribute, and it was received 5 times.
    expect(deadLetters[0]?.MessageAttributes?.['error-reason']).toBeUndefined();
    const attempts = t.logs
      .entries()
      .filter((entry) => entry.commandId === command.commandId && entry.outcome === 'transient');
    expect(attempts.map((entry) => entry.receiveCount)).toEqual([1, 2, 3, 4, 5]);
    expect(attempts.every((entry) => entry.action === 'retry')).toBe(true);
    expect(await t.getUser(email)).toBeUndefined();
    expect(await t.getCommandRecord(command.commandId)).toBeUndefined();
  });
});
