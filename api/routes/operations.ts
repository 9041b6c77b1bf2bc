import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AppDependencies } from '../app-dependencies.ts';
import { errorResponse, OperationsSchema } from '../http-schemas.ts';

/**
 * The Operations panel's figures (api/operations.ts): the queues' backlog and the recorded
 * dead letters with their reasons. A read like the others (PROTECT_READS covers it, its rate
 * limit counts it); every process reads SQS and DynamoDB at most once per cache period.
 */
export const operationsRoutes: FastifyPluginAsync<AppDependencies> = async (app, deps) => {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/operations',
    {
      config: { access: 'read' },
      schema: {
        operationId: 'getOperations',
        summary: 'Backlog of the command and dead-letter queues, and recent dead letters',
        description:
          'Read from SQS queue attributes and the commands table, never by receiving messages; the same figures serve every request for up to 2 seconds (`takenAt` says when they were read). The age of the oldest message is not here: SQS reports it only to CloudWatch (`ApproximateAgeOfOldestMessage`).',
        tags: ['commands'],
        response: {
          200: OperationsSchema,
          503: errorResponse({
            QUEUES_UNAVAILABLE: 'SQS could not report the queues’ counts.',
          }),
        },
      },
    },
    async (_request, reply) => {
      reply.header('cache-control', 'no-store');
      return deps.operations.read();
    },
  );
};
