import { commandFingerprint, messageHash } from '../shared/contract/fingerprint.ts';
import { MESSAGE_ATTRIBUTES } from '../shared/contract/message-attributes.ts';
import {
  CONTRACT_VERSIONS,
  type ContractVersions,
  parseCommandMessage,
} from '../shared/contract/parse-command.ts';
import type { Logger } from '../shared/logger.ts';
import { applyCommand } from './commands/index.ts';
import { classifyError, type Outcome } from './outcomes.ts';
import type { MessageFacts, UserWriteRepository } from './user-write-repository.ts';

/** The parts of an SQS message the processing needs (kept SDK-free on purpose). */
export interface QueueMessage {
  MessageId?: string | undefined;
  Body?: string | undefined;
  Attributes?: Partial<Record<string, string>> | undefined;
  MessageAttributes?: Record<string, { StringValue?: string | undefined }> | undefined;
}

export interface ProcessedMessage {
  outcome: Outcome;
  commandId: string | undefined;
  /** The command type, when the message was readable enough to tell. */
  type: string | undefined;
  attempt: number;
  log: Logger;
}

export interface ProcessorOptions {
  writes: UserWriteRepository;
  log: Logger;
  /** SQS's maxReceiveCount: the attempt on which a transient failure is given up. */
  maxAttempts: number;
  /** The contract versions this worker reads (a newer build adds its own). */
  versions?: ContractVersions;
}

/**
 * Turns one queue message into one outcome, and records it where the publisher will look
 * (the command record). Never throws: every failure is classified (outcomes.ts), and the
 * batch handler acts on the outcome.
 */
export async function processMessage(
  message: QueueMessage,
  options: ProcessorOptions,
): Promise<ProcessedMessage> {
  const receivedAt = new Date();
  const attempt = Number(message.Attributes?.ApproximateReceiveCount ?? 1);
  const parsed = parseCommandMessage(
    message.Body,
    message.Attributes?.MessageGroupId,
    options.versions ?? CONTRACT_VERSIONS,
  );
  const commandId = parsed.ok ? parsed.command.commandId : parsed.commandId;
  const type = parsed.ok ? parsed.command.type : undefined;
  const log = options.log.child({ messageId: message.MessageId, commandId, commandType: type });
  const hash = messageHash(message.Body);
  const sentAt =
    Number(message.MessageAttributes?.[MESSAGE_ATTRIBUTES.originalSentAt]?.StringValue) ||
    Number(message.Attributes?.SentTimestamp) ||
    undefined;
  const settled = (outcome: Outcome) => ({ outcome, commandId, type, attempt, log });

  if (!parsed.ok) {
    const invalid: Outcome = { kind: 'invalid', reason: parsed.reason };
    if (commandId === undefined) return settled(invalid);
    const facts = { fingerprint: hash, messageHash: hash, attempt, receivedAt };
    try {
      const recorded = await options.writes.recordOutcome({ commandId }, facts, {
        status: 'invalid',
        reason: parsed.reason,
      });
      // A message a newer worker already applied, redelivered to this one: not a dead letter.
      return settled(recorded.kind === 'duplicate' ? recorded : invalid);
    } catch (error) {
      // Unrecorded, it would leave its publisher with "pending": try again, unless this was
      // the last attempt, when the dead letter's reason is all there can be.
      const failed = classifyError(error, attempt, options.maxAttempts);
      return settled(failed.kind === 'transient' ? failed : invalid);
    }
  }

  const { command } = parsed;
  const facts = {
    fingerprint: commandFingerprint(command),
    messageHash: hash,
    attempt,
    sentAt,
    receivedAt,
  };
  try {
    return settled(await applyCommand(command, options.writes, facts));
  } catch (error) {
    return settled(await recordFailure(command, facts, error, options, log));
  }
}

/**
 * Classifies a failed attempt and records it on the command, so its publisher sees it
 * being retried or given up, not "pending" forever. Recording is best effort: DynamoDB
 * may be the very thing failing. When the record shows the command was applied after all
 * (an answer lost on the way back), that is the outcome.
 */
async function recordFailure(
  command: Parameters<UserWriteRepository['recordOutcome']>[0],
  facts: MessageFacts,
  error: unknown,
  options: ProcessorOptions,
  log: Logger,
): Promise<Outcome> {
  const outcome = classifyError(error, facts.attempt, options.maxAttempts);
  // Recording while DynamoDB cannot be reached would only fail again, slowly.
  const worthRecording =
    outcome.kind === 'invalid' ||
    outcome.kind === 'exhausted' ||
    (outcome.kind === 'transient' && outcome.failure !== 'unreachable');
  if (!worthRecording) return outcome;
  const record =
    outcome.kind === 'invalid'
      ? { status: 'invalid' as const, reason: outcome.reason }
      : {
          status: outcome.kind === 'exhausted' ? ('dead-lettered' as const) : ('retrying' as const),
          failure: outcome.failure,
          reason: outcome.reason,
        };
  try {
    const recorded = await options.writes.recordOutcome(command, facts, record);
    return recorded.kind === 'recorded' ? outcome : recorded;
  } catch (recordError) {
    log.debug({ err: recordError }, 'could not record the failed attempt');
    return outcome;
  }
}
