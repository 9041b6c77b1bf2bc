import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { messageGroupIdFor, UserCommandSchema } from '../../shared/contract/commands.ts';
import { commandFingerprint, messageHash } from '../../shared/contract/fingerprint.ts';
import { CONTRACT_VERSIONS, type ContractVersions } from '../../shared/contract/parse-command.ts';
import type { ApplyOutcome } from '../../worker/outcomes.ts';
import { processMessage, type QueueMessage } from '../../worker/process-message.ts';
import type {
  MessageFacts,
  NoEffectRecord,
  UserWriteRepository,
} from '../../worker/user-write-repository.ts';
import { captureLogs } from '../support/capture-logs.ts';

const silent = pino({ level: 'silent' });
const EMAIL = 'ada@example.com';
const GROUP = messageGroupIdFor(EMAIL);
const SENT_AT = 1_769_860_800_000;
const HASH = `$2b$10$${'a'.repeat(53)}`;
const envelope = { schemaVersion: 1, commandId: 'cmd-1', issuedAt: '2026-01-31T12:00:00.000Z' };
const create = {
  ...envelope,
  type: 'user.create',
  payload: { emailAddress: EMAIL, firstName: 'Ada', lastName: 'Lovelace', passwordHash: HASH },
};

function message(body: unknown, attributes: Record<string, string> = {}): QueueMessage {
  return {
    MessageId: 'm-1',
    Body: typeof body === 'string' ? body : JSON.stringify(body),
    Attributes: {
      MessageGroupId: GROUP,
      ApproximateReceiveCount: '1',
      SentTimestamp: String(SENT_AT),
      ...attributes,
    },
  };
}

type Recorded = ApplyOutcome | { kind: 'recorded' };

/** A fake repository with only what processing uses; each write answers as told. */
function fakeWrites(
  answers: { apply?: () => Promise<ApplyOutcome>; record?: () => Promise<Recorded> } = {},
) {
  const apply = vi.fn<(command: unknown, facts: MessageFacts) => Promise<ApplyOutcome>>(
    answers.apply ?? (async () => ({ kind: 'succeeded' })),
  );
  const writes = {
    createUser: apply,
    updateUser: apply,
    deleteUser: apply,
    recordOutcome: vi.fn<
      (command: unknown, facts: MessageFacts, record: NoEffectRecord) => Promise<Recorded>
    >(answers.record ?? (async () => ({ kind: 'recorded' }))),
  };
  return { writes, repository: writes as unknown as UserWriteRepository };
}

function awsError(name: string, fields: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`${name} for ada@example.com`), { name, ...fields });
}

const throttled = () => awsError('ThrottlingException');
const unreachable = () =>
  Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });

describe('processing a readable command', () => {
  it.each([
    ['create', 'createUser', create],
    [
      'update',
      'updateUser',
      { ...envelope, type: 'user.update', payload: { emailAddress: EMAIL, lastName: 'King' } },
    ],
    [
      'delete',
      'deleteUser',
      { ...envelope, type: 'user.delete', payload: { emailAddress: EMAIL } },
    ],
  ] as const)(
    'applies a %s through the repository with the message’s facts',
    async (_label, method, body) => {
      // Prepare
      const { writes, repository } = fakeWrites();
      const calls = { createUser: 0, updateUser: 0, deleteUser: 0 };
      for (const name of ['createUser', 'updateUser', 'deleteUser'] as const) {
        writes[name] = vi.fn(async () => {
          calls[name] += 1;
          return { kind: 'succeeded' } as const;
        });
      }
      const received = message(body, { ApproximateReceiveCount: '3' });
      const command = UserCommandSchema.parse(body);

      // Act
      const processed = await processMessage(received, {
        writes: repository,
        log: silent,
        maxAttempts: 5,
      });

      // Assess
      expect(processed).toMatchObject({
        outcome: { kind: 'succeeded' },
        commandId: 'cmd-1',
        type: body.type,
        attempt: 3,
      });
      expect(calls).toEqual({
        createUser: 0,
        updateUser: 0,
        deleteUser: 0,
        [method]: 1,
      });
      expect(writes[method]).toHaveBeenCalledWith(command, {
        fingerprint: commandFingerprint(command),
        messageHash: messageHash(received.Body),
        attempt: 3,
        sentAt: SENT_AT,
        receivedAt: expect.any(Date),
      });
    },
  );

  it('passes on what applying answered', async () => {
    // Prepare
    const { repository } = fakeWrites({
      apply: async () => ({ kind: 'rejected', reason: 'a user with this email already exists' }),
    });

    // Act
    const processed = await processMessage(message(create), {
      writes: repository,
      log: silent,
      maxAttempts: 5,
    });

    // Assess
    expect(processed.outcome).toEqual({
      kind: 'rejected',
      reason: 'a user with this email already exists',
    });
  });

  it('counts a message without a receive count as its first attempt', async () => {
    // Prepare
    const { writes, repository } = fakeWrites();
    const received: QueueMessage = { MessageId: 'm-1', Body: JSON.stringify(create) };

    // Act
    const processed = await processMessage(received, {
      writes: repository,
      log: silent,
      maxAttempts: 5,
    });

    // Assess
    expect(processed.attempt).toBe(1);
    expect(writes.createUser.mock.calls[0]?.[1]).toMatchObject({ attempt: 1, sentAt: undefined });
  });

  it('binds the message id, command id and type to the message’s logger', async () => {
    // Prepare
    const { repository } = fakeWrites();
    const { log } = captureLogs('unit');

    // Act
    const processed = await processMessage(message(create), {
      writes: repository,
      log,
      maxAttempts: 5,
    });

    // Assess
    expect(processed.log.bindings()).toMatchObject({
      messageId: 'm-1',
      commandId: 'cmd-1',
      commandType: 'user.create',
    });
  });
});

