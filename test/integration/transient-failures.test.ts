import type { Message } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Api } from '../../api/wiring.ts';
import {
  createTestEnvironment,
  makeCommand,
  SAMPLE_HASH,
  type TestEnvironment,
  uniqueEmail,
} from '../harness/environment.ts';
import { type FaultProxy, startFaultProxy, THROTTLED } from '../support/fault-proxy.ts';

let t: TestEnvironment;
let api: Api;
let proxy: FaultProxy;

beforeAll(async () => {
  t = await createTestEnvironment();
  api = await t.startApi();
  proxy = await startFaultProxy(t.env.AWS_ENDPOINT_URL_DYNAMODB as string);
});
afterAll(async () => {
  await t?.close();
  await proxy?.close();
});

function createCommand() {
  return makeCommand('user.create', {
    emailAddress: uniqueEmail('transient'),
    firstName: 'T',
    lastName: 'F',
    passwordHash: SAMPLE_HASH,
  });
}

async function statusOf(commandId: string) {
  return (await api.app.inject({ method: 'GET', url: `/commands/${commandId}` })).json();
}

async function deadLetterOf(commandId: string): Promise<Message> {
  const seen: Message[] = [];
  return vi.waitFor(
    async () => {
      seen.push(...(await t.receiveDeadLetters()));
      const found = seen.find((m) => JSON.parse(m.Body ?? '{}').commandId === commandId);
      if (!found) throw new Error('not dead-lettered yet');
      return found;
    },
    { timeout: 30_000, interval: 200 },
  );
}

const attribute = (message: Message, name: string) =>
  message.MessageAttributes?.[name]?.StringValue;

describe('a command that fails transiently every time', () => {
  it('shows as retrying, then is dead-lettered by the worker on its last attempt, with the reason, for its client to see', async () => {
    // DynamoDB throttles every transaction but answers everything else: the worker can say so.
    proxy.setRule((operation) => (operation === 'TransactWriteItems' ? THROTTLED : 'pass'));
    const worker = await t.startWorker({ AWS_ENDPOINT_URL_DYNAMODB: proxy.endpoint });
    const command = createCommand();
    await t.publish(command);

    await worker.spy.waitForCommand(command.commandId, { outcome: 'transient' });
    expect(await statusOf(command.commandId)).toMatchObject({
      status: 'retrying',
      failure: 'throttled',
      reason: 'DynamoDB throttled the write (ThrottlingException)',
      attempts: expect.any(Number),
    });

    const exhausted = await worker.spy.waitForCommand(command.commandId, {
      outcome: 'exhausted',
      timeoutMs: 30_000,
    });
    expect(exhausted).toMatchObject({ attempt: 5, action: 'dead-letter' });
    const reason = 'gave up after 5 attempts: DynamoDB throttled the write (ThrottlingException)';
    expect(await statusOf(command.commandId)).toMatchObject({
      commandId: command.commandId,
      status: 'dead-lettered',
      type: 'user.create',
      failure: 'throttled',
      attempts: 5,
      reason,
    });
    const dead = await deadLetterOf(command.commandId);
    expect(attribute(dead, 'error-reason')).toBe(reason);
    expect(attribute(dead, 'error-outcome')).toBe('exhausted');
    expect(attribute(dead, 'attempts')).toBe('5');
    expect(worker.spy.all().filter((s) => s.commandId === command.commandId)).toEqual(
      [1, 2, 3, 4, 5].map((attempt) =>
        expect.objectContaining({
          attempt,
          outcome: attempt < 5 ? 'transient' : 'exhausted',
          action: attempt < 5 ? 'retry' : 'dead-letter',
        }),
      ),
    );
    expect(await t.getUser(command.payload.emailAddress)).toBeUndefined();
    await worker.stop();
  });

  it('is dead-lettered with the reason even when DynamoDB cannot be reached to record it', async () => {
    // A port nobody listens on: every write fails like an outage, the record included.
    const worker = await t.startWorker({ AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:9' });
    const command = createCommand();
    await t.publish(command);

    await worker.spy.waitForCommand(command.commandId, { outcome: 'exhausted', timeoutMs: 30_000 });
    const dead = await deadLetterOf(command.commandId);
    expect(attribute(dead, 'error-reason')).toBe(
      'gave up after 5 attempts: DynamoDB could not be reached (ECONNREFUSED)',
    );
    expect(attribute(dead, 'attempts')).toBe('5');
    // The honest limit: with the table out of reach there is nowhere to record it.
    expect(await t.getCommandRecord(command.commandId)).toBeUndefined();
    expect(await t.getUser(command.payload.emailAddress)).toBeUndefined();
    await worker.stop();
  });
});
