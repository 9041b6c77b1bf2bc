import { randomUUID } from 'node:crypto';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { messageGroupIdFor } from '../../shared/contract/commands.ts';
import { processMessage } from '../../worker/process-message.ts';
import { UserWriteRepository } from '../../worker/user-write-repository.ts';
import {
  createTestEnvironment,
  makeCommand,
  SAMPLE_HASH,
  type TestEnvironment,
  uniqueEmail,
} from '../harness/environment.ts';

let t: TestEnvironment;

beforeAll(async () => {
  t = await createTestEnvironment();
  await t.startWorker();
});
afterAll(async () => t?.close());

async function outcomeOf(commandId: string) {
  return vi.waitFor(
    async () => {
      const record = await t.getCommandRecord(commandId);
      if (!record) throw new Error(`command ${commandId} not processed yet`);
      return record;
    },
    { timeout: 15_000, interval: 50 },
  );
}

async function commandRecordsFor(commandId: string) {
  return (await t.scanTable('commands')).filter((record) => record.commandId === commandId);
}

describe('commands published straight to the queue', () => {
  it('applies create, update and delete exactly as the API would', async () => {
    const email = uniqueEmail('direct');
    const create = makeCommand('user.create', {
      emailAddress: email,
      firstName: 'Grace',
      lastName: 'Hopper',
      passwordHash: SAMPLE_HASH,
    });
    await t.publish(create);
    expect(await outcomeOf(create.commandId)).toMatchObject({
      status: 'succeeded',
      type: 'user.create',
    });
    expect(await t.getUser(email)).toEqual({
      emailAddress: email,
      firstName: 'Grace',
      lastName: 'Hopper',
      passwordHash: SAMPLE_HASH,
      dateCreated: create.issuedAt,
      dateUpdated: create.issuedAt,
    });

    const update = makeCommand('user.update', { emailAddress: email, lastName: 'Murray Hopper' });
    await t.publish(update);
    expect(await outcomeOf(update.commandId)).toMatchObject({ status: 'succeeded' });
    expect(await t.getUser(email)).toMatchObject({
      lastName: 'Murray Hopper',
      firstName: 'Grace',
      dateCreated: create.issuedAt,
      dateUpdated: update.issuedAt,
    });

    const remove = makeCommand('user.delete', { emailAddress: email });
    await t.publish(remove);
    expect(await outcomeOf(remove.commandId)).toMatchObject({ status: 'succeeded' });
    expect(await t.getUser(email)).toBeUndefined();
  });

  it('normalizes the email in a message, so A@x.io and a@x.io are one user', async () => {
    const email = uniqueEmail('case');
    const create = makeCommand('user.create', {
      emailAddress: `  ${email.toUpperCase()} `,
      firstName: 'A',
      lastName: 'B',
      passwordHash: SAMPLE_HASH,
    });
    await t.publishRaw(JSON.stringify(create), { groupId: messageGroupIdFor(email) });
    expect(await outcomeOf(create.commandId)).toMatchObject({ status: 'succeeded' });
    expect(await t.getUser(email)).toMatchObject({ emailAddress: email });
  });
});

describe('duplicates', () => {
  it('applies a command id published again with a new deduplication id once, with one record', async () => {
    const email = uniqueEmail('again');
    const create = makeCommand('user.create', {
      emailAddress: email,
      firstName: 'Once',
      lastName: 'Only',
      passwordHash: SAMPLE_HASH,
    });
    await t.publish(create, { deduplicationId: randomUUID() });
    await t.publish(create, { deduplicationId: randomUUID() });
    // A later command in the same group proves both copies were consumed before it.
    const marker = makeCommand('user.update', { emailAddress: email, firstName: 'Marker' });
    await t.publish(marker);
    await outcomeOf(marker.commandId);

    expect(await commandRecordsFor(create.commandId)).toHaveLength(1);
    expect(await t.getCommandRecord(create.commandId)).toMatchObject({ status: 'succeeded' });
    expect(await t.getUser(email)).toMatchObject({
      firstName: 'Marker',
      dateCreated: create.issuedAt,
    });
    const duplicates = t.logs
      .entries()
      .filter((entry) => entry.commandId === create.commandId && entry.outcome === 'duplicate');
    expect(duplicates).toHaveLength(1);
  });

  it('treats a redelivered message (same message, second receive) as a duplicate with no effect', async () => {
    // Process the message ourselves without deleting it: exactly what a worker that
    // crashed before its delete leaves behind. SQS then redelivers it to the real worker.
    const isolated = await createTestEnvironment();
    try {
      const email = uniqueEmail('redeliver');
      const create = makeCommand('user.create', {
        emailAddress: email,
        firstName: 'R',
        lastName: 'D',
        passwordHash: SAMPLE_HASH,
      });
      await isolated.publish(create);
      const { Messages = [] } = await isolated.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: isolated.queueUrl,
          MaxNumberOfMessages: 1,
          WaitTimeSeconds: 5,
          VisibilityTimeout: 1,
          MessageSystemAttributeNames: ['All'],
        }),
      );
      expect(Messages).toHaveLength(1);
      const writes = new UserWriteRepository({
        client: isolated.dynamoDb,
        usersTable: isolated.config.resources.tables.users,
        commandsTable: isolated.config.resources.tables.commands,
        recordTtlDays: 1,
      });
      const [first] = Messages;
      if (!first) throw new Error('no message');
      const applied = await processMessage(first, {
        writes,
        log: isolated.logs.log,
        maxAttempts: 5,
      });
      expect(applied.outcome).toEqual({ kind: 'succeeded' });

      await isolated.startWorker();
      await vi.waitFor(
        async () => {
          const entry = isolated.logs
            .entries()
            .find((e) => e.messageId === first.MessageId && e.outcome);
          expect(entry).toMatchObject({
            outcome: 'duplicate',
            action: 'acknowledge',
            receiveCount: 2,
          });
        },
        { timeout: 15_000, interval: 100 },
      );
      expect(await isolated.scanTable('commands')).toHaveLength(1);
      expect(await isolated.scanTable('users')).toHaveLength(1);
      await vi.waitFor(
        async () => expect(await isolated.queueDepth()).toEqual({ visible: 0, inFlight: 0 }),
        {
          timeout: 10_000,
        },
      );
    } finally {
      await isolated.close();
    }
  });

  it('ignores a reused command id with a different payload, and notes the conflict on the record', async () => {
    const email = uniqueEmail('reuse');
    const commandId = randomUUID();
    const create = makeCommand(
      'user.create',
      { emailAddress: email, firstName: 'Original', lastName: 'B', passwordHash: SAMPLE_HASH },
      commandId,
    );
    await t.publish(create);
    await outcomeOf(commandId);
    const impostor = makeCommand(
      'user.update',
      { emailAddress: email, firstName: 'Impostor' },
      commandId,
    );
    await t.publish(impostor, { deduplicationId: randomUUID() });

    const record = await vi.waitFor(
      async () => {
        const found = await t.getCommandRecord(commandId);
        if (!found?.conflictingFingerprints) throw new Error('conflict not recorded yet');
        return found;
      },
      { timeout: 15_000, interval: 50 },
    );
    expect(record.status).toBe('succeeded');
    expect(record.conflictingFingerprints?.size).toBe(1);
    expect(await t.getUser(email)).toMatchObject({ firstName: 'Original' });
  });
});
