import { GetQueueAttributesCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { messageGroupIdFor, type UserCommand } from '../shared/contract/commands.ts';
import { QueueUnavailableError } from './errors.ts';

const OUR_BUGS = new Set(['InvalidMessageContents', 'InvalidParameterValue', 'MissingParameter']);

export interface CommandPublisher {
  /** Resolves once SQS has stored the message; rejects with QueueUnavailableError otherwise. */
  publish(command: UserCommand): Promise<void>;
}

/**
 * Puts commands on the FIFO queue: one message group per user (per-user order), the
 * command id as deduplication id (a retried send within SQS's 5-minute window is dropped
 * by SQS; after that the worker's command record catches it).
 */
export function createCommandPublisher(sqs: SQSClient, queueUrl: string): CommandPublisher {
  return {
    async publish(command) {
      try {
        await sqs.send(
          new SendMessageCommand({
            QueueUrl: queueUrl,
            MessageBody: JSON.stringify(command),
            MessageGroupId: messageGroupIdFor(command.payload.emailAddress),
            MessageDeduplicationId: command.commandId,
          }),
        );
      } catch (error) {
        // A malformed request is our bug (500); anything else means SQS could not take it.
        if (OUR_BUGS.has((error as Error).name)) throw error;
        throw new QueueUnavailableError(error);
      }
    },
  };
}

/** Reachability of the queue, for /ready. */
export async function pingQueue(sqs: SQSClient, queueUrl: string): Promise<void> {
  await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
}
