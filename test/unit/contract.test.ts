import bcrypt from 'bcryptjs';
import { describe, expect, it } from 'vitest';
import { messageGroupIdFor, UserCommandSchema } from '../../shared/contract/commands.ts';
import { PasswordSchema } from '../../shared/contract/fields.ts';
import { parseCommandMessage } from '../../shared/contract/parse-command.ts';

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

  it('rejects unknown fields at every level', () => {
    expect(issuesOf({ ...create, extra: 1 })).toEqual([': Unrecognized key: "extra"']);
    expect(issuesOf({ ...create, payload: { ...create.payload, password: 'x' } })).toEqual([
      'payload: Unrecognized key: "password"',
    ]);
  });

  it('requires a bcrypt hash, never a plaintext password', () => {
    expect(
      issuesOf({ ...create, payload: { ...create.payload, passwordHash: 'hunter2hunter2' } }),
    ).toEqual(['payload.passwordHash: must be a bcrypt hash ($2a$, $2b$ or $2y$, cost 04-31)']);
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
    ).toEqual(['payload: Unrecognized key: "newEmailAddress"']);
  });

  it('names the allowed types and the supported schema version', () => {
    expect(issuesOf({ ...create, type: 'user.rename' })).toEqual([
      'type: type must be one of user.create, user.update, user.delete',
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
    if (!parsed.ok) expect(parsed.reason).toContain('payload.emailAddress: must be a string');
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
