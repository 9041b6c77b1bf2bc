import { z } from 'zod';
import type { CommandState } from '../shared/command-outcome.ts';
import {
  ATTEMPT_HISTORY_MAX,
  type AttemptOutcome,
  FAILURE_KINDS,
  RECORD_STATUSES,
  type RecordStatus,
} from '../shared/command-record.ts';
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

/** How an attempt of the worker can end: any status but the API's reservation. */
const ATTEMPT_OUTCOMES = RECORD_STATUSES.filter(
  (status): status is AttemptOutcome => status !== 'accepted',
) as [AttemptOutcome, ...AttemptOutcome[]];

const AttemptSchema = z.object({
  attempt: z
    .number()
    .int()
    .describe('The message’s receive count: 1 is the first attempt of a delivery.'),
  receivedAt: z.string().describe('When the worker began this attempt.'),
  outcome: z.enum(ATTEMPT_OUTCOMES).describe('The status this attempt left the command in.'),
  failure: z
    .enum(FAILURE_KINDS)
    .optional()
    .describe('retrying and dead-lettered: the class of the failure.'),
  recordedAt: z
    .string()
    .describe(
      'When the worker wrote the outcome. For a success, the moment it sent the write: a record cannot hold how long its own write took.',
    ),
});

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
  issuedAt: z
    .string()
    .optional()
    .describe('When its publisher issued it (the command’s own time).'),
  acceptedAt: z
    .string()
    .optional()
    .describe('When the API took it (Idempotency-Key requests only).'),
  queuedAt: z
    .string()
    .optional()
    .describe('When its message was first sent to the command queue, kept across redrives.'),
  firstReceivedAt: z
    .string()
    .optional()
    .describe('When the worker began the first attempt it recorded, across redrives.'),
  lastReceivedAt: z
    .string()
    .optional()
    .describe('When the worker began the latest attempt it recorded.'),
  attemptHistory: z
    .array(AttemptSchema)
    .optional()
    .describe(
      `The recorded attempts of its latest delivery, oldest first, at most ${ATTEMPT_HISTORY_MAX} (a redrive starts a new delivery at attempt 1; an attempt that could not be recorded is missing).`,
    ),
  processedAt: z.string().optional().describe('When the worker last wrote its record.'),
  reusedForOtherContent: z
    .boolean()
    .optional()
    .describe(
      'true when other messages reused this command id for other content (they were ignored).',
    ),
});

const QueueDepthSchema = z.object({
  visible: z.number().int().describe('Messages waiting to be received.'),
  inFlight: z
    .number()
    .int()
    .describe(
      'Messages received and not yet deleted: being worked on, or hidden until their retry.',
    ),
});

const DeadLetterSchema = z.object({
  commandId: z.string(),
  type: z.string().optional().describe('Absent when the message was too broken to tell.'),
  status: z
    .enum(['invalid', 'dead-lettered'])
    .describe('invalid: unreadable, dead-lettered at once; dead-lettered: given up.'),
  reason: z.string().optional().describe('Why, naming fields, never their values.'),
  failure: z.enum(FAILURE_KINDS).optional().describe('dead-lettered: the class of the failure.'),
  attempts: z.number().int().optional(),
  at: z.string().describe('When the worker dead-lettered it.'),
});

export const OperationsSchema = z
  .object({
    takenAt: z.string().describe('When these figures were read.'),
    commandQueue: QueueDepthSchema.describe('SQS’s approximate counts of the command queue.'),
    deadLetterQueue: QueueDepthSchema.describe(
      'SQS’s approximate counts of the dead-letter queue, with letters that carry no recorded reason (moved by SQS’s own redrive policy).',
    ),
    deadLetters: z
      .object({
        since: z.string().describe('Dead letters recorded since then (the queue’s retention).'),
        items: z
          .array(DeadLetterSchema)
          .describe(
            'Newest first: commands whose record stands invalid or dead-lettered (until a redrive is processed).',
          ),
        more: z.boolean().describe('More were recorded than listed.'),
      })
      .describe('Dead letters as the worker recorded them.'),
  })
  .describe('The backlog and the recorded dead letters.');

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
