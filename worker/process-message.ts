import { parseCommandMessage } from '../shared/contract/parse-command.ts';
import type { Logger } from '../shared/logger.ts';
import { commandFingerprint, rawMessageFingerprint } from './fingerprint.ts';
import { userWriteFor } from './handlers/index.ts';
import { classifyError, type Outcome } from './outcomes.ts';
import type { UserWriteRepository } from './user-write-repository.ts';

/** The parts of an SQS message the processing needs (kept SDK-free on purpose). */
export interface QueueMessage {
  MessageId?: string | undefined;
  Body?: string | undefined;
  Attributes?: Partial<Record<string, string>> | undefined;
}

export interface ProcessedMessage {
  outcome: Outcome;
  /** The command type, when the message was readable enough to tell. */
  type: string | undefined;
  log: Logger;
}

/**
 * Turns one queue message into one outcome. Never throws: every failure is classified
 * (outcomes.ts), and the consumer acts on the outcome.
 */
export async function processMessage(
  message: QueueMessage,
  repository: UserWriteRepository,
  parentLog: Logger,
): Promise<ProcessedMessage> {
  const parsed = parseCommandMessage(message.Body, message.Attributes?.MessageGroupId);
  const commandId = parsed.ok ? parsed.command.commandId : parsed.commandId;
  const type = parsed.ok ? parsed.command.type : undefined;
  const log = parentLog.child({ messageId: message.MessageId, commandId, commandType: type });
  try {
    if (!parsed.ok) {
      if (commandId !== undefined) {
        await repository.recordRejection(
          { commandId },
          rawMessageFingerprint(message.Body),
          `invalid message: ${parsed.reason}`,
        );
      }
      return { outcome: { kind: 'invalid', reason: parsed.reason }, type, log };
    }
    const { command } = parsed;
    const write = userWriteFor(command, repository.usersTable);
    const outcome = await repository.apply(command, commandFingerprint(command), write);
    return { outcome, type, log };
  } catch (error) {
    return { outcome: classifyError(error), type, log };
  }
}
