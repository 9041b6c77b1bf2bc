import { z } from 'zod';
import type { CommandState } from '../shared/command-outcome.ts';
import { FAILURE_KINDS, RECORD_STATUSES, type RecordStatus } from '../shared/command-record.ts';
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

/** What a client sees: the ledger's statuses, with the API's own reservation shown as pending. */
const COMMAND_STATES = [
  'pending',
  ...RECORD_STATUSES.filter(
    (status): status is Exclude<RecordStatus, 'accepted'> => status !== 'accepted',
  ),
] as [CommandState, ...CommandState[]];

export const CommandStatusSchema = z.object({
  commandId: z.string(),
  status: z
    .enum(COMMAND_STATES)
    .describe(
      'pending: not processed yet (or never accepted); retrying: an attempt failed transiently; succeeded; rejected: a business rule refused it; invalid: unreadable, dead-lettered; dead-lettered: given up after its last attempt. See docs/command-lifecycle.md.',
    ),
  type: z.string().optional(),
  reason: z.string().optional().describe('Why it was rejected, invalid, retried or given up.'),
  failure: z
    .enum(FAILURE_KINDS)
    .optional()
    .describe('retrying and dead-lettered: the class of the last failure.'),
  attempts: z.number().int().optional().describe('Deliveries of its message so far.'),
  issuedAt: z.string().optional(),
  acceptedAt: z.string().optional(),
  processedAt: z.string().optional(),
  reusedForOtherContent: z
    .boolean()
    .optional()
    .describe(
      'true when other messages reused this command id for other content (they were ignored).',
    ),
});

export const ErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  details: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
});

/** What Node and Fastify answer on the connection, outside any route (408, 431): not our shape. */
export const ClientErrorSchema = z.object({
  error: z.string(),
  message: z.string(),
  statusCode: z.number(),
});

/** An OpenAPI response description: one line per cause, `code: why`. */
export function describeCauses(causes: Record<string, string>): string {
  return Object.entries(causes)
    .map(([code, why]) => `- \`${code}\`: ${why}`)
    .join('\n');
}

/** An error answer of a route, with the causes the OpenAPI document lists for it. */
export function errorResponse(causes: Record<string, string>) {
  return ErrorSchema.describe(describeCauses(causes));
}

export type CommandStatus = z.infer<typeof CommandStatusSchema>;
