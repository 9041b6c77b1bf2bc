import { randomUUID } from 'node:crypto';
import { ReceiveMessageCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCommandPublisher } from '../../api/command-publisher.ts';
import { QueueUnavailableError } from '../../api/errors.ts';
import {
  createTestEnvironment,
  makeCommand,
  type TestEnvironment,
  uniqueEmail,
} from '../harness/environment.ts';

let t: TestEnvironment;
const batchCalls: number[] = [];

beforeAll(async () => {
  t = await createTestEnvironment();
  // Count the SendMessageBatch calls the real client makes (observation, not a stub).
  t.sqs.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === SendMessageBatchCommand.name) {
        batchCalls.push((args.input as { Entries: unknown[] }).Entries.length);
      }
      return next(args);
    },
    { step: 'initialize', name: 'countBatches' },
  );
});
afterAll(async () => t?.close());

async function drainQueue(): Promise<string[]> {
  const bodies: string[] = [];
  for (;;) {
    const { Messages = [] } = await t.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: t.queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        VisibilityTimeout: 60,
      }),
    );
    if (Messages.length === 0) return bodies;
    bodies.push(...Messages.map((m) => m.Body ?? ''));
  }
}

describe('the command publisher', () => {
  it('coalesces concurrent commands into batches of at most 10, and stores every one', async () => {
    batchCalls.length = 0;
    const publisher = createCommandPublisher(t.sqs, t.queueUrl, { batchWindowMs: 5 });
    const commands = Array.from({ length: 25 }, () =>
      makeCommand('user.delete', { emailAddress: uniqueEmail('batch') }),
    );
    await Promise.all(commands.map((command) => publisher.publish(command)));
    expect(batchCalls).toEqual([10, 10, 5]);
    const stored = (await drainQueue()).map((body) => JSON.parse(body).commandId).sort();
    expect(stored).toEqual(commands.map((c) => c.commandId).sort());
  });

  it('fails only the caller whose message SQS refuses', async () => {
    const publisher = createCommandPublisher(t.sqs, t.queueUrl, { batchWindowMs: 5 });
    const good = makeCommand('user.delete', { emailAddress: uniqueEmail('good') });
    // Over SQS's 1 MiB message limit: the API's body limit makes this impossible over HTTP.
    const tooBig = makeCommand('user.update', {
      emailAddress: uniqueEmail('big'),
      firstName: 'x'.repeat(1_100_000),
    });
    const results = await Promise.allSettled([publisher.publish(good), publisher.publish(tooBig)]);
    expect(results[0]).toEqual({ status: 'fulfilled', value: undefined });
    expect(results[1]?.status).toBe('rejected');
    expect((results[1] as PromiseRejectedResult).reason).not.toBeInstanceOf(QueueUnavailableError);
    expect((await drainQueue()).map((body) => JSON.parse(body).commandId)).toEqual([
      good.commandId,
    ]);
  });

  it('rejects every caller with QueueUnavailableError when SQS cannot be reached', async () => {
    const publisher = createCommandPublisher(
      t.sqs,
      t.queueUrl.replace(/[^/]+$/, `missing-${randomUUID()}.fifo`),
      {
        batchWindowMs: 1,
      },
    );
    const results = await Promise.allSettled([
      publisher.publish(makeCommand('user.delete', { emailAddress: uniqueEmail() })),
      publisher.publish(makeCommand('user.delete', { emailAddress: uniqueEmail() })),
    ]);
    for (const result of results) {
      expect((result as PromiseRejectedResult).reason).toBeInstanceOf(QueueUnavailableError);
    }
  });
});
