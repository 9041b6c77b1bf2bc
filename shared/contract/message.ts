import type { Message, MessageAttributeValue } from '@aws-sdk/client-sqs';
import {
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type TextMapGetter,
} from '@opentelemetry/api';
import { messageGroupIdFor, type UserCommand } from './commands.ts';
import {
  MESSAGE_ATTRIBUTES as ATTRIBUTE,
  MAX_ERROR_REASON_LENGTH,
  TRACE_CONTEXT_ATTRIBUTES,
} from './message-attributes.ts';

/** A command as it goes on the queue: its body and the two FIFO attributes the contract fixes. */
export interface CommandMessage {
  MessageBody: string;
  /** The user's group: per-user order across every publisher. */
  MessageGroupId: string;
  /** The command id: SQS drops a resend within its 5-minute window. */
  MessageDeduplicationId: string;
  /** The W3C trace context of the publisher's span, when tracing is on. */
  MessageAttributes?: Record<string, MessageAttributeValue>;
}

/**
 * The one place queue messages are made: a command (the API, the client library), a dead
 * letter (the worker) and a redriven dead letter (`npm run dlq -- redrive`). The AsyncAPI
 * document (docs/asyncapi.json) describes what these build.
 */

/** A command as it goes on the queue; the API and the client library use it. */
export function commandMessage(
  command: UserCommand,
  traceContext: Context = context.active(),
): CommandMessage {
  const attributes = traceContextAttributes(traceContext);
  return {
    MessageBody: toQueueSafeJson(command),
    MessageGroupId: messageGroupIdFor(command.payload.emailAddress),
    MessageDeduplicationId: command.commandId,
    ...(attributes && { MessageAttributes: attributes }),
  };
}

/**
 * The W3C trace context of `traceContext` as message attributes (`traceparent`,
 * `tracestate`), or undefined when there is none: tracing off, or no span.
 */
export function traceContextAttributes(
  traceContext: Context,
): Record<string, MessageAttributeValue> | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(traceContext, carrier);
  const entries = TRACE_CONTEXT_ATTRIBUTES.filter((name) => carrier[name]).map((name) => [
    name,
    text(carrier[name] ?? ''),
  ]);
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

type ReceivedAttributes = Record<string, { StringValue?: string | undefined }> | undefined;

const fromAttributes: TextMapGetter<ReceivedAttributes> = {
  keys: (attributes) => Object.keys(attributes ?? {}),
  get: (attributes, key) => attributes?.[key]?.StringValue,
};

/** The trace a received message belongs to, from its attributes; empty when it has none. */
export function traceContextOf(message: { MessageAttributes?: ReceivedAttributes }): Context {
  return propagation.extract(ROOT_CONTEXT, message.MessageAttributes, fromAttributes);
}

/**
 * JSON with every non-ASCII character escaped (`\u00e9`): still the same JSON to any parser,
 * but always inside the character set SQS accepts, whichever emulator or region is behind it.
 */
export function toQueueSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** A message with the attributes only the service sets. */
export interface ServiceMessage extends Omit<CommandMessage, 'MessageDeduplicationId'> {
  /** SQS always gives a received message an id; a made-up one here could drop other messages. */
  MessageDeduplicationId: string | undefined;
  MessageAttributes: Record<string, MessageAttributeValue>;
}

export interface DeadLetterDetails {
  /** Why, naming fields, never quoting values; cut to MAX_ERROR_REASON_LENGTH. */
  reason: string;
  attempts: number;
  outcome: 'invalid' | 'exhausted';
}

const text = (value: string): MessageAttributeValue => ({ DataType: 'String', StringValue: value });
const number = (value: string): MessageAttributeValue => ({
  DataType: 'Number',
  StringValue: value,
});

/**
 * A received message on its way to the dead-letter queue: its body byte for byte, its own
 * group, and why. Deduplicated by its message id, so a retried move cannot dead-letter it
 * twice.
 */
export function deadLetterMessage(
  message: Message,
  details: DeadLetterDetails,
  now = new Date(),
): ServiceMessage {
  return {
    MessageBody: message.Body || '(empty body)',
    MessageGroupId: message.Attributes?.MessageGroupId ?? 'invalid',
    MessageDeduplicationId: message.MessageId,
    MessageAttributes: {
      [ATTRIBUTE.errorReason]: text(details.reason.slice(0, MAX_ERROR_REASON_LENGTH)),
      [ATTRIBUTE.errorOutcome]: text(details.outcome),
      [ATTRIBUTE.attempts]: number(String(details.attempts)),
      [ATTRIBUTE.originalMessageId]: text(message.MessageId ?? 'unknown'),
      // The first send, kept across redrives, so the redrive can tell what overtook it.
      [ATTRIBUTE.originalSentAt]: number(
        message.MessageAttributes?.[ATTRIBUTE.originalSentAt]?.StringValue ??
          message.Attributes?.SentTimestamp ??
          '0',
      ),
      [ATTRIBUTE.deadLetteredAt]: text(now.toISOString()),
      ...keptTraceContext(message),
    },
  };
}

/**
 * A dead letter sent back to the command queue, in its user's group, carrying when it was
 * first sent. Deduplicated by the dead letter's id, so a retried redrive sends it once.
 */
export function redrivenMessage(
  deadLetter: Message,
  groupId: string,
  originalSentAt: number | undefined,
): ServiceMessage {
  return {
    MessageBody: deadLetter.Body ?? '',
    MessageGroupId: groupId,
    MessageDeduplicationId: `redrive-${deadLetter.MessageId}`,
    MessageAttributes: {
      [ATTRIBUTE.redrivenFrom]: text(deadLetter.MessageId ?? 'unknown'),
      ...keptTraceContext(deadLetter),
      ...(originalSentAt === undefined
        ? {}
        : { [ATTRIBUTE.originalSentAt]: number(String(originalSentAt)) }),
    },
  };
}

/** A message's own trace-context attributes, passed on unchanged. */
function keptTraceContext(message: Message): Record<string, MessageAttributeValue> {
  const kept = TRACE_CONTEXT_ATTRIBUTES.flatMap((name) => {
    const value = message.MessageAttributes?.[name]?.StringValue;
    return value ? [[name, text(value)]] : [];
  });
  return Object.fromEntries(kept);
}
