import {
  ConditionalCheckFailedException,
  DescribeTableCommand,
  DynamoDBClient,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CommandRecord } from '../../shared/command-record.ts';
import {
  type CreateUserCommand,
  type DeleteUserCommand,
  messageGroupIdFor,
  type UpdateUserCommand,
} from '../../shared/contract/commands.ts';
import { type MessageFacts, UserWriteRepository } from '../../worker/user-write-repository.ts';

const dynamo = mockClient(DynamoDBDocumentClient);

const NOW = new Date('2026-02-01T00:00:00.000Z');
/** NOW in epoch seconds plus 30 days. */
const EXPIRES_AT = 1_769_904_000 + 30 * 86_400;
const EMAIL = 'ada@example.com';
const GROUP = messageGroupIdFor(EMAIL);
const ISSUED_AT = '2026-01-31T12:00:00.000Z';
const HASH = `$2b$10$${'a'.repeat(53)}`;
const SAME_COMMAND_MAY_WRITE =
  'attribute_not_exists(#c_id) OR #c_status = :c_invalid OR ' +
  '(#c_status IN (:c_accepted, :c_retrying, :c_deadLettered) AND #c_fingerprint = :c_fingerprint)';
const UNREADABLE_MAY_WRITE =
  'attribute_not_exists(#c_id) OR #c_status IN (:c_accepted, :c_retrying, :c_invalid, :c_deadLettered)';
const STATUS_NAMES = { '#c_id': 'commandId', '#c_status': 'status' };
const STATUS_VALUES = {
  ':c_invalid': 'invalid',
  ':c_accepted': 'accepted',
  ':c_retrying': 'retrying',
  ':c_deadLettered': 'dead-lettered',
};

const create: CreateUserCommand = {
  schemaVersion: 1,
  commandId: 'cmd-1',
  issuedAt: ISSUED_AT,
  type: 'user.create',
  payload: { emailAddress: EMAIL, firstName: 'Ada', lastName: 'Lovelace', passwordHash: HASH },
};
const update: UpdateUserCommand = {
  schemaVersion: 1,
  commandId: 'cmd-2',
  issuedAt: ISSUED_AT,
  type: 'user.update',
  payload: { emailAddress: EMAIL, lastName: 'King' },
};
const remove: DeleteUserCommand = {
  schemaVersion: 1,
  commandId: 'cmd-3',
  issuedAt: ISSUED_AT,
  type: 'user.delete',
  payload: { emailAddress: EMAIL },
};
const facts: MessageFacts = {
  fingerprint: 'fp-1',
  messageHash: 'hash-1',
  attempt: 2,
  sentAt: 1_769_860_800_000,
};

function repository(clock: { now?: () => Date } = { now: () => NOW }): UserWriteRepository {
  return new UserWriteRepository({
    client: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })),
    usersTable: 'users',
    commandsTable: 'commands',
    recordTtlDays: 30,
    ...clock,
  });
}

/** NOW as the records write it. */
const AT = '2026-02-01T00:00:00.000Z';

/** The entry an attempt (attempt 2, at NOW) adds to the record's attemptHistory. */
function attemptEntry(outcome: string, failure?: string, attempt = 2) {
  return { attempt, receivedAt: AT, outcome, ...(failure ? { failure } : {}), recordedAt: AT };
}

/**
 * An update expression as the repository builds it: placeholders numbered in order of the
 * SETs, the SETs if absent, the list appends, then the REMOVEs.
 */
