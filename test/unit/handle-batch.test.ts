import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { DeadLetterDetails } from '../../shared/contract/message.ts';
import type { Logger } from '../../shared/logger.ts';
import {
  type BatchOptions,
  handleBatch,
  type QueueActions,
  type ReceivedMessage,
  type SettledMessage,
} from '../../worker/handle-batch.ts';
import type { WorkerMetrics } from '../../worker/metrics.ts';
import type { Outcome } from '../../worker/outcomes.ts';
import type { ProcessedMessage } from '../../worker/process-message.ts';
import { captureLogs } from '../support/capture-logs.ts';

const silent = pino({ level: 'silent' });
const throttled = new Error('throttled');
const transient: Outcome = {
  kind: 'transient',
  failure: 'throttled',
  reason: 'slow',
  error: throttled,
};

function received(
  id: string,
  group: string | undefined,
  attributes: Record<string, string> = {},
): ReceivedMessage {
  return {
    MessageId: id,
    ReceiptHandle: `receipt-${id}`,
    Body: '{}',
    Attributes: { MessageGroupId: group, ApproximateReceiveCount: '1', ...attributes },
  };
}

/** A fake `process`: each message's outcome by id (default succeeded); records what started. */
function fakeProcess(outcomes: Record<string, Outcome> = {}, log: Logger = silent) {
  const started: string[] = [];
  const process = async (message: ReceivedMessage): Promise<ProcessedMessage> => {
    const id = message.MessageId ?? '(none)';
    started.push(id);
    return {
      outcome: outcomes[id] ?? { kind: 'succeeded' },
      commandId: `command-${id}`,
      type: 'user.create',
      attempt: Number(message.Attributes?.ApproximateReceiveCount),
      log,
    };
  };
  return { process, started };
}

/** A fake queue that records what it was asked to do, and fails when told to. */
function fakeQueue(fail: { deadLetter?: boolean; changeVisibility?: boolean } = {}) {
  const deadLetters: { messageId: string | undefined; details: DeadLetterDetails }[] = [];
  const visibilityChanges: { messageId: string | undefined; seconds: number }[][] = [];
  const queue: QueueActions<ReceivedMessage> = {
    async deadLetter(message, details) {
      deadLetters.push({ messageId: message.MessageId, details });
      if (fail.deadLetter) throw new Error('SQS is down');
    },
    async changeVisibility(entries) {
      visibilityChanges.push(
        entries.map(({ message, seconds }) => ({ messageId: message.MessageId, seconds })),
      );
      if (fail.changeVisibility) throw new Error('SQS is down');
    },
  };
  return { queue, deadLetters, visibilityChanges };
}

function fakeMetrics() {
  const settled: Parameters<WorkerMetrics['settled']>[0][] = [];
  const metrics: WorkerMetrics = {
    registry: undefined as never,
    settled: (fields) => settled.push(fields),
    receiveFailed: () => undefined,
    receiveSucceeded: () => undefined,
  };
  return { metrics, settled };
}

function options(
  overrides: Partial<BatchOptions<ReceivedMessage>> = {},
): BatchOptions<ReceivedMessage> {
  return {
    queueName: 'user-commands.fifo',
    process: fakeProcess().process,
    queue: fakeQueue().queue,
    log: silent,
    metrics: fakeMetrics().metrics,
    retryBaseSeconds: 2,
    visibilityTimeoutSeconds: 60,
    heartbeatSeconds: 20,
    isStopping: () => false,
    ...overrides,
  };
}

