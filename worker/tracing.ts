import { context, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { traceContextOf } from '../shared/contract/message.ts';
import { tracer } from '../shared/telemetry.ts';
import type { Outcome } from './outcomes.ts';
import type { QueueMessage } from './process-message.ts';

/**
 * The worker's side of a command's trace (when tracing is on): one `process` span per
 * message, a child of the span whose context the message carries (the API's `create` span,
 * or a direct publisher's), so a command is one trace from its HTTP request to its DynamoDB
 * transaction, which runs inside this span and is its child.
 */
export async function inProcessSpan<T>(
  message: QueueMessage,
  queueName: string,
  run: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = traceContextOf(message);
  const span = tracer().startSpan(
    `process ${queueName}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        'messaging.system': 'aws_sqs',
        'messaging.operation.type': 'process',
        'messaging.destination.name': queueName,
        'messaging.message.id': message.MessageId ?? '',
        'messaging.message.conversation_id': message.Attributes?.MessageGroupId ?? '',
        'user_service.command.attempt': Number(message.Attributes?.ApproximateReceiveCount ?? 1),
      },
    },
    parent,
  );
  try {
    return await context.with(trace.setSpan(parent, span), () => run(span));
  } finally {
    span.end();
  }
}

/** What became of the message, on its span; an error status for what will be retried or lost. */
export function recordOutcome(
  span: Span,
  facts: {
    commandId: string | undefined;
    type: string | undefined;
    outcome: Outcome;
    action: string;
  },
): void {
  span.setAttributes({
    'user_service.command.id': facts.commandId ?? '',
    'user_service.command.type': facts.type ?? '',
    'user_service.command.outcome': facts.outcome.kind,
    'user_service.command.action': facts.action,
  });
  if (facts.outcome.kind === 'transient' || facts.outcome.kind === 'exhausted') {
    span.setStatus({ code: SpanStatusCode.ERROR, message: facts.outcome.kind });
  }
}

/**
 * Runs the poll loop without traces of its own: a long poll every 20 s per poller, mostly
 * empty, would be a trace each. Messages are traced from their own context (inProcessSpan).
 */
export function untraced<T>(run: () => T): T {
  return context.with(suppressTracing(context.active()), run);
}
