import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Api } from '../../api/wiring.ts';
import {
  createTestEnvironment,
  type TestEnvironment,
  uniqueEmail,
} from '../harness/environment.ts';

let t: TestEnvironment;
let api: Api;

beforeAll(async () => {
  t = await createTestEnvironment();
  api = await t.startApi();
  await t.startWorker();
});
afterAll(async () => t?.close());

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  return api.app.inject({ method: 'POST', url, payload: body as object, headers });
}

/** Creates a user through the API and waits until the worker has applied it. */
async function createUser(email: string, names = { firstName: 'A', lastName: 'B' }) {
  const response = await post('/users', { ...names, emailAddress: email, password: 'password-1' });
  expect(response.statusCode).toBe(202);
  expect(await waitForOutcome(response.json().commandId)).toMatchObject({ status: 'succeeded' });
}

async function waitForOutcome(commandId: string) {
  const response = await api.app.inject({
    method: 'GET',
    url: `/commands/${commandId}?waitSeconds=10`,
  });
  expect(response.statusCode).toBe(200);
  return response.json() as { status: string; reason?: string; type?: string };
}

describe('user commands over HTTP', () => {
  it('creates a user: 202 with a command id, then the item is in the table with a bcrypt hash', async () => {
    const email = uniqueEmail('create');
    const response = await post('/users', {
      firstName: ' Ada ',
      lastName: 'Lovelace',
      emailAddress: email.toUpperCase(),
      password: 'correct horse',
    });
    expect(response.statusCode).toBe(202);
    const body = response.json();
    expect(body).toEqual({ commandId: expect.any(String), status: 'accepted' });
    expect(response.headers.location).toBe(`/commands/${body.commandId}`);

    expect(await waitForOutcome(body.commandId)).toMatchObject({
      status: 'succeeded',
      type: 'user.create',
    });
    const item = await t.getUser(email);
    expect(item).toMatchObject({ emailAddress: email, firstName: 'Ada', lastName: 'Lovelace' });
    expect(item?.passwordHash).toMatch(/^\$2[aby]\$04\$/);
    expect(item?.dateCreated).toBe(item?.dateUpdated);
  });

  it('updates names and password without changing the email, and moves dateUpdated', async () => {
    const email = uniqueEmail('update');
    await createUser(email);
    const before = await t.getUser(email);

    const response = await api.app.inject({
      method: 'PATCH',
      url: `/users/${encodeURIComponent(email)}`,
      payload: { lastName: 'Byron', password: 'password-2' },
    });
    expect(response.statusCode).toBe(202);
    expect(await waitForOutcome(response.json().commandId)).toMatchObject({ status: 'succeeded' });

    const after = await t.getUser(email);
    expect(after).toMatchObject({ emailAddress: email, firstName: 'A', lastName: 'Byron' });
    expect(after?.passwordHash).not.toBe(before?.passwordHash);
    expect(after?.dateCreated).toBe(before?.dateCreated);
    expect(String(after?.dateUpdated) > String(before?.dateUpdated)).toBe(true);
  });

  it('deletes a user', async () => {
    const email = uniqueEmail('delete');
    await createUser(email, { firstName: 'A', lastName: 'B' });
    const response = await api.app.inject({ method: 'DELETE', url: `/users/${email}` });
    expect(response.statusCode).toBe(202);
    expect(await waitForOutcome(response.json().commandId)).toMatchObject({ status: 'succeeded' });
    expect(await t.getUser(email)).toBeUndefined();
  });

  it('turns an Idempotency-Key into the command id: the same request twice has one effect', async () => {
    const email = uniqueEmail('idem');
    const key = `signup-${email.split('@')[0]}`;
    const body = { firstName: 'A', lastName: 'B', emailAddress: email, password: 'password-1' };
    const first = await post('/users', body, { 'idempotency-key': key });
    const second = await post('/users', body, { 'idempotency-key': key });
    expect(first.json().commandId).toBe(key);
    expect(second.json().commandId).toBe(key);
    expect(await waitForOutcome(key)).toMatchObject({ status: 'succeeded' });
    const records = (await t.scanTable('commands')).filter((r) => r.commandId === key);
    expect(records).toHaveLength(1);
    expect(await t.getUser(email)).toMatchObject({ firstName: 'A' });
  });

  it('records a second create for the same email as rejected, leaving the first user intact', async () => {
    const email = uniqueEmail('dupe');
    await createUser(email, { firstName: 'First', lastName: 'B' });
    const second = await post('/users', {
      firstName: 'Second',
      lastName: 'B',
      emailAddress: email,
      password: 'password-2',
    });
    expect(second.statusCode).toBe(202);
    expect(await waitForOutcome(second.json().commandId)).toEqual(
      expect.objectContaining({
        status: 'rejected',
        reason: 'a user with this email already exists',
      }),
    );
    expect(await t.getUser(email)).toMatchObject({ firstName: 'First' });
  });

  it('records updates and deletes of a missing user as rejected', async () => {
    const email = uniqueEmail('missing');
    const update = await api.app.inject({
      method: 'PATCH',
      url: `/users/${email}`,
      payload: { firstName: 'X' },
    });
    const del = await api.app.inject({ method: 'DELETE', url: `/users/${email}` });
    expect(await waitForOutcome(update.json().commandId)).toMatchObject({
      status: 'rejected',
      reason: 'no user with this email exists',
    });
    expect(await waitForOutcome(del.json().commandId)).toMatchObject({
      status: 'rejected',
      reason: 'no user with this email exists',
    });
    expect(await t.getUser(email)).toBeUndefined();
  });
});

