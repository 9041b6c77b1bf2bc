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
  t = await createTestEnvironment();
  api = await t.startApi();
  await t.startWorker();
});
afterAll(async () => t?.close());

async function send(
  method: 'POST' | 'PATCH' | 'DELETE',
  email: string,
  payload?: object,
): Promise<string> {
  const response = await api.app.inject({
    method,
    url: method === 'POST' ? '/users' : `/users/${email}`,
    ...(payload ? { payload } : {}),
  });
  expect(response.statusCode).toBe(202);
  return response.json().commandId;
}

async function recordsOf(commandIds: string[]) {
  return vi.waitFor(
    async () => {
      const records = await Promise.all(commandIds.map((id) => t.getCommandRecord(id)));
      if (records.some((record) => !record)) throw new Error('not all processed yet');
      return records.map((record) => record as NonNullable<typeof record>);
    },
    { timeout: 30_000, interval: 100 },
  );
}

describe('per-user order', () => {
  it('applies create, update, delete of one email submitted back to back in order', async () => {
    const email = uniqueEmail('order');
    // Sent without waiting for each other: only the queue's per-user order can save them.
    const ids = [
      await send('POST', email, {
        firstName: 'A',
        lastName: 'B',
        emailAddress: email,
        password: 'password-1',
      }),
      await send('PATCH', email, { lastName: 'C' }),
      await send('DELETE', email),
    ];
    const records = await recordsOf(ids);
    expect(records.map((record) => [record.type, record.status])).toEqual([
      ['user.create', 'succeeded'],
      ['user.update', 'succeeded'],
      ['user.delete', 'succeeded'],
    ]);
    const processed = records.map((record) => record.processedAt);
    expect([...processed].sort()).toEqual(processed);
    expect(await t.getUser(email)).toBeUndefined();
  });

  it('gets every final state right for fifty users with three commands each, interleaved', async () => {
    const users = Array.from({ length: 50 }, (_, index) => ({
      email: uniqueEmail('fifty'),
      index,
    }));
    const ids: string[] = [];
    // Round by round: every user's create, then every user's update, then every third user's delete.
    ids.push(
      ...(await Promise.all(
        users.map(({ email }) =>
          send('POST', email, {
            firstName: 'First',
            lastName: 'Last',
            emailAddress: email,
            password: 'password-1',
          }),
        ),
      )),
    );
    ids.push(
      ...(await Promise.all(
        users.map(({ email, index }) => send('PATCH', email, { firstName: `Name ${index}` })),
      )),
    );
    ids.push(
      ...(await Promise.all(
        users.map(({ email, index }) =>
          index % 3 === 0
            ? send('DELETE', email)
            : send('PATCH', email, { lastName: `Final ${index}` }),
        ),
      )),
    );

    const records = await recordsOf(ids);
    expect(records.every((record) => record.status === 'succeeded')).toBe(true);
    for (const { email, index } of users) {
      const item = await t.getUser(email);
      if (index % 3 === 0) expect(item).toBeUndefined();
      else expect(item).toMatchObject({ firstName: `Name ${index}`, lastName: `Final ${index}` });
    }
    expect(await t.scanTable('commands')).toHaveLength(3 + 150);
  });
});
