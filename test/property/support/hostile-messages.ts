import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { messageGroupIdFor } from '../../../shared/contract/commands.ts';
import { SAMPLE_HASH } from '../../harness/environment.ts';

/** A raw queue message and what must become of it. */
export interface HostileMessage {
  kind: string;
  body: string;
  groupId: string;
  attributes: Record<string, { DataType: string; StringValue: string }>;
  commandId: string;
  emailAddress: string;
  /** 'dead-letter': with a reason matching `reason`; 'apply': recorded; 'either': one of the two. */
  fate: 'dead-letter' | 'apply' | 'either';
  reason?: RegExp;
}

/** SQS carries only these characters (#x9 #xA #xD #x20-#xD7FF #xE000-#xFFFD), and fauxqs no astral ones. */
const sqsText = (maxLength: number) =>
  fc
    .string({ unit: 'grapheme', maxLength })
    .map((s) => s.replace(/[^\t\n\r\x20-\ud7ff\ue000-\ufffd]/gu, '?'));

function validCreate(names: { firstName: string; lastName: string }, email: string) {
  return {
    schemaVersion: 1,
    commandId: `prop-${randomUUID()}`,
    type: 'user.create',
    issuedAt: new Date().toISOString(),
    payload: { emailAddress: email, ...names, passwordHash: SAMPLE_HASH },
  };
}

/** Inserts `"key": value` first into the object that starts at `at` in the JSON text. */
function insertKey(json: string, at: string, key: string, value: unknown): string {
  return json.replace(at, `${at}${JSON.stringify(key)}:${JSON.stringify(value)},`);
}

const name = sqsText(60).filter((s) => s.trim().length > 0 && s.trim().length <= 100);
const names = fc.record({ firstName: name, lastName: name });
const attributes = fc.dictionary(
  fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/).filter((n) => !/^(aws|amazon)/i.test(n)),
  fc.oneof(
    sqsText(50)
      .filter((v) => v.length > 0)
      .map((v) => ({ DataType: 'String', StringValue: v })),
    fc.integer().map((n) => ({ DataType: 'Number', StringValue: String(n) })),
  ),
  { maxKeys: 3 },
);

const shapes = (email: string) =>
  fc.oneof(
    names.map((n) => ({
      kind: 'valid',
      command: validCreate(n, ` ${email.toUpperCase()} `),
      fate: 'apply' as const,
    })),
    sqsText(200)
      .filter((s) => s.length > 0 && !isJson(s))
      .map((body) => ({
        kind: 'not JSON',
        body,
        fate: 'dead-letter' as const,
        reason: /^body is not JSON/,
      })),
    fc.jsonValue().map((value) => ({
      kind: 'any JSON',
      body: JSON.stringify(value),
      fate: 'dead-letter' as const,
      reason: /./,
    })),
    fc
      .string({ maxLength: 30 })
      .filter((t) => !['user.create', 'user.update', 'user.delete'].includes(t))
      .map((type) => ({
        kind: 'unknown type',
        command: { ...validCreate({ firstName: 'A', lastName: 'B' }, email), type },
        fate: 'dead-letter' as const,
        reason: /type/,
      })),
    fc.constantFrom<unknown>(0, 2, 99, 1.5, '1', -1, null).map((schemaVersion) => ({
      kind: 'other schema version',
      command: { ...validCreate({ firstName: 'A', lastName: 'B' }, email), schemaVersion },
      fate: 'dead-letter' as const,
      reason: /schemaVersion: must be 1/,
    })),
    fc
      .record({
        where: fc.constantFrom('{', '"payload":{'),
        key: fc.oneof(
          fc.constantFrom('__proto__', 'constructor', 'prototype', 'role'),
          fc.string({ maxLength: 20 }),
        ),
        value: fc.jsonValue(),
      })
      .map(({ where, key, value }) => ({
        kind: 'extra key',
        where,
        key,
        value,
        command: validCreate({ firstName: 'A', lastName: 'B' }, email),
        fate: 'either' as const,
      })),
    fc
      .record({
        field: fc.constantFrom(
          'commandId',
          'issuedAt',
          'payload',
          'type',
          'payload.emailAddress',
          'payload.firstName',
          'payload.passwordHash',
        ),
        value: fc.jsonValue(),
      })
      .map(({ field, value }) => {
        const command = validCreate({ firstName: 'A', lastName: 'B' }, email) as Record<
          string,
          unknown
        >;
        const [top, inner] = field.split('.') as [string, string | undefined];
        if (inner) (command.payload as Record<string, unknown>)[inner] = value;
        else command[top] = value;
        return { kind: `bent ${field}`, command, fate: 'either' as const };
      }),
    fc.string({ minLength: 1, maxLength: 64 }).map((groupId) => ({
      kind: 'wrong group',
      command: validCreate({ firstName: 'A', lastName: 'B' }, email),
      groupId: `x${groupId.replace(/[^\w]/g, '')}`,
      fate: 'dead-letter' as const,
      reason: /MessageGroupId must be/,
    })),
  );

/** One hostile message for a fresh user; every field of it chosen by fast-check. */
export const hostileMessage: fc.Arbitrary<HostileMessage> = fc
  .tuple(
    fc.constant(null).map(() => `prop-${randomUUID().slice(0, 12)}@example.com`),
    attributes,
  )
  .chain(([email, attrs]) => shapes(email).map((shape) => ({ email, attrs, shape })))
  .map(({ email, attrs, shape }) => {
    const s = shape as Record<string, unknown>;
    const command = s.command as { commandId?: unknown } | undefined;
    let body = (s.body as string | undefined) ?? JSON.stringify(command);
    if (s.kind === 'extra key') body = insertKey(body, String(s.where), String(s.key), s.value);
    return {
      kind: String(s.kind),
      body,
      groupId: (s.groupId as string | undefined) ?? messageGroupIdFor(email),
      attributes: attrs,
      commandId: typeof command?.commandId === 'string' ? command.commandId : '',
      emailAddress: email,
      fate: s.fate as HostileMessage['fate'],
      ...(s.reason ? { reason: s.reason as RegExp } : {}),
    };
  });

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
