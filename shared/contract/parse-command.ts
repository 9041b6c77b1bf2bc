import type { z } from 'zod';
import { messageGroupIdFor, type UserCommand, UserCommandSchema } from './commands.ts';
import { CommandIdSchema } from './fields.ts';

export type ParsedCommand =
  | { ok: true; command: UserCommand }
  | { ok: false; reason: string; commandId: string | undefined };

/**
 * Reads a raw queue message body. Never throws: a message that is not a valid command comes
 * back with a reason naming each problem, and its command id when one can be read, so the
 * rejection can be recorded where the publisher will look for it.
 */
export function parseCommandMessage(
  body: string | undefined,
  groupId: string | undefined,
): ParsedCommand {
  let json: unknown;
  try {
    json = JSON.parse(body ?? '');
  } catch (error) {
    return {
      ok: false,
      reason: `body is not JSON: ${(error as Error).message}`,
      commandId: undefined,
    };
  }
  const result = UserCommandSchema.safeParse(json);
  if (!result.success) {
    return { ok: false, reason: describeIssues(result.error), commandId: readCommandId(json) };
  }
  const command = result.data;
  const expectedGroupId = messageGroupIdFor(command.payload.emailAddress);
  if (groupId !== undefined && groupId !== expectedGroupId) {
    return {
      ok: false,
      reason: `MessageGroupId must be the hex SHA-256 of the normalized emailAddress (${expectedGroupId}), got ${groupId}`,
      commandId: command.commandId,
    };
  }
  return { ok: true, command };
}

/** "payload.emailAddress: must be a valid email address; commandId: ..." */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map(
      (issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(message)'}: ${issue.message}`,
    )
    .join('; ');
}

function readCommandId(json: unknown): string | undefined {
  if (typeof json !== 'object' || json === null || !('commandId' in json)) return undefined;
  const parsed = CommandIdSchema.safeParse(json.commandId);
  return parsed.success ? parsed.data : undefined;
}
