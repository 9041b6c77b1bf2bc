import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { pino } from 'pino';
import { Consumer } from 'sqs-consumer';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Logger } from '../../shared/logger.ts';
import { type CommandConsumer, createCommandConsumer } from '../../worker/consumer.ts';
import type { WorkerMetrics } from '../../worker/metrics.ts';
import type { Outcome } from '../../worker/outcomes.ts';
import type { ProcessedMessage } from '../../worker/process-message.ts';
import { captureLogs } from '../support/capture-logs.ts';

const sqs = mockClient(SQSClient);
const QUEUE_URL = 'http://sqs.test/000000000000/user-commands.fifo';
const DLQ_URL = 'http://sqs.test/000000000000/user-commands-dlq.fifo';
const silent = pino({ level: 'silent' });
const consumers: CommandConsumer[] = [];

function message(id: string, fields: Partial<Message> = {}): Message {
  return {
    MessageId: id,
    ReceiptHandle: `receipt-${id}`,
    Body: `{"id":"${id}"}`,
    Attributes: { MessageGroupId: 'G', ApproximateReceiveCount: '1', SentTimestamp: '1000' },
    ...fields,
  };
}

/** Answers one receive with these messages, and every later one with none, after a pause. */
function receiveOnce(messages: Message[]) {
  sqs
    .on(ReceiveMessageCommand)
    .resolvesOnce({ Messages: messages })
    .callsFake(async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      return {};
    });
}

