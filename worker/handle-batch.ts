import type { Span } from '@opentelemetry/api';
import type { DeadLetterDetails } from '../shared/contract/message.ts';
import type { Logger } from '../shared/logger.ts';
import type { WorkerMetrics } from './metrics.ts';
import { type Action, actionFor, type Outcome, retryDelaySeconds } from './outcomes.ts';
import type { ProcessedMessage, QueueMessage } from './process-message.ts';
import { inProcessSpan, recordOutcome } from './tracing.ts';

/** A received message: what processing reads, plus the handle to act on it. */
export interface ReceivedMessage extends QueueMessage {
  ReceiptHandle?: string | undefined;
}

/** What the batch handler asks of the queue; the consumer wiring does it with SQS. */
export interface QueueActions<M extends ReceivedMessage> {
  /** Moves a message to the dead-letter queue with why; throws when that fails. */
  deadLetter(message: M, details: DeadLetterDetails): Promise<void>;
  /** Sets when messages that stay on the queue are handed out again (0: at once). */
  changeVisibility(entries: { message: M; seconds: number }[]): Promise<void>;
}

/** One message's end, as the metrics, the log and the tests' spy see it. */
export interface SettledMessage {
  messageId: string | undefined;
  commandId: string | undefined;
  type: string | undefined;
  outcome: Outcome['kind'];
  action: Action;
  attempt: number;
  reason: string | undefined;
}

export interface BatchOptions<M extends ReceivedMessage> {
  /** The queue's name, for the spans of its messages. */
  queueName: string;
  process(message: M): Promise<ProcessedMessage>;
  queue: QueueActions<M>;
  log: Logger;
  metrics: WorkerMetrics;
  retryBaseSeconds: number;
  /** Messages in hand are kept invisible this long, renewed every `heartbeatSeconds`. */
  visibilityTimeoutSeconds: number;
  heartbeatSeconds: number;
  /** True once the worker is stopping: messages not started yet go back to the queue. */
  isStopping(): boolean;
  onSettled?(settled: SettledMessage): void;
}

/**
 * Handles one received batch. Messages of one group run one after another in queue order;
 * groups run in parallel. Returns the messages to delete. When one fails transiently, it
 * and the later messages of its group stay on the queue (with a backoff), so their order
 * holds; once the worker is stopping, messages not started yet are released at once for
 * another worker instead of waiting out their visibility timeout.
 */
export async function handleBatch<M extends ReceivedMessage>(
  messages: M[],
  options: BatchOptions<M>,
): Promise<M[]> {
  const acknowledged: M[] = [];
  const retry: M[] = [];
  const release: M[] = [];
  const heartbeat = keepInvisible(new Set(messages), options);
  try {
    await Promise.all(
      groupByMessageGroup(messages).map(async (group) => {
        for (const [index, message] of group.entries()) {
          if (options.isStopping()) {
            release.push(...heartbeat.letGo(group.slice(index)));
            return;
          }
          const settled = await inProcessSpan(message, options.queueName, (span) =>
            settleMessage(message, options, span),
          );
          if (!settled) {
            retry.push(...heartbeat.letGo(group.slice(index)));
            return;
          }
          acknowledged.push(message);
        }
      }),
    );
  } finally {
    // No renewal may land after the visibility set below.
    await heartbeat.stop();
  }
  const later = [
    ...retry.map((message) => ({
      message,
      seconds: retryDelaySeconds(receiveCount(message), options.retryBaseSeconds),
    })),
    ...release.map((message) => ({ message, seconds: 0 })),
  ];
  if (later.length > 0) {
    try {
      await options.queue.changeVisibility(later);
    } catch (err) {
      // Harmless: the messages reappear when their visibility timeout ends instead.
      options.log.warn({ err }, 'could not change the visibility of messages left on the queue');
    }
  }
  if (release.length > 0)
    options.log.info({ released: release.length }, 'released unstarted messages');
  return acknowledged;
}

/**
 * Renews the visibility of the messages still in hand while a batch runs long. Messages
 * handed back (retried, released) are let go first, so a renewal can never hide one again
 * after its own visibility was set; acknowledged ones stay in hand until the batch ends,
 * since they are deleted only then.
 */
function keepInvisible<M extends ReceivedMessage>(inHand: Set<M>, options: BatchOptions<M>) {
  let renewing: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    const held = [...inHand].map((message) => ({
      message,
      seconds: options.visibilityTimeoutSeconds,
    }));
    renewing = options.queue.changeVisibility(held).catch((err: unknown) => {
      options.log.warn({ err }, 'could not renew the visibility of messages in hand');
    });
  }, options.heartbeatSeconds * 1000);
  return {
    letGo(messages: M[]): M[] {
      for (const message of messages) inHand.delete(message);
      return messages;
    },
    async stop() {
      clearInterval(timer);
      await renewing;
    },
  };
}

/** True when the message may be deleted. */
async function settleMessage<M extends ReceivedMessage>(
  message: M,
  options: BatchOptions<M>,
  span: Span,
): Promise<boolean> {
  const startedAt = performance.now();
  const { outcome, commandId, type, attempt, log } = await options.process(message);
  let action = actionFor(outcome);
  if (action === 'dead-letter' && (outcome.kind === 'invalid' || outcome.kind === 'exhausted')) {
    try {
      await options.queue.deadLetter(message, {
        reason: outcome.reason,
        attempts: attempt,
        outcome: outcome.kind,
      });
    } catch (err) {
      // Left on the queue: retried, or moved by SQS's redrive policy as a last resort.
      log.warn({ err }, 'could not dead-letter the message; it stays on the queue');
      action = 'retry';
    }
  }
  const durationMs = performance.now() - startedAt;
  logOutcome(log, outcome, action, durationMs, attempt);
  recordOutcome(span, { commandId, type, outcome, action });
  const sentAt = Number(message.Attributes?.SentTimestamp);
  options.metrics.settled({
    type,
    outcome: outcome.kind,
    action,
    attempt,
    durationSeconds: durationMs / 1000,
    lagSeconds: Number.isFinite(sentAt)
      ? Math.max(0, (Date.now() - durationMs - sentAt) / 1000)
      : undefined,
  });
  options.onSettled?.({
    messageId: message.MessageId,
    commandId,
    type,
    outcome: outcome.kind,
    action,
    attempt,
    reason: 'reason' in outcome ? outcome.reason : undefined,
  });
  return action !== 'retry';
}

function logOutcome(
  log: Logger,
  outcome: Outcome,
  action: Action,
  durationMs: number,
  attempt: number,
) {
  const fields = {
    outcome: outcome.kind,
    action,
    durationMs: Math.round(durationMs * 10) / 10,
    receiveCount: attempt,
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
      log.warn(
        { ...fields, failure: outcome.failure, err: outcome.error },
        'command failed transiently, will retry',
      );
      return;
    case 'exhausted':
      log.error(
        { ...fields, failure: outcome.failure, err: outcome.error },
        'command failed on its last attempt; dead-lettered',
      );
      return;
  }
}

function receiveCount(message: ReceivedMessage): number {
  return Number(message.Attributes?.ApproximateReceiveCount ?? 1);
}

function groupByMessageGroup<M extends ReceivedMessage>(messages: M[]): M[][] {
  const groups = new Map<string, M[]>();
  for (const message of messages) {
    const groupId = message.Attributes?.MessageGroupId ?? message.MessageId ?? '';
    const group = groups.get(groupId);
    if (group) group.push(message);
    else groups.set(groupId, [message]);
  }
  return [...groups.values()];
}