describe('when the command was first sent', () => {
  async function sentAtOf(received: QueueMessage) {
    const { writes, repository } = fakeWrites();
    await processMessage(received, { writes: repository, log: silent, maxAttempts: 5 });
    return writes.createUser.mock.calls[0]?.[1]?.sentAt;
  }

  it('is the original-sent-at attribute of a redriven message', async () => {
    // Prepare
    const received: QueueMessage = {
      ...message(create),
      MessageAttributes: { 'original-sent-at': { StringValue: '1700000000000' } },
    };

    // Act
    const sentAt = await sentAtOf(received);

    // Assess
    expect(sentAt).toBe(1_700_000_000_000);
  });

  it('is the SentTimestamp of a message sent once', async () => {
    // Act
    const sentAt = await sentAtOf(message(create));

    // Assess
    expect(sentAt).toBe(SENT_AT);
  });

  it('is the SentTimestamp of a message with other attributes only', async () => {
    // Prepare
    const received: QueueMessage = {
      ...message(create),
      MessageAttributes: { 'redriven-from': { StringValue: 'dead-letter-1' } },
    };

    // Act
    const sentAt = await sentAtOf(received);

    // Assess
    expect(sentAt).toBe(SENT_AT);
  });

  it('falls back to SentTimestamp when the attribute is no number', async () => {
    // Prepare
    const received: QueueMessage = {
      ...message(create),
      MessageAttributes: { 'original-sent-at': { StringValue: 'yesterday' } },
    };

    // Act
    const sentAt = await sentAtOf(received);

    // Assess
    expect(sentAt).toBe(SENT_AT);
  });

  it('is unknown when the message tells neither', async () => {
    // Act
    const sentAt = await sentAtOf(message(create, { SentTimestamp: '' }));

    // Assess
    expect(sentAt).toBeUndefined();
  });
});

