import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';

/** An answer that takes longer than this counts as a hang. */
const HANG_MS = 5000;

/** Injects a request into the in-process app, failing if no answer comes within HANG_MS. */
export async function answerWithin(
  app: FastifyInstance,
  options: InjectOptions,
): Promise<LightMyRequestResponse> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within ${HANG_MS} ms: ${JSON.stringify(options)}`)),
      HANG_MS,
    );
  });
  try {
    return await Promise.race([app.inject(options), hang]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Never a 5xx; every 4xx is the API's JSON error, `{ code, message, details? }` and nothing
 * else; `allowed` narrows the statuses further where the route is known.
 */
export function expectWellFormed(response: LightMyRequestResponse, allowed?: number[]): void {
  const context = `${response.statusCode} ${response.body.slice(0, 300)}`;
  expect(response.statusCode, context).toBeLessThan(500);
  if (allowed) expect(allowed, context).toContain(response.statusCode);
  if (response.statusCode < 400) return;
  expect(response.headers['content-type'], context).toMatch(/^application\/json/);
  const body = response.json() as Record<string, unknown>;
  expect(Object.keys(body).filter((k) => !['code', 'message', 'details'].includes(k))).toEqual([]);
  expect(body.code, context).toMatch(/^[A-Z][A-Z0-9_]*$/);
  expect(typeof body.message, context).toBe('string');
  if (body.details !== undefined) {
    expect(body.details, context).toEqual(
      expect.arrayContaining([{ field: expect.any(String), message: expect.any(String) }]),
    );
    for (const detail of body.details as unknown[]) {
      expect(detail).toEqual({ field: expect.any(String), message: expect.any(String) });
    }
  }
}
