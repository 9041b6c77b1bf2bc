import bcrypt from 'bcryptjs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  messageGroupIdFor,
  type UserCommand,
  UserCommandSchema,
} from '../../shared/contract/commands.ts';
import {
  CommandIdSchema,
  EmailAddressSchema,
  PasswordHashSchema,
  PasswordSchema,
} from '../../shared/contract/fields.ts';
import { commandFingerprint, messageHash } from '../../shared/contract/fingerprint.ts';
import { deadLetterMessage, redrivenMessage } from '../../shared/contract/message.ts';
import {
  MAX_ERROR_REASON_LENGTH,
  MESSAGE_ATTRIBUTES,
} from '../../shared/contract/message-attributes.ts';
import {
  CONTRACT_VERSIONS,
  type ContractVersions,
  parseCommandMessage,
} from '../../shared/contract/parse-command.ts';

const hash = bcrypt.hashSync('correct horse', 4);
const base = { schemaVersion: 1, commandId: 'cmd-1', issuedAt: '2026-01-31T12:00:00.000Z' };
const create = {
  ...base,
  type: 'user.create',
  payload: { emailAddress: 'a@x.io', firstName: 'Ada', lastName: 'Lovelace', passwordHash: hash },
};

function issuesOf(value: unknown): string[] {
  const result = UserCommandSchema.safeParse(value);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('the command contract', () => {
  it('accepts a valid create and normalizes the email and names', () => {
    const parsed = UserCommandSchema.parse({
      ...create,
      payload: { ...create.payload, emailAddress: '  A@X.io ', firstName: ' Ada ' },
    });
    expect(parsed.payload).toMatchObject({ emailAddress: 'a@x.io', firstName: 'Ada' });
  });

  it('names every unknown field, each cut to 64 characters', () => {
    const long = 'x'.repeat(100);
    expect(issuesOf({ ...create, extra: 1, [long]: 2 })).toEqual([
      `: unknown fields "extra", "${'x'.repeat(64)}": the contract allows only the fields it defines`,
    ]);
  });

  it('says what is wrong with a payload that is no object, not that it has unknown fields', () => {
    expect(issuesOf({ ...create, payload: 'x' })).toEqual([
      'payload: Invalid input: expected object, received string',
    ]);
  });

  it('rejects unknown fields at every level', () => {
    expect(issuesOf({ ...create, extra: 1 })).toEqual([
      ': unknown field "extra": the contract allows only the fields it defines',
    ]);
    expect(issuesOf({ ...create, payload: { ...create.payload, password: 'x' } })).toEqual([
      'payload: unknown field "password": the contract allows only the fields it defines',
    ]);
  });

  it('takes bcrypt costs 04 to 15 only: a cost-31 hash would make checking a password a denial of service', () => {
    const withCost = (cost: string) => ({
      ...create,
      payload: { ...create.payload, passwordHash: `$2b$${cost}$${'a'.repeat(53)}` },
    });
    for (const cost of ['04', '10', '12', '15']) expect(issuesOf(withCost(cost)), cost).toEqual([]);
    for (const cost of ['03', '16', '20', '31']) {
      expect(issuesOf(withCost(cost)), cost).toEqual([
        'payload.passwordHash: must be a bcrypt hash ($2a$, $2b$ or $2y$, cost 04-15)',
      ]);
    }
  });

  it('requires a bcrypt hash, never a plaintext password', () => {
    expect(
      issuesOf({ ...create, payload: { ...create.payload, passwordHash: 'hunter2hunter2' } }),
    ).toEqual(['payload.passwordHash: must be a bcrypt hash ($2a$, $2b$ or $2y$, cost 04-15)']);
  });

  it('limits names to 1-100 characters after trimming', () => {
    expect(issuesOf({ ...create, payload: { ...create.payload, firstName: '   ' } })).toEqual([
      'payload.firstName: must not be empty',
    ]);
    expect(
      issuesOf({ ...create, payload: { ...create.payload, lastName: 'x'.repeat(101) } }),
    ).toEqual(['payload.lastName: must be at most 100 characters']);
    expect(
      issuesOf({ ...create, payload: { ...create.payload, lastName: ` ${'x'.repeat(100)} ` } }),
    ).toEqual([]);
  });

  it('refuses control characters and bidirectional overrides in names, but keeps joiners', () => {
    for (const bad of ['Ada\u0000', 'A\u001bB', 'Ad\u202Ea', 'A\uFFFF', 'A\uD800']) {
      expect(issuesOf({ ...create, payload: { ...create.payload, firstName: bad } })).toEqual([
        'payload.firstName: must not contain control characters or bidirectional overrides',
      ]);
    }
    for (const good of ['Zoë', 'محمد', 'می\u200Cخواهم', '👩\u200D💻 Ada', '李']) {
      expect(issuesOf({ ...create, payload: { ...create.payload, firstName: good } })).toEqual([]);
    }
  });

  it('needs at least one field in an update and never takes a new email', () => {
    const update = { ...base, type: 'user.update', payload: { emailAddress: 'a@x.io' } };
    expect(issuesOf(update)).toEqual([
      'payload: must change at least one of firstName, lastName, passwordHash',
    ]);
    expect(issuesOf({ ...update, payload: { emailAddress: 'a@x.io', lastName: 'B' } })).toEqual([]);
    expect(
      issuesOf({
        ...update,
        payload: { emailAddress: 'a@x.io', newEmailAddress: 'b@x.io', lastName: 'B' },
      }),
    ).toEqual([
      'payload: unknown field "newEmailAddress": the contract allows only the fields it defines',
    ]);
  });

  it('names the allowed types and the supported schema version', () => {
    expect(issuesOf({ ...create, type: 'user.rename' })).toEqual([
      'type: must be one of user.create, user.update, user.delete',
    ]);
    expect(issuesOf({ ...create, schemaVersion: 2 })).toEqual([
      'schemaVersion: must be 1: this worker reads schema version 1 only',
    ]);
  });

  it('requires an ISO date-time and a command id SQS can use as a deduplication id', () => {
    expect(issuesOf({ ...create, issuedAt: 'yesterday', commandId: 'has spaces' })).toEqual([
      'commandId: must be 1-128 characters of letters, digits, and _ . : -',
      'issuedAt: must be an ISO 8601 date-time, e.g. 2026-01-31T12:00:00Z',
    ]);
  });
});

describe('passwords', () => {
  it('counts UTF-8 bytes: 72 bytes pass, 73 fail, whatever the characters', () => {
    expect(PasswordSchema.safeParse('a'.repeat(72)).success).toBe(true);
    expect(PasswordSchema.safeParse('a'.repeat(73)).success).toBe(false);
    expect(PasswordSchema.safeParse(`${'é'.repeat(36)}`).success).toBe(true); // 72 bytes
    expect(PasswordSchema.safeParse(`${'é'.repeat(36)}a`).success).toBe(false); // 73 bytes
    expect(PasswordSchema.safeParse('🙂🙂').success).toBe(true); // 2 characters, 8 bytes
    expect(PasswordSchema.safeParse('abcdefg').success).toBe(false);
  });
});

describe('reading a raw queue message', () => {
  const groupId = messageGroupIdFor('a@x.io');

  it('returns the command when the body and group are right', () => {
    expect(parseCommandMessage(JSON.stringify(create), groupId)).toMatchObject({ ok: true });
  });

  it('says why a body is not JSON', () => {
    expect(parseCommandMessage('{nope', groupId)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^body is not JSON: /),
      commandId: undefined,
    });
  });

  it('keeps the command id of an invalid command so the rejection can be recorded', () => {
    const parsed = parseCommandMessage(JSON.stringify({ ...create, payload: {} }), groupId);
    expect(parsed).toMatchObject({ ok: false, commandId: 'cmd-1' });
    if (!parsed.ok) expect(parsed.reason).toContain('payload.emailAddress: is required');
  });

  it('refuses a message outside the user’s group, since its order could not be kept', () => {
    const parsed = parseCommandMessage(JSON.stringify(create), 'another-group');
    expect(parsed).toMatchObject({ ok: false, commandId: 'cmd-1' });
    if (!parsed.ok) expect(parsed.reason).toContain(groupId);
  });

  it('groups by a hash of the normalized email that fits SQS limits', () => {
    expect(messageGroupIdFor('a@x.io')).toMatch(/^[0-9a-f]{64}$/);
    expect(messageGroupIdFor('a@x.io')).not.toBe(messageGroupIdFor('b@x.io'));
  });
});

