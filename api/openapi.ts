import { STATUS_CODES } from 'node:http';
import type { SwaggerTransform } from '@fastify/swagger';
import type { FastifySchema } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { ClientErrorSchema, describeCauses, ErrorSchema } from './http-schemas.ts';
import type { Access } from './security.ts';

/** A response header as @fastify/swagger reads it from a response schema's `headers`. */
export interface HeaderDoc {
  type: 'string' | 'integer';
  description: string;
}

declare module 'fastify' {
  interface FastifySchema {
    /** Headers a route's own responses carry, by status: for the OpenAPI document only. */
    responseHeaders?: Record<number, Record<string, HeaderDoc>>;
  }
}

export const BEARER_AUTH = 'bearerAuth';

const RETRY_AFTER: HeaderDoc = { type: 'integer', description: 'Seconds to wait before retrying.' };
/** Sent on every answer of a limited route while its limit is not 0 (@fastify/rate-limit). */
const RATE_LIMIT_HEADERS: Record<string, HeaderDoc> = {
  'x-ratelimit-limit': {
    type: 'integer',
    description: 'Requests allowed per window (if limited).',
  },
  'x-ratelimit-remaining': { type: 'integer', description: 'Requests left in this window.' },
  'x-ratelimit-reset': { type: 'integer', description: 'Seconds until the window restarts.' },
};

/** What the document needs to know of a route to tell which shared answers it can give. */
interface RouteTraits {
  access: Access;
  /** Fastify reads a body on these methods, whether or not the route declares one. */
  takesBody: boolean;
  validates: boolean;
  hasParams: boolean;
}

/** Answers that come from the app's shared machinery, not from a route's handler. */
interface SharedResponse {
  status: number;
  schema: z.ZodType;
  causes(route: RouteTraits): Record<string, string>;
  headers?: Record<string, HeaderDoc>;
}

const NONE: Record<string, string> = {};

const tokenNeeded = (access: Access) =>
  access === 'read'
    ? 'only when the server has API_TOKEN set and PROTECT_READS=true'
    : 'whenever the server has API_TOKEN set';

const SHARED_RESPONSES: SharedResponse[] = [
  {
    status: 400,
    schema: ErrorSchema,
    causes: (route) => ({
      ...(route.validates && {
        VALIDATION_FAILED: 'a parameter, header or body field is invalid; `details` names each.',
      }),
      ...(route.hasParams && { BAD_URL: 'the path cannot be decoded (a stray `%`).' }),
      ...(route.takesBody && {
        INVALID_JSON: 'the body is not JSON.',
        INVALID_CONTENT_LENGTH: 'the body is not as long as Content-Length says.',
      }),
    }),
  },
  {
    status: 401,
    schema: ErrorSchema,
    causes: ({ access }) =>
      access === 'public'
        ? NONE
        : { UNAUTHORIZED: `no valid bearer token, needed here ${tokenNeeded(access)}.` },
    headers: { 'www-authenticate': { type: 'string', description: '`Bearer`.' } },
  },
  {
    status: 408,
    schema: ClientErrorSchema,
    causes: () => ({
      'Request Timeout':
        'the whole request did not arrive within HTTP_REQUEST_TIMEOUT_SECONDS (its headers within HTTP_HEADERS_TIMEOUT_SECONDS). Node answers, in its own shape, and closes the connection.',
    }),
  },
  {
    status: 413,
    schema: ErrorSchema,
    causes: ({ takesBody }) =>
      takesBody ? { BODY_TOO_LARGE: 'the body is over BODY_LIMIT_BYTES.' } : NONE,
  },
  {
    status: 415,
    schema: ErrorSchema,
    causes: ({ takesBody }) =>
      takesBody ? { UNSUPPORTED_MEDIA_TYPE: 'a body that is not `application/json`.' } : NONE,
  },
  {
    status: 429,
    schema: ErrorSchema,
    causes: ({ access }) =>
      access === 'public'
        ? NONE
        : {
            RATE_LIMITED:
              access === 'read'
                ? 'this client sent more than READ_RATE_LIMIT_MAX reads (when not 0) in RATE_LIMIT_WINDOW_SECONDS.'
                : 'this client sent more than RATE_LIMIT_MAX commands (when not 0) in RATE_LIMIT_WINDOW_SECONDS.',
          },
    headers: { 'retry-after': RETRY_AFTER, ...RATE_LIMIT_HEADERS },
  },
  {
    status: 431,
    schema: ClientErrorSchema,
    causes: () => ({
      'Request Header Fields Too Large':
        'the headers are over Node’s limit (16 KiB); Node answers, in its own shape.',
    }),
  },
  {
    status: 500,
    schema: ErrorSchema,
    causes: () => ({ INTERNAL: 'an unexpected failure (a bug), logged by the server.' }),
  },
  {
    status: 503,
    schema: ErrorSchema,
    causes: ({ access }) => ({
      SHUTTING_DOWN: 'this server is closing; send the request again.',
      ...(access === 'read' && {
        STORE_UNAVAILABLE: 'DynamoDB cannot answer the read right now (throttled, unreachable).',
      }),
    }),
    headers: { 'retry-after': RETRY_AFTER },
  },
];

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Completes each operation from its route, so a new route cannot be documented wrong: its
 * security from `config.access` (the rule security.ts enforces), and the answers the shared
 * machinery gives (token, rate limit, body parsing, timeouts, shutdown) next to its own.
 */