describe('processing an unreadable message', () => {
  it('finds a body that is not JSON invalid, recording nothing without a command id', async () => {
    // Prepare
    const { writes, repository } = fakeWrites();

    // Act
    const processed = await processMessage(message('not json ada@example.com'), {
      writes: repository,
      log: silent,
      maxAttempts: 5,
    });

    // Assess
    expect(processed).toMatchObject({
      outcome: { kind: 'invalid', reason: 'body is not JSON: unexpected character' },
      commandId: undefined,
      type: undefined,
      attempt: 1,
    });
    expect(writes.recordOutcome).not.toHaveBeenCalled();
  });

  it('records an invalid command with a command id, keyed by its message hash', async () => {
    // Prepare
    const { writes, repository } = fakeWrites();
    const received = message({ ...create, payload: {} }, { ApproximateReceiveCount: '2' });

    // Act
    const processed = await processMessage(received, {
      writes: repository,
      log: silent,
      maxAttempts: 5,
    });

    // Assess
    const reason =
      'payload.emailAddress: is required; payload.firstName: is required; payload.lastName: is required; payload.passwordHash: is required';
    expect(processed).toMatchObject({
      outcome: { kind: 'invalid', reason },
      commandId: 'cmd-1',
      type: undefined,
      attempt: 2,
    });
    const hash = messageHash(received.Body);
    expect(writes.recordOutcome.mock.calls).toEqual([
      [
        { commandId: 'cmd-1' },
        { fingerprint: hash, messageHash: hash, attempt: 2, receivedAt: expect.any(Date) },
        { status: 'invalid', reason },
      ],
    ]);
  });

  it('records a command that came in the wrong message group as invalid', async () => {
    // Prepare
    const { writes, repository } = fakeWrites();

    // Act
    const processed = await processMessage(message(create, { MessageGroupId: EMAIL }), {
      writes: repository,
      log: silent,
      maxAttempts: 5,
    });

    // Assess
    expect(processed.outcome.kind).toBe('invalid');
    expect(writes.recordOutcome).toHaveBeenCalledTimes(1);
  });

  it('is a duplicate when the record says a newer worker already applied it', async () => {
    // Prepare
    const { repository } = fakeWrites({ record: async () => ({ kind: 'duplicate' }) });

    // Act
    const processed = await processMessage(message({ ...create, schemaVersion: 2 }), {
      writes: repository,
      log: silent,
      maxAttempts: 5,
    });

    // Assess
    expect(processed.outcome).toEqual({ kind: 'duplicate' });
  });

  it('stays invalid when the record says the id belongs to another command', async () => {
    // Prepare
    const { repository } = fakeWrites({
      record: async () => ({ kind: 'conflict', reason: 'reused' }),
    });

    // Act
    const processed = await processMessage(message({ ...create, schemaVersion: 2 }), {
      writes: repository,
      log: silent,
      maxAttempts: 5,
    });

    // Assess
    expect(processed.outcome).toEqual({
      kind: 'invalid',
      reason: 'schemaVersion: must be 1 (the versions this worker reads), got 2',
    });
  });

  it('retries when the invalid record could not be written before the last attempt', async () => {
    // Prepare
    const error = throttled();
    const { repository } = fakeWrites({
      record: async () => {
        throw error;
      },
    });

    // Act
    const processed = await processMessage(
      message({ ...create, schemaVersion: 2 }, { ApproximateReceiveCount: '4' }),
      { writes: repository, log: silent, maxAttempts: 5 },
    );

    // Assess
    expect(processed.outcome).toEqual({
      kind: 'transient',
      failure: 'throttled',
      reason: 'DynamoDB throttled the write (ThrottlingException)',
      error,
    });
  });

  it('dead-letters as invalid when the record could not be written on the last attempt', async () => {
    // Prepare
    const { repository } = fakeWrites({
      record: async () => {
        throw throttled();
      },
    });

    // Act
    const processed = await processMessage(
      message({ ...create, schemaVersion: 2 }, { ApproximateReceiveCount: '5' }),
      { writes: repository, log: silent, maxAttempts: 5 },
    );

    // Assess
    expect(processed.outcome).toEqual({
      kind: 'invalid',
      reason: 'schemaVersion: must be 1 (the versions this worker reads), got 2',
    });
  });
});

