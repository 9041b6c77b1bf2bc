import { GetQueueUrlCommand, QueueDoesNotExist, type SQSClient } from '@aws-sdk/client-sqs';
import type { Logger } from './logger.ts';

/**
 * Resolves a queue name to its URL, retrying while SQS is unreachable (a container that
 * starts before LocalStack is ready), but failing at once when the queue does not exist.
 */
export async function resolveQueueUrl(
  sqs: SQSClient,
  queueName: string,
  options: { timeoutSeconds: number; log: Logger },
): Promise<string> {
  const deadline = Date.now() + options.timeoutSeconds * 1000;
  for (let attempt = 1; ; attempt++) {
    try {
      const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: queueName }));
      if (!QueueUrl) throw new Error(`GetQueueUrl returned no URL for ${queueName}`);
      return QueueUrl;
    } catch (error) {
      if (error instanceof QueueDoesNotExist) {
        throw new Error(`Queue ${queueName} does not exist. Run \`npm run provision\` first.`, {
          cause: error,
        });
      }
      if (Date.now() >= deadline) {
        throw new Error(`Could not resolve queue ${queueName}: ${(error as Error).message}`, {
          cause: error,
        });
      }
      const delayMs = Math.min(200 * 2 ** attempt, 2000);
      options.log.warn({ queueName, attempt, err: error }, 'queue not reachable yet, retrying');
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}
