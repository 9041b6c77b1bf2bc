import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { checkReadiness } from '../../shared/readiness.ts';
import type { AppDependencies } from '../app-dependencies.ts';
import { describeCauses, ErrorSchema } from '../http-schemas.ts';

const ReadySchema = z.object({
  status: z.enum(['ready', 'not ready']),
  checks: z.record(z.string(), z.object({ ok: z.boolean(), error: z.string().optional() })),
});

export const healthRoutes: FastifyPluginAsync<AppDependencies> = async (app, deps) => {
  const route = app.withTypeProvider<ZodTypeProvider>();
  route.get(
    '/health',
    {
      config: { access: 'public' },
      schema: {
        operationId: 'getHealth',
        summary: 'Liveness: the process is up',
        tags: ['health'],
        response: { 200: z.object({ status: z.literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );
  route.get(
    '/metrics',
    { config: { access: 'read' }, schema: { tags: ['health'], hide: true } },
    async (_request, reply) => {
      reply.type(deps.metrics.registry.contentType);
      return deps.metrics.render();
    },
  );
  route.get(
    '/ready',
    {
      config: { access: 'public' },
      schema: {
        operationId: 'getReadiness',
        summary: 'Readiness: SQS and DynamoDB can be reached right now',
        tags: ['health'],
        response: {
          200: ReadySchema.describe('Ready: every check passed.'),
          // A shutdown answers every route in the error shape, this one too.
          503: z
            .union([ReadySchema, ErrorSchema])
            .describe(describeCauses({ 'not ready': 'a check failed; `checks` says which.' })),
        },
        responseHeaders: {
          503: { 'retry-after': { type: 'integer', description: 'With SHUTTING_DOWN only.' } },
        },
      },
    },
    async (_request, reply) => {
      const { ready, checks } = await checkReadiness(deps.readinessChecks);
      reply.code(ready ? 200 : 503);
      return {
        status: ready ? ('ready' as const) : ('not ready' as const),
        checks,
      };
    },
  );
};
