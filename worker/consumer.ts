import {
  ChangeMessageVisibilityBatchCommand,
  type Message,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { Consumer } from 'sqs-consumer';
import type { Logger } from '../shared/logger.ts';
import type { WorkerMetrics } from './metrics.ts';
import { actionFor, type Outcome, retryDelaySeconds } from './outcomes.ts';
import type { ProcessedMessage, QueueMessage } from './process-message.ts';

export interface CommandConsumerOptions {
  sqs: SQSClient;
  queueUrl: string;
  deadLetterQueueUrl: string;
  process: (message: QueueMessage) => Promise<ProcessedMessage>;
  log: Logger;
  metrics: WorkerMetrics;
  pollers: number;
  batchSize: number;
  waitTimeSeconds: number;
  visibilityTimeoutSeconds: number;
  retryBaseSeconds: number;
}

export interface CommandConsumer {
  start(): void;
  /** Stops polling, lets in-flight batches finish (deletes included), then resolves. */
  stop(): Promise<void>;
}

/** Reason attached to a dead-lettered message; SQS attributes are capped, so keep it short. */
const MAX_REASON_LENGTH = 1000;

/**
 * Wires sqs-consumer to the message processor. Several pollers share the FIFO queue: SQS
 * never hands out a message group that is in flight, so each user's commands stay in order
 * while different users proceed in parallel.
 */
export function createCommandConsumer(options: CommandConsumerOptions): CommandConsumer {
  const { log } = options;
  const busy = new Set<Consumer>();
  let stopping = false;
  const consumers = Array.from({ length: options.pollers }, () => {
    const consumer: Consumer = Consumer.create({
      sqs: options.sqs,
      queueUrl: options.queueUrl,
      batchSize: options.batchSize,
      waitTimeSeconds: options.waitTimeSeconds,
      visibilityTimeout: options.visibilityTimeoutSeconds,
      // Renew visibility while a batch runs long, well before it would lapse.
      heartbeatInterval: Math.max(1, Math.floor(options.visibilityTimeoutSeconds / 3)),
      messageSystemAttributeNames: ['All'],
      suppressFifoWarning: true,
      strictReturn: true,
      handleMessageBatch: async (messages) => {
        busy.add(consumer);
        return handleBatch(messages, options);
      },
    });
    consumer.on('response_processed', () => busy.delete(consumer));
    consumer.on('error', (err) => {
      // Aborting an idle long poll is how stop() works, not a failure.
      if (stopping && (err as { code?: string }).code === 'AbortError') return;
      log.error({ err }, 'queue operation failed');
    });
    consumer.on('processing_error', (err) => log.error({ err }, 'batch processing failed'));
    return consumer;
  });

  return {
    start() {
      for (const consumer of consumers) consumer.start();
      log.info({ pollers: consumers.length, queueUrl: options.queueUrl }, 'worker polling');
    },
    async stop() {
      stopping = true;
      // An idle poller is only waiting on a long poll: abort it. A busy one must finish
      // its batch and its deletes, or finished work would be redelivered.
      for (const consumer of consumers) consumer.stop({ abort: !busy.has(consumer) });
      while (consumers.some((consumer) => consumer.status.isPolling)) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
  };
}

/**
 * Handles one received batch. Messages of one group run one after another in queue order;
 * groups run in parallel. Returns the messages to delete: when one fails transiently, it
 * and the later messages of its group stay on the queue, so their order holds.
 */
async function handleBatch(
  messages: Message[],
  options: CommandConsumerOptions,
): Promise<Message[]> {
  const acknowledged: Message[] = [];
  const retry: Message[] = [];
  await Promise.all(
    groupByMessageGroup(messages).map(async (group) => {
      for (const [index, message] of group.entries()) {
        const done = await settleMessage(message, options);
        if (!done) {
          retry.push(...group.slice(index));
          return;
        }
        acknowledged.push(message);
      }
    }),
  );
  if (retry.length > 0) await delayRetries(retry, options);
  return acknowledged;
}

/** Processes one message and carries out its outcome's action. True when it may be deleted. */
async function settleMessage(message: Message, options: CommandConsumerOptions): Promise<boolean> {
  const startedAt = performance.now();
  const sentAt = Number(message.Attributes?.SentTimestamp);
  const { outcome, type, log } = await options.process(message);
  let action = actionFor(outcome);
  if (action === 'dead-letter' && outcome.kind === 'invalid') {
    try {
      await deadLetter(message, outcome.reason, options);
    } catch (err) {
      log.warn({ err }, 'could not dead-letter the message; it will be retried');
      action = 'retry';
    }
  }
  const durationMs = performance.now() - startedAt;
  logOutcome(log, outcome, action, durationMs, message);
  options.metrics.settled({
    type,
    outcome: outcome.kind,
    action,
    durationSeconds: durationMs / 1000,
    lagSeconds: Number.isFinite(sentAt)
      ? Math.max(0, (Date.now() - durationMs - sentAt) / 1000)
      : undefined,
  });
  return action !== 'retry';
}

function logOutcome(
  log: Logger,
  outcome: Outcome,
  action: string,
  durationMs: number,
  message: Message,
) {
  const fields = {
    outcome: outcome.kind,
    action,
    durationMs: Math.round(durationMs * 10) / 10,
    receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 1),
  };
  switch (outcome.kind) {
    case 'succeeded':
    case 'duplicate':
      log.info(fields, 'command processed');
      return;
    case 'rejected':
    case 'conflict':
    case 'invalid':
      log.warn({ ...fields, reason: outcome.reason }, 'command rejected');
      return;
    case 'transient':
      log.warn({ ...fields, err: outcome.error }, 'command failed transiently, will retry');
      return;
  }
}

/**
 * Moves a message that can never succeed to the dead-letter queue at once, with the reason,
 * instead of letting it burn maxReceiveCount retries. Deduplicated by the original message
 * id, so a retry of this move cannot dead-letter it twice.
 */
async function deadLetter(message: Message, reason: string, options: CommandConsumerOptions) {
  await options.sqs.send(
    new SendMessageCommand({
      QueueUrl: options.deadLetterQueueUrl,
      MessageBody: message.Body || '(empty body)',
      MessageGroupId: message.Attributes?.MessageGroupId ?? 'invalid',
      MessageDeduplicationId: message.MessageId,
      MessageAttributes: {
        'error-reason': { DataType: 'String', StringValue: reason.slice(0, MAX_REASON_LENGTH) },
        'original-message-id': { DataType: 'String', StringValue: message.MessageId ?? 'unknown' },
        'dead-lettered-at': { DataType: 'String', StringValue: new Date().toISOString() },
      },
    }),
  );
}

/** Backs off failed messages (and the rest of their groups) instead of the full visibility timeout. */
async function delayRetries(messages: Message[], options: CommandConsumerOptions) {
  try {
    await options.sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: options.queueUrl,
        Entries: messages.map((message, index) => ({
          Id: String(index),
          ReceiptHandle: message.ReceiptHandle,
          VisibilityTimeout: retryDelaySeconds(
            Number(message.Attributes?.ApproximateReceiveCount ?? 1),
            options.retryBaseSeconds,
          ),
        })),
      }),
    );
  } catch (err) {
    // Harmless: the messages reappear when their visibility timeout ends instead.
    options.log.warn({ err }, 'could not shorten the visibility of failed messages');
  }
}

function groupByMessageGroup(messages: Message[]): Message[][] {
  const groups = new Map<string, Message[]>();
  for (const message of messages) {
    const groupId = message.Attributes?.MessageGroupId ?? message.MessageId ?? '';
    const group = groups.get(groupId);
    if (group) group.push(message);
    else groups.set(groupId, [message]);
  }
  return [...groups.values()];
}
