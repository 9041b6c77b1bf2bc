import { createHash, timingSafeEqual } from 'node:crypto';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from './errors.ts';

export interface SecuritySettings {
  /** When set, mutating routes (and reads, with protectReads) need `Authorization: Bearer <token>`. */
  apiToken: string | undefined;
  protectReads: boolean;
  /** Mutating requests per client per window; 0 turns rate limiting off. */
  rateLimitMax: number;
  rateLimitWindowSeconds: number;
  /** Origins allowed to call the API from a browser elsewhere; empty means CORS stays off. */
  corsOrigins: string[];
}

export class UnauthorizedError extends AppError {
  constructor(message: string) {
    super('UNAUTHORIZED', 401, message);
  }
}

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Reads of data; health, readiness, the page and the docs stay open. */
const PROTECTABLE_READS = /^\/(users|commands|metrics)(\/|\?|$)/;

function isMutating(request: FastifyRequest): boolean {
  return !READ_METHODS.has(request.method);
}

/** Compares digests, so neither the token's content nor its length leaks through timing. */
function tokenMatches(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

const securityPlugin: FastifyPluginAsync<SecuritySettings> = async (app, settings) => {
  if (settings.corsOrigins.length > 0) {
    await app.register(cors, {
      origin: settings.corsOrigins,
      allowedHeaders: ['content-type', 'authorization', 'idempotency-key'],
    });
  }
  if (settings.rateLimitMax > 0) {
    await app.register(rateLimit, {
      max: settings.rateLimitMax,
      timeWindow: settings.rateLimitWindowSeconds * 1000,
      allowList: (request) => !isMutating(request),
      errorResponseBuilder: (_request, context) =>
        new AppError(
          'RATE_LIMITED',
          429,
          `Too many commands: at most ${context.max} per ${context.after}. Retry after the time in Retry-After.`,
        ),
    });
  }
  const { apiToken } = settings;
  if (apiToken) {
    app.addHook('onRequest', async (request, reply) => {
      const path = request.url;
      const needsToken =
        isMutating(request) || (settings.protectReads && PROTECTABLE_READS.test(path));
      if (!needsToken) return;
      const header = request.headers.authorization ?? '';
      const [scheme, token] = header.split(' ');
      if (scheme?.toLowerCase() !== 'bearer' || !token || !tokenMatches(token, apiToken)) {
        reply.header('www-authenticate', 'Bearer');
        throw new UnauthorizedError(
          'A valid bearer token is required: Authorization: Bearer <API_TOKEN>',
        );
      }
    });
  }
};

export const security = fp(securityPlugin, { name: 'security', fastify: '5.x' });
