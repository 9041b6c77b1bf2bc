import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppDependencies } from '../app-dependencies.ts';
import type { CommandRequest } from '../command-intake.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import {
  AcceptedSchema,
  CreateUserBodySchema,
  EmailParamsSchema,
  ErrorSchema,
  errorResponse,
  IdempotencyHeadersSchema,
  ListUsersQuerySchema,
  UpdateUserBodySchema,
  UserPageSchema,
  UserSchema,
} from '../http-schemas.ts';
import type { HeaderDoc } from '../openapi.ts';
import { InvalidCursorError } from '../user-read-repository.ts';

/** A password to hash (create, update with one) can also wait for the hashing threads. */
function commandResponses(options: { password: boolean }) {
  const hashing = 'a password to hash, and';
  return {
    202: AcceptedSchema.describe(
      'Accepted: the command is on the queue (or, with a repeated Idempotency-Key, already was); its outcome is at Location.',
    ),
    400: ErrorSchema,
    422: errorResponse({
      IDEMPOTENCY_KEY_REUSED:
        'this Idempotency-Key already stands for a request with other content; nothing was queued.',
    }),
    ...(options.password && {
      429: errorResponse({
        TOO_MANY_PENDING: `${hashing} this client already has HASH_QUEUE_PER_CLIENT passwords being hashed or waiting.`,
      }),
    }),
    503: errorResponse({
      QUEUE_UNAVAILABLE: 'SQS cannot be reached; the command was not accepted.',
      LEDGER_UNAVAILABLE:
        'with an Idempotency-Key: the ledger cannot be reached to reserve it; nothing was queued.',
      ...(options.password && {
        HASHING_BUSY: `${hashing} every hashing thread is busy with HASH_QUEUE_MAX more waiting.`,
      }),
    }),
  };
}

const commandHeaders: Record<number, Record<string, HeaderDoc>> = {
  202: {
    location: {
      type: 'string',
      description: 'Where the command’s outcome can be read: `/commands/{commandId}`.',
    },
  },
};

export const userRoutes: FastifyPluginAsync<AppDependencies> = async (app, deps) => {
  const route = app.withTypeProvider<ZodTypeProvider>();

  async function accept(
    reply: FastifyReply,
    client: string,
    request: Omit<CommandRequest, 'client'>,
  ) {
    const commandId = await deps.commands.submit({ ...request, client } as CommandRequest);
    deps.metrics.commandAccepted(request.type);
    reply.code(202).header('location', `/commands/${encodeURIComponent(commandId)}`);
    return { commandId, status: 'accepted' as const };
  }

  route.post(
    '/users',
    {
      schema: {
        operationId: 'createUser',
        summary: 'Create a user (asynchronously)',
        tags: ['users'],
        headers: IdempotencyHeadersSchema,
        body: CreateUserBodySchema,
        response: commandResponses({ password: true }),
        responseHeaders: commandHeaders,
      },
    },
    async (request, reply) => {
      const { password, ...user } = request.body;
      return accept(reply, request.ip, {
        type: 'user.create',
        payload: user,
        password,
        idempotencyKey: request.headers['idempotency-key'],
      });
    },
  );

  route.patch(
    '/users/:email',
    {
      schema: {
        operationId: 'updateUser',
        summary: 'Update a user’s names or password (asynchronously)',
        tags: ['users'],
        headers: IdempotencyHeadersSchema,
        params: EmailParamsSchema,
        body: UpdateUserBodySchema,
        response: commandResponses({ password: true }),
        responseHeaders: commandHeaders,
      },
    },
    async (request, reply) => {
      const { password, firstName, lastName } = request.body;
      return accept(reply, request.ip, {
        type: 'user.update',
        payload: { emailAddress: request.params.email, firstName, lastName },
        password,
        idempotencyKey: request.headers['idempotency-key'],
      });
    },
  );

  route.delete(
    '/users/:email',
    {
      schema: {
        operationId: 'deleteUser',
        summary: 'Delete a user (asynchronously)',
        tags: ['users'],
        headers: IdempotencyHeadersSchema,
        params: EmailParamsSchema,
        response: commandResponses({ password: false }),
        responseHeaders: commandHeaders,
      },
    },
    async (request, reply) =>
      accept(reply, request.ip, {
        type: 'user.delete',
        payload: { emailAddress: request.params.email },
        idempotencyKey: request.headers['idempotency-key'],
      }),
  );

  route.get(
    '/users/:email',
    {
      config: { access: 'read' },
      schema: {
        operationId: 'getUser',
        summary: 'Read one user',
        tags: ['users'],
        params: EmailParamsSchema,
        response: {
          200: UserSchema.describe('The user, without its password hash.'),
          404: errorResponse({
            NOT_FOUND: 'no user has this email (yet: commands are applied asynchronously).',
          }),
        },
      },
    },
    async (request) => {
      const user = await deps.reads.getUser(request.params.email);
      // Not the email itself: error messages end up in traces and logs, the address must not.
      if (!user) throw new NotFoundError('No user has this email');
      return user;
    },
  );

  route.get(
    '/users',
    {
      config: { access: 'read' },
      schema: {
        operationId: 'listUsers',
        summary: 'List users, a page at a time',
        tags: ['users'],
        querystring: ListUsersQuerySchema,
        response: {
          200: UserPageSchema.describe('A page of users; nextCursor is null on the last one.'),
          400: ErrorSchema,
        },
      },
    },
    async (request) => {
      try {
        return await deps.reads.listUsers(request.query.limit, request.query.cursor);
      } catch (error) {
        if (error instanceof InvalidCursorError) {
          throw new ValidationError('querystring.cursor: not a cursor this API issued', [
            { field: 'querystring.cursor', message: 'not a cursor this API issued' },
          ]);
        }
        throw error;
      }
    },
  );
};
