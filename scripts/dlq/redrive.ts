import {
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import {
  type DeadLetter,
  describeDeadLetter,
  queueCounts,
  releaseMessages,
} from './dead-letters.ts';

export interface RedriveResult {
  moved: DeadLetter[];
  failed: { message: DeadLetter; error: string }[];
  /** Still in the dead-letter queue afterwards (approximate): held by another reader, say. */
  remaining: number;
}

/** Long enough to send and delete a batch of ten; a crash leaves them hidden only this long. */
const HOLD_SECONDS = 60;
/** Empty receives in a row before giving up on messages someone else holds (1 s each). */
const PATIENCE = 3;

/**
 * Moves dead letters back to the command queue, in their own message group, oldest first.
 * Each is deleted from the dead-letter queue only after its send succeeded, so a failure
 * or a crash can repeat a message but never lose one (the worker's command ledger turns a
 * repeat into a duplicate). The deduplication id is derived from the dead letter's message
 * id: a rerun after a crash within SQS's 5-minute window is dropped by SQS itself, and it
 * differs from the original send's id, which SQS might still remember and would drop.
 * Moves at most `max` (by default what the queue held at the start, including messages a
 * listing holds for a moment), so messages that come straight back (an invalid command is
 * dead-lettered again at once) cannot loop forever.
 */
export async function redriveDeadLetters(
  sqs: SQSClient,
  queues: { deadLetterQueueUrl: string; queueUrl: string },
  options: { max?: number } = {},
): Promise<RedriveResult> {
  const limit = options.max ?? (await queueCounts(sqs, queues.deadLetterQueueUrl)).total;
  const result: RedriveResult = { moved: [], failed: [], remaining: 0 };
  const blockedGroups = new Set<string>();
  let emptyReceives = 0;
  while (result.moved.length + result.failed.length < limit && emptyReceives < PATIENCE) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queues.deadLetterQueueUrl,
        MaxNumberOfMessages: Math.min(10, limit - result.moved.length - result.failed.length),
        WaitTimeSeconds: 1,
        VisibilityTimeout: HOLD_SECONDS,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
    );
    if (Messages.length === 0) {
      emptyReceives += 1;
      continue;
    }
    emptyReceives = 0;
    const unsent: Message[] = [];
    for (const message of Messages) {
      const groupId = message.Attributes?.MessageGroupId ?? '';
      // After a failure, the rest of that group stays put, so its order is kept.
      if (blockedGroups.has(groupId)) {
        unsent.push(message);
        continue;
      }
      try {
        await moveOne(sqs, queues, message);
        result.moved.push(describeDeadLetter(message));
      } catch (error) {
        blockedGroups.add(groupId);
        unsent.push(message);
        result.failed.push({
          message: describeDeadLetter(message),
          error: (error as Error).message,
        });
      }
    }
    await releaseMessages(sqs, queues.deadLetterQueueUrl, unsent).catch(() => undefined);
    if (result.failed.length > 0) break;
  }
  result.remaining = (await queueCounts(sqs, queues.deadLetterQueueUrl)).total;
  return result;
}

async function moveOne(
  sqs: SQSClient,
  queues: { deadLetterQueueUrl: string; queueUrl: string },
  message: Message,
) {
  const groupId = message.Attributes?.MessageGroupId;
  if (!groupId) throw new Error('the dead letter has no MessageGroupId');
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: queues.queueUrl,
      MessageBody: message.Body,
      MessageGroupId: groupId,
      MessageDeduplicationId: `redrive-${message.MessageId}`,
      MessageAttributes: {
        'redriven-from': { DataType: 'String', StringValue: message.MessageId ?? 'unknown' },
      },
    }),
  );
  try {
    await sqs.send(
      new DeleteMessageCommand({
        QueueUrl: queues.deadLetterQueueUrl,
        ReceiptHandle: message.ReceiptHandle,
      }),
    );
  } catch (error) {
    throw new Error(
      `sent, but not deleted from the dead-letter queue (a rerun repeats it, harmlessly): ${(error as Error).message}`,
    );
  }
}
