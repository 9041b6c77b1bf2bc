import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Api } from '../../api/wiring.ts';
import {
  createTestEnvironment,
  type TestEnvironment,
  uniqueEmail,
} from '../harness/environment.ts';
import { answerWithin, expectWellFormed } from './support/answers.ts';

let t: TestEnvironment;
let api: Api;

beforeAll(async () => {
  t = await createTestEnvironment();
  api = await t.startApi();
  await t.startWorker();
});
afterAll(async () => t?.close());

async function post(payload: string | object, headers: Record<string, string> = {}) {
  return answerWithin(api.app, {
    method: 'POST',
    url: '/users',
    headers: { 'content-type': 'application/json', ...headers },
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });
}

async function outcome(commandId: string) {
  const response = await api.app.inject({ url: `/commands/${commandId}?waitSeconds=10` });
  return response.json() as { status: string; reason?: string };
}

const user = (overrides: Record<string, unknown> = {}) => ({
  firstName: 'Ada',
  lastName: 'Lovelace',
  emailAddress: uniqueEmail('case'),
  password: 'correct horse',
  ...overrides,
});

describe('hostile HTTP input, case by case', () => {
  it('treats emails differing only in case or surrounding spaces as one user', async () => {
    const email = uniqueEmail('mixed');
    const first = await post(user({ emailAddress: `  ${email.toUpperCase()}\t` }));
    expect(first.statusCode).toBe(202);
    expect(await outcome(first.json().commandId)).toMatchObject({ status: 'succeeded' });
    const second = await post(user({ emailAddress: email }));
    expect(await outcome(second.json().commandId)).toMatchObject({
      status: 'rejected',
      reason: 'a user with this email already exists',
    });
    const read = await api.app.inject({
      url: `/users/${encodeURIComponent(` ${email.toUpperCase()} `)}`,
    });
    expect(read.json()).toMatchObject({ emailAddress: email });
  });

  it('stores names in any script exactly (emoji, joiners, right-to-left text), through the queue', async () => {
    const firstName = 'Zoë 李 👩🏽‍💻 محمد';
    const lastName = 'می\u200Cخواهم O’Brien';
    const body = user({ firstName: ` ${firstName} `, lastName });
    const response = await post(body);
    expect(response.statusCode).toBe(202);
    expect(await outcome(response.json().commandId)).toMatchObject({ status: 'succeeded' });
    expect(await t.getUser(String(body.emailAddress))).toMatchObject({ firstName, lastName });
  });

  it('refuses names with control characters, bidirectional overrides or noncharacters with a 400', async () => {
    for (const firstName of ['A\u0000B', 'C\u001b[31m', '\u202eevil', '\uFFFE', 'a\uFFFFb']) {
      const response = await post(user({ firstName }));
      expectWellFormed(response, [400]);
      expect(response.json().details).toEqual([
        {
          field: 'body.firstName',
          message: 'must not contain control characters or bidirectional overrides',
        },
      ]);
    }
  });

  it('refuses a 10 kB name with a 400 naming the field, and a body over the limit with 413', async () => {
    const long = await post(user({ firstName: 'x'.repeat(10_000) }));
    expectWellFormed(long, [400]);
    expect(long.json().details).toEqual([
      { field: 'body.firstName', message: 'must be at most 100 characters' },
    ]);
    const huge = await post(user({ firstName: 'x'.repeat(20_000) }));
    expectWellFormed(huge, [413]);
    expect(huge.json().code).toBe('BODY_TOO_LARGE');
  });

  it('accepts passwords of exactly 72 UTF-8 bytes and refuses 73, counting multi-byte characters', async () => {
    for (const password of ['é'.repeat(36), '€'.repeat(24), '😀'.repeat(18), 'a'.repeat(72)]) {
      const body = user({ password });
      const response = await post(body);
      expect(response.statusCode, password).toBe(202);
      expect(await outcome(response.json().commandId)).toMatchObject({ status: 'succeeded' });
      const stored = await t.getUser(String(body.emailAddress));
      expect(await bcrypt.compare(password, String(stored?.passwordHash))).toBe(true);
    }
    for (const password of [`${'é'.repeat(36)}a`, `${'€'.repeat(24)}a`, `${'😀'.repeat(18)}a`]) {
      const response = await post(user({ password }));
      expectWellFormed(response, [400]);
      expect(response.json().details).toEqual([
        { field: 'body.password', message: expect.stringContaining('got 73') },
      ]);
    }
  });

  it('refuses __proto__ and constructor keys without polluting any prototype', async () => {
    const valid = JSON.stringify(user()).slice(1);
    for (const poison of [
      '"__proto__":{"polluted":true}',
      '"constructor":{"prototype":{"polluted":true}}',
      '"constructor":"x"',
    ]) {
      expectWellFormed(await post(`{${poison},${valid}`), [400]);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('takes the last of duplicate JSON keys, as JSON.parse does', async () => {
    const email = uniqueEmail('dup');
    const body = `{"firstName":"First","firstName":"Last","lastName":"L","emailAddress":"${email}","password":"correct horse"}`;
    const response = await post(body);
    expect(response.statusCode).toBe(202);
    expect(await outcome(response.json().commandId)).toMatchObject({ status: 'succeeded' });
    expect(await t.getUser(email)).toMatchObject({ firstName: 'Last' });
  });

  it('refuses deeply nested JSON with a 400, or a 413 past the body limit', async () => {
    const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
    const within = JSON.stringify(user()).replace('"Ada"', nested(7000));
    expectWellFormed(await post(within), [400]);
    const objects = `${'{"a":'.repeat(2500)}1${'}'.repeat(2500)}`;
    expectWellFormed(await post(`{"x":${objects}}`), [400]);
    expectWellFormed(await post(nested(100_000)), [413]);
  });

  it('answers wrong content types with 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/xml',
    ]) {
      const response = await post(JSON.stringify(user()), { 'content-type': type });
      expectWellFormed(response, [415]);
      expect(response.json().code, type).toBe('UNSUPPORTED_MEDIA_TYPE');
    }
  });

  it('answers a malformed percent-encoding in the path with the API’s JSON 400', async () => {
    for (const url of ['/users/%zz', '/%', '/commands/%E0%A4%A']) {
      const response = await answerWithin(api.app, { method: 'GET', url });
      expectWellFormed(response, [400]);
    }
  });
});