function expressionOf(parts: {
  set: [string, unknown][];
  ifAbsent?: [string, unknown][];
  append?: [string, unknown[]][];
  remove?: string[];
}) {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const clauses: string[] = [];
  let i = 0;
  for (const [name, value] of parts.set) {
    names[`#f${i}`] = name;
    values[`:f${i}`] = value;
    clauses.push(`#f${i} = :f${i}`);
    i += 1;
  }
  for (const [name, value] of parts.ifAbsent ?? []) {
    names[`#f${i}`] = name;
    values[`:f${i}`] = value;
    clauses.push(`#f${i} = if_not_exists(#f${i}, :f${i})`);
    i += 1;
  }
  for (const [name, items] of parts.append ?? []) {
    names[`#f${i}`] = name;
    values[`:f${i}`] = items;
    values[`:f${i}none`] = [];
    clauses.push(`#f${i} = list_append(if_not_exists(#f${i}, :f${i}none), :f${i})`);
    i += 1;
  }
  const removed = (parts.remove ?? []).map((name) => {
    names[`#f${i}`] = name;
    return `#f${i++}`;
  });
  return {
    UpdateExpression: `SET ${clauses.join(', ')}${removed.length > 0 ? ` REMOVE ${removed.join(', ')}` : ''}`,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

/** The record update of a final outcome, as the commands table gets it. */
function finalRecord(
  commandId: string,
  type: string,
  status: 'succeeded' | 'rejected',
  reason?: string,
) {
  const expression = expressionOf({
    set: [
      ['status', status],
      ['type', type],
      ...(reason !== undefined ? [['reason', reason] as [string, unknown]] : []),
      ['fingerprint', 'fp-1'],
      ['issuedAt', ISSUED_AT],
      ['groupId', GROUP],
      ['sentAt', facts.sentAt],
      ['messageHash', 'hash-1'],
      ['attempts', 2],
      ['processedAt', AT],
      ['expiresAt', EXPIRES_AT],
      ['lastReceivedAt', AT],
    ],
    ifAbsent: [['firstReceivedAt', AT]],
    append: [['attemptHistory', [attemptEntry(status)]]],
    remove: [...(reason === undefined ? ['failure', 'reason'] : ['failure']), 'deadLetterOutcome'],
  });
  return {
    TableName: 'commands',
    Key: { commandId },
    UpdateExpression: expression.UpdateExpression,
    ConditionExpression: SAME_COMMAND_MAY_WRITE,
    ExpressionAttributeNames: {
      ...expression.ExpressionAttributeNames,
      ...STATUS_NAMES,
      '#c_fingerprint': 'fingerprint',
    },
    ExpressionAttributeValues: {
      ...expression.ExpressionAttributeValues,
      ...STATUS_VALUES,
      ':c_fingerprint': 'fp-1',
    },
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  };
}

/** A command record as DynamoDB sends it back in a failed condition (wire format). */
function wireRecord(fields: Partial<CommandRecord>) {
  return marshall({ commandId: 'cmd-1', expiresAt: EXPIRES_AT, ...fields });
}

function cancelled(userCode: string, record: { Code: string; Item?: unknown }) {
  return new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: [{ Code: userCode }, record as { Code: string }],
  });
}

function conditionFailed(item?: Record<string, unknown>) {
  return new ConditionalCheckFailedException({
    message: 'The conditional request failed',
    $metadata: {},
    Item: item as ConstructorParameters<typeof ConditionalCheckFailedException>[0]['Item'],
  });
}

function conflictNote(commandId: string) {
  return {
    TableName: 'commands',
    Key: { commandId },
    UpdateExpression: 'ADD conflictingFingerprints :fingerprint',
    ExpressionAttributeValues: { ':fingerprint': new Set(['fp-1']) },
  };
}

const transactions = () => dynamo.commandCalls(TransactWriteCommand).map((c) => c.args[0].input);
const updates = () => dynamo.commandCalls(UpdateCommand).map((c) => c.args[0].input);

