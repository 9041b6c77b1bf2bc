import { z } from 'zod';

/**
 * Field rules shared by the HTTP API and the queue contract, so a value the API accepts is
 * a value the worker accepts.
 */

/** A missing field is "required"; a field of the wrong kind "must be a string". */
const STRING_ERROR = (issue: { input?: unknown }) =>
  issue.input === undefined ? 'is required' : 'must be a string';

/**
 * For strict objects: a field the contract does not define is named, and refused rather than
 * ignored (a publisher's typo, `lastname`, would otherwise be silently lost). Names are cut
 * at 64 characters, so a reason stays short whatever a publisher sends.
 */
export const UNKNOWN_FIELDS_ERROR = (issue: { code?: string; keys?: readonly string[] }) =>
  issue.code === 'unrecognized_keys'
    ? `unknown field${issue.keys?.length === 1 ? '' : 's'} ${(issue.keys ?? []).map((key) => JSON.stringify(key.slice(0, 64))).join(', ')}: the contract allows only the fields it defines`
    : undefined;

/** Trimmed and lower-cased, so `A@x.io` and ` a@x.io ` are one user. */
export const EmailAddressSchema = z
  .string({ error: STRING_ERROR })
  .trim()
  .toLowerCase()
  .max(254, { error: 'must be at most 254 characters' })
  .email({ error: 'must be a valid email address' })
  // Stryker disable next-line StringLiteral: documentation, checked in generated-docs.test.ts
  .describe('Email address; the user key. Trimmed and lower-cased.');

const NAME_MAX = 100;

/**
 * Characters no name needs and that only cause harm: control characters (C0, DEL, C1), lone
 * surrogates, noncharacters (SQS refuses U+FFFE and U+FFFF), and the bidirectional overrides
 * used to disguise text. Joiners (ZWJ, ZWNJ) stay allowed: some scripts need them. Spelled
 * as ranges rather than Unicode classes, so the JSON Schema's `pattern` means the same in
 * any validator.
 */
const FORBIDDEN_IN_NAMES =
  '\\u0000-\\u001F\\u007F-\\u009F\\uD800-\\uDFFF\\uFDD0-\\uFDEF\\uFFFE\\uFFFF\\u202A-\\u202E\\u2066-\\u2069';
const NAME_CHARACTERS = new RegExp(`^[^${FORBIDDEN_IN_NAMES}]*$`, 'u');

function nameSchema(label: string) {
  return (
    z
      .string({ error: STRING_ERROR })
      .trim()
      .min(1, { error: 'must not be empty' })
      .max(NAME_MAX, { error: `must be at most ${NAME_MAX} characters` })
      .regex(NAME_CHARACTERS, {
        error: 'must not contain control characters or bidirectional overrides',
      })
      // Stryker disable next-line StringLiteral: documentation, checked in generated-docs.test.ts
      .describe(`${label}, 1-${NAME_MAX} characters after trimming.`)
  );
}

export const FirstNameSchema = nameSchema('First name');
export const LastNameSchema = nameSchema('Last name');

/** bcrypt's own limit: bytes past 72 are ignored, so we refuse them instead. */
export const PASSWORD_MIN_BYTES = 8;
export const PASSWORD_MAX_BYTES = 72;

export const PasswordSchema = z
  .string({ error: STRING_ERROR })
  // A string longer than 72 characters is longer than 72 bytes: refuse it before counting.
  .max(PASSWORD_MAX_BYTES, { error: `must be at most ${PASSWORD_MAX_BYTES} bytes` })
  .check((ctx) => {
    const bytes = Buffer.byteLength(ctx.value, 'utf8');
    if (bytes < PASSWORD_MIN_BYTES || bytes > PASSWORD_MAX_BYTES) {
      ctx.issues.push({
        code: 'custom',
        input: ctx.value,
        message: `must be ${PASSWORD_MIN_BYTES}-${PASSWORD_MAX_BYTES} bytes in UTF-8 (bcrypt's limit), got ${bytes}`,
      });
    }
  })
  .describe(
    // Stryker disable next-line StringLiteral: documentation, checked in generated-docs.test.ts
    `Plaintext password, ${PASSWORD_MIN_BYTES}-${PASSWORD_MAX_BYTES} UTF-8 bytes. Hashed in the API; never stored or queued.`,
  );

/**
 * Cost 04-15, the range BCRYPT_COST allows: a hash of cost 31 is valid bcrypt, but checking
 * a password against it takes days, which would make any future login a denial-of-service
 * lever for whoever can publish a command.
 */
export const BCRYPT_HASH_PATTERN = /^\$2[aby]\$(0[4-9]|1[0-5])\$[./A-Za-z0-9]{53}$/;

export const PasswordHashSchema = z
  .string({ error: STRING_ERROR })
  .regex(BCRYPT_HASH_PATTERN, { error: 'must be a bcrypt hash ($2a$, $2b$ or $2y$, cost 04-15)' })
  // Stryker disable next-line StringLiteral: documentation, checked in generated-docs.test.ts
  .describe('bcrypt hash of the password (never the plaintext).');

/** Also used as the SQS deduplication id, hence SQS's length and character limits. */
export const CommandIdSchema = z
  .string({ error: STRING_ERROR })
  .regex(/^[A-Za-z0-9_.:-]{1,128}$/, {
    error: 'must be 1-128 characters of letters, digits, and _ . : -',
  })
  // Stryker disable next-line StringLiteral: documentation, checked in generated-docs.test.ts
  .describe('Idempotency key chosen by the publisher: one command id, one effect.');
