import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { checkReadiness } from '../../shared/readiness.ts';
import type { AppDependencies } from '../dependencies.ts';

const ReadySchema = z.object({
  status: z.enum(['ready', 'not ready']),
  checks: z.record(z.string(), z.object({ ok: z.boolean(), error: z.string().optional() })),
});

/**
 * /health: the process is up. /ready: it can reach SQS and DynamoDB right now.
 * /metrics: Prometheus text format, every API process's added up when API_PROCESSES > 1.
 */
export const healthRoutes: FastifyPluginAsync<AppDependencies> = async (app, deps) => {
  const route = app.withTypeProvider<ZodTypeProvider>();
  route.get(
    '/health',
    {
      config: { access: 'public' },
      schema: { tags: ['health'], response: { 200: z.object({ status: z.literal('ok') }) } },
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
      schema: { tags: ['health'], response: { 200: ReadySchema, 503: ReadySchema } },
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