describe('the reasons a raw message is refused', () => {
  const groupId = messageGroupIdFor('a@x.io');

  it('never quote the body of a message that is not JSON', () => {
    // Act
    const parsed = parseCommandMessage('not json ada@example.com', groupId);

    // Assess
    expect(JSON.stringify(parsed)).not.toMatch(/ada@example\.com|not json/);
    expect(parsed).toEqual({
      ok: false,
      reason: 'body is not JSON: unexpected character',
      commandId: undefined,
    });
  });

  it.each([
    ['{nope', 'body is not JSON: syntax error at position 1'],
    ['{"emailAddress": "ada@example.com"', 'body is not JSON: syntax error at position 34'],
    ['{"emailAddress":', 'body is not JSON: it ends too early'],
    ['', 'body is not JSON: it ends too early'],
  ])('say where the body %j stops being JSON', (body, reason) => {
    // Act
    const parsed = parseCommandMessage(body, groupId);

    // Assess
    expect(parsed).toEqual({ ok: false, reason, commandId: undefined });
  });

  it('read a missing body as an empty one', () => {
    // Act
    const parsed = parseCommandMessage(undefined, groupId);

    // Assess
    expect(parsed).toEqual({
      ok: false,
      reason: 'body is not JSON: it ends too early',
      commandId: undefined,
    });
  });

  it('name the versions this worker reads when the schema version is unknown', () => {
    // Prepare
    const body = JSON.stringify({ ...create, schemaVersion: 3 });

    // Act
    const parsed = parseCommandMessage(body, groupId);

    // Assess
    expect(parsed).toEqual({
      ok: false,
      reason: 'schemaVersion: must be 1 (the versions this worker reads), got 3',
      commandId: 'cmd-1',
    });
  });

  it('name every version of a worker that reads several', () => {
    // Prepare
    const versions: ContractVersions = new Map([...CONTRACT_VERSIONS, [2, UserCommandSchema]]);

    // Act
    const parsed = parseCommandMessage(
      JSON.stringify({ ...create, schemaVersion: 7 }),
      groupId,
      versions,
    );

    // Assess
    expect(parsed).toMatchObject({
      ok: false,
      reason: 'schemaVersion: must be 1, 2 (the versions this worker reads), got 7',
    });
  });

  it('leave a schema version that is no number to the schema', () => {
    // Act
    const parsed = parseCommandMessage(JSON.stringify({ ...create, schemaVersion: '1' }), groupId);

    // Assess
    expect(parsed).toEqual({
      ok: false,
      reason: 'schemaVersion: must be 1: this worker reads schema version 1 only',
      commandId: 'cmd-1',
    });
  });

  it('say when the message as a whole is no command', () => {
    // Act
    const parsed = parseCommandMessage('null', groupId);

    // Assess
    expect(parsed).toEqual({
      ok: false,
      reason: '(message): Invalid input: expected object, received null',
      commandId: undefined,
    });
  });

  it('name every problem, without quoting the values', () => {
    // Prepare
    const body = JSON.stringify({
      ...create,
      payload: { ...create.payload, emailAddress: 'ada at example.com', firstName: '' },
    });

    // Act
    const parsed = parseCommandMessage(body, groupId);

    // Assess
    expect(parsed).toEqual({
      ok: false,
      reason:
        'payload.emailAddress: must be a valid email address; payload.firstName: must not be empty',
      commandId: 'cmd-1',
    });
  });

  it('do not echo the group a message came with, which may be a raw email', () => {
    // Act
    const parsed = parseCommandMessage(JSON.stringify(create), 'ada@example.com');

    // Assess
    expect(JSON.stringify(parsed)).not.toContain('ada@example.com');
    expect(parsed).toEqual({
      ok: false,
      reason: `MessageGroupId must be the hex SHA-256 of the normalized emailAddress (${groupId}); this message's group is something else`,
      commandId: 'cmd-1',
    });
  });

  it('accept a command that came without a group (the group is checked only when known)', () => {
    // Act
    const parsed = parseCommandMessage(JSON.stringify(create), undefined);

    // Assess
    expect(parsed.ok).toBe(true);
  });

  it.each([
    ['a command id SQS could not use', { ...create, payload: {}, commandId: 'has spaces' }],
    ['no command id', { schemaVersion: 1, type: 'user.delete' }],
    ['a body that is a list', [1, 2]],
    ['a body that is a number', 42],
    ['a body that is a string', 'cmd-1'],
  ])('keep no command id from %s', (_label, value) => {
    // Act
    const parsed = parseCommandMessage(JSON.stringify(value), groupId);

    // Assess
    expect(parsed).toMatchObject({ ok: false, commandId: undefined });
  });
});

