import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BEARER_AUTH } from '../../api/openapi.ts';
import type { Access } from '../../api/security.ts';
import type { Api } from '../../api/wiring.ts';
import { ASYNCAPI_PATH } from '../../scripts/docs/asyncapi.ts';
import { createTestEnvironment, type TestEnvironment } from '../harness/environment.ts';
import { type OpenApiDocument, openApiPath } from '../support/observed-statuses.ts';

const TOKEN = 'a-long-enough-test-token';
let t: TestEnvironment;
let api: Api;

beforeAll(async () => {
  t = await createTestEnvironment({ API_TOKEN: TOKEN, PROTECT_READS: 'true' });
  api = await t.startApi();
});
afterAll(async () => t?.close());

async function fetchDocument(): Promise<{ source: string; document: OpenApiDocument }> {
  const response = await api.app.inject({ method: 'GET', url: '/docs/json' });
  expect(response.statusCode).toBe(200);
  return { source: response.body, document: response.json() };
}

describe('the OpenAPI document', () => {
  it('passes Redocly’s recommended rules without an error', async () => {
    const { source } = await fetchDocument();
    const problems = await lintFromString({
      source,
      absoluteRef: 'openapi.json',
      config: await createConfig({ extends: ['recommended'] }),
    });
    const named = (severity: string) =>
      problems
        .filter((problem) => problem.severity === severity)
        .map((problem) => `${problem.ruleId} at ${problem.location[0]?.pointer}`);
    expect(named('error')).toEqual([]);
    // package.json declares no license, so the document claims none.
    expect(named('warn')).toEqual(['info-license at #/info']);
  });

  it('declares on each operation the security its route’s access asks for', async () => {
    const { document } = await fetchDocument();
    const expected: Record<Access, unknown> = {
      public: [],
      read: [{}, { [BEARER_AUTH]: [] }],
      command: [{ [BEARER_AUTH]: [] }],
    };
    const documented = api.app.accessPolicy().flatMap(({ method, url, access }) => {
      const operation = document.paths[openApiPath(url)]?.[method.toLowerCase()] as
        | { security?: unknown }
        | undefined;
      return operation ? [{ route: `${method} ${url}`, security: operation.security, access }] : [];
    });
    expect(documented.map((entry) => entry.route).sort()).toEqual([
      'DELETE /users/:email',
      'GET /commands/:commandId',
      'GET /docs/asyncapi.json',
      'GET /health',
      'GET /operations',
      'GET /ready',
      'GET /users',
      'GET /users/:email',
      'PATCH /users/:email',
      'POST /users',
    ]);
    for (const { route, security, access } of documented) {
      expect(security, route).toEqual(expected[access]);
    }
  });
});

describe('the AsyncAPI document, next to the OpenAPI one', () => {
  it('is served as committed, to anyone, even with reads protected', async () => {
    const response = await api.app.inject({ method: 'GET', url: '/docs/asyncapi.json' });

    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.body).toBe(readFileSync(ASYNCAPI_PATH, 'utf8'));
    expect(response.json()).toMatchObject({ asyncapi: expect.stringMatching(/^3\./) });
  });
});

describe('answers the document declares that other tests do not give', () => {
  const auth = { authorization: `Bearer ${TOKEN}` };

  it('reads the body of a DELETE too: 415 when it is not JSON, 413 when it is too large', async () => {
    const url = '/users/someone%40example.com';
    const text = await api.app.inject({
      method: 'DELETE',
      url,
      headers: { ...auth, 'content-type': 'text/plain' },
      payload: 'please',
    });
    expect(text.statusCode).toBe(415);
    expect(text.json()).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });

    const large = await api.app.inject({
      method: 'DELETE',
      url,
      headers: { ...auth, 'content-type': 'application/json' },
      payload: JSON.stringify({ pad: 'x'.repeat(t.config.env.BODY_LIMIT_BYTES) }),
    });
    expect(large.statusCode).toBe(413);
    expect(large.json()).toMatchObject({ code: 'BODY_TOO_LARGE' });
  });

  it('refuses to read a user by a malformed email with a 400 naming the parameter', async () => {
    const response = await api.app.inject({
      method: 'GET',
      url: '/users/not-an-email',
      headers: auth,
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [{ field: 'params.email' }],
    });
  });

  it('answers /ready with SHUTTING_DOWN, in the error shape, once the server closes', async () => {
    // A server of its own: this one is closed by the test.
    const closingApi = await t.startApi();
    const { port } = new URL(await closingApi.app.listen({ port: 0, host: '127.0.0.1' }));
    const socket = connect(Number(port), '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    // The last header line is still on its way when the shutdown starts.
    socket.write('GET /ready HTTP/1.1\r\nHost: api\r\n');
    await sleep(100);
    const closing = closingApi.app.close();
    await sleep(100);
    socket.write('\r\n');
    await closed;
    await closing;

    const answer = Buffer.concat(chunks).toString('utf8');
    expect(answer).toMatch(/^HTTP\/1\.1 503 /);
    expect(answer.toLowerCase()).toContain('retry-after: 1');
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({
      code: 'SHUTTING_DOWN',
    });
  });
});
