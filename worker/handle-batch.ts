import {
  ChangeMessageVisibilityBatchCommand,
  type Message,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import type { Logger } from '../shared/logger.ts';
import type { CommandConsumerOptions } from './consumer.ts';
import { actionFor, type Outcome, retryDelaySeconds } from './outcomes.ts';

/** Reason attached to a dead-lettered message; SQS attributes are capped, so keep it short. */
const MAX_REASON_LENGTH = 1000;

/**
 * Handles one received batch. Messages of one group run one after another in queue order;
 * groups run in parallel. Returns the messages to delete: when one fails transiently, it
 * and the later messages of its group stay on the queue, so their order holds.
 */
export async function handleBatch(
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