describe('reading a command with the versions a worker knows', () => {
  it('turns a newer version into today’s command through its own schema', () => {
    // Prepare
    const versions: ContractVersions = new Map([
      ...CONTRACT_VERSIONS,
      [2, z.preprocess((body) => ({ ...(body as object), schemaVersion: 1 }), UserCommandSchema)],
    ]);

    // Act
    const parsed = parseCommandMessage(
      JSON.stringify({ ...create, schemaVersion: 2 }),
      messageGroupIdFor('a@x.io'),
      versions,
    );

    // Assess
    expect(parsed).toEqual({ ok: true, command: { ...create, schemaVersion: 1 } });
  });
});

describe('command fingerprints', () => {
  const command: UserCommand = {
    schemaVersion: 1,
    commandId: 'c',
    issuedAt: '2026-01-01T00:00:00Z',
    type: 'user.create',
    payload: {
      emailAddress: 'a@x.io',
      firstName: 'A',
      lastName: 'B',
      passwordHash: `$2b$04$${'a'.repeat(53)}`,
    },
  };

  it('is the same for the same command re-hashed with a new salt (a retried API request)', () => {
    const rehashed = {
      ...command,
      issuedAt: '2026-01-01T00:00:05Z',
      payload: { ...command.payload, passwordHash: `$2b$04$${'b'.repeat(53)}` },
    };
    expect(commandFingerprint(rehashed)).toBe(commandFingerprint(command));
  });

  it('differs when the command means something else', () => {
    const renamed = { ...command, payload: { ...command.payload, firstName: 'Z' } };
    expect(commandFingerprint(renamed)).not.toBe(commandFingerprint(command));
  });

  it('counts whether a password is changed, not which', () => {
    // Prepare
    const rename: UserCommand = {
      ...command,
      type: 'user.update',
      payload: { emailAddress: 'a@x.io', lastName: 'B' },
    };
    const renameAndRepassword: UserCommand = {
      ...rename,
      type: 'user.update',
      payload: { emailAddress: 'a@x.io', lastName: 'B', passwordHash: 'x' },
    };

    // Act
    const fingerprints = [commandFingerprint(rename), commandFingerprint(renameAndRepassword)];

    // Assess
    expect(fingerprints[0]).not.toBe(fingerprints[1]);
    expect(fingerprints[1]).toBe(
      '0d6b3f5ecb4e20cdc3619f755178d216a90570d2f3acbb11f1bb757154d4f466',
    );
  });

  it('stays the same from one release to the next, since records outlive deployments', () => {
    // Act
    const fingerprint = commandFingerprint({
      type: 'user.delete',
      payload: { emailAddress: 'a@x.io' },
    });

    // Assess
    expect(fingerprint).toBe('ce8c8ecd70f4a1f0d18c353b1941f64bd7dd57385a4ecbc8d45033d0e43037ba');
  });

  it('depends on key order only before the schema: parsed commands built in any order agree', () => {
    // Prepare
    const forwards = {
      ...base,
      type: 'user.update',
      payload: { emailAddress: 'a@x.io', firstName: 'Ada', lastName: 'King' },
    };
    const backwards = {
      payload: { lastName: 'King', firstName: 'Ada', emailAddress: 'a@x.io' },
      type: 'user.update',
      issuedAt: base.issuedAt,
      commandId: base.commandId,
      schemaVersion: 1,
    };

    // Act
    const raw = [forwards, backwards].map((c) => commandFingerprint(c as UserCommand));
    const parsed = [forwards, backwards].map((c) => commandFingerprint(UserCommandSchema.parse(c)));

    // Assess
    expect(raw[0]).not.toBe(raw[1]);
    expect(parsed[0]).toBe(parsed[1]);
    expect(parsed[0]).toBe(raw[0]);
  });

  it('hashes a raw body, an absent one as empty', () => {
    // Act
    const hashes = [messageHash('abc'), messageHash(undefined), messageHash('')];

    // Assess
    expect(hashes).toEqual([
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    ]);
  });
});

