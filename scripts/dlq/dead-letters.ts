import {
  ChangeMessageVisibilityBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { MESSAGE_ATTRIBUTES as ATTRIBUTE } from '../../shared/contract/message-attributes.ts';
import { messageCount, queueDepth } from '../../shared/queues.ts';

/**
 * One dead-lettered message, as `npm run dlq -- list` shows it: ids, times, the reason, never
 * the body, whose emails and hashes an operator's terminal and logs must not keep.
 */
export interface DeadLetter {
  messageId: string;
  commandId: string | undefined;
  type: string | undefined;
  groupId: string | undefined;
  /** The worker's `error-reason`; undefined when SQS moved it after maxReceiveCount receives. */
  reason: string | undefined;
  /** When its command was first sent to the command queue (epoch ms), across redrives. */
  originalSentAt: number | undefined;
  /** When the worker dead-lettered it; undefined when SQS moved it. */
  deadLetteredAt: string | undefined;
  /** How many times it was handed out before it was given up (worker-moved only). */
  attempts: number | undefined;
  sentAt: string | undefined;
  /** The body's size: the body itself (emails, hashes) is never shown. */
  bodyBytes: number;
}

/** A user's group is the hex SHA-256 of an email; anything else may be the email itself. */
const USER_GROUP = /^[0-9a-f]{64}$/;

export function describeDeadLetter(message: Message): DeadLetter {
  const body = message.Body ?? '';
  let parsed: { commandId?: unknown; type?: unknown } = {};
  try {
    const json: unknown = JSON.parse(body);
    if (json && typeof json === 'object') parsed = json;
  } catch {
    // Not JSON: that is usually why it is here, and the reason says so.
  }
  const attribute = (name: string) => message.MessageAttributes?.[name]?.StringValue;
  const sentMs = Number(message.Attributes?.SentTimestamp);
  // SQS keeps a message's SentTimestamp when its redrive policy moves it.
  const originalSentMs = Number(attribute(ATTRIBUTE.originalSentAt)) || sentMs;
  return {
    messageId: message.MessageId ?? '',
    commandId: typeof parsed.commandId === 'string' ? parsed.commandId : undefined,
    type: typeof parsed.type === 'string' ? parsed.type : undefined,
    groupId: groupShown(message.Attributes?.MessageGroupId),
    reason: attribute(ATTRIBUTE.errorReason),
    originalSentAt:
      Number.isFinite(originalSentMs) && originalSentMs > 0 ? originalSentMs : undefined,
    deadLetteredAt: attribute(ATTRIBUTE.deadLetteredAt),
    attempts: Number(attribute(ATTRIBUTE.attempts)) || undefined,
    sentAt: Number.isFinite(sentMs) && sentMs > 0 ? new Date(sentMs).toISOString() : undefined,
    bodyBytes: Buffer.byteLength(body),
  };
}

/** A group id as an operator may see it: a publisher that used the raw email would show it. */
function groupShown(groupId: string | undefined): string | undefined {
  if (groupId === undefined) return undefined;
  return USER_GROUP.test(groupId) ? groupId : '(not a user group: hidden)';
}

export interface Listing {
  messages: DeadLetter[];
  /** SQS's count of messages before listing; may exceed what could be read. */
  approximateTotal: number;
}

/**
 * Reads up to `max` dead letters without deleting them. Each read hides a message, and in
 * a FIFO queue blocks the rest of its group, for `visibilityTimeoutSeconds`; so the listing
 * keeps that short and, when done, makes everything it read visible again at once. A group
 * whose later messages sit behind one it already holds is listed only in part (SQS hands out
 * at most 10 messages of one group at a time); `approximateTotal` shows what is missing.
 */
export async function listDeadLetters(
  sqs: SQSClient,
  queueUrl: string,
  options: { max: number; visibilityTimeoutSeconds: number },
): Promise<Listing> {
  const approximateTotal = messageCount(await queueDepth(sqs, queueUrl));
  const seen = new Map<string, Message>();
  try {
    while (seen.size < options.max) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: Math.min(10, options.max - seen.size),
          WaitTimeSeconds: 1,
          VisibilityTimeout: options.visibilityTimeoutSeconds,
          MessageAttributeNames: ['All'],
          MessageSystemAttributeNames: ['All'],
        }),
      );
      const fresh = Messages.filter((m) => m.MessageId && !seen.has(m.MessageId));
      if (fresh.length === 0) break;
      for (const message of fresh) seen.set(message.MessageId as string, message);
    }
  } finally {
    await releaseMessages(sqs, queueUrl, [...seen.values()]);
  }
  return { messages: [...seen.values()].map(describeDeadLetter), approximateTotal };
}

/** Makes received messages visible again at once, so their groups are not held up. */
export async function releaseMessages(sqs: SQSClient, queueUrl: string, messages: Message[]) {
  for (let start = 0; start < messages.length; start += 10) {
    const batch = messages.slice(start, start + 10);
    await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: batch.map((m, i) => ({
          Id: String(i),
          ReceiptHandle: m.ReceiptHandle,
          VisibilityTimeout: 0,
        })),
      }),
    );
  }
}
