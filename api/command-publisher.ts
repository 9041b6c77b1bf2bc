import {
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import {
  context,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import type { UserCommand } from '../shared/contract/commands.ts';
import { commandMessage } from '../shared/contract/message.ts';
import { tracer } from '../shared/telemetry.ts';
import { QueueUnavailableError } from './errors.ts';

export interface CommandPublisher {
  /** Resolves once SQS has stored the message; rejects with QueueUnavailableError otherwise. */
  publish(command: UserCommand): Promise<void>;
}

/** Errors that mean our request was malformed: a bug (500), not an outage (503). */
const OUR_BUGS = new Set([
  'InvalidMessageContents',
  'InvalidParameterValue',
  'MissingParameter',
  'BatchEntryIdsNotDistinct',
  'BatchRequestTooLong',
]);
const MAX_BATCH_ENTRIES = 10;
/** SQS's limit for a whole batch; our bodies are far smaller, but never build a batch it refuses. */
const MAX_BATCH_BYTES = 256 * 1024;

interface Pending {
  entry: SendMessageBatchRequestEntry;
  /** This command's own span: its context is what the message carries to the worker. */
  span: Span;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Puts commands on the FIFO queue: one message group per user (per-user order), the command
 * id as deduplication id (a resent command within SQS's 5-minute window is dropped by SQS;
 * after that the worker's command record catches it).
 *
 * Commands arriving together share a SendMessageBatch; each caller still resolves only once
 * its own entry is stored, and an entry SQS refuses fails only its own caller. Order per user
 * holds: a batch keeps entry order, and a caller sends its next command only after this one
 * resolved.
 */
export function createCommandPublisher(
  sqs: SQSClient,
  queueUrl: string,
  options: { batchWindowMs: number },
): CommandPublisher {
  let pending: Pending[] = [];
  let pendingBytes = 0;
  let timer: NodeJS.Timeout | undefined;
  const queueName = queueUrl.slice(queueUrl.lastIndexOf('/') + 1);
  const messaging = {
    'messaging.system': 'aws_sqs',
    'messaging.destination.name': queueName,
  };

  function flush() {
    clearTimeout(timer);
    timer = undefined;
    const batch = pending;
    pending = [];
    pendingBytes = 0;
    if (batch.length > 0) void sendBatch(batch);
  }

  async function sendBatch(batch: Pending[]) {
    const sendSpan = tracer().startSpan(`send ${queueName}`, {
      root: true,
      kind: SpanKind.CLIENT,
      links: batch.map((item) => ({ context: item.span.spanContext() })),
      attributes: {
        ...messaging,
        'messaging.operation.type': 'send',
        'messaging.batch.message_count': batch.length,
        'rpc.system': 'aws-api',
        'rpc.service': 'SQS',
        'rpc.method': 'SendMessageBatch',
      },
    });
    try {
      const command = new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: batch.map((p) => p.entry),
      });
      // The send span is this call's span. The AWS SDK instrumentation's own, besides being a
      // second one, would write its context into every entry over each command's.
      const { Successful = [], Failed = [] } = await context.with(
        suppressTracing(trace.setSpan(ROOT_CONTEXT, sendSpan)),
        () => sqs.send(command),
      );
      const succeeded = new Map(Successful.map((s) => [s.Id, s.MessageId]));
      const failures = new Map(Failed.map((f) => [f.Id, f]));
      for (const item of batch) {
        const failure = failures.get(item.entry.Id);
        if (succeeded.has(item.entry.Id)) {
          item.span.setAttribute('messaging.message.id', succeeded.get(item.entry.Id) ?? '');
          settle(item, undefined);
        } else {
          settle(item, toPublishError(failure?.Code, failure?.Message ?? 'entry not stored'));
        }
      }
    } catch (error) {
      const failure = OUR_BUGS.has((error as Error).name)
        ? error
        : new QueueUnavailableError(error);
      sendSpan.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).name });
      for (const item of batch) settle(item, failure);
    } finally {
      sendSpan.end();
    }
  }

  function settle(item: Pending, error: unknown) {
    if (error === undefined) item.resolve();
    else {
      item.span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).name });
      item.reject(error);
    }
    item.span.end();
  }

  return {
    publish(command) {
      return new Promise<void>((resolve, reject) => {
        const span = tracer().startSpan(`create ${queueName}`, {
          kind: SpanKind.PRODUCER,
          attributes: {
            ...messaging,
            'messaging.operation.type': 'create',
            'user_service.command.id': command.commandId,
            'user_service.command.type': command.type,
          },
        });
        const message = commandMessage(command, trace.setSpan(context.active(), span));
        const bytes = Buffer.byteLength(message.MessageBody);
        if (pendingBytes + bytes > MAX_BATCH_BYTES) flush();
        pending.push({
          entry: { Id: String(pending.length), ...message },
          span,
          resolve,
          reject,
        });
        pendingBytes += bytes;
        if (pending.length >= MAX_BATCH_ENTRIES) flush();
        else timer ??= setTimeout(flush, options.batchWindowMs);
      });
    },
  };
}

function toPublishError(code: string | undefined, message: string): Error {
  const error = new Error(`SQS refused the message: ${code ?? 'unknown'}: ${message}`);
  error.name = code ?? 'SendMessageBatchEntryFailed';
  return OUR_BUGS.has(error.name) ? error : new QueueUnavailableError(error);
}
