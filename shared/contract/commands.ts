import { createHash } from 'node:crypto';
import { z } from 'zod';
import {
  CommandIdSchema,
  EmailAddressSchema,
  FirstNameSchema,
  LastNameSchema,
  PasswordHashSchema,
  UNKNOWN_FIELDS_ERROR,
} from './fields.ts';

/**
 * The message contract of the command queue: a public API. Other services publish these
 * straight to SQS, so every change is versioned (`schemaVersion`) and the JSON Schema in
 * docs/ is generated from here (`npm run docs`).
 */
export const SCHEMA_VERSION = 1;

export const COMMAND_TYPES = ['user.create', 'user.update', 'user.delete'] as const;
export type CommandType = (typeof COMMAND_TYPES)[number];

const strict = { error: UNKNOWN_FIELDS_ERROR };

export const CreateUserPayloadSchema = z.strictObject(
  {
    emailAddress: EmailAddressSchema,
    firstName: FirstNameSchema,
    lastName: LastNameSchema,
    passwordHash: PasswordHashSchema,
  },
  strict,
);

export const UpdateUserPayloadSchema = z
  .strictObject(
    {
      emailAddress: EmailAddressSchema,
      firstName: FirstNameSchema.optional(),
      lastName: LastNameSchema.optional(),
      passwordHash: PasswordHashSchema.optional(),
    },
    strict,
  )
  .refine(
    (payload) =>
      payload.firstName !== undefined ||
      payload.lastName !== undefined ||
      payload.passwordHash !== undefined,
    { error: 'must change at least one of firstName, lastName, passwordHash' },
  );

export const DeleteUserPayloadSchema = z.strictObject({ emailAddress: EmailAddressSchema }, strict);

const envelope = {
  schemaVersion: z.literal(SCHEMA_VERSION, {
    error: (issue) =>
      issue.input === undefined
        ? `is required: the contract version the message follows (this worker reads ${SCHEMA_VERSION})`
        : `must be ${SCHEMA_VERSION}: this worker reads schema version ${SCHEMA_VERSION} only`,
  }),
  commandId: CommandIdSchema,
  issuedAt: z.iso
    .datetime({ offset: true, error: 'must be an ISO 8601 date-time, e.g. 2026-01-31T12:00:00Z' })
    // Stryker disable next-line StringLiteral: documentation, checked in generated-docs.test.ts
    .describe('When the command was issued; becomes dateCreated/dateUpdated.'),
};

export const CreateUserCommandSchema = z.strictObject(
  { ...envelope, type: z.literal('user.create'), payload: CreateUserPayloadSchema },
  strict,
);
export const UpdateUserCommandSchema = z.strictObject(
  { ...envelope, type: z.literal('user.update'), payload: UpdateUserPayloadSchema },
  strict,
);
export const DeleteUserCommandSchema = z.strictObject(
  { ...envelope, type: z.literal('user.delete'), payload: DeleteUserPayloadSchema },
  strict,
);

export const UserCommandSchema = z
  .discriminatedUnion(
    'type',
    [CreateUserCommandSchema, UpdateUserCommandSchema, DeleteUserCommandSchema],
    {
      error: (issue) =>
        issue.code === 'invalid_union' ? `must be one of ${COMMAND_TYPES.join(', ')}` : undefined,
    },
  )
  // Stryker disable next-line StringLiteral: documentation, checked in generated-docs.test.ts
  .describe('A command on the user-commands.fifo queue.');

export type CreateUserPayload = z.infer<typeof CreateUserPayloadSchema>;
export type UpdateUserPayload = z.infer<typeof UpdateUserPayloadSchema>;
export type DeleteUserPayload = z.infer<typeof DeleteUserPayloadSchema>;
export type CreateUserCommand = z.infer<typeof CreateUserCommandSchema>;
export type UpdateUserCommand = z.infer<typeof UpdateUserCommandSchema>;
export type DeleteUserCommand = z.infer<typeof DeleteUserCommandSchema>;
export type UserCommand = z.infer<typeof UserCommandSchema>;

/**
 * The SQS MessageGroupId of a user's commands: hex SHA-256 of the normalized email.
 * One group per user gives per-user order; hashing fits SQS's 128-character limit
 * (emails may have 254) and keeps the address out of queue metadata.
 */
export function messageGroupIdFor(emailAddress: string): string {
  return createHash('sha256').update(emailAddress).digest('hex');
}
