import { messageGroupIdFor, type UserCommand } from './commands.ts';

/** A command as it goes on the queue: its body and the two FIFO attributes the contract fixes. */
export interface CommandMessage {
  MessageBody: string;
  /** The user's group: per-user order across every publisher. */
  MessageGroupId: string;
  /** The command id: SQS drops a resend within its 5-minute window. */
  MessageDeduplicationId: string;
}

/** The one place a command becomes a queue message: the API and the client library use it. */
export function commandMessage(command: UserCommand): CommandMessage {
  return {
    MessageBody: toQueueSafeJson(command),
    MessageGroupId: messageGroupIdFor(command.payload.emailAddress),
    MessageDeduplicationId: command.commandId,
  };
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
