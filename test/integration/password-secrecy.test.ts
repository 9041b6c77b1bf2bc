import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Api } from '../../api/wiring.ts';
import {
  createTestEnvironment,
  type TestEnvironment,
  uniqueEmail,
} from '../harness/environment.ts';

let t: TestEnvironment;
let api: Api;

beforeAll(async () => {
  t = await createTestEnvironment({ LOG_LEVEL: 'trace' });
  api = await t.startApi();
});
afterAll(async () => t?.close());

describe('the plaintext password never leaves the API process', () => {
  it('is in no queue message, table item, response or log line, even at trace level', async () => {
    const email = uniqueEmail('secret');
    const createPassword = 'Tr0ub4dor&3-create';
    const updatePassword = 'Tr0ub4dor&3-update';
    const responses: string[] = [];
    const created = await api.app.inject({
      method: 'POST',
      url: '/users',
      payload: { firstName: 'S', lastName: 'P', emailAddress: email, password: createPassword },
    });
    // Another user, so the two messages sit in different FIFO groups and can both be read.
    const otherEmail = uniqueEmail('secret-other');
    const updated = await api.app.inject({
      method: 'PATCH',
      url: `/users/${otherEmail}`,
      payload: { password: updatePassword },
    });
    // A rejected request echoes nothing of the password either.
    const refused = await api.app.inject({
      method: 'POST',
      url: '/users',
      payload: { firstName: 'S', lastName: 'P', emailAddress: 'bad', password: createPassword },
    });
    responses.push(created.body, updated.body, refused.body);
    expect([created.statusCode, updated.statusCode, refused.statusCode]).toEqual([202, 202, 400]);

    // Read the messages as they sit on the queue, before any worker touches them.
    const { Messages = [] } = await t.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: t.queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 2,
        VisibilityTimeout: 0,
      }),
    );
    expect(Messages).toHaveLength(2);
    const bodies = Messages.map((message) => message.Body ?? '');
    for (const body of bodies) expect(JSON.parse(body).payload.passwordHash).toMatch(/^\$2[aby]\$/);

    await t.startWorker();
    await vi.waitFor(
      async () => {
        expect(await t.getUser(email)).toBeDefined();
        expect(await t.getCommandRecord(updated.json().commandId)).toMatchObject({
          status: 'rejected',
        });
      },
      { timeout: 15_000 },
    );
    const items = [...(await t.scanTable('users')), ...(await t.scanTable('commands'))].map(
      (item) => JSON.stringify(item, (_key, value) => (value instanceof Set ? [...value] : value)),
    );
    const read = await api.app.inject({ method: 'GET', url: `/users/${email}` });
    responses.push(read.body);

    const everything = [...bodies, ...items, ...responses, ...t.logs.lines];
    expect(t.logs.lines.length).toBeGreaterThan(5);
    for (const password of [createPassword, updatePassword]) {
      expect(everything.filter((text) => text.includes(password))).toEqual([]);
    }
    // Logs carry ids, not personal data: the emails in request paths are masked.
    expect(
      t.logs.lines.filter((line) => line.includes(email) || line.includes(otherEmail)),
    ).toEqual([]);
    // The hash stays in the table: not in responses, not in logs.
    const hash = String((await t.getUser(email))?.passwordHash);
    expect([...responses, ...t.logs.lines].filter((text) => text.includes(hash))).toEqual([]);
  });
});
