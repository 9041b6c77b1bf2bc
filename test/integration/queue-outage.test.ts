import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RestartableEmulator, startSqsEmulator } from '../harness/emulators.ts';
import {
  createTestEnvironment,
  type TestEnvironment,
  uniqueEmail,
} from '../harness/environment.ts';
import { recordSuiteMessages } from '../support/secrecy.ts';

/** An SQS of its own, so this file can take it away without touching other files. */
let sqs: RestartableEmulator & { publishedMessageBodies(): string[] };
let t: TestEnvironment;

beforeAll(async () => {
  sqs = await startSqsEmulator();
  t = await createTestEnvironment({
    AWS_ENDPOINT_URL_SQS: sqs.endpoint,
    AWS_REQUEST_TIMEOUT_MS: '1000',
  });
});
afterAll(async () => {
  await t?.close();
  await sqs?.stop();
  recordSuiteMessages(sqs?.publishedMessageBodies() ?? []);
});

describe('when the queue cannot be reached', () => {
  it('answers 503 for commands (nothing accepted) and not ready, while reads still work', async () => {
    const api = await t.startApi();
    const email = uniqueEmail('outage');
    expect((await api.app.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(200);

    await sqs.stop();

    const response = await api.app.inject({
      method: 'POST',
      url: '/users',
      payload: { firstName: 'A', lastName: 'B', emailAddress: email, password: 'password-1' },
    });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({
      code: 'QUEUE_UNAVAILABLE',
      message: 'The command queue cannot be reached; the command was not accepted. Retry later.',
    });
    expect(response.headers['retry-after']).toBe('5');

    const ready = await api.app.inject({ method: 'GET', url: '/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({
      status: 'not ready',
      checks: { sqs: { ok: false }, dynamodb: { ok: true } },
    });

    const read = await api.app.inject({ method: 'GET', url: `/users/${email}` });
    expect(read.statusCode).toBe(404);
  });
});