describe('reads', () => {
  it('reads one user without the password hash, and 404s for an unknown one', async () => {
    const email = uniqueEmail('read');
    await createUser(email, { firstName: 'R', lastName: 'D' });
    const found = await api.app.inject({ method: 'GET', url: `/users/${email.toUpperCase()}` });
    expect(found.statusCode).toBe(200);
    expect(found.json()).toEqual({
      emailAddress: email,
      firstName: 'R',
      lastName: 'D',
      dateCreated: expect.any(String),
      dateUpdated: expect.any(String),
    });
    const missing = await api.app.inject({ method: 'GET', url: `/users/${uniqueEmail('nobody')}` });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('pages through every user with the cursor, each exactly once', async () => {
    const emails = Array.from({ length: 7 }, () => uniqueEmail('page'));
    await Promise.all(emails.map((email) => createUser(email)));

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `limit=3&cursor=${cursor}` : 'limit=3';
      const response = await api.app.inject({ method: 'GET', url: `/users?${query}` });
      expect(response.statusCode).toBe(200);
      const page = response.json() as {
        items: { emailAddress: string; passwordHash?: string }[];
        nextCursor: string | null;
      };
      expect(page.items.length).toBeLessThanOrEqual(3);
      for (const item of page.items) expect(item).not.toHaveProperty('passwordHash');
      seen.push(...page.items.map((item) => item.emailAddress));
      cursor = page.nextCursor;
    } while (cursor);
    for (const email of emails) expect(seen.filter((e) => e === email)).toHaveLength(1);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('rejects any cursor it did not issue with 400, forged ones included', async () => {
    const forged = (key: unknown) => Buffer.from(JSON.stringify(key)).toString('base64url');
    for (const cursor of [
      'bm90LWEtY3Vyc29y',
      forged({ emailAddress: '' }),
      forged({ emailAddress: 'Not@Normalized.io' }),
      forged({ emailAddress: 'a@x.io', firstName: 'x' }),
      forged({ emailAddress: 42 }),
      forged({ commandId: 'x' }),
      forged(['a@x.io']),
      forged(null),
    ]) {
      const response = await api.app.inject({ method: 'GET', url: `/users?cursor=${cursor}` });
      expect(response.statusCode, cursor).toBe(400);
      expect(response.json()).toMatchObject({
        code: 'VALIDATION_FAILED',
        details: [{ field: 'querystring.cursor' }],
      });
    }
  });

  it('answers pending for a command that is not processed yet', async () => {
    const response = await api.app.inject({ method: 'GET', url: '/commands/never-sent-123' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ commandId: 'never-sent-123', status: 'pending' });
    expect(response.headers['retry-after']).toBe('1');
  });

  it('waits for an outcome when asked to', async () => {
    const email = uniqueEmail('wait');
    const accepted = await post('/users', {
      firstName: 'W',
      lastName: 'T',
      emailAddress: email,
      password: 'password-1',
    });
    const response = await api.app.inject({
      method: 'GET',
      url: `/commands/${accepted.json().commandId}?waitSeconds=10`,
    });
    expect(response.json()).toMatchObject({ status: 'succeeded' });
  });
});

describe('bad input', () => {
  it('names every bad field in a 400', async () => {
    const response = await post('/users', {
      firstName: '  ',
      lastName: 'x'.repeat(101),
      emailAddress: 'not-an-email',
      password: 'short',
      admin: true,
    });
    expect(response.statusCode).toBe(400);
    const body = response.json() as {
      code: string;
      message: string;
      details: { field: string; message: string }[];
    };
    expect(body.code).toBe('VALIDATION_FAILED');
    const fields = body.details.map((d) => d.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        'body.firstName',
        'body.lastName',
        'body.emailAddress',
        'body.password',
        'body',
      ]),
    );
    expect(body.details.find((d) => d.field === 'body')?.message).toContain('admin');
    expect(JSON.stringify(body)).not.toContain('short');
  });

  it('refuses passwords over 72 UTF-8 bytes even when under 72 characters', async () => {
    const password = 'é'.repeat(37); // 37 characters, 74 bytes
    const response = await post('/users', {
      firstName: 'A',
      lastName: 'B',
      emailAddress: uniqueEmail(),
      password,
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().details).toEqual([
      { field: 'body.password', message: expect.stringContaining('72 bytes in UTF-8') },
    ]);
  });

  it('refuses an update that changes nothing, or tries to change the email', async () => {
    const email = uniqueEmail();
    const empty = await api.app.inject({ method: 'PATCH', url: `/users/${email}`, payload: {} });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().message).toContain('at least one of firstName, lastName, password');
    const emailChange = await api.app.inject({
      method: 'PATCH',
      url: `/users/${email}`,
      payload: { emailAddress: 'other@example.com' },
    });
    expect(emailChange.statusCode).toBe(400);
    expect(emailChange.json().message).toContain('emailAddress');
  });

  it('rejects a bad email in the path and a bad Idempotency-Key', async () => {
    const badPath = await api.app.inject({ method: 'DELETE', url: '/users/not-an-email' });
    expect(badPath.statusCode).toBe(400);
    expect(badPath.json().details[0].field).toBe('params.email');
    const badKey = await api.app.inject({
      method: 'DELETE',
      url: `/users/${uniqueEmail()}`,
      headers: { 'idempotency-key': 'spaces are not allowed' },
    });
    expect(badKey.statusCode).toBe(400);
    expect(badKey.json().details[0].field).toBe('headers.idempotency-key');
  });

  it('answers 400 for malformed JSON, 415 for other content types, 413 for oversized bodies', async () => {
    const malformed = await api.app.inject({
      method: 'POST',
      url: '/users',
      payload: '{"firstName":',
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json()).toMatchObject({ code: 'INVALID_JSON' });

    const text = await api.app.inject({
      method: 'POST',
      url: '/users',
      payload: 'firstName=Ada',
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.statusCode).toBe(415);
    expect(text.json()).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });

    const huge = await post('/users', {
      firstName: 'x'.repeat(20_000),
      lastName: 'B',
      emailAddress: uniqueEmail(),
      password: 'password-1',
    });
    expect(huge.statusCode).toBe(413);
    expect(huge.json()).toMatchObject({ code: 'BODY_TOO_LARGE' });
  });

  it('answers unknown routes with a JSON 404', async () => {
    const response = await api.app.inject({ method: 'GET', url: '/nope' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ code: 'ROUTE_NOT_FOUND', message: 'No route GET /nope' });
  });
});

describe('health and docs', () => {
  it('reports health and readiness of SQS and DynamoDB', async () => {
    expect((await api.app.inject({ method: 'GET', url: '/health' })).json()).toEqual({
      status: 'ok',
    });
    const ready = await api.app.inject({ method: 'GET', url: '/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({
      status: 'ready',
      checks: { sqs: { ok: true }, dynamodb: { ok: true } },
    });
  });

  it('serves an OpenAPI document generated from the zod schemas', async () => {
    const response = await api.app.inject({ method: 'GET', url: '/docs/json' });
    expect(response.statusCode).toBe(200);
    const doc = response.json();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/users',
        '/users/{email}',
        '/commands/{commandId}',
        '/health',
        '/ready',
      ]),
    );
    const createBody = doc.paths['/users'].post.requestBody.content['application/json'].schema;
    expect(createBody.required).toEqual(['firstName', 'lastName', 'emailAddress', 'password']);
  });
});
