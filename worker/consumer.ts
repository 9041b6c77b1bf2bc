import {
  ChangeMessageVisibilityBatchCommand,
  type Message,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { Consumer } from 'sqs-consumer';
import { type DeadLetterDetails, deadLetterMessage } from '../shared/contract/message.ts';
import {
  MESSAGE_ATTRIBUTES as ATTRIBUTE,
  TRACE_CONTEXT_ATTRIBUTES,
} from '../shared/contract/message-attributes.ts';
import { type BatchOptions, handleBatch, type QueueActions } from './handle-batch.ts';
import { ReceiveBackoff } from './receive-backoff.ts';
import { untraced } from './tracing.ts';

export interface CommandConsumerOptions
  extends Omit<BatchOptions<Message>, 'queue' | 'queueName' | 'isStopping' | 'heartbeatSeconds'> {
  sqs: SQSClient;
  queueUrl: string;
  deadLetterQueueUrl: string;
  pollers: number;
  batchSize: number;
  waitTimeSeconds: number;
  /** A poller that finishes neither a receive nor a batch for this long is wedged. */
  stallSeconds: number;
}

export interface PollerLiveness {
  /** Seconds since the poller last finished a receive or a batch. */
  idleSeconds: number;
  /** Seconds the batch in hand has run, when it has one. */
  busySeconds: number | undefined;
  alive: boolean;
}

export interface CommandConsumer {
  start(): void;
  /**
   * Stops asking for messages without abandoning a receive in flight (on SQS, an abandoned
   * receive can still take messages and hide them for the visibility timeout), releases
   * what that receive brings, finishes the batches in hand (deletes included), resolves.
   */
  stop(): Promise<void>;
  /** Whether every poll loop still turns: the basis of the worker's /health. */
  liveness(): { alive: boolean; stopping: boolean; pollers: PollerLiveness[] };
}

class StoppingError extends Error {
  override name = 'StoppingError';
}

/**
 * Wires sqs-consumer to the batch handler. Several pollers share the FIFO queue: SQS never
 * hands out a message group that is in flight, so each user's commands stay in order while
 * different users proceed in parallel.
 */
export function createCommandConsumer(options: CommandConsumerOptions): CommandConsumer {
  const { log } = options;
  const stopping = new AbortController();
  const queue = sqsQueueActions(options);
  const pollers = Array.from({ length: options.pollers }, () => {
    const state = { lastProgressAt: performance.now(), busySince: undefined as number | undefined };
    const progressed = () => {
      state.lastProgressAt = performance.now();
    };
    const backoff = new ReceiveBackoff(log, stopping.signal, options.metrics);
    const consumer: Consumer = Consumer.create({
      sqs: options.sqs,
      queueUrl: options.queueUrl,
      batchSize: options.batchSize,
      waitTimeSeconds: options.waitTimeSeconds,
      visibilityTimeout: options.visibilityTimeoutSeconds,
      // No heartbeat of sqs-consumer's: it would renew messages the batch handler has just
      // handed back. handleBatch renews only the messages still in hand.
      messageSystemAttributeNames: ['All'],
      messageAttributeNames: [ATTRIBUTE.originalSentAt, ...TRACE_CONTEXT_ATTRIBUTES],
      suppressFifoWarning: true,
      strictReturn: true,
      preReceiveMessageCallback: async () => {
        await backoff.wait();
        // A stop that came during the backoff: no new receive.
        if (stopping.signal.aborted) throw new StoppingError('stopping');
      },
      handleMessageBatch: async (messages) => {
        state.busySince = performance.now();
        try {
          return await handleBatch(messages, {
            ...options,
            queueName: options.queueUrl.slice(options.queueUrl.lastIndexOf('/') + 1),
            queue,
            // Renew well before it would lapse.
            heartbeatSeconds: Math.max(1, Math.floor(options.visibilityTimeoutSeconds / 3)),
            isStopping: () => stopping.signal.aborted,
          });
        } finally {
          state.busySince = undefined;
          progressed();
        }
      },
    });
    consumer.on('response_processed', () => backoff.succeeded());
    consumer.on('empty', () => {
      progressed();
      backoff.succeeded();
    });
    consumer.on('error', (err, messages) => {
      // sqs-consumer wraps what the pre-receive callback throws.
      if ((err as Error).cause instanceof StoppingError) return;
      // Without messages, it was the receive itself that failed.
      if (messages === undefined) {
        progressed();
        backoff.failed(err);
      } else log.error({ err }, 'queue operation failed');
    });
    return { consumer, state };
  });

  return {
    start() {
      untraced(() => {
        for (const { consumer } of pollers) consumer.start();
      });
      log.info({ pollers: pollers.length, queueUrl: options.queueUrl }, 'worker polling');
    },
    async stop() {
      stopping.abort();
      for (const { consumer } of pollers) consumer.stop();
      while (pollers.some(({ consumer }) => consumer.status.isPolling)) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    liveness() {
      const now = performance.now();
      const states = pollers.map(({ consumer, state }) => {
        const idleSeconds = (now - state.lastProgressAt) / 1000;
        const busySeconds =
          state.busySince === undefined ? undefined : (now - state.busySince) / 1000;
        const alive =
          (consumer.status.isRunning || stopping.signal.aborted) &&
          (busySeconds ?? idleSeconds) < options.stallSeconds;
        return { idleSeconds, busySeconds, alive };
      });
      return {
        alive: states.every((s) => s.alive),
        stopping: stopping.signal.aborted,
        pollers: states,
      };
    },
  };
}

function sqsQueueActions(options: CommandConsumerOptions): QueueActions<Message> {
  return {
    /**
     * Moves a message to the dead-letter queue, with why, at once (an invalid one) or on its
     * last attempt (one that kept failing), rather than leaving SQS to move it silently.
     */
    async deadLetter(message, details: DeadLetterDetails) {
      await options.sqs.send(
        new SendMessageCommand({
          QueueUrl: options.deadLetterQueueUrl,
          ...deadLetterMessage(message, details),
        }),
      );
    },
    async changeVisibility(entries) {
      for (let start = 0; start < entries.length; start += 10) {
        await options.sqs.send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: options.queueUrl,
            Entries: entries.slice(start, start + 10).map(({ message, seconds }, index) => ({
              Id: String(index),
              ReceiptHandle: message.ReceiptHandle,
              VisibilityTimeout: seconds,
            })),
          }),
        );
      }
    },
  };
}
