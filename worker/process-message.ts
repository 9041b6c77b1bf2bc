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
  const log = parentLog.child({
    messageId: message.MessageId,
    commandId,
    commandType: parsed.ok ? parsed.command.type : undefined,
  });
  try {
    if (!parsed.ok) {
      if (commandId !== undefined) {
        await repository.recordRejection(
          { commandId },
          rawMessageFingerprint(message.Body),
          `invalid message: ${parsed.reason}`,
        );
      }
      return { outcome: { kind: 'invalid', reason: parsed.reason }, log };
    }
    const { command } = parsed;
    const write = userWriteFor(command, repository.usersTable);
    const outcome = await repository.apply(command, commandFingerprint(command), write);
    return { outcome, log };
  } catch (error) {
    return { outcome: classifyError(error), log };
  }
}