export const describeOperation: SwaggerTransform = (input) => {
  const schema: FastifySchema = input.schema ?? {};
  if (schema.hide) return jsonSchemaTransform(input);
  const { route } = input;
  // As in security.ts: a route that declares nothing is a command.
  const access = route.config?.access ?? 'command';
  const traits: RouteTraits = {
    access,
    takesBody: [route.method].flat().some((method) => BODY_METHODS.has(method)),
    validates: Boolean(schema.params ?? schema.querystring ?? schema.headers ?? schema.body),
    hasParams: route.url.includes(':'),
  };
  const { responseHeaders = {}, ...rest } = schema;
  const response = { ...(schema.response as Record<number, z.ZodType> | undefined) };
  const shared = new Map<string, SharedResponse>();
  for (const answer of SHARED_RESPONSES) {
    if (Object.keys(answer.causes(traits)).length === 0) continue;
    response[answer.status] ??= answer.schema;
    shared.set(String(answer.status), answer);
  }
  const transformed = jsonSchemaTransform({ ...input, schema: { ...rest, response } });
  const responses = transformed.schema.response as Record<string, Record<string, unknown>>;
  for (const [status, json] of Object.entries(responses)) {
    const answer = shared.get(status);
    const lines = [json.description, answer && describeCauses(answer.causes(traits))];
    delete json.description;
    json['x-response-description'] = lines.filter(Boolean).join('\n') || STATUS_CODES[status];
    const headers = {
      ...(status.startsWith('2') && access !== 'public' && RATE_LIMIT_HEADERS),
      ...answer?.headers,
      ...responseHeaders[Number(status)],
    };
    if (Object.keys(headers).length > 0) json.headers = headers;
  }
  return {
    url: transformed.url,
    schema: {
      ...transformed.schema,
      security: securityOf(access),
      description: [schema.description, tokenSentence(access)].filter(Boolean).join('\n\n'),
    },
  };
};

function securityOf(access: Access): { [scheme: string]: string[] }[] {
  if (access === 'public') return [];
  // An empty requirement makes the token optional: it depends on PROTECT_READS.
  if (access === 'read') return [{}, { [BEARER_AUTH]: [] }];
  return [{ [BEARER_AUTH]: [] }];
}

function tokenSentence(access: Access): string {
  if (access === 'public') return 'Open: no token needed.';
  return `Needs \`Authorization: Bearer <API_TOKEN>\` ${tokenNeeded(access)}.`;
}

/** The token, as the document names it; which operations need it is said on each. */
export const SECURITY_SCHEMES = {
  [BEARER_AUTH]: {
    type: 'http' as const,
    scheme: 'bearer',
    description:
      'The server’s API_TOKEN. Commands need it whenever API_TOKEN is set; reads only with PROTECT_READS=true as well; health, readiness, the page and these docs never.',
  },
};
