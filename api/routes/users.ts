import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { CommandRequest } from '../command-intake.ts';
import type { AppDependencies } from '../dependencies.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import {
  AcceptedSchema,
  CreateUserBodySchema,
  EmailParamsSchema,
  ErrorSchema,
  IdempotencyHeadersSchema,
  ListUsersQuerySchema,
  UpdateUserBodySchema,
  UserPageSchema,
  UserSchema,
} from '../http-schemas.ts';
import { InvalidCursorError } from '../user-read-repository.ts';

const commandResponses = {
  202: AcceptedSchema,
  400: ErrorSchema,
  422: ErrorSchema,
  503: ErrorSchema,
};

/**
 * Commands (POST, PATCH, DELETE) are validated, turned into queue messages and answered
 * 202 once SQS holds them; the worker applies them. Reads go straight to the table.
 */
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
        summary: 'Create a user (asynchronously)',
        tags: ['users'],
        headers: IdempotencyHeadersSchema,
        body: CreateUserBodySchema,
        response: commandResponses,
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
        summary: 'Update a user’s names or password (asynchronously)',
        tags: ['users'],
        headers: IdempotencyHeadersSchema,
        params: EmailParamsSchema,
        body: UpdateUserBodySchema,
        response: commandResponses,
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
        summary: 'Delete a user (asynchronously)',
        tags: ['users'],
        headers: IdempotencyHeadersSchema,
        params: EmailParamsSchema,
        response: commandResponses,
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
        summary: 'Read one user',
        tags: ['users'],
        params: EmailParamsSchema,
        response: { 200: UserSchema, 404: ErrorSchema },
      },
    },
    async (request) => {
      const user = await deps.reads.getUser(request.params.email);
      if (!user) throw new NotFoundError(`No user with email ${request.params.email}`);
      return user;
    },
  );

  route.get(
    '/users',
    {
      config: { access: 'read' },
      schema: {
        summary: 'List users, a page at a time',
        tags: ['users'],
        querystring: ListUsersQuerySchema,
        response: { 200: UserPageSchema, 400: ErrorSchema },
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
