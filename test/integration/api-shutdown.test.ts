import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Api } from '../../api/wiring.ts';
import { createTestEnvironment, type TestEnvironment } from '../harness/environment.ts';

let t: TestEnvironment;
let api: Api;
let port: number;

beforeAll(async () => {
  t = await createTestEnvironment();
  api = await t.startApi();
  port = Number(new URL(await api.app.listen({ port: 0, host: '127.0.0.1' })).port);
});
afterAll(async () => t?.close());

/** A raw connection, to control exactly when each byte of a request arrives. */
function openConnection() {
  const socket = connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  socket.on('data', (chunk) => chunks.push(chunk));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return {
    write: (text: string) => socket.write(text),
    /** Everything the server sent, once it closed the connection. */
    answer: async () => {
      await closed;
      return Buffer.concat(chunks).toString('utf8');
    },
  };
}

describe('the API while it shuts down', () => {
  it('finishes what is in flight, and refuses a request that arrives meanwhile with a JSON 503', async () => {
    const inFlight = openConnection();
    inFlight.write('GET /commands/never-sent?waitSeconds=1 HTTP/1.1\r\nHost: api\r\n\r\n');
    // A request whose last header line is still on its way when the shutdown starts.
    const arriving = openConnection();
    arriving.write('GET /health HTTP/1.1\r\nHost: api\r\n');
    await sleep(100);
    const closing = api.app.close();
    await sleep(100);
    arriving.write('\r\n');

    const late = await arriving.answer();
    expect(late).toMatch(/^HTTP\/1\.1 503 /);
    expect(late.toLowerCase()).toContain('connection: close');
    expect(late.toLowerCase()).toContain('retry-after: 1');
    expect(JSON.parse(late.slice(late.indexOf('\r\n\r\n') + 4))).toEqual({
      code: 'SHUTTING_DOWN',
      message: 'The server is shutting down; retry the request.',
    });
    const first = await inFlight.answer();
    expect(first).toMatch(/^HTTP\/1\.1 200 /);
    expect(first.toLowerCase()).toContain('connection: close');
    expect(first).toContain('{"commandId":"never-sent","status":"pending"}');
    await closing;
  });
});