function consumer(
  options: {
    outcomes?: Record<string, Outcome>;
    process?: (message: Message) => Promise<ProcessedMessage>;
    log?: Logger;
    stallSeconds?: number;
    pollers?: number;
    visibilityTimeoutSeconds?: number;
  } = {},
) {
  let receiveFailures = 0;
  const metrics: WorkerMetrics = {
    registry: undefined as never,
    settled: () => undefined,
    receiveFailed: () => {
      receiveFailures += 1;
    },
    receiveSucceeded: () => undefined,
  };
  const process =
    options.process ??
    (async (received: Message): Promise<ProcessedMessage> => ({
      outcome: options.outcomes?.[received.MessageId ?? ''] ?? { kind: 'succeeded' },
      commandId: undefined,
      type: undefined,
      attempt: Number(received.Attributes?.ApproximateReceiveCount ?? 1),
      log: silent,
    }));
  const created = createCommandConsumer({
    sqs: new SQSClient({ region: 'us-east-1' }),
    queueUrl: QUEUE_URL,
    deadLetterQueueUrl: DLQ_URL,
    pollers: options.pollers ?? 1,
    batchSize: 10,
    waitTimeSeconds: 0,
    visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 30,
    stallSeconds: options.stallSeconds ?? 60,
    retryBaseSeconds: 2,
    process,
    log: options.log ?? silent,
    metrics,
  });
  consumers.push(created);
  return { consumer: created, receiveFailures: () => receiveFailures };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A process that holds each message until the test lets it go. */
function heldProcess() {
  const started: string[] = [];
  const releases: (() => void)[] = [];
  const process = async (received: Message): Promise<ProcessedMessage> => {
    started.push(received.MessageId ?? '');
    await new Promise<void>((resolve) => releases.push(resolve));
    return {
      outcome: { kind: 'succeeded' },
      commandId: undefined,
      type: undefined,
      attempt: 1,
      log: silent,
    };
  };
  return {
    process,
    started,
    releaseAll: () => {
      for (const go of releases.splice(0)) go();
    },
  };
}

const inputs = <T>(command: new (input: T) => { input: T }) =>
  sqs.commandCalls(command as never).map((call) => (call.args[0] as { input: T }).input);

beforeEach(() => {
  sqs.reset();
  sqs.on(DeleteMessageBatchCommand).callsFake(async (input: { Entries: { Id: string }[] }) => ({
    Successful: input.Entries.map(({ Id }) => ({ Id })),
  }));
  sqs.on(SendMessageCommand).resolves({ MessageId: 'dead-letter' });
  sqs.on(ChangeMessageVisibilityBatchCommand).resolves({});
});

afterEach(async () => {
  await Promise.all(consumers.splice(0).map((c) => c.stop()));
  vi.restoreAllMocks();
});

describe('the command consumer', () => {
  it('receives from the command queue with every attribute processing reads', async () => {
    // Prepare
    receiveOnce([]);
    const { consumer: worker } = consumer();

    // Act
    worker.start();
    await vi.waitFor(() => expect(inputs(ReceiveMessageCommand).length).toBeGreaterThan(0));

    // Assess
    expect(inputs(ReceiveMessageCommand)[0]).toEqual({
      QueueUrl: QUEUE_URL,
      AttributeNames: [],
      MessageAttributeNames: ['original-sent-at', 'traceparent', 'tracestate'],
      MessageSystemAttributeNames: ['All'],
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 0,
      VisibilityTimeout: 30,
    });
  });

  it('deletes the messages a batch acknowledged, and only those', async () => {
    // Prepare
    const transient: Outcome = {
      kind: 'transient',
      failure: 'throttled',
      reason: 'slow',
      error: new Error('x'),
    };
    receiveOnce([message('m1'), message('m2'), message('m3')]);
    const { consumer: worker } = consumer({ outcomes: { m2: transient } });

    // Act
    worker.start();
    await vi.waitFor(() => expect(inputs(DeleteMessageBatchCommand)).toHaveLength(1));

    // Assess
    expect(inputs(DeleteMessageBatchCommand)[0]).toEqual({
      QueueUrl: QUEUE_URL,
      Entries: [{ Id: 'm1', ReceiptHandle: 'receipt-m1' }],
    });
    expect(inputs(ChangeMessageVisibilityBatchCommand)).toEqual([
      {
        QueueUrl: QUEUE_URL,
        Entries: [
          { Id: '0', ReceiptHandle: 'receipt-m2', VisibilityTimeout: 2 },
          { Id: '1', ReceiptHandle: 'receipt-m3', VisibilityTimeout: 2 },
        ],
      },
    ]);
  });

  it('changes the visibility of more than ten messages in batches of ten', async () => {
    // Prepare
    const transient: Outcome = {
      kind: 'transient',
      failure: 'throttled',
      reason: 'slow',
      error: new Error('x'),
    };
    const messages = Array.from({ length: 20 }, (_, i) => message(`m${i}`));
    receiveOnce(messages);
    const { consumer: worker } = consumer({ outcomes: { m0: transient } });

    // Act
    worker.start();
    await vi.waitFor(() => expect(inputs(ChangeMessageVisibilityBatchCommand)).toHaveLength(2));

    // Assess
    const batches = inputs(ChangeMessageVisibilityBatchCommand) as {
      Entries: { Id: string; ReceiptHandle: string }[];
    }[];
    expect(batches.map((b) => b.Entries.map((e) => e.Id))).toEqual([
      ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
      ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    ]);
    expect(batches[1]?.Entries.map((e) => e.ReceiptHandle)).toEqual(
      messages.slice(10).map((m) => m.ReceiptHandle),
    );
    await sleep(30);
    expect(inputs(ChangeMessageVisibilityBatchCommand)).toHaveLength(2);
  });

  it('moves a dead letter to the dead-letter queue in its group, saying why', async () => {
    // Prepare
    receiveOnce([
      message('m1', {
        Attributes: { MessageGroupId: 'G', ApproximateReceiveCount: '3', SentTimestamp: '1000' },
        MessageAttributes: { 'original-sent-at': { DataType: 'Number', StringValue: '500' } },
      }),
    ]);
    const { consumer: worker } = consumer({
      outcomes: { m1: { kind: 'invalid', reason: 'x'.repeat(1200) } },
    });
    const before = Date.now();

    // Act
    worker.start();
    await vi.waitFor(() => expect(inputs(DeleteMessageBatchCommand)).toHaveLength(1));

    // Assess
    const [sent] = inputs(SendMessageCommand) as {
      MessageAttributes: Record<string, { StringValue: string }>;
    }[];
    expect(sent).toEqual({
      QueueUrl: DLQ_URL,
      MessageBody: '{"id":"m1"}',
      MessageGroupId: 'G',
      MessageDeduplicationId: 'm1',
      MessageAttributes: {
        'error-reason': { DataType: 'String', StringValue: 'x'.repeat(1000) },
        'error-outcome': { DataType: 'String', StringValue: 'invalid' },
        attempts: { DataType: 'Number', StringValue: '3' },
        'original-message-id': { DataType: 'String', StringValue: 'm1' },
        'original-sent-at': { DataType: 'Number', StringValue: '500' },
        'dead-lettered-at': { DataType: 'String', StringValue: expect.any(String) },
      },
    });
    const deadLetteredAt = Date.parse(
      sent?.MessageAttributes['dead-lettered-at']?.StringValue ?? '',
    );
    expect(deadLetteredAt).toBeGreaterThanOrEqual(before);
    expect(deadLetteredAt).toBeLessThanOrEqual(Date.now());
  });

  it('dead-letters a message that tells almost nothing with stand-in values', async () => {
    // Prepare
    receiveOnce([{ ReceiptHandle: 'receipt-bare', Body: '' }]);
    const { consumer: worker } = consumer({
      process: async () => ({
        outcome: { kind: 'invalid', reason: 'body is not JSON' },
        commandId: undefined,
        type: undefined,
        attempt: 1,
        log: silent,
      }),
    });

    // Act
    worker.start();
    await vi.waitFor(() => expect(inputs(SendMessageCommand)).toHaveLength(1));

    // Assess
    expect(inputs(SendMessageCommand)[0]).toMatchObject({
      MessageBody: '(empty body)',
      MessageGroupId: 'invalid',
      MessageDeduplicationId: undefined,
      MessageAttributes: {
        'original-message-id': { DataType: 'String', StringValue: 'unknown' },
        'original-sent-at': { DataType: 'Number', StringValue: '0' },
      },
    });
  });

  it('keeps the send time of a message sent once when dead-lettering it', async () => {
    // Prepare
    receiveOnce([
      message('m1', {
        MessageAttributes: { 'redriven-from': { DataType: 'String', StringValue: 'd-1' } },
      }),
    ]);
    const { consumer: worker } = consumer({
      outcomes: { m1: { kind: 'invalid', reason: 'x' } },
    });

    // Act
    worker.start();
    await vi.waitFor(() => expect(inputs(SendMessageCommand)).toHaveLength(1));

    // Assess
    expect(inputs(SendMessageCommand)[0]).toMatchObject({
      MessageAttributes: { 'original-sent-at': { DataType: 'Number', StringValue: '1000' } },
    });
  });

  it('logs a failed delete as a failed queue operation', async () => {
    // Prepare
    const { log, entries } = captureLogs('unit');
    sqs.on(DeleteMessageBatchCommand).rejects(new Error('SQS is down'));
    receiveOnce([message('m1')]);
    const { consumer: worker } = consumer({ log });

    // Act
    worker.start();
    await vi.waitFor(() => expect(entries().map((e) => e.msg)).toContain('queue operation failed'));

    // Assess
    expect(entries().find((e) => e.msg === 'queue operation failed')).toMatchObject({
      level: 50,
      err: { message: expect.stringContaining('SQS is down') },
    });
  });

  it('backs off after a failed receive, counting it, and stops without another receive', async () => {
    // Prepare
    const { log, entries } = captureLogs('unit');
    sqs.on(ReceiveMessageCommand).rejects(new Error('connect ECONNREFUSED'));
    const { consumer: worker, receiveFailures } = consumer({ log });

    // Act
    worker.start();
    await vi.waitFor(() => expect(receiveFailures()).toBe(1));
    await worker.stop();

    // Assess
    expect(inputs(ReceiveMessageCommand)).toHaveLength(1);
    expect(receiveFailures()).toBe(1);
    expect(entries().filter((e) => e.level === 50)).toEqual([
      expect.objectContaining({ msg: 'cannot receive from the queue; backing off', failures: 1 }),
    ]);
  });

  it('logs the recovery of the queue once a receive answers again', async () => {
    // Prepare
    const { log, entries } = captureLogs('unit');
    sqs
      .on(ReceiveMessageCommand)
      .rejectsOnce(new Error('connect ECONNREFUSED'))
      .resolvesOnce({ Messages: [message('m1')] })
      .callsFake(async () => {
        // No empty answer to count as the recovery: only the batch's may.
        await sleep(300);
        return {};
      });
    const { consumer: worker } = consumer({ log });

    // Act
    worker.start();
    await vi.waitFor(() => expect(inputs(DeleteMessageBatchCommand)).toHaveLength(1), {
      timeout: 3000,
      interval: 5,
    });

    // Assess: well before the next receive could answer
    await vi.waitFor(() => expect(entries().map((e) => e.msg)).toContain('queue reachable again'), {
      timeout: 100,
      interval: 5,
    });
  });

  it('logs the recovery when the first answer after a failure is empty', async () => {
    // Prepare
    const { log, entries } = captureLogs('unit');
    sqs
      .on(ReceiveMessageCommand)
      .rejectsOnce(new Error('connect ECONNREFUSED'))
      .callsFake(async () => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        return {};
      });
    const { consumer: worker } = consumer({ log });

    // Act
    worker.start();

    // Assess
    await vi.waitFor(() => expect(entries().map((e) => e.msg)).toContain('queue reachable again'), {
      timeout: 3000,
    });
  });

  it('keeps a long batch invisible by heartbeat, at least every second', async () => {
    // Prepare
    const held = heldProcess();
    receiveOnce([message('m1')]);
    const { consumer: worker } = consumer({
      process: held.process,
      visibilityTimeoutSeconds: 2,
    });
    worker.start();
    await vi.waitFor(() => expect(held.started).toEqual(['m1']));

    // Act
    await sleep(1300);
    held.releaseAll();
    await vi.waitFor(() => expect(inputs(DeleteMessageBatchCommand)).toHaveLength(1));

    // Assess
    expect(inputs(ChangeMessageVisibilityBatchCommand)).toEqual([
      {
        QueueUrl: QUEUE_URL,
        Entries: [{ Id: '0', ReceiptHandle: 'receipt-m1', VisibilityTimeout: 2 }],
      },
    ]);
  });

  it('finishes the message in hand when stopped, and releases the rest of the batch at once', async () => {
    // Prepare
    const held = heldProcess();
    receiveOnce([message('m1'), message('m2')]);
    const { consumer: worker } = consumer({ process: held.process });
    worker.start();
    await vi.waitFor(() => expect(held.started).toEqual(['m1']));

    // Act
    const stopping = worker.stop();
    held.releaseAll();
    await stopping;

    // Assess
    expect(held.started).toEqual(['m1']);
    expect(inputs(DeleteMessageBatchCommand)).toEqual([
      { QueueUrl: QUEUE_URL, Entries: [{ Id: 'm1', ReceiptHandle: 'receipt-m1' }] },
    ]);
    expect(inputs(ChangeMessageVisibilityBatchCommand)).toEqual([
      {
        QueueUrl: QUEUE_URL,
        Entries: [{ Id: '0', ReceiptHandle: 'receipt-m2', VisibilityTimeout: 0 }],
      },
    ]);
  });

  it('waits for a receive in flight when stopped, and releases what it brings', async () => {
    // Prepare
    sqs
      .on(ReceiveMessageCommand)
      .callsFakeOnce(async () => {
        await sleep(150);
        return { Messages: [message('m1')] };
      })
      .callsFake(async () => {
        await sleep(10);
        return {};
      });
    const { process, started } = heldProcess();
    const { consumer: worker } = consumer({ process, pollers: 2 });
    worker.start();
    await sleep(30);

    // Act
    await worker.stop();

    // Assess
    expect(started).toEqual([]);
    expect(inputs(ChangeMessageVisibilityBatchCommand)).toEqual([
      {
        QueueUrl: QUEUE_URL,
        Entries: [{ Id: '0', ReceiptHandle: 'receipt-m1', VisibilityTimeout: 0 }],
      },
    ]);
  });

  it('starts without a line of its own on stdout, where only JSON log lines belong', async () => {
    // Prepare
    const printed = vi.spyOn(console, 'log');
    receiveOnce([]);
    const { consumer: worker } = consumer();

    // Act
    worker.start();
    await worker.stop();

    // Assess
    expect(printed).not.toHaveBeenCalled();
  });

  it('says where it polls when it starts', async () => {
    // Prepare
    const { log, entries } = captureLogs('unit');
    receiveOnce([]);
    const { consumer: worker } = consumer({ log, pollers: 2 });

    // Act
    worker.start();

    // Assess
    expect(entries()).toEqual([
      expect.objectContaining({
        level: 30,
        msg: 'worker polling',
        pollers: 2,
        queueUrl: QUEUE_URL,
      }),
    ]);
  });
});

