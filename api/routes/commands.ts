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

/** States that change only by an operator's hand (a redrive) or not at all. */
const SETTLED = new Set(['succeeded', 'rejected', 'invalid', 'dead-lettered']);

/**
 * Where a command stands, read from its record in the ledger. Without a record the honest
 * answer is "pending": the API cannot tell a command still in the queue from one it never
 * saw. `?waitSeconds=` waits until the command settles, and answers with the latest state.
 */
export const commandRoutes: FastifyPluginAsync<AppDependencies> = async (app, deps) => {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/commands/:commandId',
    {
      schema: {
        summary: 'Where a command stands; ?waitSeconds= waits until it settles',
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
      let status: CommandStatus;
      for (;;) {
        const record = await deps.ledger.get(commandId);
        status = record ? toStatus(record) : { commandId, status: 'pending' };
        if (SETTLED.has(status.status)) return status;
        // Stop early if the client went away.
        if (Date.now() >= deadline || request.raw.socket.destroyed) break;
        await sleep(Math.min(pause, Math.max(0, deadline - Date.now())));
        pause = Math.min(pause * 1.5, 250);
      }
      reply.header('retry-after', '1');
      return status;
    },
  );
};

function toStatus(record: CommandRecord): CommandStatus {
  return {
    commandId: record.commandId,
    // A reservation of the API's is still "pending" to its client: queued, not processed.
    status: record.status === 'accepted' ? 'pending' : record.status,
    type: record.type,
    reason: record.reason,
    failure: record.failure,
    attempts: record.attempts,
    issuedAt: record.issuedAt,
    acceptedAt: record.acceptedAt,
    processedAt: record.processedAt,
    ...(record.conflictingFingerprints?.size ? { reusedForOtherContent: true } : {}),
  };
}
