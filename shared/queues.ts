import { GetQueueAttributesCommand, GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';

export interface QueueDepth {
  /** Waiting to be received. */
  visible: number;
  /** Received by someone (a worker, a listing) and neither deleted nor released yet. */
  inFlight: number;
}

/** SQS's approximate counts of a queue's messages. */
export async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<QueueDepth> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
  };
}

/**
 * Reads a queue's depth by URL, or by name with the URL looked up on first use (again after
 * a failed lookup): for metrics, which must not hold up a process's start.
 */
export function queueDepthReader(
  sqs: SQSClient,
  queue: { url: string } | { name: string },
): () => Promise<QueueDepth> {
  let url: Promise<string> | undefined = 'url' in queue ? Promise.resolve(queue.url) : undefined;
  const lookUp = async (QueueName: string) => {
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName }));
    if (!QueueUrl) throw new Error(`GetQueueUrl returned no URL for ${QueueName}`);
    return QueueUrl;
  };
  return async () => {
    if ('name' in queue && url === undefined) {
      url = lookUp(queue.name).catch((error: unknown) => {
        url = undefined;
        throw error;
      });
    }
    return queueDepth(sqs, await (url as Promise<string>));
  };
}

/** Every message a queue holds, waiting or in flight. */
export function messageCount(depth: QueueDepth): number {
  return depth.visible + depth.inFlight;
}

/** Reachability of a queue, for /ready. */
export async function pingQueue(sqs: SQSClient, queueUrl: string): Promise<void> {
  await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
}

/** The maxReceiveCount of a queue's redrive policy; undefined when it has none. */
export async function readMaxReceiveCount(
  sqs: SQSClient,
  queueUrl: string,
): Promise<number | undefined> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['RedrivePolicy'] }),
  );
  if (!Attributes?.RedrivePolicy) return undefined;
  const count = Number(
    (JSON.parse(Attributes.RedrivePolicy) as { maxReceiveCount?: unknown }).maxReceiveCount,
  );
  return Number.isInteger(count) && count > 0 ? count : undefined;
}