describe('a failed attempt to apply', () => {
  it('is retried, and recorded as retrying', async () => {
    // Prepare
    const error = throttled();
    const { writes, repository } = fakeWrites({
      apply: async () => {
        throw error;
      },
    });
    const received = message(create, { ApproximateReceiveCount: '2' });
    const command = UserCommandSchema.parse(create);

    // Act
    const processed = await processMessage(received, {
      writes: repository,
      log: silent,
      maxAttempts: 5,
    });

    // Assess
    const reason = 'DynamoDB throttled the write (ThrottlingException)';
    expect(processed.outcome).toEqual({ kind: 'transient', failure: 'throttled', reason, error });
    expect(writes.recordOutcome.mock.calls).toEqual([
      [
        command,
        {
          fingerprint: commandFingerprint(command),
          messageHash: messageHash(received.Body),
          attempt: 2,
          sentAt: SENT_AT,
          receivedAt: expect.any(Date),
        },
        { status: 'retrying', failure: 'throttled', reason },
      ],
    ]);
  });

  it('is retried without a record while DynamoDB cannot be reached', async () => {
    // Prepare
    const { writes, repository } = fakeWrites({
      apply: async () => {
        throw unreachable();
      },
    });

    // Act
    const processed = await processMessage(message(create), {
      writes: repository,
      log: silent,
      maxAttempts: 5,
    });

    // Assess
    expect(processed.outcome).toMatchObject({ kind: 'transient', failure: 'unreachable' });
    expect(writes.recordOutcome).not.toHaveBeenCalled();
  });

  it('is dead-lettered on the last attempt, and recorded so, even when unreachable', async () => {
    // Prepare
    const { writes, repository } = fakeWrites({
      apply: async () => {
        throw unreachable();
      },
    });

    // Act
    const processed = await processMessage(message(create, { ApproximateReceiveCount: '5' }), {
      writes: repository,
      log: silent,
      maxAttempts: 5,
    });

    // Assess
    const reason = 'gave up after 5 attempts: DynamoDB could not be reached (ECONNREFUSED)';
    expect(processed.outcome).toMatchObject({ kind: 'exhausted', failure: 'unreachable', reason });
    expect(writes.recordOutcome.mock.calls[0]?.[2]).toEqual({
      status: 'dead-lettered',
      failure: 'unreachable',
      reason,
    });
  });

  it('is invalid, and recorded so, when DynamoDB refuses the write', async () => {
    // Prepare
    const { writes, repository } = fakeWrites({
      apply: async () => {
        throw Object.assign(new Error('Item size has exceeded the maximum allowed size'), {
          name: 'ValidationException',
        });
      },
    });

    // Act
    const processed = await processMessage(message(create), {
      writes: repository,
      log: silent,
      maxAttempts: 5,
    });

    // Assess
    const reason = 'DynamoDB refused the write: Item size has exceeded the maximum allowed size';
    expect(processed.outcome).toEqual({ kind: 'invalid', reason });
    expect(writes.recordOutcome.mock.calls[0]?.[2]).toEqual({ status: 'invalid', reason });
  });

  it.each([
    { kind: 'duplicate' },
    { kind: 'conflict', reason: 'command id cmd-1 was already used' },
  ] as const)('is what the record says when it is a $kind', async (answer) => {
    // Prepare
    const { repository } = fakeWrites({
      apply: async () => {
        throw throttled();
      },
      record: async () => answer,
    });

    // Act
    const processed = await processMessage(message(create), {
      writes: repository,
      log: silent,
      maxAttempts: 5,
    });

    // Assess
    expect(processed.outcome).toEqual(answer);
  });

  it('keeps its outcome when the failure could not be recorded either', async () => {
    // Prepare
    const { log, entries } = captureLogs('unit', 'debug');
    const { repository } = fakeWrites({
      apply: async () => {
        throw throttled();
      },
      record: async () => {
        throw new Error('still throttled');
      },
    });

    // Act
    const processed = await processMessage(message(create), {
      writes: repository,
      log,
      maxAttempts: 5,
    });

    // Assess
    expect(processed.outcome).toMatchObject({ kind: 'transient', failure: 'throttled' });
    expect(entries()).toEqual([
      expect.objectContaining({
        level: 20,
        msg: 'could not record the failed attempt',
        err: expect.objectContaining({ message: 'still throttled' }),
        commandId: 'cmd-1',
      }),
    ]);
  });
});

describe('the contract versions a worker reads', () => {
  const withVersion2: ContractVersions = new Map([
    ...CONTRACT_VERSIONS,
    [2, z.preprocess((body) => ({ ...(body as object), schemaVersion: 1 }), UserCommandSchema)],
  ]);

  it('applies a version 2 message once the worker reads version 2', async () => {
    // Prepare
    const { writes, repository } = fakeWrites();

    // Act
    const processed = await processMessage(message({ ...create, schemaVersion: 2 }), {
      writes: repository,
      log: silent,
      maxAttempts: 5,
      versions: withVersion2,
    });

    // Assess
    expect(processed.outcome).toEqual({ kind: 'succeeded' });
    expect(writes.createUser).toHaveBeenCalledTimes(1);
  });

  it('finds a version 2 message invalid in a worker that reads version 1 only', async () => {
    // Prepare
    const { writes, repository } = fakeWrites();

    // Act
    const processed = await processMessage(message({ ...create, schemaVersion: 2 }), {
      writes: repository,
      log: silent,
      maxAttempts: 5,
    });

    // Assess
    expect(processed.outcome.kind).toBe('invalid');
    expect(writes.createUser).not.toHaveBeenCalled();
  });
});
