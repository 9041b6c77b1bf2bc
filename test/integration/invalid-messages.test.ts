import { randomUUID } from 'node:crypto';
import type { Message } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { messageGroupIdFor } from '../../shared/contract/commands.ts';
import {
  createTestEnvironment,
  makeCommand,
  SAMPLE_HASH,
  type TestEnvironment,
  uniqueEmail,
} from '../harness/environment.ts';

let t: TestEnvironment;
const deadLetters: Message[] = [];

beforeAll(async () => {
  t = await createTestEnvironment();
  await t.startWorker();
});
afterAll(async () => t?.close());

/** Waits until the dead-letter queue holds a message with this body, and returns it. */
async function deadLetterWithBody(body: string): Promise<Message> {
  return vi.waitFor(
    async () => {
      deadLetters.push(...(await t.receiveDeadLetters()));
      const found = deadLetters.find((message) => message.Body === body);
      if (!found) throw new Error('not dead-lettered yet');
      return found;
    },
    { timeout: 15_000, interval: 100 },
  );
}

function reasonOf(message: Message): string | undefined {
  return message.MessageAttributes?.['error-reason']?.StringValue;
}

describe('messages that can never be applied', () => {
  it('dead-letters a body that is not JSON at once, with the reason', async () => {
    const body = `not json ${randomUUID()}`;
    await t.publishRaw(body);
    const dead = await deadLetterWithBody(body);
    expect(reasonOf(dead)).toMatch(/^body is not JSON/);
    expect(dead.MessageAttributes?.['original-message-id']?.StringValue).toBeTruthy();
    // Dead-lettered by the worker on the first receive, not after maxReceiveCount retries.
    const entry = t.logs
      .entries()
      .find((e) => e.outcome === 'invalid' && String(e.reason).startsWith('body is not JSON'));
    expect(entry).toMatchObject({ action: 'dead-letter', receiveCount: 1 });
  });

  it('dead-letters a schema-invalid command, naming each bad field, and records it as invalid', async () => {
    const commandId = randomUUID();
    const body = JSON.stringify({
      schemaVersion: 1,
      commandId,
      type: 'user.create',
      issuedAt: new Date().toISOString(),
      payload: {
        emailAddress: 'nope',
        firstName: '',
        lastName: 'B',
        passwordHash: 'plaintext!',
        role: 'admin',
      },
    });
    await t.publishRaw(body);
    const dead = await deadLetterWithBody(body);
    const reason = reasonOf(dead) ?? '';
    expect(reason).toContain('payload.emailAddress: must be a valid email address');
    expect(reason).toContain('payload.firstName: must not be empty');
    expect(reason).toContain('payload.passwordHash: must be a bcrypt hash');
    expect(reason).toContain('role');
    expect(await t.getCommandRecord(commandId)).toMatchObject({
      status: 'invalid',
      reason,
      attempts: 1,
    });
  });

  it('dead-letters unknown types and future schema versions with a reason that says so', async () => {
    const email = uniqueEmail('future');
    const unknownType = JSON.stringify({
      ...makeCommand('user.delete', { emailAddress: email }),
      type: 'user.rename',
    });
    const futureVersion = JSON.stringify({
      ...makeCommand('user.delete', { emailAddress: email }),
      schemaVersion: 2,
    });
    await t.publishRaw(unknownType);
    await t.publishRaw(futureVersion);
    expect(reasonOf(await deadLetterWithBody(unknownType))).toContain(
      'type: must be one of user.create, user.update, user.delete',
    );
    expect(reasonOf(await deadLetterWithBody(futureVersion))).toContain('schemaVersion: must be 1');
  });

  it('dead-letters a command whose MessageGroupId is not the user’s group, since order could not hold', async () => {
    const email = uniqueEmail('group');
    const command = makeCommand('user.create', {
      emailAddress: email,
      firstName: 'A',
      lastName: 'B',
      passwordHash: SAMPLE_HASH,
    });
    const body = JSON.stringify(command);
    // The mistake a new publisher makes: the raw email as the group.
    await t.publishRaw(body, { groupId: email });
    const reason = reasonOf(await deadLetterWithBody(body));
    expect(reason).toContain(
      `MessageGroupId must be the hex SHA-256 of the normalized emailAddress (${messageGroupIdFor(email)})`,
    );
    // The reason (shown to the publisher, operators and in logs) does not repeat the email.
    expect(reason).not.toContain(email);
    expect((await t.getCommandRecord(command.commandId))?.reason).not.toContain(email);
    expect(await t.getUser(email)).toBeUndefined();
  });

  it('keeps going after bad messages: a valid command behind them in the same group applies', async () => {
    const email = uniqueEmail('after');
    const groupId = messageGroupIdFor(email);
    const bad = `{"broken": ${randomUUID()}`;
    await t.publishRaw(bad, { groupId });
    const good = makeCommand('user.create', {
      emailAddress: email,
      firstName: 'Still',
      lastName: 'Here',
      passwordHash: SAMPLE_HASH,
    });
    await t.publish(good);
    await deadLetterWithBody(bad);
    await vi.waitFor(
      async () => expect(await t.getUser(email)).toMatchObject({ firstName: 'Still' }),
      {
        timeout: 15_000,
      },
    );
    expect(await t.getCommandRecord(good.commandId)).toMatchObject({ status: 'succeeded' });
  });
});
