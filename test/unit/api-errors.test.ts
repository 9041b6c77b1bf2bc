import { createHash } from 'node:crypto';
import type { FastifyError } from 'fastify';
import { describe, expect, it } from 'vitest';
import { NotFoundError, QueueUnavailableError, toErrorResponse } from '../../api/errors.ts';
import { commandMessage, toQueueSafeJson } from '../../shared/contract/message.ts';

function fastifyError(fields: Partial<FastifyError>): FastifyError {
  return Object.assign(new Error(fields.message ?? 'x'), fields) as FastifyError;
}

describe('mapping errors to responses', () => {
  it('keeps the status and code of our own errors, and their words', () => {
    expect(
      toErrorResponse(new NotFoundError('No user with email a@x.io') as unknown as FastifyError),
    ).toEqual({
      status: 404,
      body: { code: 'NOT_FOUND', message: 'No user with email a@x.io' },
    });
    expect(
      toErrorResponse(
        new QueueUnavailableError(new Error('ECONNREFUSED')) as unknown as FastifyError,
      ).status,
    ).toBe(503);
  });

  it('renames Fastify’s 4xx errors to stable codes', () => {
    const tooLarge = fastifyError({
      code: 'FST_ERR_CTP_BODY_TOO_LARGE',
      statusCode: 413,
      message: 'Request body is too large',
    });
    expect(toErrorResponse(tooLarge)).toEqual({
      status: 413,
      body: { code: 'BODY_TOO_LARGE', message: 'Request body is too large' },
    });
  });

  it('hides the details of unexpected errors behind a generic 500', () => {
    const response = toErrorResponse(fastifyError({ message: 'secret stack detail' }));
    expect(response).toEqual({
      status: 500,
      body: { code: 'INTERNAL', message: 'Internal server error' },
    });
  });

  it('keeps the original error as the cause', () => {
    const cause = new Error('socket hang up');
    expect(new QueueUnavailableError(cause).cause).toBe(cause);
  });
});

describe('queue message bodies', () => {
  it('escape every non-ASCII character, so SQS accepts them and parsing restores the text', () => {
    const value = { name: 'Zoë 👩‍💻 \uFFFE', email: 'a@x.io' };
    const body = toQueueSafeJson(value);
    expect(body).toMatch(/^[\x20-\x7e]*$/);
    expect(JSON.parse(body)).toEqual(value);
  });
});

describe('the queue message of a command', () => {
  it('carries the command as its body, its user in the group id and its id for deduplication', () => {
    const command = {
      schemaVersion: 1,
      commandId: 'cmd-1',
      type: 'user.delete',
      issuedAt: '2026-01-01T00:00:00.000Z',
      payload: { emailAddress: 'zoë@example.com' },
    } as const;
    const message = commandMessage(command);
    expect(JSON.parse(message.MessageBody)).toEqual(command);
    expect(message.MessageBody).toMatch(/^[\x20-\x7e]*$/);
    expect(message.MessageGroupId).toBe(
      createHash('sha256').update('zoë@example.com').digest('hex'),
    );
    expect(message.MessageGroupId).toMatch(/^[0-9a-f]{64}$/);
    expect(message.MessageDeduplicationId).toBe('cmd-1');
  });
});