describe('message groups', () => {
  it('are the hex SHA-256 of the email, which publishers compute the same way', () => {
    // Act
    const groupId = messageGroupIdFor('a@x.io');

    // Assess
    expect(groupId).toBe('aa8a6b1226018606fb52fd4fb5e6f407d7a610c996250306acf156a247c08e26');
  });
});

describe('the message attributes of the contract', () => {
  it('keep the names dead letters and redrives carry', () => {
    // Assess
    expect(MESSAGE_ATTRIBUTES).toEqual({
      errorReason: 'error-reason',
      errorOutcome: 'error-outcome',
      attempts: 'attempts',
      originalMessageId: 'original-message-id',
      deadLetteredAt: 'dead-lettered-at',
      originalSentAt: 'original-sent-at',
      redrivenFrom: 'redriven-from',
      traceParent: 'traceparent',
      traceState: 'tracestate',
    });
  });
});

describe('the messages the service itself sends', () => {
  it('dead-letter a message byte for byte in its group, deduplicated by its id, with why', () => {
    // Prepare
    const received = {
      MessageId: 'm-1',
      Body: '{"not": "a command"}',
      Attributes: { MessageGroupId: 'g-1', SentTimestamp: '1700000000000' },
    };

    // Act
    const message = deadLetterMessage(
      received,
      { reason: 'x'.repeat(MAX_ERROR_REASON_LENGTH + 5), attempts: 3, outcome: 'exhausted' },
      new Date('2026-11-23T12:00:00.000Z'),
    );

    // Assess
    expect(message).toEqual({
      MessageBody: '{"not": "a command"}',
      MessageGroupId: 'g-1',
      MessageDeduplicationId: 'm-1',
      MessageAttributes: {
        'error-reason': { DataType: 'String', StringValue: 'x'.repeat(MAX_ERROR_REASON_LENGTH) },
        'error-outcome': { DataType: 'String', StringValue: 'exhausted' },
        attempts: { DataType: 'Number', StringValue: '3' },
        'original-message-id': { DataType: 'String', StringValue: 'm-1' },
        'original-sent-at': { DataType: 'Number', StringValue: '1700000000000' },
        'dead-lettered-at': { DataType: 'String', StringValue: '2026-11-23T12:00:00.000Z' },
      },
    });
  });

  it('dead-letter a redriven message with the send time it first had', () => {
    // Act
    const message = deadLetterMessage(
      {
        MessageId: 'm-2',
        Body: 'b',
        Attributes: { SentTimestamp: '1700000009999' },
        MessageAttributes: {
          'original-sent-at': { DataType: 'Number', StringValue: '1600000000000' },
        },
      },
      { reason: 'r', attempts: 1, outcome: 'invalid' },
    );

    // Assess
    expect(message.MessageAttributes['original-sent-at']?.StringValue).toBe('1600000000000');
  });

  it('redrive a dead letter in its group, once, carrying when it was first sent', () => {
    // Act
    const withTime = redrivenMessage({ MessageId: 'd-1', Body: 'body' }, 'g-1', 1600000000000);
    const withoutTime = redrivenMessage({ MessageId: 'd-2', Body: 'body' }, 'g-2', undefined);

    // Assess
    expect(withTime).toEqual({
      MessageBody: 'body',
      MessageGroupId: 'g-1',
      MessageDeduplicationId: 'redrive-d-1',
      MessageAttributes: {
        'redriven-from': { DataType: 'String', StringValue: 'd-1' },
        'original-sent-at': { DataType: 'Number', StringValue: '1600000000000' },
      },
    });
    expect(withoutTime.MessageAttributes).toEqual({
      'redriven-from': { DataType: 'String', StringValue: 'd-2' },
    });
    expect(redrivenMessage({}, 'g-3', undefined)).toMatchObject({
      MessageBody: '',
      MessageAttributes: { 'redriven-from': { StringValue: 'unknown' } },
    });
  });
});

