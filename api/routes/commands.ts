import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { CommandRecord } from '../../shared/command-record.ts';
import type { AppDependencies } from '../dependencies.ts';
import {
  CommandParamsSchema,
  type CommandStatus,
  CommandStatusSchema,
  commandQuerySchema,
  ErrorSchema,
} from '../http-schemas.ts';

/**
 * The outcome of a command, read from the worker's command records. Until the worker has
 * processed it the honest answer is "pending": the API cannot tell a command still in the
 * queue from one it never saw.
 */
export const commandRoutes: FastifyPluginAsync<AppDependencies> = async (app, deps) => {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/commands/:commandId',
    {
      schema: {
        summary: 'Outcome of a command; ?waitSeconds= waits for it',
        tags: ['commands'],
        params: CommandParamsSchema,
        querystring: commandQuerySchema(deps.settings.commandWaitMaxSeconds),
        response: { 200: CommandStatusSchema, 400: ErrorSchema },
      },
    },
    async (request, reply) => {
      const { commandId } = request.params;
      const deadline = Date.now() + request.query.waitSeconds * 1000;
      // Short first pauses: a command at low load is applied within milliseconds.
      let pause = 10;
      for (;;) {
        const record = await deps.reads.getCommandRecord(commandId);
        if (record) return toStatus(record);
        // Stop early if the client went away.
        if (Date.now() >= deadline || request.raw.socket.destroyed) break;
        await sleep(Math.min(pause, Math.max(0, deadline - Date.now())));
        pause = Math.min(pause * 1.5, 250);
      }
      reply.header('retry-after', '1');
      return { commandId, status: 'pending' as const };
    },
  );
};

function toStatus(record: CommandRecord): CommandStatus {
  return {
    commandId: record.commandId,
    status: record.status,
    type: record.type,
    reason: record.reason,
    issuedAt: record.issuedAt,
    processedAt: record.processedAt,
  };
}
