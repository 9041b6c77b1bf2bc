import { type Message, SendMessageCommand } from '@aws-sdk/client-sqs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestEnvironment, type TestEnvironment } from '../harness/environment.ts';
import { type ServiceProcess, startService, stopService } from '../harness/processes.ts';
import { type HostileMessage, hostileMessage } from './support/hostile-messages.ts';

let t: TestEnvironment;
let worker: ServiceProcess;

beforeAll(async () => {
  t = await createTestEnvironment();
  // A real worker process, so "never crashes" means the process, not a promise.
  worker = await startService('worker', { ...t.env, LOG_LEVEL: 'info' });
});
afterAll(async () => {
  await stopService(worker);
  await t?.close();
});

async function publish(message: HostileMessage): Promise<string> {
  const { MessageId } = await t.sqs.send(
    new SendMessageCommand({
      QueueUrl: t.queueUrl,
      MessageBody: message.body,
      MessageGroupId: message.groupId,
      MessageDeduplicationId: `prop-${Math.random().toString(36).slice(2)}`,
      MessageAttributes: message.attributes,
    }),
  );
  return MessageId ?? '';
}

describe('hostile queue messages', () => {
  it('dead-letters every bad message with a reason, applies every good one, and never crashes', async () => {
    const deadLetters = new Map<string, Message>();
    const tally = { deadLettered: 0, applied: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.array(hostileMessage, { minLength: 10, maxLength: 20 }),
        async (batch) => {
          const sent = await Promise.all(batch.map(async (m) => ({ m, id: await publish(m) })));
          // Settled when each message is in the dead-letter queue or has its command record.
          const fates = await vi.waitFor(
            async () => {
              for (const d of await t.receiveDeadLetters()) {
                deadLetters.set(
                  String(d.MessageAttributes?.['original-message-id']?.StringValue),
                  d,
                );
              }
              return Promise.all(
                sent.map(async ({ m, id }) => {
                  const dead = deadLetters.get(id);
                  const record = m.commandId ? await t.getCommandRecord(m.commandId) : undefined;
                  // The worker records an invalid command as such, then dead-letters it.
                  const invalid = record?.status === 'invalid';
                  if (!dead && (!record || invalid)) throw new Error(`${m.kind} ${id} not settled`);
                  return { m, dead, record };
                }),
              );
            },
            { timeout: 30_000, interval: 200 },
          );
          for (const { m, dead, record } of fates) {
            const reason = dead?.MessageAttributes?.['error-reason']?.StringValue;
            const context = `${m.kind}: ${m.body.slice(0, 200)} -> ${reason ?? record?.status}`;
            tally[dead ? 'deadLettered' : 'applied'] += 1;
            if (dead) {
              // Dead-lettered by the worker at once, always with a reason, never applied.
              expect(reason, context).toMatch(m.reason ?? /./);
              expect(m.fate, context).not.toBe('apply');
              expect(await t.getUser(m.emailAddress), context).toBeUndefined();
              if (record) expect(record, context).toMatchObject({ status: 'invalid', reason });
            } else {
              expect(m.fate, context).not.toBe('dead-letter');
              expect(record?.status, context).toBe('succeeded');
              expect(await t.getUser(m.emailAddress), context).toBeDefined();
            }
          }
        },
      ),
      // Each run is a round trip through SQS and DynamoDB: few runs, no time on shrinking.
      { numRuns: 8, endOnFailure: true },
    );
    // Both fates really happened: the property was not passed by doing nothing.
    expect(tally.deadLettered).toBeGreaterThan(20);
    expect(tally.applied).toBeGreaterThan(5);
    expect(await t.queueDepth()).toEqual({ visible: 0, inFlight: 0 });
    expect(worker.isRunning()).toBe(true);
    expect(worker.logs().filter((e) => Number(e.level) >= 50)).toEqual([]);
    expect(worker.strayOutput()).toBe('');
  }, 120_000);
});
