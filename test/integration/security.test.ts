import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Api } from '../../api/wiring.ts';
import {
  createTestEnvironment,
  type TestEnvironment,
  uniqueEmail,
} from '../harness/environment.ts';

const TOKEN = 'a-long-enough-test-token';
let t: TestEnvironment;
let api: Api;

beforeAll(async () => {
  t = await createTestEnvironment({
    API_TOKEN: TOKEN,
    RATE_LIMIT_MAX: '100',
    RATE_LIMIT_WINDOW_SECONDS: '60',
    CORS_ORIGINS: 'https://admin.example.com',
  });
  api = await t.startApi();
});
afterAll(async () => t?.close());

const create = (headers: Record<string, string>) =>
  api.app.inject({
    method: 'POST',
    url: '/users',
    headers,
    payload: {
      firstName: 'S',
      lastName: 'C',
      emailAddress: uniqueEmail('sec'),
      password: 'password-1',
    },
  });

describe('with an API token configured', () => {
  it('refuses commands without the bearer token, or with a wrong one, with 401', async () => {
    const attempts: Record<string, string>[] = [
      {},
      { authorization: 'Bearer wrong-token-of-some-length' },
      { authorization: TOKEN },
    ];
    for (const headers of attempts) {
      const response = await create(headers);
      expect(response.statusCode).toBe(401);
      expect(response.headers['www-authenticate']).toBe('Bearer');
      expect(response.json()).toEqual({
        code: 'UNAUTHORIZED',
        message: 'A valid bearer token is required: Authorization: Bearer <API_TOKEN>',
      });
    }
  });

  it('accepts commands with the token and leaves reads, health and the page open by default', async () => {
    expect((await create({ authorization: `Bearer ${TOKEN}` })).statusCode).toBe(202);
    expect((await api.app.inject({ method: 'GET', url: '/users' })).statusCode).toBe(200);
    expect((await api.app.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(200);
    expect((await api.app.inject({ method: 'GET', url: '/' })).statusCode).toBe(200);
  });
});

describe('rate limiting', () => {
  it('limits commands per client with the standard headers, and never limits reads', async () => {
    const isolated = await createTestEnvironment({ RATE_LIMIT_MAX: '2' });
    try {
      const limited = await isolated.startApi();
      const send = () =>
        limited.app.inject({ method: 'DELETE', url: `/users/${uniqueEmail('rl')}` });
      const first = await send();
      expect(first.statusCode).toBe(202);
      expect(first.headers['x-ratelimit-limit']).toBe('2');
      expect(first.headers['x-ratelimit-remaining']).toBe('1');
      expect((await send()).statusCode).toBe(202);
      const refused = await send();
      expect(refused.statusCode).toBe(429);
      expect(refused.headers['retry-after']).toBeDefined();
      expect(refused.json()).toMatchObject({ code: 'RATE_LIMITED' });
      for (let i = 0; i < 5; i++) {
        expect((await limited.app.inject({ method: 'GET', url: '/users' })).statusCode).toBe(200);
      }
    } finally {
      await isolated.close();
    }
  });
});

describe('headers', () => {
  it('sends security headers on every response, API and page alike', async () => {
    for (const url of ['/health', '/users', '/']) {
      const response = await api.app.inject({ method: 'GET', url });
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['content-security-policy']).toContain("script-src 'self'");
    }
  });

  it('answers CORS only for the configured origins', async () => {
    const preflight = (origin: string) =>
      api.app.inject({
        method: 'OPTIONS',
        url: '/users',
        headers: { origin, 'access-control-request-method': 'POST' },
      });
    expect(
      (await preflight('https://admin.example.com')).headers['access-control-allow-origin'],
    ).toBe('https://admin.example.com');
    expect(
      (await preflight('https://evil.example.com')).headers['access-control-allow-origin'],
    ).toBeUndefined();
  });
});

describe('without CORS configured', () => {
  it('sends no CORS headers at all', async () => {
    const plain = await createTestEnvironment();
    try {
      const other = await plain.startApi();
      const response = await other.app.inject({
        method: 'GET',
        url: '/users',
        headers: { origin: 'https://admin.example.com' },
      });
      expect(response.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await plain.close();
    }
  });
});
