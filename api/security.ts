import { createHash, timingSafeEqual } from 'node:crypto';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import type {
  FastifyInstance,
  FastifyPluginAsync,
  FastifyPluginCallback,
  FastifyPluginOptions,
  FastifyRequest,
  RouteOptions,
} from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from './errors.ts';

/**
 * Who may call a route, declared on the route (`config: { access }`), never inferred from
 * the URL text: `public` (the page, docs, health), `read` (data; needs the token with
 * PROTECT_READS), anything else a command (needs the token whenever API_TOKEN is set).
 * A route that says nothing is a command: deny by default.
 */
export type Access = 'public' | 'read' | 'command';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyInstance {
    /** Every route and the access it was registered with, for tests and the OpenAPI document. */
    accessPolicy(): { method: string; url: string; access: Access }[];
  }
}

export interface SecuritySettings {
  /** When set, commands (and reads, with protectReads) need `Authorization: Bearer <token>`. */
  apiToken: string | undefined;
  protectReads: boolean;
  /** Requests per client per window, commands and reads counted apart; 0: no limit. */
  rateLimitMax: number;
  readRateLimitMax: number;
  rateLimitWindowSeconds: number;
  /** Origins allowed to call the API from a browser elsewhere; empty means CORS stays off. */
  corsOrigins: string[];
}

export class UnauthorizedError extends AppError {
  constructor() {
    super(
      'UNAUTHORIZED',
      401,
      'A valid bearer token is required: Authorization: Bearer <API_TOKEN>',
    );
  }
}

/** RFC 6750: the scheme, one space, a b64token, and nothing else. */
const BEARER = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i;

/** Compares digests, so neither the token's content nor its length leaks through timing. */
function tokenMatches(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** The access a request's matched route declared; an unmatched request (a 404) reads nothing. */
export function accessOf(request: FastifyRequest): Access {
  if (request.is404) return 'public';
  return request.routeOptions.config.access ?? 'command';
}

function needsToken(access: Access, settings: SecuritySettings): boolean {
  return access === 'command' || (access === 'read' && settings.protectReads);
}

const securityPlugin: FastifyPluginAsync<SecuritySettings> = async (app, settings) => {
  recordAccessPolicy(app);
  if (settings.corsOrigins.length > 0) {
    await app.register(cors, {
      origin: settings.corsOrigins,
      allowedHeaders: ['content-type', 'authorization', 'idempotency-key'],
    });
  }
  const limits: Record<Access, number> = {
    public: 0,
    read: settings.readRateLimitMax,
    command: settings.rateLimitMax,
  };
  if (limits.read > 0 || limits.command > 0) {
    await app.register(rateLimit, {
      // Commands and reads are counted apart: a client reading hard keeps its commands.
      keyGenerator: (request) => `${request.ip}|${accessOf(request)}`,
      max: (request) => limits[accessOf(request)],
      timeWindow: settings.rateLimitWindowSeconds * 1000,
      allowList: (request) => limits[accessOf(request)] === 0,
      errorResponseBuilder: (request, context) =>
        new AppError(
          'RATE_LIMITED',
          429,
          `Too many ${accessOf(request) === 'read' ? 'reads' : 'commands'}: at most ${context.max} per ${context.after}. Retry after the time in Retry-After.`,
        ),
    });
  }
  const { apiToken } = settings;
  if (apiToken) {
    app.addHook('onRequest', async (request, reply) => {
      if (!needsToken(accessOf(request), settings)) return;
      const token = BEARER.exec(request.headers.authorization ?? '')?.[1];
      if (token === undefined || !tokenMatches(token, apiToken)) {
        reply.header('www-authenticate', 'Bearer');
        throw new UnauthorizedError();
      }
    });
  }
};

/** Preflight requests (OPTIONS) carry no credentials and return no data, so they are public. */
function recordAccessPolicy(app: FastifyInstance) {
  // The route options themselves: hooks of inner scopes (asPublic) still set access after
  // this one has run, so it is read when asked.
  const routes: RouteOptions[] = [];
  app.addHook('onRoute', (route) => {
    const methods = [route.method].flat();
    if (methods.every((method) => method === 'OPTIONS')) {
      route.config = { ...route.config, access: 'public' };
    }
    routes.push(route);
  });
  app.decorate('accessPolicy', () =>
    routes.flatMap((route) =>
      [route.method].flat().map((method) => ({
        method,
        url: route.url,
        access: route.config?.access ?? ('command' as const),
      })),
    ),
  );
}

export function asPublic<Options extends FastifyPluginOptions>(
  plugin: FastifyPluginAsync<Options> | FastifyPluginCallback<Options>,
): FastifyPluginAsync<Options> {
  return async (app, options) => {
    app.addHook('onRoute', (route) => {
      route.config = { ...route.config, access: 'public' };
    });
    await app.register(plugin as FastifyPluginAsync<Options>, options);
  };
}

export const security = fp(securityPlugin, { name: 'security', fastify: '5.x' });
