import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Api } from '../../api/wiring.ts';
import { createTestEnvironment, type TestEnvironment } from '../harness/environment.ts';

const TOKEN = 'a-long-enough-test-token';
let t: TestEnvironment;
let api: Api;
let port: number;

beforeAll(async () => {
  t = await createTestEnvironment({ API_TOKEN: TOKEN, PROTECT_READS: 'true' });
  api = await t.startApi();
  port = Number(new URL(await api.app.listen({ port: 0, host: '127.0.0.1' })).port);
});
afterAll(async () => t?.close());

/** One request exactly as written (target, headers), over a socket of its own: the status. */
function send(method: string, target: string, headers: Record<string, string> = {}) {
  return new Promise<number>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk) => {
      answer += chunk;
      const status = /^HTTP\/1\.1 (\d{3}) /.exec(answer)?.[1];
      if (status) {
        socket.destroy();
        resolve(Number(status));
      }
    });
    socket.on('error', reject);
    const lines = Object.entries({ host: 'api', connection: 'close', ...headers }).map(
      ([name, value]) => `${name}: ${value}`,
    );
    socket.write(`${method} ${target} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`);
  });
}

/** The same path, spelled the ways a client may send it: each must reach the same rule. */
function spellings(path: string): string[] {
  const percentEncodedFirst = path.replace(
    /^\/(\w)/,
    (_, first: string) => `/%${first.charCodeAt(0).toString(16)}`,
  );
  return [
    path,
    percentEncodedFirst,
    `http://api${path}`,
    `http://api${percentEncodedFirst}`,
    `${path}#fragment`,
    `${path}?`,
    `/.${path}`,
    `//${path.slice(1)}`,
  ];
}

/** A concrete path for a route's URL pattern. */
function concrete(url: string): string {
  return url.replace(':email', 'someone%40example.com').replace(':commandId', 'some-command');
}

describe('authorization with API_TOKEN and PROTECT_READS', () => {
  it('knows which routes are open: the page, the docs, health and readiness', () => {
    const open = api.app
      .accessPolicy()
      .filter((route) => route.access === 'public')
      .map((route) => `${route.method} ${route.url}`);
    expect(open).toEqual(expect.arrayContaining(['GET /health', 'GET /ready', 'GET /']));
    expect(open.filter((route) => / \/(users|commands|metrics)/.test(route))).toEqual([]);
  });

  it('refuses every spelling of every protected route without the token', async () => {
    const protectedRoutes = api.app
      .accessPolicy()
      .filter((route) => route.access !== 'public' && route.url.startsWith('/'));
    expect(protectedRoutes.map((r) => `${r.method} ${r.url}`)).toEqual(
      expect.arrayContaining([
        'GET /users',
        'GET /users/:email',
        'GET /commands/:commandId',
        'GET /metrics',
        'POST /users',
        'PATCH /users/:email',
        'DELETE /users/:email',
      ]),
    );
    const leaks: string[] = [];
    for (const route of protectedRoutes) {
      for (const target of spellings(concrete(route.url))) {
        const status = await send(route.method, target);
        // 401 when the spelling reaches the route; 404 or 400 when it reaches none.
        if (![401, 404, 400].includes(status)) leaks.push(`${route.method} ${target}: ${status}`);
      }
    }
    expect(leaks).toEqual([]);
  });

  it('answers 401 to the spellings the router resolves to the route', async () => {
    for (const target of ['/%75sers', 'http://api/users', '/users#fragment', '/%6detrics']) {
      expect(await send('GET', target), target).toBe(401);
    }
    expect(await send('HEAD', '/users')).toBe(401);
    expect(await send('GET', '/%63ommands/some-command')).toBe(401);
  });

  it('accepts the token, and only as exactly `Bearer <token>`', async () => {
    expect(await send('GET', '/users', { authorization: `Bearer ${TOKEN}` })).toBe(200);
    expect(await send('GET', '/users', { authorization: `bearer ${TOKEN}` })).toBe(200);
    for (const authorization of [
      `Bearer ${TOKEN} junk`,
      `Bearer  ${TOKEN}`,
      `Bearer ${TOKEN},Bearer x`,
      `Basic ${TOKEN}`,
      TOKEN,
      `Bearer ${TOKEN.slice(0, -1)}`,
    ]) {
      expect(await send('GET', '/users', { authorization }), authorization).toBe(401);
    }
  });

  it('keeps health, readiness, the page and the docs open', async () => {
    for (const target of ['/health', '/ready', '/', '/docs/json']) {
      expect(await send('GET', target), target).toBe(200);
    }
  });
});
