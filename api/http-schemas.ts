import { z } from 'zod';
import {
  CommandIdSchema,
  EmailAddressSchema,
  FirstNameSchema,
  LastNameSchema,
  PasswordSchema,
} from '../shared/contract/fields.ts';

/** HTTP shapes. Field rules come from shared/contract, so the API and the queue agree. */

export const CreateUserBodySchema = z.strictObject({
  firstName: FirstNameSchema,
  lastName: LastNameSchema,
  emailAddress: EmailAddressSchema,
  password: PasswordSchema,
});

export const UpdateUserBodySchema = z
  .strictObject({
    firstName: FirstNameSchema.optional(),
    lastName: LastNameSchema.optional(),
    password: PasswordSchema.optional(),
  })
  .refine(
    (body) =>
      body.firstName !== undefined || body.lastName !== undefined || body.password !== undefined,
    { error: 'give at least one of firstName, lastName, password (the email cannot change)' },
  );

export const EmailParamsSchema = z.object({ email: EmailAddressSchema });

export const IdempotencyHeadersSchema = z.object({
  'idempotency-key': CommandIdSchema.optional().describe(
    'Becomes the command id: repeating a request with the same key has one effect.',
  ),
});

export const AcceptedSchema = z.object({
  commandId: CommandIdSchema,
  status: z.literal('accepted'),
});

export const UserSchema = z.object({
  emailAddress: z.string(),
  firstName: z.string(),
  lastName: z.string(),
  dateCreated: z.string(),
  dateUpdated: z.string(),
});

export const ListUsersQuerySchema = z.object({
  limit: z.coerce
    .number({ error: 'must be a number' })
    .int({ error: 'must be a whole number' })
    .min(1, { error: 'must be at least 1' })
    .max(100, { error: 'must be at most 100' })
    .default(25),
  cursor: z.string().max(2048).optional().describe('nextCursor from the previous page.'),
});

export const UserPageSchema = z.object({
  items: z.array(UserSchema),
  nextCursor: z.string().nullable(),
});

export const CommandParamsSchema = z.object({ commandId: CommandIdSchema });

export function commandQuerySchema(maxWaitSeconds: number) {
  return z.object({
    waitSeconds: z.coerce
      .number({ error: 'must be a number' })
      .min(0, { error: 'must be at least 0' })
      .max(maxWaitSeconds, { error: `must be at most ${maxWaitSeconds}` })
      .default(0)
      .describe('Wait up to this many seconds for the outcome instead of polling.'),
  });
}

export const CommandStatusSchema = z.object({
  commandId: z.string(),
  status: z.enum(['pending', 'succeeded', 'rejected']),
  type: z.string().optional(),
  reason: z.string().optional(),
  issuedAt: z.string().optional(),
  processedAt: z.string().optional(),
});

export const ErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  details: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
});

export type CommandStatus = z.infer<typeof CommandStatusSchema>;
