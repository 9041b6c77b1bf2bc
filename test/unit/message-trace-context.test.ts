import { propagation, ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  commandMessage,
  deadLetterMessage,
  redrivenMessage,
  traceContextOf,
} from '../../shared/contract/message.ts';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const SPAN_ID = 'b7ad6b7169203331';
const TRACEPARENT = `00-${TRACE_ID}-${SPAN_ID}-01`;
const command = {
  schemaVersion: 1 as const,
  commandId: 'cmd-1',
  type: 'user.delete' as const,
  issuedAt: '2026-01-01T00:00:00.000Z',
  payload: { emailAddress: 'a@x.io' },
};
const traced = trace.setSpanContext(ROOT_CONTEXT, {
  traceId: TRACE_ID,
  spanId: SPAN_ID,
  traceFlags: TraceFlags.SAMPLED,
});

beforeAll(() => propagation.setGlobalPropagator(new W3CTraceContextPropagator()));
afterAll(() => propagation.disable());

describe('the trace context a message carries', () => {
  it('is the given context’s, as the W3C traceparent attribute', () => {
    // Act
    const message = commandMessage(command, traced);

    // Assess
    expect(message.MessageAttributes).toEqual({
      traceparent: { DataType: 'String', StringValue: TRACEPARENT },
    });
  });

  it('is left out when there is no trace', () => {
    // Act
    const message = commandMessage(command, ROOT_CONTEXT);

    // Assess
    expect(message).not.toHaveProperty('MessageAttributes');
  });

  it('is read back from a received message, and is empty when it has none', () => {
    // Act
    const carried = traceContextOf({
      MessageAttributes: { traceparent: { StringValue: TRACEPARENT } },
    });
    const none = traceContextOf({ MessageAttributes: { other: { StringValue: 'x' } } });

    // Assess
    expect(trace.getSpanContext(carried)).toMatchObject({
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      isRemote: true,
    });
    expect(trace.getSpanContext(none)).toBeUndefined();
  });

  it('stays with a dead letter and with its redrive, and no other attribute of the publisher does', () => {
    // Prepare
    const received = {
      MessageId: 'm-1',
      Body: 'b',
      MessageAttributes: {
        traceparent: { DataType: 'String', StringValue: TRACEPARENT },
        tracestate: { DataType: 'String', StringValue: 'vendor=1' },
        other: { DataType: 'String', StringValue: 'x' },
      },
    };
    const kept = {
      traceparent: { DataType: 'String', StringValue: TRACEPARENT },
      tracestate: { DataType: 'String', StringValue: 'vendor=1' },
    };

    // Act
    const dead = deadLetterMessage(received, { reason: 'r', attempts: 1, outcome: 'invalid' });
    const redriven = redrivenMessage(received, 'g-1', undefined);

    // Assess
    expect(dead.MessageAttributes).toMatchObject(kept);
    expect(dead.MessageAttributes).not.toHaveProperty('other');
    expect(redriven.MessageAttributes).toEqual({
      'redriven-from': { DataType: 'String', StringValue: 'm-1' },
      ...kept,
    });
  });
});
