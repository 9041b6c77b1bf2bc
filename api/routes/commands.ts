import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { commandStatusOf } from '../../shared/command-outcome.ts';
import { isSettled } from '../../shared/command-record.ts';
import type { AppDependencies } from '../app-dependencies.ts';
import {
  CommandParamsSchema,
  CommandStatusSchema,
  commandQuerySchema,
  ErrorSchema,
  errorResponse,
} from '../http-schemas.ts';

/**
 * Where a command stands, read from its record in the ledger. Without a record the honest
 * answer is "pending": the API cannot tell a command still in the queue from one it never
 * saw. `?waitSeconds=` waits until the command settles (command-waiters.ts: all waiting
 * requests of the process share batched reads), and answers with the latest state.
 */
export const commandRoutes: FastifyPluginAsync<AppDependencies> = async (app, deps) => {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/commands/:commandId',
    {
      config: { access: 'read' },
      schema: {
        operationId: 'getCommand',
        summary: 'Where a command stands; ?waitSeconds= waits until it settles',
        tags: ['commands'],
        params: CommandParamsSchema,
        querystring: commandQuerySchema(deps.settings.commandWaitMaxSeconds),
        response: {
          200: CommandStatusSchema.describe(
            'Where the command stands; `pending` also for a command this API never saw.',
          ),
          400: ErrorSchema,
          429: errorResponse({
            TOO_MANY_WAITS:
              'with waitSeconds: this client already has COMMAND_WAITERS_PER_CLIENT requests waiting.',
          }),
        },
        responseHeaders: {
          200: {
            'retry-after': {
              type: 'integer',
              description:
                '`1` while the command has not settled (pending, retrying): ask again then.',
            },
          },
        },
      },
    },
    async (request, reply) => {
      const { commandId } = request.params;
      const { waitSeconds } = request.query;
      const record =
        waitSeconds === 0
          ? await deps.ledger.get(commandId)
          : await deps.waiters.waitFor(commandId, {
              client: request.ip,
              deadline: performance.now() + waitSeconds * 1000,
              gone: () => request.raw.socket.destroyed,
            });
      const status = commandStatusOf(commandId, record);
      if (!isSettled(status.status)) reply.header('retry-after', '1');
      return status;
    },
  );
};
