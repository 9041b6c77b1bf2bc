import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Api } from '../../api/wiring.ts';
import { createTestEnvironment, type TestEnvironment } from '../harness/environment.ts';

let t: TestEnvironment;
let api: Api;
let port: number;

beforeAll(async () => {
  t = await createTestEnvironment({
    API_TOKEN: 'a-long-enough-test-token',
    HTTP_REQUEST_TIMEOUT_SECONDS: '2',
    HTTP_HEADERS_TIMEOUT_SECONDS: '1',
    HTTP_MAX_CONNECTIONS: '20',
  });
  api = await t.startApi();
  port = Number(new URL(await api.app.listen({ port: 0, host: '127.0.0.1' })).port);
});
afterAll(async () => t?.close());

interface Dripping {
  socket: Socket;
  /** What the server sent, and after how many milliseconds it closed the connection. */
  closed: Promise<{ answer: string; afterMs: number }>;
}

function open(): Dripping {
  const socket = connect(port, '127.0.0.1');
  const startedAt = performance.now();
  let answer = '';
  socket.setEncoding('latin1');
  socket.on('data', (chunk) => {
    answer += chunk;
  });
  socket.on('error', () => undefined);
  const closed = new Promise<{ answer: string; afterMs: number }>((resolve) =>
    socket.once('close', () => resolve({ answer, afterMs: performance.now() - startedAt })),
  );
  return { socket, closed };
}

/** Writes `text` a byte at a time, one every `everyMs`, until the socket closes. */
async function drip(socket: Socket, text: string, everyMs: number) {
  for (const byte of text) {
    if (socket.destroyed) return;
    socket.write(byte);
    await sleep(everyMs);
  }
}

describe('a client that sends its request slowly', () => {
  it('gets 408 and its connection closed when the body does not arrive in time', async () => {
    const client = open();
    client.socket.write(
      'POST /users HTTP/1.1\r\nHost: api\r\nAuthorization: Bearer a-long-enough-test-token\r\n' +
        'Content-Type: application/json\r\nContent-Length: 200\r\n\r\n',
    );
    void drip(client.socket, '{'.repeat(200), 250);
    const { answer, afterMs } = await client.closed;
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(afterMs).toBeLessThan(5_000);
  });

  it('is cut off when its headers do not arrive in time', async () => {
    const client = open();
    void drip(client.socket, 'GET /health HTTP/1.1\r\nHost: api\r\nX-Slow: yes\r\n\r\n', 150);
    const { answer, afterMs } = await client.closed;
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(afterMs).toBeLessThan(4_000);
  });

  it('is cut off after a 401 too, instead of holding the connection with a body that never comes', async () => {
    const client = open();
    client.socket.write(
      'POST /users HTTP/1.1\r\nHost: api\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{',
    );
    const { answer, afterMs } = await client.closed;
    expect(answer).toMatch(/^HTTP\/1\.1 401 /);
    expect(afterMs).toBeLessThan(5_000);
  });

  it('cannot hold more connections than allowed: others are refused, and served again once they go', async () => {
    const held = Array.from({ length: 20 }, () => open());
    await Promise.all(held.map((c) => new Promise((r) => c.socket.once('connect', r))));
    await sleep(100);
    const extra = open();
    extra.socket.write('GET /health HTTP/1.1\r\nHost: api\r\n\r\n');
    const refused = await extra.closed;
    expect(refused.answer).toBe('');
    for (const c of held) c.socket.destroy();
    await sleep(100);
    const after = await fetch(`http://127.0.0.1:${port}/health`);
    expect(after.status).toBe(200);
  });
});