function ids(messages: ReceivedMessage[]): (string | undefined)[] {
  return messages.map((m) => m.MessageId).sort();
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

afterEach(() => {
  vi.useRealTimers();
});

describe('handling a batch', () => {
  it('processes a group strictly in order while other groups run alongside', async () => {
    // Prepare
    const started: string[] = [];
    const gates = new Map<string, () => void>();
    const process = async (message: ReceivedMessage): Promise<ProcessedMessage> => {
      const id = message.MessageId ?? '';
      started.push(id);
      await new Promise<void>((resolve) => gates.set(id, resolve));
      return {
        outcome: { kind: 'succeeded' },
        commandId: id,
        type: undefined,
        attempt: 1,
        log: silent,
      };
    };
    const messages = [received('a1', 'A'), received('b1', 'B'), received('a2', 'A')];

    // Act
    const handling = handleBatch(messages, options({ process }));
    await flush();
    const startedFirst = [...started];
    gates.get('b1')?.();
    await flush();
    const afterB1 = [...started];
    gates.get('a1')?.();
    await flush();
    const afterA1 = [...started];
    gates.get('a2')?.();
    const acknowledged = await handling;

    // Assess
    expect(startedFirst).toEqual(['a1', 'b1']);
    expect(afterB1).toEqual(['a1', 'b1']);
    expect(afterA1).toEqual(['a1', 'b1', 'a2']);
    expect(ids(acknowledged)).toEqual(['a1', 'a2', 'b1']);
  });

  it('acknowledges every message whose outcome was settled for good', async () => {
    // Prepare
    const { process, started } = fakeProcess({
      m2: { kind: 'rejected', reason: 'taken' },
      m3: { kind: 'duplicate' },
      m4: { kind: 'conflict', reason: 'reused id' },
    });
    const { queue, visibilityChanges } = fakeQueue();
    const messages = ['m1', 'm2', 'm3', 'm4'].map((id) => received(id, 'G'));

    // Act
    const acknowledged = await handleBatch(messages, options({ process, queue }));

    // Assess
    expect(started).toEqual(['m1', 'm2', 'm3', 'm4']);
    expect(acknowledged).toEqual(messages);
    expect(visibilityChanges).toEqual([]);
  });

  it('leaves a retried message and the rest of its group on the queue, with its backoff', async () => {
    // Prepare
    const { process, started } = fakeProcess({ a2: transient });
    const { queue, visibilityChanges } = fakeQueue();
    const messages = [
      received('a1', 'A'),
      received('a2', 'A', { ApproximateReceiveCount: '3' }),
      received('a3', 'A', { ApproximateReceiveCount: '2' }),
      received('b1', 'B'),
    ];

    // Act
    const acknowledged = await handleBatch(messages, options({ process, queue }));

    // Assess
    expect(started.sort()).toEqual(['a1', 'a2', 'b1']);
    expect(ids(acknowledged)).toEqual(['a1', 'b1']);
    expect(visibilityChanges).toEqual([
      [
        { messageId: 'a2', seconds: 8 },
        { messageId: 'a3', seconds: 4 },
      ],
    ]);
  });

  it('renews only the messages still in hand while a batch runs long, never one handed back', async () => {
    // Prepare: group A fails at once (handed back), group B takes a while.
    const slow = fakeProcess({ a1: transient });
    const process = async (message: ReceivedMessage) => {
      if (message.MessageId === 'b1') await new Promise((resolve) => setTimeout(resolve, 250));
      return slow.process(message);
    };
    const { queue, visibilityChanges } = fakeQueue();
    const messages = [received('a1', 'A'), received('a2', 'A'), received('b1', 'B')];

    // Act
    const acknowledged = await handleBatch(
      messages,
      options({ process, queue, heartbeatSeconds: 0.05, visibilityTimeoutSeconds: 60 }),
    );

    // Assess: renewals (60 s) kept b1 hidden, and the backoff of a1 and a2 came last.
    expect(ids(acknowledged)).toEqual(['b1']);
    const renewals = visibilityChanges.slice(0, -1);
    expect(renewals.length).toBeGreaterThanOrEqual(2);
    expect(renewals.every((change) => change.length === 1 && change[0]?.messageId === 'b1')).toBe(
      true,
    );
    expect(renewals.every((change) => change[0]?.seconds === 60)).toBe(true);
    expect(visibilityChanges.at(-1)).toEqual([
      { messageId: 'a1', seconds: 2 },
      { messageId: 'a2', seconds: 2 },
    ]);
  });

  it('stops renewing when the batch ends, and lets a renewal in flight land first', async () => {
    // Prepare: a renewal that takes a while to answer, and a batch that outlasts one beat.
    const { queue, visibilityChanges } = fakeQueue();
    const answered: string[] = [];
    const slowQueue: QueueActions<ReceivedMessage> = {
      ...queue,
      async changeVisibility(entries) {
        await queue.changeVisibility(entries);
        await new Promise((resolve) => setTimeout(resolve, 60));
        answered.push(entries.map((e) => e.message.MessageId).join());
      },
    };
    const process = async (message: ReceivedMessage) => {
      await new Promise((resolve) => setTimeout(resolve, 80));
      return fakeProcess().process(message);
    };

    // Act
    await handleBatch(
      [received('a1', 'A')],
      options({ process, queue: slowQueue, heartbeatSeconds: 0.05 }),
    );
    const answeredAtReturn = [...answered];
    await new Promise((resolve) => setTimeout(resolve, 200));

    // Assess: the renewal was answered before the batch returned, and none came after.
    expect(answeredAtReturn).toEqual(['a1']);
    expect(visibilityChanges).toHaveLength(1);
  });

  it('backs off from the base delay when a message tells no receive count', async () => {
    // Prepare
    const { process } = fakeProcess({ m1: transient });
    const { queue, visibilityChanges } = fakeQueue();
    const message: ReceivedMessage = { MessageId: 'm1', Attributes: { MessageGroupId: 'G' } };

    // Act
    await handleBatch([message], options({ process, queue, retryBaseSeconds: 5 }));

    // Assess
    expect(visibilityChanges).toEqual([[{ messageId: 'm1', seconds: 5 }]]);
  });

  it('keeps messages without a group apart, each in a group of its own id', async () => {
    // Prepare
    const { process, started } = fakeProcess({ m1: transient });
    const messages = [received('m1', undefined), received('m2', undefined)];

    // Act
    const acknowledged = await handleBatch(messages, options({ process }));

    // Assess
    expect(started).toEqual(['m1', 'm2']);
    expect(ids(acknowledged)).toEqual(['m2']);
  });

  it('keeps messages with neither a group nor an id together, in order', async () => {
    // Prepare
    const started: (string | undefined)[] = [];
    const process = async (message: ReceivedMessage): Promise<ProcessedMessage> => {
      started.push(message.Body);
      return { outcome: transient, commandId: undefined, type: undefined, attempt: 1, log: silent };
    };
    const messages: ReceivedMessage[] = [{ Body: 'first' }, { Body: 'second' }];

    // Act
    const acknowledged = await handleBatch(messages, options({ process }));

    // Assess
    expect(started).toEqual(['first']);
    expect(acknowledged).toEqual([]);
  });

  it('dead-letters an invalid message with why, acknowledges it and goes on with its group', async () => {
    // Prepare
    const { process, started } = fakeProcess({ m1: { kind: 'invalid', reason: 'not JSON' } });
    const { queue, deadLetters, visibilityChanges } = fakeQueue();
    const messages = [received('m1', 'G', { ApproximateReceiveCount: '2' }), received('m2', 'G')];

    // Act
    const acknowledged = await handleBatch(messages, options({ process, queue }));

    // Assess
    expect(deadLetters).toEqual([
      { messageId: 'm1', details: { reason: 'not JSON', attempts: 2, outcome: 'invalid' } },
    ]);
    expect(started).toEqual(['m1', 'm2']);
    expect(acknowledged).toEqual(messages);
    expect(visibilityChanges).toEqual([]);
  });

  it('dead-letters a message that failed on its last attempt as exhausted', async () => {
    // Prepare
    const exhausted: Outcome = {
      kind: 'exhausted',
      failure: 'unreachable',
      reason: 'gave up after 5 attempts: DynamoDB could not be reached (ECONNREFUSED)',
      error: new Error('x'),
    };
    const { process } = fakeProcess({ m1: exhausted });
    const { queue, deadLetters } = fakeQueue();
    const message = received('m1', 'G', { ApproximateReceiveCount: '5' });

    // Act
    const acknowledged = await handleBatch([message], options({ process, queue }));

    // Assess
    expect(deadLetters).toEqual([
      {
        messageId: 'm1',
        details: {
          reason: 'gave up after 5 attempts: DynamoDB could not be reached (ECONNREFUSED)',
          attempts: 5,
          outcome: 'exhausted',
        },
      },
    ]);
    expect(acknowledged).toEqual([message]);
  });

  it('retries a message it could not dead-letter instead of deleting it', async () => {
    // Prepare
    const { process, started } = fakeProcess({ m1: { kind: 'invalid', reason: 'not JSON' } });
    const { queue, visibilityChanges } = fakeQueue({ deadLetter: true });
    const settled: SettledMessage[] = [];
    const messages = [received('m1', 'G'), received('m2', 'G')];

    // Act
    const acknowledged = await handleBatch(
      messages,
      options({ process, queue, onSettled: (s) => settled.push(s) }),
    );

    // Assess
    expect(acknowledged).toEqual([]);
    expect(started).toEqual(['m1']);
    expect(visibilityChanges).toEqual([
      [
        { messageId: 'm1', seconds: 2 },
        { messageId: 'm2', seconds: 2 },
      ],
    ]);
    expect(settled.map((s) => [s.outcome, s.action])).toEqual([['invalid', 'retry']]);
  });

  it('logs why a message could not be dead-lettered', async () => {
    // Prepare
    const { log, entries } = captureLogs('unit');
    const { process } = fakeProcess({ m1: { kind: 'invalid', reason: 'not JSON' } }, log);
    const { queue } = fakeQueue({ deadLetter: true });

    // Act
    await handleBatch([received('m1', 'G')], options({ process, queue }));

    // Assess
    expect(entries()[0]).toMatchObject({
      level: 40,
      msg: 'could not dead-letter the message; it stays on the queue',
      err: { message: 'SQS is down' },
    });
  });

  it('releases messages not started yet at once when the worker is stopping', async () => {
    // Prepare
    const { log, entries } = captureLogs('unit');
    const { process, started } = fakeProcess();
    const { queue, visibilityChanges } = fakeQueue();
    const messages = [received('a1', 'A', { ApproximateReceiveCount: '4' }), received('a2', 'A')];

    // Act
    const acknowledged = await handleBatch(
      messages,
      options({ process, queue, log, isStopping: () => true }),
    );

    // Assess
    expect(started).toEqual([]);
    expect(acknowledged).toEqual([]);
    expect(visibilityChanges).toEqual([
      [
        { messageId: 'a1', seconds: 0 },
        { messageId: 'a2', seconds: 0 },
      ],
    ]);
    expect(entries()).toEqual([
      expect.objectContaining({ level: 30, released: 2, msg: 'released unstarted messages' }),
    ]);
  });

  it('finishes the message in hand when the stop comes, and releases the rest after the retries', async () => {
    // Prepare
    let stopping = false;
    const { process: processOne, started } = fakeProcess({ b1: transient });
    const process = async (message: ReceivedMessage) => {
      const processed = await processOne(message);
      stopping = true;
      return processed;
    };
    const { queue, visibilityChanges } = fakeQueue();
    const messages = [received('a1', 'A'), received('a2', 'A'), received('b1', 'B')];

    // Act
    const acknowledged = await handleBatch(
      messages,
      options({ process, queue, isStopping: () => stopping }),
    );

    // Assess
    expect(started).toEqual(['a1', 'b1']);
    expect(ids(acknowledged)).toEqual(['a1']);
    expect(visibilityChanges).toEqual([
      [
        { messageId: 'b1', seconds: 2 },
        { messageId: 'a2', seconds: 0 },
      ],
    ]);
  });

  it('says nothing about releasing when no message was released', async () => {
    // Prepare
    const { log, entries } = captureLogs('unit');

    // Act
    await handleBatch([received('m1', 'G')], options({ log }));

    // Assess
    expect(entries()).toEqual([]);
  });

  it('swallows a failed visibility change: the messages reappear after their timeout anyway', async () => {
    // Prepare
    const { log, entries } = captureLogs('unit');
    const { process } = fakeProcess({ m2: transient });
    const { queue, visibilityChanges } = fakeQueue({ changeVisibility: true });
    const messages = [received('m1', 'G'), received('m2', 'G')];

    // Act
    const acknowledged = await handleBatch(messages, options({ process, queue, log }));

    // Assess
    expect(ids(acknowledged)).toEqual(['m1']);
    expect(visibilityChanges).toHaveLength(1);
    expect(entries()).toEqual([
      expect.objectContaining({
        level: 40,
        msg: 'could not change the visibility of messages left on the queue',
        err: expect.objectContaining({ message: 'SQS is down' }),
      }),
    ]);
  });

  it('reports one settled event per processed message, with its outcome and action', async () => {
    // Prepare
    const { process } = fakeProcess({
      m2: { kind: 'rejected', reason: 'a user with this email already exists' },
      m3: transient,
    });
    const settled: SettledMessage[] = [];
    const messages = [
      received('m1', 'G'),
      received('m2', 'G', { ApproximateReceiveCount: '2' }),
      received('m3', 'G', { ApproximateReceiveCount: '3' }),
      received('m4', 'G'),
    ];

    // Act
    await handleBatch(messages, options({ process, onSettled: (s) => settled.push(s) }));

    // Assess
    expect(settled).toEqual([
      {
        messageId: 'm1',
        commandId: 'command-m1',
        type: 'user.create',
        outcome: 'succeeded',
        action: 'acknowledge',
        attempt: 1,
        reason: undefined,
      },
      {
        messageId: 'm2',
        commandId: 'command-m2',
        type: 'user.create',
        outcome: 'rejected',
        action: 'acknowledge',
        attempt: 2,
        reason: 'a user with this email already exists',
      },
      {
        messageId: 'm3',
        commandId: 'command-m3',
        type: 'user.create',
        outcome: 'transient',
        action: 'retry',
        attempt: 3,
        reason: 'slow',
      },
    ]);
  });

  it('tells the metrics each message’s outcome, action, attempt, duration and age', async () => {
    // Prepare
    vi.useFakeTimers({ toFake: ['Date', 'performance'] });
    vi.setSystemTime(new Date('2026-03-01T12:00:00.000Z'));
    const sentAt = Date.now() - 10_000;
    const { process: processOne } = fakeProcess({ m2: { kind: 'invalid', reason: 'x' } });
    const process = async (message: ReceivedMessage) => {
      vi.advanceTimersByTime(1500);
      return processOne(message);
    };
    const { metrics, settled } = fakeMetrics();
    const messages = [
      received('m1', 'G', { SentTimestamp: String(sentAt) }),
      received('m2', 'G', { ApproximateReceiveCount: '2' }),
      received('m3', 'G', { SentTimestamp: String(Date.now() + 60_000) }),
    ];

    // Act
    await handleBatch(messages, options({ process, metrics }));

    // Assess
    expect(settled).toEqual([
      {
        type: 'user.create',
        outcome: 'succeeded',
        action: 'acknowledge',
        attempt: 1,
        durationSeconds: 1.5,
        lagSeconds: 10,
      },
      {
        type: 'user.create',
        outcome: 'invalid',
        action: 'dead-letter',
        attempt: 2,
        durationSeconds: 1.5,
        lagSeconds: undefined,
      },
      {
        type: 'user.create',
        outcome: 'succeeded',
        action: 'acknowledge',
        attempt: 1,
        durationSeconds: 1.5,
        lagSeconds: 0,
      },
    ]);
  });
});

describe('the log line of a settled message', () => {
  const error = new Error('boom');
  const err = expect.objectContaining({ message: 'boom' });
  const rows: { outcome: Outcome; level: number; msg: string; fields: object }[] = [
    { outcome: { kind: 'succeeded' }, level: 30, msg: 'command processed', fields: {} },
    { outcome: { kind: 'duplicate' }, level: 30, msg: 'command processed', fields: {} },
    {
      outcome: { kind: 'rejected', reason: 'taken' },
      level: 40,
      msg: 'command rejected',
      fields: { reason: 'taken' },
    },
    {
      outcome: { kind: 'conflict', reason: 'reused' },
      level: 40,
      msg: 'command rejected',
      fields: { reason: 'reused' },
    },
    {
      outcome: { kind: 'invalid', reason: 'not JSON' },
      level: 40,
      msg: 'command rejected',
      fields: { reason: 'not JSON' },
    },
    {
      outcome: { kind: 'transient', failure: 'throttled', reason: 'slow', error },
      level: 40,
      msg: 'command failed transiently, will retry',
      fields: { failure: 'throttled', err },
    },
    {
      outcome: { kind: 'exhausted', failure: 'unexpected', reason: 'gave up', error },
      level: 50,
      msg: 'command failed on its last attempt; dead-lettered',
      fields: { failure: 'unexpected', err },
    },
  ];

  it.each(rows)(
    'logs a $outcome.kind outcome at level $level',
    async ({ outcome, level, msg, fields }) => {
      // Prepare
      vi.useFakeTimers({ toFake: ['performance'] });
      const { log, entries } = captureLogs('unit');
      const { process: processOne } = fakeProcess({ m1: outcome }, log);
      const process = async (message: ReceivedMessage) => {
        vi.advanceTimersByTime(250);
        return processOne(message);
      };

      // Act
      await handleBatch(
        [received('m1', 'G', { ApproximateReceiveCount: '2' })],
        options({ process }),
      );

      // Assess
      expect(entries()).toEqual([
        expect.objectContaining({
          level,
          msg,
          outcome: outcome.kind,
          action: expect.any(String),
          durationMs: 250,
          receiveCount: 2,
          ...fields,
        }),
      ]);
    },
  );
});
