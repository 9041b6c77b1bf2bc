import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Logger } from '../shared/logger.ts';
import { AccessLog } from './access-log.ts';
import type { AppDependencies } from './app-dependencies.ts';
import { type ErrorBody, registerErrorHandling } from './errors.ts';
import { registerGracefulClose } from './graceful-close.ts';
import { countRequests } from './metrics.ts';
import { describeOperation, SECURITY_SCHEMES } from './openapi.ts';
import { commandRoutes } from './routes/commands.ts';
import { contractRoutes } from './routes/contract.ts';
import { healthRoutes } from './routes/health.ts';
import { operationsRoutes } from './routes/operations.ts';
import { userRoutes } from './routes/users.ts';
import { securityHeaders, webPage } from './routes/web.ts';
import { asPublic, security } from './security.ts';

export const API_VERSION = '1.0.0';

/**
 * Builds the app from its dependencies; never listens (main.ts does), so tests can
 * `inject` into it. OpenAPI and the docs page come from the same zod schemas as validation.
 */
export async function buildApp(deps: AppDependencies, log: Logger): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    logController: new AccessLog(),
    bodyLimit: deps.settings.bodyLimitBytes,
    // A client that drips its request holds a connection (and a file descriptor): bound it.
    // Node answers 408 and closes once the whole request has not arrived in time, checking
    // every second rather than its default 30.
    requestTimeout: deps.settings.requestTimeoutSeconds * 1000,
    trustProxy: deps.settings.trustProxy,
    keepAliveTimeout: deps.settings.keepAliveTimeoutSeconds * 1000,
    http: {
      headersTimeout: deps.settings.headersTimeoutSeconds * 1000,
      connectionsCheckingInterval: 1000,
    },
    // Emails in paths can be long; keep Fastify's default otherwise.
    routerOptions: { maxParamLength: 300 },
    // Our own 503 while closing (graceful-close.ts), in our error shape.
    return503OnClosing: false,
    // A path the router cannot even decode (`/users/%zz`) is the caller's error, in our shape.
    frameworkErrors: (error, _request, reply: FastifyReply) => {
      reply.code(400).send({ code: 'BAD_URL', message: error.message } satisfies ErrorBody);
    },
  });
  // JSON only: any other body type is a 415, not a confusing validation error.
  app.removeContentTypeParser('text/plain');
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.server.maxConnections = deps.settings.maxConnections;
  registerErrorHandling(app);
  registerGracefulClose(app);
  countRequests(app, deps.metrics);
  // First: it sees every route registered after it, and denies what does not opt out.
  await app.register(security, deps.security);
  await app.register(securityHeaders);
  await app.register(asPublic(webPage));

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'User service',
        description:
          'Event-driven user service: commands are accepted (202) and applied by a worker; reads go straight to DynamoDB.',
        version: API_VERSION,
        // No license: package.json declares none.
      },
      servers: [{ url: '/', description: 'The server this document comes from' }],
      tags: [
        {
          name: 'users',
          description: 'Create, update and delete users (commands), and read them.',
        },
        { name: 'commands', description: 'Where a command stands, and its outcome.' },
        { name: 'health', description: 'Liveness and readiness, for orchestrators.' },
        {
          name: 'contract',
          description: 'The queue contract, for services that publish commands straight to SQS.',
        },
      ],
      components: { securitySchemes: SECURITY_SCHEMES },
    },
    // Security and the shared answers (401, 429, 503, ...) come from each route's access.
    transform: describeOperation,
  });
  await app.register(asPublic(swaggerUi), { routePrefix: '/docs' });
  await app.register(contractRoutes);

  await app.register(healthRoutes, deps);
  await app.register(userRoutes, deps);
  await app.register(commandRoutes, deps);
  await app.register(operationsRoutes, deps);
  return app;
}
