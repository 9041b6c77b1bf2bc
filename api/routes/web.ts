import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import helmet from 'helmet';

const PUBLIC_DIR = fileURLToPath(new URL('../../public/', import.meta.url));

/** Wrapped with fastify-plugin, so the hook covers the whole app, /docs and the JSON routes too. */
const securityHeadersPlugin: FastifyPluginAsync = async (app) => {
  // helmet itself, built once: @fastify/helmet rebuilds the middleware (and re-parses the
  // CSP) on every request, a measurable share of a read's CPU.
  const securityHeaders = helmet({
    contentSecurityPolicy: {
      directives: {
        // Scripts come only from our own files: no inline code, no other hosts. Inline
        // styles stay allowed (helmet's default, minus other hosts): Swagger UI at /docs
        // applies some, and a style cannot run code.
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        // The service is reached over plain HTTP locally and in compose; upgrading the
        // page's own requests to https there would break it.
        upgradeInsecureRequests: null,
      },
    },
  });
  app.addHook('onRequest', (request, reply, done) =>
    securityHeaders(request.raw, reply.raw, (err) => done(err instanceof Error ? err : undefined)),
  );
};

export const securityHeaders = fp(securityHeadersPlugin, {
  name: 'security-headers',
  fastify: '5.x',
});

export const webPage: FastifyPluginAsync = async (app) => {
  // wildcard: false serves the files present at start-up as routes of their own, so unknown
  // paths still reach the API's JSON not-found handler instead of a catch-all.
  await app.register(fastifyStatic, {
    root: PUBLIC_DIR,
    prefix: '/',
    wildcard: false,
    decorateReply: false,
  });
};