describe('the consumer’s liveness', () => {
  it('is not alive before it starts', () => {
    // Prepare
    const { consumer: worker } = consumer({ pollers: 2 });

    // Act
    const liveness = worker.liveness();

    // Assess
    expect(liveness).toEqual({
      alive: false,
      stopping: false,
      pollers: [
        { alive: false, idleSeconds: expect.any(Number), busySeconds: undefined },
        { alive: false, idleSeconds: expect.any(Number), busySeconds: undefined },
      ],
    });
  });

  it('is alive while every poller turns, and says how long a batch has run', async () => {
    // Prepare
    const held = heldProcess();
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [message('m1')] })
      .callsFake(async () => {
        // No empty answer to count as progress: only the finished batch may.
        await sleep(300);
        return {};
      });
    const { consumer: worker } = consumer({ process: held.process });
    worker.start();
    await vi.waitFor(() => expect(held.started).toEqual(['m1']));
    await sleep(150);

    // Act
    const busy = worker.liveness();
    held.releaseAll();
    await vi.waitFor(() => expect(inputs(DeleteMessageBatchCommand)).toHaveLength(1), {
      interval: 5,
    });
    const idle = worker.liveness();

    // Assess
    expect(busy.alive).toBe(true);
    expect(busy.pollers[0]?.busySeconds).toBeGreaterThanOrEqual(0.14);
    expect(busy.pollers[0]?.busySeconds).toBeLessThan(5);
    expect(idle.pollers[0]?.busySeconds).toBeUndefined();
    expect(idle.pollers[0]?.idleSeconds).toBeLessThan(0.1);
    expect(idle).toMatchObject({ alive: true, stopping: false });
  });

  it('counts a failed receive as progress: the poller turns, SQS does not answer', async () => {
    // Prepare
    sqs.on(ReceiveMessageCommand).rejects(new Error('connect ECONNREFUSED'));
    const { consumer: worker, receiveFailures } = consumer();
    await sleep(150);

    // Act
    worker.start();
    await vi.waitFor(() => expect(receiveFailures()).toBe(1), { interval: 5 });
    const liveness = worker.liveness();

    // Assess
    expect(liveness.pollers[0]?.idleSeconds).toBeLessThan(0.1);
  });

  it('is not alive when one of its pollers is wedged', async () => {
    // Prepare
    sqs
      .on(ReceiveMessageCommand)
      .callsFakeOnce(async () => {
        await sleep(400);
        return {};
      })
      .callsFake(async () => {
        await sleep(10);
        return {};
      });
    const { consumer: worker } = consumer({ pollers: 2, stallSeconds: 0.2 });
    worker.start();
    await sleep(300);

    // Act
    const liveness = worker.liveness();

    // Assess
    expect(liveness.pollers.map((p) => p.alive).sort()).toEqual([false, true]);
    expect(liveness.alive).toBe(false);
  });

  it('is not alive when a poller made no progress within the stall time', async () => {
    // Prepare
    receiveOnce([]);
    const { consumer: worker } = consumer({ stallSeconds: 0.05 });
    worker.start();
    await new Promise((resolve) => setTimeout(resolve, 5));
    const fresh = worker.liveness();
    // A receive that hangs (SQS answering nothing), and ends only after the check.
    sqs.on(ReceiveMessageCommand).callsFake(async () => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      return {};
    });
    await new Promise((resolve) => setTimeout(resolve, 120));

    // Act
    const stalled = worker.liveness();

    // Assess
    expect(fresh.alive).toBe(true);
    expect(stalled.alive).toBe(false);
    expect(stalled.pollers[0]?.idleSeconds).toBeGreaterThanOrEqual(0.05);
  });

  it('is alive and stopping once it stopped, with every poller stopped', async () => {
    // Prepare
    const stops = vi.spyOn(Consumer.prototype, 'stop');
    receiveOnce([]);
    const { consumer: worker } = consumer({ pollers: 2 });
    worker.start();

    // Act
    await worker.stop();

    // Assess
    expect(worker.liveness()).toMatchObject({ alive: true, stopping: true });
    expect(stops).toHaveBeenCalledTimes(2);
  });
});
