import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';

export interface ErrorDetail {
  field: string;
  message: string;
}

/** Every error the API answers with on purpose: a stable code, words, an HTTP status. */
export class AppError extends Error {
  readonly code: string;
  readonly statusCode: number;
  readonly details: ErrorDetail[] | undefined;
  /** When set, the answer says when to retry (the Retry-After header). */
  readonly retryAfterSeconds: number | undefined = undefined;

  constructor(
    code: string,
    statusCode: number,
    message: string,
    options: { cause?: unknown; details?: ErrorDetail[] } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.statusCode = statusCode;
    this.details = options.details;
  }
}

export class ValidationError extends AppError {
  constructor(message: string, details: ErrorDetail[], cause?: unknown) {
    super('VALIDATION_FAILED', 400, message, { details, cause });
  }
}

export class NotFoundError extends AppError {
  constructor(message: string) {
    super('NOT_FOUND', 404, message);
  }
}

export class IdempotencyKeyReusedError extends AppError {
  constructor(key: string) {
    super(
      'IDEMPOTENCY_KEY_REUSED',
      422,
      `Idempotency-Key ${key} was already used for a request with other content; nothing was queued. Send a new key for a new command.`,
    );
  }
}

/** A dependency the command needs is out of reach: it was not accepted; retrying is safe. */
export class UnavailableError extends AppError {
  override readonly retryAfterSeconds: number = 5;
}

export class QueueUnavailableError extends UnavailableError {
  constructor(cause: unknown) {
    super(
      'QUEUE_UNAVAILABLE',
      503,
      'The command queue cannot be reached; the command was not accepted. Retry later.',
      { cause },
    );
  }
}

export class StoreUnavailableError extends UnavailableError {
  constructor(cause: unknown) {
    super(
      'STORE_UNAVAILABLE',
      503,
      'The table cannot be read right now; nothing is wrong with the request. Retry later.',
      { cause },
    );
  }
}

/**
 * An error of a DynamoDB read, as the client should see it: a request DynamoDB refuses as
 * malformed is our bug (a 500); anything else (throttling, network, 5xx) is an outage.
 */
export function readFailure(error: unknown): unknown {
  const name = (error as Error)?.name;
  return name === 'ValidationException' || name === 'SerializationException'
    ? error
    : new StoreUnavailableError(error);
}

export class LedgerUnavailableError extends UnavailableError {
  constructor(cause: unknown) {
    super(
      'LEDGER_UNAVAILABLE',
      503,
      'The command ledger cannot be reached to reserve the Idempotency-Key; the command was not accepted. Retry later with the same key.',
      { cause },
    );
  }
}

/** Fastify's own 4xx errors, renamed to stable codes of ours. */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'INVALID_CONTENT_LENGTH',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
};

export interface ErrorBody {
  code: string;
  message: string;
  details?: ErrorDetail[];
}

/**
 * The log level says whose fault it is: a 4xx is the caller's (info), an outage a
 * dependency's (warn, with its cause), and only a bug ours (error).
 */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({
      code: 'ROUTE_NOT_FOUND',
      message: `No route ${request.method} ${request.url.split('?')[0]}`,
    } satisfies ErrorBody);
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const { status, body } = toErrorResponse(error);
    if (error instanceof UnavailableError)
      request.log.warn(
        { err: error, code: body.code },
        'request refused: a dependency is unavailable',
      );
    else if (status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: body.code, status }, 'request refused');
    if (error instanceof AppError && error.retryAfterSeconds !== undefined) {
      reply.header('retry-after', String(error.retryAfterSeconds));
    }
    reply.code(status).send(body);
  });
}

export function toErrorResponse(error: FastifyError): { status: number; body: ErrorBody } {
  if (hasZodFastifySchemaValidationErrors(error)) {
    const where = error.validationContext ?? 'body';
    const details = error.validation.map((issue) => ({
      field: [where, ...issue.instancePath.split('/').filter(Boolean)].join('.'),
      message: issue.message ?? 'is invalid',
    }));
    return {
      status: 400,
      body: {
        code: 'VALIDATION_FAILED',
        message: details.map((d) => `${d.field}: ${d.message}`).join('; '),
        details,
      },
    };
  }
  if (error instanceof AppError) {
    return {
      status: error.statusCode,
      body: {
        code: error.code,
        message: error.message,
        ...(error.details ? { details: error.details } : {}),
      },
    };
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    return {
      status,
      body: {
        code: FASTIFY_CODES[error.code] ?? error.code ?? 'BAD_REQUEST',
        message: error.message,
      },
    };
  }
  return { status: 500, body: { code: 'INTERNAL', message: 'Internal server error' } };
}
