import type { SQSClient } from '@aws-sdk/client-sqs';
import { Consumer } from 'sqs-consumer';
import type { Logger } from '../shared/logger.ts';
import { handleBatch } from './handle-batch.ts';
import type { WorkerMetrics } from './metrics.ts';
import type { ProcessedMessage, QueueMessage } from './process-message.ts';
import { ReceiveBackoff } from './receive-backoff.ts';

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

/**
 * Wires sqs-consumer to the message processor. Several pollers share the FIFO queue: SQS
 * never hands out a message group that is in flight, so each user's commands stay in order
 * while different users proceed in parallel.
 */
export function createCommandConsumer(options: CommandConsumerOptions): CommandConsumer {
  const { log } = options;
  const busy = new Set<Consumer>();
  const stopping = new AbortController();
  const consumers = Array.from({ length: options.pollers }, () => {
    const backoff = new ReceiveBackoff(log, stopping.signal);
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
      preReceiveMessageCallback: () => backoff.wait(),
      handleMessageBatch: async (messages) => {
        busy.add(consumer);
        return handleBatch(messages, options);
      },
    });
    consumer.on('response_processed', () => {
      busy.delete(consumer);
      backoff.succeeded();
    });
    consumer.on('empty', () => backoff.succeeded());
    consumer.on('error', (err, messages) => {
      // Aborting an idle long poll is how stop() works, not a failure.
      if (stopping.signal.aborted && (err as { code?: string }).code === 'AbortError') return;
      // Without messages, it was the receive itself that failed.
      if (messages === undefined) backoff.failed(err);
      else log.error({ err }, 'queue operation failed');
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
      stopping.abort();
      // An idle poller is only waiting on a long poll: abort it. A busy one must finish
      // its batch and its deletes, or finished work would be redelivered.
      for (const consumer of consumers) consumer.stop({ abort: !busy.has(consumer) });
      while (consumers.some((consumer) => consumer.status.isPolling)) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
  };
}