describe('field rules', () => {
  it('take an update that changes any one of the names or the password', () => {
    // Prepare
    const changes = [{ firstName: 'Ada' }, { lastName: 'King' }, { passwordHash: hash }];

    // Act
    const issues = changes.map((change) =>
      issuesOf({ ...base, type: 'user.update', payload: { emailAddress: 'a@x.io', ...change } }),
    );

    // Assess
    expect(issues).toEqual([[], [], []]);
  });

  it('take an issue time with an offset from UTC', () => {
    // Act
    const issues = issuesOf({ ...create, issuedAt: '2026-01-31T13:00:00+01:00' });

    // Assess
    expect(issues).toEqual([]);
  });

  it('say a command id or a password that is no string is no string', () => {
    // Act
    const commandId = issuesOf({ ...create, commandId: 42 });
    const password = PasswordSchema.safeParse(12345678).error?.issues.map((i) => i.message);

    // Assess
    expect(commandId).toEqual(['commandId: must be a string']);
    expect(password).toEqual(['must be a string']);
  });

  it('say a password of more than 72 characters is too long', () => {
    // Act
    const result = PasswordSchema.safeParse('a'.repeat(73));

    // Assess
    expect(result.error?.issues.map((i) => i.message)).toEqual([
      'must be at most 72 bytes',
      "must be 8-72 bytes in UTF-8 (bcrypt's limit), got 73",
    ]);
  });

  it('take emails up to 254 characters', () => {
    // Prepare
    const longest = `a@${'b'.repeat(249)}.io`;

    // Act
    const results = [longest, `a${longest}`].map((email) => EmailAddressSchema.safeParse(email));

    // Assess
    expect(longest).toHaveLength(254);
    expect(results.map((r) => r.success)).toEqual([true, false]);
    expect(results[1]?.error?.issues.map((i) => i.message)).toEqual([
      'must be at most 254 characters',
    ]);
  });

  it('refuse every character range a name must not hold, at both ends', () => {
    // Prepare
    const forbidden = [
      '\u0000',
      '\u001f',
      '\u007f',
      '\uFDD0',
      '\uFDEF',
      '\uFFFE',
      '\u202A',
      '\u202E',
      '\u2066',
      '\u2069',
    ];
    const allowed = ['\uFDCF', '\uFDF0', '\u2029', '\u202F', '\u2065', '\u206A'];

    // Act
    const refused = (value: string) =>
      issuesOf({ ...create, payload: { ...create.payload, firstName: `A${value}B` } }).length > 0;

    // Assess
    expect(forbidden.filter((c) => !refused(c))).toEqual([]);
    expect(allowed.filter((c) => refused(c))).toEqual([]);
  });

  it('take bcrypt hashes of each variant with costs 04 to 15 only', () => {
    // Prepare
    const salt = 'a'.repeat(53);
    const good = ['$2a$04$', '$2b$10$', '$2y$09$', '$2b$14$', '$2b$15$'].map((p) => p + salt);
    const bad = [
      '$2c$10$',
      '$2b$03$',
      '$2b$16$',
      '$2b$19$',
      '$2b$31$',
      '$2b$1$',
      '$1b$10$',
      'x$2b$10$',
    ].map((p) => p + salt);

    // Act
    const accepted = (value: string) => PasswordHashSchema.safeParse(value).success;

    // Assess
    expect(good.filter((h) => !accepted(h))).toEqual([]);
    expect(bad.filter(accepted)).toEqual([]);
    expect(accepted(`$2b$10$${'a'.repeat(52)}`)).toBe(false);
    expect(accepted(`$2b$10$${'a'.repeat(54)}`)).toBe(false);
    expect(accepted(`$2b$10$${'a'.repeat(52)}!`)).toBe(false);
    expect(accepted(`$2b$10$${'./AZaz09'.repeat(6)}aaaaa`)).toBe(true);
  });

  it('take command ids of 1-128 letters, digits and _ . : -', () => {
    // Act
    const accepted = ['a', 'A-z_0.9:x', 'x'.repeat(128), '', 'x'.repeat(129), 'a/b', 'a b'].map(
      (id) => CommandIdSchema.safeParse(id).success,
    );

    // Assess
    expect(accepted).toEqual([true, true, true, false, false, false, false]);
  });

  it('say how many bytes a password had when it has too few', () => {
    // Act
    const result = PasswordSchema.safeParse('abcdefg');

    // Assess
    expect(result.error?.issues.map((i) => i.message)).toEqual([
      "must be 8-72 bytes in UTF-8 (bcrypt's limit), got 7",
    ]);
    expect(PasswordSchema.safeParse('abcdefgh').success).toBe(true);
  });
});
