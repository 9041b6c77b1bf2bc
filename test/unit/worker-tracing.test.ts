import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tracer } from '../../shared/telemetry.ts';
import type { QueueMessage } from '../../worker/process-message.ts';
import { inProcessSpan, recordOutcome, untraced } from '../../worker/tracing.ts';

const exporter = new InMemorySpanExporter();
const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const PARENT_ID = 'b7ad6b7169203331';

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(
    new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }),
  );
});
afterEach(() => exporter.reset());
afterAll(() => {
  trace.disable();
  propagation.disable();
  context.disable();
});

function message(traceparent?: string): QueueMessage {
  return {
    MessageId: 'm-1',
    Attributes: { MessageGroupId: 'g-1', ApproximateReceiveCount: '2' },
    MessageAttributes:
      traceparent === undefined ? {} : { traceparent: { StringValue: traceparent } },
  };
}

describe('the process span of a message', () => {
  it('is a child of the context the message carries, and active while it is processed', async () => {
    // Act
    const seen = await inProcessSpan(
      message(`00-${TRACE_ID}-${PARENT_ID}-01`),
      'q.fifo',
      async (span) => {
        tracer().startSpan('inside').end();
        return trace.getActiveSpan() === span;
      },
    );

    // Assess
    const [inside, process] = exporter.getFinishedSpans();
    expect(seen).toBe(true);
    expect(process).toMatchObject({
      name: 'process q.fifo',
      kind: SpanKind.CONSUMER,
      parentSpanContext: { traceId: TRACE_ID, spanId: PARENT_ID },
      attributes: {
        'messaging.system': 'aws_sqs',
        'messaging.operation.type': 'process',
        'messaging.destination.name': 'q.fifo',
        'messaging.message.id': 'm-1',
        'messaging.message.conversation_id': 'g-1',
        'user_service.command.attempt': 2,
      },
    });
    expect(process?.spanContext().traceId).toBe(TRACE_ID);
    expect(inside?.parentSpanContext?.spanId).toBe(process?.spanContext().spanId);
  });

  it('starts a trace of its own when the message carries none', async () => {
    // Act
    await inProcessSpan(message(), 'q.fifo', async () => undefined);

    // Assess
    const [process] = exporter.getFinishedSpans();
    expect(process?.parentSpanContext).toBeUndefined();
    expect(process?.spanContext().traceId).not.toBe(TRACE_ID);
  });

  it('ends even when processing throws', async () => {
    // Act
    const run = inProcessSpan(message(), 'q.fifo', async () => {
      throw new Error('boom');
    });

    // Assess
    await expect(run).rejects.toThrow('boom');
    expect(exporter.getFinishedSpans()).toHaveLength(1);
  });

  it('says what became of the command, and marks what will be retried or was given up as errors', async () => {
    // Act
    for (const kind of ['succeeded', 'transient', 'exhausted'] as const) {
      await inProcessSpan(message(), 'q.fifo', async (span) => {
        const outcome =
          kind === 'succeeded'
            ? { kind }
            : { kind, failure: 'throttled' as const, reason: 'r', error: new Error('x') };
        recordOutcome(span, { commandId: 'c-1', type: 'user.create', outcome, action: 'retry' });
      });
    }

    // Assess
    const [succeeded, transient, exhausted] = exporter.getFinishedSpans();
    expect(succeeded?.attributes).toMatchObject({
      'user_service.command.id': 'c-1',
      'user_service.command.type': 'user.create',
      'user_service.command.outcome': 'succeeded',
      'user_service.command.action': 'retry',
    });
    expect(succeeded?.status.code).toBe(SpanStatusCode.UNSET);
    expect(transient?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'transient' });
    expect(exhausted?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'exhausted' });
  });

  it('names what it cannot read as empty, not undefined', async () => {
    // Act
    await inProcessSpan({}, 'q.fifo', async (span) =>
      recordOutcome(span, {
        commandId: undefined,
        type: undefined,
        outcome: { kind: 'invalid', reason: 'r' },
        action: 'dead-letter',
      }),
    );

    // Assess
    expect(exporter.getFinishedSpans()[0]?.attributes).toMatchObject({
      'messaging.message.id': '',
      'messaging.message.conversation_id': '',
      'user_service.command.attempt': 1,
      'user_service.command.id': '',
      'user_service.command.type': '',
    });
  });
});

describe('the poll loop', () => {
  it('is not traced, while the messages it hands over are', async () => {
    // Act
    await untraced(async () => {
      tracer().startSpan('a receive').end();
      await inProcessSpan(message(), 'q.fifo', async () => undefined);
    });

    // Assess
    expect(exporter.getFinishedSpans().map((span) => span.name)).toEqual(['process q.fifo']);
  });
});