beforeEach(() => {
  dynamo.reset();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('applying a command', () => {
  it('creates the user and the succeeded record in one transaction', async () => {
    // Prepare
    dynamo.on(TransactWriteCommand).resolves({});

    // Act
    const outcome = await repository().createUser(create, facts);

    // Assess
    expect(outcome).toEqual({ kind: 'succeeded' });
    expect(transactions()).toStrictEqual([
      {
        TransactItems: [
          {
            Put: {
              TableName: 'users',
              Item: {
                emailAddress: EMAIL,
                firstName: 'Ada',
                lastName: 'Lovelace',
                passwordHash: HASH,
                dateCreated: ISSUED_AT,
                dateUpdated: ISSUED_AT,
              },
              ConditionExpression: 'attribute_not_exists(emailAddress)',
            },
          },
          { Update: finalRecord('cmd-1', 'user.create', 'succeeded') },
        ],
      },
    ]);
  });

  it('pins the record update of a create in full', async () => {
    // Prepare
    dynamo.on(TransactWriteCommand).resolves({});

    // Act
    await repository().createUser(create, facts);

    // Assess
    expect(transactions()[0]?.TransactItems?.[1]).toStrictEqual({
      Update: {
        TableName: 'commands',
        Key: { commandId: 'cmd-1' },
        UpdateExpression:
          'SET #f0 = :f0, #f1 = :f1, #f2 = :f2, #f3 = :f3, #f4 = :f4, #f5 = :f5, #f6 = :f6, #f7 = :f7, #f8 = :f8, #f9 = :f9, #f10 = :f10, #f11 = if_not_exists(#f11, :f11), #f12 = list_append(if_not_exists(#f12, :f12none), :f12) REMOVE #f13, #f14, #f15',
        ConditionExpression: SAME_COMMAND_MAY_WRITE,
        ExpressionAttributeNames: {
          '#f0': 'status',
          '#f1': 'type',
          '#f2': 'fingerprint',
          '#f3': 'issuedAt',
          '#f4': 'groupId',
          '#f5': 'sentAt',
          '#f6': 'messageHash',
          '#f7': 'attempts',
          '#f8': 'processedAt',
          '#f9': 'expiresAt',
          '#f10': 'lastReceivedAt',
          '#f11': 'firstReceivedAt',
          '#f12': 'attemptHistory',
          '#f13': 'failure',
          '#f14': 'reason',
          '#f15': 'deadLetterOutcome',
          '#c_id': 'commandId',
          '#c_status': 'status',
          '#c_fingerprint': 'fingerprint',
        },
        ExpressionAttributeValues: {
          ':f0': 'succeeded',
          ':f1': 'user.create',
          ':f2': 'fp-1',
          ':f3': ISSUED_AT,
          ':f4': GROUP,
          ':f5': 1_769_860_800_000,
          ':f6': 'hash-1',
          ':f7': 2,
          ':f8': '2026-02-01T00:00:00.000Z',
          ':f9': 1_772_496_000,
          ':f10': '2026-02-01T00:00:00.000Z',
          ':f11': '2026-02-01T00:00:00.000Z',
          ':f12': [
            {
              attempt: 2,
              receivedAt: '2026-02-01T00:00:00.000Z',
              outcome: 'succeeded',
              recordedAt: '2026-02-01T00:00:00.000Z',
            },
          ],
          ':f12none': [],
          ':c_invalid': 'invalid',
          ':c_accepted': 'accepted',
          ':c_retrying': 'retrying',
          ':c_deadLettered': 'dead-lettered',
          ':c_fingerprint': 'fp-1',
        },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    });
  });

  it('updates only the given fields of an existing user, with the succeeded record', async () => {
    // Prepare
    dynamo.on(TransactWriteCommand).resolves({});

    // Act
    const outcome = await repository().updateUser(update, facts);

    // Assess
    expect(outcome).toEqual({ kind: 'succeeded' });
    expect(transactions()).toStrictEqual([
      {
        TransactItems: [
          {
            Update: {
              TableName: 'users',
              Key: { emailAddress: EMAIL },
              UpdateExpression: 'SET #f0 = :f0, #f1 = :f1',
              ExpressionAttributeNames: { '#f0': 'lastName', '#f1': 'dateUpdated' },
              ExpressionAttributeValues: { ':f0': 'King', ':f1': ISSUED_AT },
              ConditionExpression: 'attribute_exists(emailAddress)',
            },
          },
          { Update: finalRecord('cmd-2', 'user.update', 'succeeded') },
        ],
      },
    ]);
  });

  it('deletes an existing user, with the succeeded record', async () => {
    // Prepare
    dynamo.on(TransactWriteCommand).resolves({});

    // Act
    const outcome = await repository().deleteUser(remove, facts);

    // Assess
    expect(outcome).toEqual({ kind: 'succeeded' });
    expect(transactions()).toStrictEqual([
      {
        TransactItems: [
          {
            Delete: {
              TableName: 'users',
              Key: { emailAddress: EMAIL },
              ConditionExpression: 'attribute_exists(emailAddress)',
            },
          },
          { Update: finalRecord('cmd-3', 'user.delete', 'succeeded') },
        ],
      },
    ]);
  });

  it('stamps the record with the current time when given no clock', async () => {
    // Prepare
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(NOW);
    dynamo.on(TransactWriteCommand).resolves({});

    // Act
    await repository({}).createUser(create, facts);

    // Assess
    expect(transactions()[0]?.TransactItems?.[1]).toStrictEqual({
      Update: finalRecord('cmd-1', 'user.create', 'succeeded'),
    });
  });
});

describe('a transaction whose record condition failed', () => {
  it.each(['succeeded', 'rejected'] as const)(
    'is a duplicate when the same command is already %s',
    async (status) => {
      // Prepare
      const existing = wireRecord({ status, fingerprint: 'fp-1', messageHash: 'hash-0' });
      dynamo
        .on(TransactWriteCommand)
        .rejects(cancelled('None', { Code: 'ConditionalCheckFailed', Item: existing }));

      // Act
      const outcome = await repository().createUser(create, facts);

      // Assess
      expect(outcome).toEqual({ kind: 'duplicate' });
      expect(updates()).toEqual([]);
    },
  );

  it('is a duplicate when the very message was applied by a worker that could read it', async () => {
    // Prepare
    const existing = wireRecord({
      status: 'succeeded',
      fingerprint: 'fp-9',
      messageHash: 'hash-1',
    });
    dynamo
      .on(TransactWriteCommand)
      .rejects(cancelled('None', { Code: 'ConditionalCheckFailed', Item: existing }));

    // Act
    const outcome = await repository().updateUser(update, facts);

    // Assess
    expect(outcome).toEqual({ kind: 'duplicate' });
    expect(updates()).toEqual([]);
  });

  it('is a conflict, noted on the record, when the id belongs to another command', async () => {
    // Prepare
    const existing = wireRecord({
      status: 'succeeded',
      fingerprint: 'fp-9',
      messageHash: 'hash-9',
    });
    dynamo
      .on(TransactWriteCommand)
      .rejects(cancelled('None', { Code: 'ConditionalCheckFailed', Item: existing }));
    dynamo.on(UpdateCommand).resolves({});

    // Act
    const outcome = await repository().createUser(create, facts);

    // Assess
    expect(outcome).toEqual({
      kind: 'conflict',
      reason: 'command id cmd-1 was already used for a different command; this one was ignored',
    });
    expect(updates()).toStrictEqual([conflictNote('cmd-1')]);
  });

  it('is no duplicate while the same command stands on a record that is not final', async () => {
    // Prepare
    const existing = wireRecord({ status: 'retrying', fingerprint: 'fp-1', messageHash: 'hash-1' });
    dynamo
      .on(TransactWriteCommand)
      .rejects(cancelled('None', { Code: 'ConditionalCheckFailed', Item: existing }));
    dynamo.on(UpdateCommand).resolves({});

    // Act
    const outcome = await repository().createUser(create, facts);

    // Assess
    expect(outcome.kind).toBe('conflict');
  });

  it('looks at the record before the user when both conditions failed', async () => {
    // Prepare
    const existing = wireRecord({ status: 'succeeded', fingerprint: 'fp-1' });
    dynamo
      .on(TransactWriteCommand)
      .rejects(
        cancelled('ConditionalCheckFailed', { Code: 'ConditionalCheckFailed', Item: existing }),
      );

    // Act
    const outcome = await repository().createUser(create, facts);

    // Assess
    expect(outcome).toEqual({ kind: 'duplicate' });
    expect(updates()).toEqual([]);
  });

  it('fails loudly when the failed condition brought no record back', async () => {
    // Prepare
    dynamo.on(TransactWriteCommand).rejects(cancelled('None', { Code: 'ConditionalCheckFailed' }));

    // Act
    const applying = repository().createUser(create, facts);

    // Assess
    await expect(applying).rejects.toThrow(
      'command cmd-1: condition failed but no record came back',
    );
  });
});

describe('a transaction whose user condition failed', () => {
  it.each([
    [
      'creating a user whose email is taken',
      'createUser',
      create,
      'a user with this email already exists',
    ],
    ['updating a user that does not exist', 'updateUser', update, 'no user with this email exists'],
    ['deleting a user that does not exist', 'deleteUser', remove, 'no user with this email exists'],
  ] as const)('records the rejection of %s', async (_label, method, command, reason) => {
    // Prepare
    dynamo.on(TransactWriteCommand).rejects(cancelled('ConditionalCheckFailed', { Code: 'None' }));
    dynamo.on(UpdateCommand).resolves({});

    // Act
    const outcome = await repository()[method](command as never, facts);

    // Assess
    expect(outcome).toEqual({ kind: 'rejected', reason });
    expect(updates()).toStrictEqual([
      finalRecord(command.commandId, command.type, 'rejected', reason),
    ]);
  });

  it('is a duplicate when the rejection was recorded by an earlier attempt', async () => {
    // Prepare
    const existing = wireRecord({ status: 'rejected', fingerprint: 'fp-1' });
    dynamo.on(TransactWriteCommand).rejects(cancelled('ConditionalCheckFailed', { Code: 'None' }));
    dynamo.on(UpdateCommand).rejects(conditionFailed(existing));

    // Act
    const outcome = await repository().createUser(create, facts);

    // Assess
    expect(outcome).toEqual({ kind: 'duplicate' });
  });

  it('passes on an error of the rejection’s record update', async () => {
    // Prepare
    const throttled = Object.assign(new Error('slow down'), { name: 'ThrottlingException' });
    dynamo.on(TransactWriteCommand).rejects(cancelled('ConditionalCheckFailed', { Code: 'None' }));
    dynamo.on(UpdateCommand).rejects(throttled);

    // Act
    const applying = repository().createUser(create, facts);

    // Assess
    await expect(applying).rejects.toBe(throttled);
  });
});

describe('a transaction that failed for another reason', () => {
  it.each([
    ['a transaction conflict', cancelled('None', { Code: 'TransactionConflict' })],
    ['throttling', cancelled('ThrottlingError', { Code: 'None' })],
    ['no reasons', new TransactionCanceledException({ message: 'cancelled', $metadata: {} })],
    ['an error that is no cancellation', Object.assign(new Error('x'), { code: 'ECONNRESET' })],
  ])('passes the error on for %s, writing nothing else', async (_label, error) => {
    // Prepare
    dynamo.on(TransactWriteCommand).rejects(error);

    // Act
    const applying = repository().createUser(create, facts);

    // Assess
    await expect(applying).rejects.toBe(error);
    expect(updates()).toEqual([]);
  });
});

describe('recording an outcome without effect', () => {
  it('records an unreadable message as invalid unless a final record stands there', async () => {
    // Prepare
    dynamo.on(UpdateCommand).resolves({});

    // Act
    const recorded = await repository().recordOutcome(
      { commandId: 'cmd-1' },
      { fingerprint: 'hash-1', messageHash: 'hash-1', attempt: 1 },
      { status: 'invalid', reason: 'body is not JSON' },
    );

    // Assess
    expect(recorded).toEqual({ kind: 'recorded' });
    expect(updates()).toStrictEqual([
      {
        TableName: 'commands',
        Key: { commandId: 'cmd-1' },
        UpdateExpression:
          'SET #f0 = :f0, #f1 = :f1, #f2 = :f2, #f3 = :f3, #f4 = :f4, #f5 = :f5, #f6 = :f6, #f7 = :f7, #f8 = :f8, #f9 = if_not_exists(#f9, :f9), #f10 = if_not_exists(#f10, :f10) REMOVE #f11',
        ConditionExpression: UNREADABLE_MAY_WRITE,
        ExpressionAttributeNames: {
          '#f0': 'status',
          '#f1': 'reason',
          '#f2': 'messageHash',
          '#f3': 'attempts',
          '#f4': 'processedAt',
          '#f5': 'expiresAt',
          '#f6': 'lastReceivedAt',
          '#f7': 'deadLetterOutcome',
          '#f8': 'attemptHistory',
          '#f9': 'fingerprint',
          '#f10': 'firstReceivedAt',
          '#f11': 'failure',
          ...STATUS_NAMES,
        },
        ExpressionAttributeValues: {
          ':f0': 'invalid',
          ':f1': 'body is not JSON',
          ':f2': 'hash-1',
          ':f3': 1,
          ':f4': AT,
          ':f5': EXPIRES_AT,
          ':f6': AT,
          ':f7': 'invalid',
          ':f8': [attemptEntry('invalid', undefined, 1)],
          ':f9': 'hash-1',
          ':f10': AT,
          ...STATUS_VALUES,
        },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    ]);
  });

  it.each(['retrying', 'dead-lettered'] as const)(
    'records a %s command unless a final record or another command stands there',
    async (status) => {
      // Prepare
      dynamo.on(UpdateCommand).resolves({});

      // Act
      const recorded = await repository().recordOutcome(create, facts, {
        status,
        failure: 'throttled',
        reason: 'DynamoDB throttled the write (ThrottlingException)',
      });

      // Assess
      expect(recorded).toEqual({ kind: 'recorded' });
      const expression = expressionOf({
        set: [
          ['status', status],
          ['failure', 'throttled'],
          ['reason', 'DynamoDB throttled the write (ThrottlingException)'],
          ['type', 'user.create'],
          ['issuedAt', ISSUED_AT],
          ['fingerprint', 'fp-1'],
          ['sentAt', facts.sentAt],
          ['messageHash', 'hash-1'],
          ['attempts', 2],
          ['processedAt', AT],
          ['expiresAt', EXPIRES_AT],
          ['lastReceivedAt', AT],
          // A dead letter stands in the dead-letters index; a retry leaves it.
          ...(status === 'dead-lettered'
            ? [['deadLetterOutcome', 'exhausted'] as [string, unknown]]
            : []),
        ],
        ifAbsent: [['firstReceivedAt', AT]],
        append: [['attemptHistory', [attemptEntry(status, 'throttled')]]],
        remove: status === 'dead-lettered' ? [] : ['deadLetterOutcome'],
      });
      expect(updates()).toStrictEqual([
        {
          TableName: 'commands',
          Key: { commandId: 'cmd-1' },
          UpdateExpression: expression.UpdateExpression,
          ConditionExpression: SAME_COMMAND_MAY_WRITE,
          ExpressionAttributeNames: {
            ...expression.ExpressionAttributeNames,
            ...STATUS_NAMES,
            '#c_fingerprint': 'fingerprint',
          },
          ExpressionAttributeValues: {
            ...expression.ExpressionAttributeValues,
            ...STATUS_VALUES,
            ':c_fingerprint': 'fp-1',
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      ]);
    },
  );

  it('records a readable command DynamoDB refused as invalid only over records of that command', async () => {
    // Prepare
    dynamo.on(UpdateCommand).resolves({});

    // Act: facts of a command that was read (its fingerprint is not its message hash).
    await repository().recordOutcome(create, facts, {
      status: 'invalid',
      reason: 'DynamoDB refused the write: Item size has exceeded the maximum allowed size',
    });

    // Assess: the same rule as any attempt of a command, fingerprint and all.
    expect(updates()).toHaveLength(1);
    expect(updates()[0]).toMatchObject({
      ConditionExpression: SAME_COMMAND_MAY_WRITE,
      ExpressionAttributeValues: expect.objectContaining({ ':c_fingerprint': 'fp-1' }),
    });
  });

  it('answers duplicate when the same command is already final', async () => {
    // Prepare
    dynamo
      .on(UpdateCommand)
      .rejects(conditionFailed(wireRecord({ status: 'succeeded', fingerprint: 'fp-1' })));

    // Act
    const recorded = await repository().recordOutcome(create, facts, {
      status: 'retrying',
      failure: 'throttled',
      reason: 'slow',
    });

    // Assess
    expect(recorded).toEqual({ kind: 'duplicate' });
    expect(updates()).toHaveLength(1);
  });

  it('answers conflict, and notes it, when the id belongs to another command', async () => {
    // Prepare
    dynamo
      .on(UpdateCommand)
      .rejectsOnce(
        conditionFailed(
          wireRecord({ status: 'succeeded', fingerprint: 'fp-9', messageHash: 'hash-9' }),
        ),
      )
      .resolves({});

    // Act
    const recorded = await repository().recordOutcome(
      { commandId: 'cmd-1' },
      { fingerprint: 'fp-1', messageHash: 'hash-1', attempt: 1 },
      { status: 'invalid', reason: 'body is not JSON' },
    );

    // Assess
    expect(recorded).toEqual({
      kind: 'conflict',
      reason: 'command id cmd-1 was already used for a different command; this one was ignored',
    });
    expect(updates()[1]).toStrictEqual(conflictNote('cmd-1'));
  });

  it('passes on any error but a failed condition', async () => {
    // Prepare
    const error = Object.assign(new Error('slow down'), { name: 'ThrottlingException' });
    dynamo.on(UpdateCommand).rejects(error);

    // Act
    const recording = repository().recordOutcome(create, facts, {
      status: 'retrying',
      failure: 'throttled',
      reason: 'slow',
    });

    // Assess
    await expect(recording).rejects.toBe(error);
  });
});

describe('the timeline a record keeps', () => {
  type Update = {
    UpdateExpression?: string;
    ExpressionAttributeNames?: object;
    ExpressionAttributeValues?: object;
  };

  /** The value each attribute is given by one update, whichever clause it is in. */
  function written(update: Update) {
    const names = (update.ExpressionAttributeNames ?? {}) as Record<string, string>;
    const values = (update.ExpressionAttributeValues ?? {}) as Record<string, unknown>;
    return Object.fromEntries(
      Object.entries(names)
        .filter(([placeholder]) => placeholder.startsWith('#f'))
        .map(([placeholder, name]) => [name, values[`:${placeholder.slice(1)}`]]),
    );
  }
  function placeholderOf(update: Update, name: string) {
    const names = (update.ExpressionAttributeNames ?? {}) as Record<string, string>;
    return Object.entries(names).find(([, n]) => n === name)?.[0] ?? 'none';
  }
  /** The REMOVE clause of an update, as a list of placeholders. */
  const removedBy = (update: Update) =>
    (update.UpdateExpression ?? '').split(' REMOVE ')[1]?.split(', ') ?? [];
  const recordUpdateOf = (): Update => transactions()[0]?.TransactItems?.[1]?.Update ?? {};

  it('starts the attempt history again on attempt 1, appends later attempts, and lists at most 10', async () => {
    // Prepare
    dynamo.on(TransactWriteCommand).resolves({});

    // Act
    const updatesByAttempt = new Map<number, Update>();
    for (const attempt of [1, 3, 10, 11]) {
      dynamo.resetHistory();
      await repository().createUser(create, { ...facts, attempt });
      updatesByAttempt.set(attempt, recordUpdateOf());
    }

    // Assess: a delivery's first attempt replaces the list (a redrive starts a new one).
    const [first, third, tenth, eleventh] = [1, 3, 10, 11].map(
      (n) => updatesByAttempt.get(n) ?? {},
    );
    const history = (update: Update) => placeholderOf(update, 'attemptHistory');
    expect(first?.UpdateExpression).toContain(
      `${history(first ?? {})} = :${history(first ?? {}).slice(1)},`,
    );
    expect(first?.UpdateExpression).not.toContain('list_append');
    expect(written(first ?? {}).attemptHistory).toEqual([attemptEntry('succeeded', undefined, 1)]);
    // Later ones append, making the list where an older worker left none.
    for (const [update, attempt] of [
      [third, 3],
      [tenth, 10],
    ] as const) {
      const list = history(update ?? {});
      expect(update?.UpdateExpression).toContain(
        `${list} = list_append(if_not_exists(${list}, :${list.slice(1)}none), :${list.slice(1)})`,
      );
      expect(written(update ?? {}).attemptHistory).toEqual([
        attemptEntry('succeeded', undefined, attempt),
      ]);
    }
    // Past ATTEMPT_HISTORY_MAX only the count and the times move on.
    expect(Object.values(eleventh?.ExpressionAttributeNames ?? {})).not.toContain('attemptHistory');
    expect(written(eleventh ?? {})).toMatchObject({ attempts: 11, lastReceivedAt: AT });
  });

  it('dates an attempt from when it began, so a failure recorded after a slow write keeps that start', async () => {
    // Prepare
    const began = '2026-02-01T00:00:01.000Z';
    const failed = '2026-02-01T00:00:04.000Z';
    let now = new Date(began);
    const writes = repository({ now: () => now });
    const conflict = cancelled('None', { Code: 'TransactionConflict' });
    dynamo.on(TransactWriteCommand).callsFake(() => {
      now = new Date(failed);
      throw conflict;
    });
    dynamo.on(UpdateCommand).resolves({});
    const attempt: MessageFacts = { ...facts, receivedAt: new Date(began) };

    // Act: the write fails 3 s later; the caller records the failure with the same facts.
    await expect(writes.createUser(create, attempt)).rejects.toBe(conflict);
    await writes.recordOutcome(create, attempt, {
      status: 'retrying',
      failure: 'transaction-conflict',
      reason: 'another transaction on the same item got in the way (TransactionConflict)',
    });

    // Assess
    expect(written(updates()[0] ?? {})).toMatchObject({
      lastReceivedAt: began,
      firstReceivedAt: began,
      processedAt: failed,
      attemptHistory: [
        {
          attempt: 2,
          receivedAt: began,
          outcome: 'retrying',
          failure: 'transaction-conflict',
          recordedAt: failed,
        },
      ],
    });
  });

  it('starts a new attempt with new facts, and sets firstReceivedAt only where absent', async () => {
    // Prepare
    let now = new Date('2026-02-01T00:00:01.000Z');
    const writes = repository({ now: () => now });
    dynamo.on(UpdateCommand).resolves({});
    const retrying = { status: 'retrying', failure: 'throttled', reason: 'slow' } as const;

    // Act
    await writes.recordOutcome(create, { ...facts, attempt: 1 }, retrying);
    now = new Date('2026-02-01T00:00:05.000Z');
    await writes.recordOutcome(create, { ...facts, attempt: 2 }, retrying);

    // Assess
    const second: Update = updates()[1] ?? {};
    expect(written(second)).toMatchObject({ lastReceivedAt: '2026-02-01T00:00:05.000Z' });
    const firstReceived = placeholderOf(second, 'firstReceivedAt');
    expect(second.UpdateExpression).toContain(
      `${firstReceived} = if_not_exists(${firstReceived}, :${firstReceived.slice(1)})`,
    );
  });

  it.each([
    ['invalid', { status: 'invalid', reason: 'body is not JSON' }, 'invalid'],
    [
      'dead-lettered',
      { status: 'dead-lettered', failure: 'throttled', reason: 'gave up' },
      'exhausted',
    ],
  ] as const)('puts an %s record in the dead-letters index', async (_label, record, key) => {
    // Prepare
    dynamo.on(UpdateCommand).resolves({});

    // Act
    await repository().recordOutcome(create, facts, record);

    // Assess
    const update = updates()[0] ?? {};
    expect(written(update).deadLetterOutcome).toBe(key);
    expect(removedBy(update)).not.toContain(placeholderOf(update, 'deadLetterOutcome'));
  });

  it('takes a command out of the dead-letters index with any other outcome', async () => {
    // Prepare
    dynamo.on(TransactWriteCommand).resolves({});
    dynamo.on(UpdateCommand).resolves({});

    // Act
    await repository().createUser(create, facts);
    await repository().recordOutcome(create, facts, {
      status: 'retrying',
      failure: 'throttled',
      reason: 'slow',
    });

    // Assess
    for (const update of [recordUpdateOf(), updates()[0] ?? {}]) {
      expect(removedBy(update)).toContain(placeholderOf(update, 'deadLetterOutcome'));
      expect(written(update).deadLetterOutcome).toBeUndefined();
    }
  });
});

describe('pinging the tables', () => {
  it('describes both tables', async () => {
    // Prepare
    dynamo.on(DescribeTableCommand).resolves({});

    // Act
    await repository().ping();

    // Assess
    expect(dynamo.commandCalls(DescribeTableCommand).map((c) => c.args[0].input)).toEqual([
      { TableName: 'users' },
      { TableName: 'commands' },
    ]);
  });

  it('fails when a table does not answer', async () => {
    // Prepare
    const error = Object.assign(new Error('no such table'), { name: 'ResourceNotFoundException' });
    dynamo.on(DescribeTableCommand).resolves({});
    dynamo.on(DescribeTableCommand, { TableName: 'commands' }).rejects(error);

    // Act
    const pinging = repository().ping();

    // Assess
    await expect(pinging).rejects.toBe(error);
  });
});
