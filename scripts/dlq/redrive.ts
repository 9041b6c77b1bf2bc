import {
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { redrivenMessage } from '../../shared/contract/message.ts';
import { messageCount, queueDepth } from '../../shared/queues.ts';
import type { CommandHistory } from './command-history.ts';
import { type DeadLetter, describeDeadLetter, releaseMessages } from './dead-letters.ts';

export interface RedriveResult {
  moved: DeadLetter[];
  /**
   * Left in the dead-letter queue because later commands of the same user were applied or
   * rejected after it was dead-lettered (`overtakenBy`), or because one before it in its
   * group was (`heldBehind`): redriving it would apply it out of order. `--force` moves them.
   */
  skipped: { message: DeadLetter; overtakenBy: string[]; heldBehind?: string }[];
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
 *
 * Order: a dead letter left its user's group, and later commands of that user went on
 * without it. When the ledger shows any command of that user sent after it and applied or
 * rejected, moving it back would apply it after them, out of order; so it stays, and so
 * does everything behind it in its group, unless `force`. (Commands redriven before it,
 * from ahead of it in the queue, do not count: they keep their original send time.)
 *
 * Moves at most `max` (by default what the queue held at the start, including messages a
 * listing holds for a moment), so messages that come straight back (an invalid command is
 * dead-lettered again at once) cannot loop forever.
 */
export async function redriveDeadLetters(
  sqs: SQSClient,
  queues: { deadLetterQueueUrl: string; queueUrl: string },
  options: { max?: number; force?: boolean; history: Pick<CommandHistory, 'finalSentAfter'> },
): Promise<RedriveResult> {
  const limit = options.max ?? messageCount(await queueDepth(sqs, queues.deadLetterQueueUrl));
  const result: RedriveResult = { moved: [], skipped: [], failed: [], remaining: 0 };
  const seen = new Set<string>();
  // Groups whose head failed or was skipped: the rest of the group stays behind it.
  const heldGroups = new Map<string, string>();
  let emptyReceives = 0;
  const handled = () => result.moved.length + result.failed.length;
  while (handled() < limit && emptyReceives < PATIENCE) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queues.deadLetterQueueUrl,
        MaxNumberOfMessages: Math.min(10, limit - handled()),
        WaitTimeSeconds: 1,
        VisibilityTimeout: HOLD_SECONDS,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
    );
    // Skipped messages come round again once released: they count once, and end the run.
    const fresh = Messages.filter((m) => !seen.has(m.MessageId ?? ''));
    for (const m of Messages) seen.add(m.MessageId ?? '');
    if (fresh.length === 0) {
      await releaseMessages(sqs, queues.deadLetterQueueUrl, Messages).catch(() => undefined);
      emptyReceives += 1;
      continue;
    }
    emptyReceives = 0;
    const unsent: Message[] = [...Messages.filter((m) => !fresh.includes(m))];
    for (const message of fresh) {
      const letter = describeDeadLetter(message);
      // The real group, not the one shown (which hides a group that is not a user's).
      const groupId = message.Attributes?.MessageGroupId ?? '';
      const heldBehind = heldGroups.get(groupId);
      if (heldBehind !== undefined) {
        unsent.push(message);
        result.skipped.push({ message: letter, overtakenBy: [], heldBehind });
        continue;
      }
      const overtakenBy = options.force ? [] : await overtakers(letter, groupId, options.history);
      if (overtakenBy.length > 0) {
        heldGroups.set(groupId, letter.commandId ?? letter.messageId);
        unsent.push(message);
        result.skipped.push({ message: letter, overtakenBy });
        continue;
      }
      try {
        await moveOne(sqs, queues, message, letter);
        result.moved.push(letter);
      } catch (error) {
        heldGroups.set(groupId, letter.commandId ?? letter.messageId);
        unsent.push(message);
        result.failed.push({ message: letter, error: (error as Error).message });
      }
    }
    await releaseMessages(sqs, queues.deadLetterQueueUrl, unsent).catch(() => undefined);
    if (result.failed.length > 0) break;
  }
  result.remaining = messageCount(await queueDepth(sqs, queues.deadLetterQueueUrl));
  return result;
}

/**
 * Commands of the dead letter's user that were sent after it and are applied or rejected:
 * with it gone from the queue, they went first.
 */
async function overtakers(
  letter: DeadLetter,
  groupId: string,
  history: Pick<CommandHistory, 'finalSentAfter'>,
): Promise<string[]> {
  if (!groupId || letter.originalSentAt === undefined) return [];
  const later = await history.finalSentAfter(groupId, letter.originalSentAt, letter.commandId);
  return later.map((command) => command.commandId);
}

async function moveOne(
  sqs: SQSClient,
  queues: { deadLetterQueueUrl: string; queueUrl: string },
  message: Message,
  letter: DeadLetter,
) {
  const groupId = message.Attributes?.MessageGroupId;
  if (!groupId) throw new Error('the dead letter has no MessageGroupId');
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: queues.queueUrl,
      ...redrivenMessage(message, groupId, letter.originalSentAt),
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
