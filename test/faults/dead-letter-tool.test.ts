import { type Message, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { messageGroupIdFor } from '../../shared/contract/commands.ts';
import { type FaultSystem, startFaultSystem } from '../harness/fault-system.ts';
import { dlqList, dlqRedrive, runDlq } from './support/dlq-cli.ts';
import { HASHES } from './support/model.ts';
import { drainDeadLetters } from './support/reconcile.ts';

let system: FaultSystem;
const email = 'tool-user@example.com';
const invalid = JSON.stringify({
  schemaVersion: 1,
  commandId: 'tool-invalid-1',
  type: 'user.create',
  issuedAt: '2026-01-01T00:00:00Z',
  payload: { emailAddress: email, firstName: '', lastName: 'B', passwordHash: HASHES[0] },
});

beforeAll(async () => {
  system = await startFaultSystem();
  await system.startWorker('worker');
  // Dead-lettered by the worker, with reasons: one invalid command, one body that is not JSON.
  await system.sqs.send(
    new SendMessageCommand({
      QueueUrl: system.queueUrl,
      MessageBody: invalid,
      MessageGroupId: messageGroupIdFor(email),
      MessageDeduplicationId: 'tool-invalid-1',
    }),
  );
  await system.sqs.send(
    new SendMessageCommand({
      QueueUrl: system.queueUrl,
      MessageBody: 'this is not JSON',
      // A publisher that used the raw email as the group: the tool must not print it.
      MessageGroupId: 'raw-user@example.com',
      MessageDeduplicationId: 'tool-garbage-1',
    }),
  );
  await vi.waitFor(async () => expect((await system.queueDepth('dead-letter')).visible).toBe(2), {
    timeout: 30_000,
    interval: 200,
  });
});
afterAll(async () => system?.close());

describe('npm run dlq', () => {
  it('lists each dead letter with its command, type, group, time and the worker’s reason', async () => {
    const listing = await dlqList(system.env);
    const byCommand = new Map(listing.messages.map((m) => [m.commandId ?? 'not JSON', m]));
    expect(listing.approximateTotal).toBe(2);
    expect(byCommand.get('tool-invalid-1')).toMatchObject({
      type: 'user.create',
      groupId: messageGroupIdFor(email),
      reason: 'payload.firstName: must not be empty',
      deadLetteredAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      bodyBytes: Buffer.byteLength(invalid),
    });
    expect(byCommand.get('not JSON')).toMatchObject({
      reason: expect.stringMatching(/^body is not JSON/),
      groupId: '(not a user group: hidden)',
    });
    // No body, and no group that is not a user's hash: no email reaches the operator.
    expect(JSON.stringify(listing)).not.toMatch(/@example\.com/);

    const text = await runDlq(system.env, ['list']);
    expect(text).toContain('2 dead-lettered message(s)');
    expect(text).toContain('command tool-invalid-1 (user.create)');
    expect(text).toContain('reason: payload.firstName: must not be empty');
    expect(text).toContain('no readable command id');
    expect(text).not.toMatch(/@example\.com/);
  }, 60_000);

  it('redrives each message once, and one that is still invalid comes back with its reason', async () => {
    const result = await dlqRedrive(system.env);
    // Exactly the two that were there: the redrive does not chase messages that come back.
    expect(result.moved.map((m) => m.commandId ?? 'not JSON').sort()).toEqual(
      ['not JSON', 'tool-invalid-1'].sort(),
    );
    expect(result.failed).toEqual([]);
    const back: Message[] = [];
    await vi.waitFor(
      async () => {
        back.push(...(await drainDeadLetters(system)));
        if (back.length < 2) throw new Error(`${back.length} back so far`);
      },
      { timeout: 30_000, interval: 200 },
    );
    expect(back.map((m) => m.MessageAttributes?.['error-reason']?.StringValue).sort()).toEqual([
      expect.stringMatching(/^body is not JSON/),
      'payload.firstName: must not be empty',
    ]);
    // It kept the message group, and the main queue is empty again.
    const again = back.find((m) => m.Body === invalid);
    expect(again?.Attributes?.MessageGroupId).toBe(messageGroupIdFor(email));
    expect(await system.queueDepth()).toEqual({ visible: 0, inFlight: 0 });
  }, 60_000);

  it('prints control characters from a message as escapes, never raw to the terminal', async () => {
    const hostile = JSON.stringify({
      schemaVersion: 1,
      commandId: 'tool-escape-1',
      type: '\u001b[2J\u001b[31mcleared\u202e',
      issuedAt: '2026-01-01T00:00:00Z',
      payload: { emailAddress: email },
    });
    await system.sqs.send(
      new SendMessageCommand({
        QueueUrl: system.queueUrl,
        MessageBody: hostile,
        MessageGroupId: messageGroupIdFor(email),
        MessageDeduplicationId: 'tool-escape-1',
      }),
    );
    await vi.waitFor(async () => expect((await system.queueDepth('dead-letter')).visible).toBe(1), {
      timeout: 30_000,
      interval: 200,
    });
    for (const output of [
      await runDlq(system.env, ['list']),
      await runDlq(system.env, ['list', '--json']),
    ]) {
      expect(output).toContain('tool-escape-1');
      // No control character but the line breaks of the output itself.
      expect(output.replace(/\n/g, '')).not.toMatch(/[\p{Cc}\u202a-\u202e]/u);
      expect(output).toContain('u001b[2J');
    }
  }, 60_000);
});
