import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Api } from '../../api/wiring.ts';
import { createTestEnvironment, type TestEnvironment } from '../harness/environment.ts';
import { answerWithin, expectWellFormed } from './support/answers.ts';

let t: TestEnvironment;
let api: Api;
// Modest run counts keep the folder well under a minute; fast-check prints the seed to replay.
const RUNS = { numRuns: 150 };

beforeAll(async () => {
  // A short wait ceiling, so a generated ?waitSeconds= cannot stall a run.
  t = await createTestEnvironment({ COMMAND_WAIT_MAX_SECONDS: '1' });
  api = await t.startApi();
});
afterAll(async () => t?.close());

const validBody = () => ({
  firstName: 'Ada',
  lastName: 'Lovelace',
  emailAddress: `prop-${Math.random().toString(36).slice(2)}@example.com`,
  password: 'correct horse',
});
const fields = ['firstName', 'lastName', 'emailAddress', 'password'];

/** A valid create body bent one way: a field replaced, removed, or a key added. */
const bentBody = fc.oneof(
  fc.record({ key: fc.constantFrom(...fields), value: fc.jsonValue() }).map(({ key, value }) => ({
    ...validBody(),
    [key]: value,
  })),
  fc.constantFrom(...fields).map((key) => {
    const body: Record<string, unknown> = validBody();
    delete body[key];
    return body;
  }),
  fc.record({ key: fc.string(), value: fc.jsonValue() }).map(({ key, value }) => ({
    ...validBody(),
    [key]: value,
  })),
  fc.jsonValue(),
);

describe('hostile HTTP input', () => {
  it('answers any JSON body to POST /users with 202 or a well-formed 400', async () => {
    await fc.assert(
      fc.asyncProperty(bentBody, async (body) => {
        const response = await answerWithin(api.app, {
          method: 'POST',
          url: '/users',
          headers: { 'content-type': 'application/json' },
          payload: JSON.stringify(body),
        });
        expectWellFormed(response, [202, 400]);
      }),
      RUNS,
    );
  });

  it('accepts or refuses any unicode name and password, never with a 5xx', async () => {
    const text = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 110 }),
      fc.string({ unit: 'binary', maxLength: 110 }),
    );
    await fc.assert(
      fc.asyncProperty(text, text, text, async (firstName, lastName, password) => {
        const response = await answerWithin(api.app, {
          method: 'POST',
          url: '/users',
          payload: { ...validBody(), firstName, lastName, password },
        });
        expectWellFormed(response, [202, 400]);
      }),
      RUNS,
    );
  });

  it('answers any raw body, of any content type, with 202 or a well-formed 4xx', async () => {
    const contentType = fc.oneof(
      fc.constantFrom(
        'application/json',
        'application/json; charset=utf-8',
        'application/json; charset=latin1',
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/xml',
        'application/octet-stream',
        '',
      ),
      fc.string(),
    );
    const raw = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.jsonValue().map((value) => JSON.stringify(value)),
      fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('POST /users', 'PATCH /users/a%40b.io'),
        contentType,
        raw,
        async (route, type, payload) => {
          const [method, url] = route.split(' ') as ['POST' | 'PATCH', string];
          const response = await answerWithin(api.app, {
            method,
            url,
            headers: type === '' ? {} : { 'content-type': type },
            payload,
          });
          expectWellFormed(response, [202, 400, 413, 415]);
        },
      ),
      RUNS,
    );
  });

  it('answers any headers (idempotency keys, odd names and values) without a 5xx', async () => {
    const headerValue = fc
      .string({ maxLength: 200 })
      .filter((v) => /^[\t\x20-\x7e\x80-\xff]*$/.test(v));
    const headers = fc.dictionary(
      fc
        .stringMatching(/^[a-z][a-z0-9-]{0,30}$/)
        .filter((n) => !['content-length', 'host', 'transfer-encoding'].includes(n)),
      headerValue,
      { maxKeys: 5 },
    );
    await fc.assert(
      fc.asyncProperty(headers, headerValue, async (extra, key) => {
        const response = await answerWithin(api.app, {
          method: 'POST',
          url: '/users',
          headers: { ...extra, 'content-type': 'application/json', 'idempotency-key': key },
          payload: JSON.stringify(validBody()),
        });
        // 422: a short random key can come round again, now for another user's body.
        expectWellFormed(response, [202, 400, 415, 422]);
      }),
      RUNS,
    );
  });

  it('answers any method, path and query string without a 5xx or a hang', async () => {
    const segment = fc.oneof(
      fc.constantFrom(
        'users',
        'commands',
        'health',
        'ready',
        'docs',
        'json',
        '..',
        '%',
        '%zz',
        '%00',
      ),
      fc.string({ maxLength: 40 }).map(encodeURIComponent),
      fc.string({ unit: 'grapheme', maxLength: 400 }).map(encodeURIComponent),
    );
    const query = fc.array(
      fc.tuple(
        fc.constantFrom('limit', 'cursor', 'waitSeconds', 'x', '__proto__', 'constructor'),
        fc.oneof(
          fc.string({ maxLength: 40 }).map(encodeURIComponent),
          fc.constantFrom('%', '-1', '1e9', '0.5', '[]'),
        ),
      ),
      { maxLength: 3 },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE', 'PUT', 'OPTIONS'),
        fc.array(segment, { minLength: 1, maxLength: 3 }),
        query,
        async (method, segments, pairs) => {
          const search = pairs.map(([k, v]) => `${k}=${v}`).join('&');
          const response = await answerWithin(api.app, {
            method: method as 'GET',
            url: `/${segments.join('/')}${search ? `?${search}` : ''}`,
          });
          expectWellFormed(response);
        },
      ),
      RUNS,
    );
  });

  it('answers any cursor, forged keys included, with a page or a 400 naming querystring.cursor', async () => {
    // Keys shaped like the ones the API issues, bent; and any JSON; and raw strings.
    const key = fc.oneof(
      fc.record({ emailAddress: fc.oneof(fc.string(), fc.emailAddress(), fc.jsonValue()) }),
      fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue(), { maxKeys: 3 }),
      fc.jsonValue(),
    );
    const cursor = fc.oneof(
      key.map((value) => Buffer.from(JSON.stringify(value) ?? '').toString('base64url')),
      fc.string({ maxLength: 200 }).map(encodeURIComponent),
    );
    await fc.assert(
      fc.asyncProperty(cursor, async (value) => {
        const response = await answerWithin(api.app, {
          method: 'GET',
          url: `/users?limit=2&cursor=${value}`,
        });
        expectWellFormed(response, [200, 400]);
        if (response.statusCode === 400) {
          expect(response.json().details).toEqual(
            expect.arrayContaining([expect.objectContaining({ field: 'querystring.cursor' })]),
          );
        }
      }),
      RUNS,
    );
  });
});
