/**
 * Message attributes, part of the queue contract (publishers need set none of them). The worker sets the dead-letter ones when it moves a message; the
 * redrive carries the original send time back with it, so queue order survives a redrive.
 * What each means is in MESSAGE_ATTRIBUTE_DOCS, which the AsyncAPI document is made from.
 * A publisher may set the two W3C trace-context attributes; the service sets the rest.
 */
export const MESSAGE_ATTRIBUTES = {
  errorReason: 'error-reason',
  errorOutcome: 'error-outcome',
  attempts: 'attempts',
  originalMessageId: 'original-message-id',
  deadLetteredAt: 'dead-lettered-at',
  originalSentAt: 'original-sent-at',
  redrivenFrom: 'redriven-from',
  traceParent: 'traceparent',
  traceState: 'tracestate',
} as const;

/** An `error-reason` is cut to this length: SQS attributes count toward the message's size. */
export const MAX_ERROR_REASON_LENGTH = 1000;

export type MessageAttributeKey = keyof typeof MESSAGE_ATTRIBUTES;

export interface MessageAttributeDoc {
  /** The SQS DataType it is sent with. */
  dataType: 'String' | 'Number';
  /** Where it appears: on commands (set by publishers, optional), dead letters, redriven commands. */
  on: readonly ('command' | 'dead letter' | 'redriven command')[];
  description: string;
}

// Stryker disable StringLiteral,ArrayDeclaration: documentation (the AsyncAPI document), checked in generated-docs.test.ts
export const MESSAGE_ATTRIBUTE_DOCS: Record<MessageAttributeKey, MessageAttributeDoc> = {
  errorReason: {
    dataType: 'String',
    on: ['dead letter'],
    description: `Why, in words, naming each wrong field but never quoting the message’s values (at most ${MAX_ERROR_REASON_LENGTH} characters).`,
  },
  errorOutcome: {
    dataType: 'String',
    on: ['dead letter'],
    description:
      '`invalid` (it can never be applied) or `exhausted` (it failed on its last attempt).',
  },
  attempts: {
    dataType: 'Number',
    on: ['dead letter'],
    description: 'How many times the message had been handed to a worker.',
  },
  originalMessageId: {
    dataType: 'String',
    on: ['dead letter'],
    description: 'The message id it had on the command queue.',
  },
  deadLetteredAt: {
    dataType: 'String',
    on: ['dead letter'],
    description: 'When the worker moved it (ISO 8601).',
  },
  originalSentAt: {
    dataType: 'Number',
    on: ['dead letter', 'redriven command'],
    description:
      'When the command was first sent (epoch milliseconds), kept across redrives so order survives them.',
  },
  redrivenFrom: {
    dataType: 'String',
    on: ['redriven command'],
    description: 'Set by `npm run dlq -- redrive`: the dead letter’s message id.',
  },
  traceParent: {
    dataType: 'String',
    on: ['command', 'dead letter', 'redriven command'],
    description:
      'Optional W3C trace context (https://www.w3.org/TR/trace-context/): the worker’s processing span joins this trace as its child. The API and the client library set it when tracing is on; dead letters and redrives keep it.',
  },
  traceState: {
    dataType: 'String',
    on: ['command', 'dead letter', 'redriven command'],
    description: 'Optional W3C trace state, sent along with traceparent.',
  },
};

// Stryker restore all

/** The W3C trace-context attributes a message may carry (what the worker asks SQS for). */
export const TRACE_CONTEXT_ATTRIBUTES = [
  MESSAGE_ATTRIBUTES.traceParent,
  MESSAGE_ATTRIBUTES.traceState,
] as const;
