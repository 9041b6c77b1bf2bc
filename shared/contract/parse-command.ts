import type { z } from 'zod';
import {
  messageGroupIdFor,
  SCHEMA_VERSION,
  type UserCommand,
  UserCommandSchema,
} from './commands.ts';
import { CommandIdSchema } from './fields.ts';

export type ParsedCommand =
  | { ok: true; command: UserCommand }
  | { ok: false; reason: string; commandId: string | undefined };

/**
 * The schema versions a build can read, each as a schema whose output is the current
 * command. A new version adds an entry here (its schema transforms into today's command),
 * and every version still in flight keeps its entry.
 */
export type ContractVersions = ReadonlyMap<number, z.ZodType<UserCommand>>;

export const CONTRACT_VERSIONS: ContractVersions = new Map([[SCHEMA_VERSION, UserCommandSchema]]);

/**
 * Reads a raw queue message body. Never throws: a message that is not a valid command comes
 * back with a reason naming each problem, and its command id when one can be read, so the
 * outcome can be recorded where the publisher will look for it. Reasons never quote the
 * message's values (an email or a password could be among them), only where they are wrong.
 */
export function parseCommandMessage(
  body: string | undefined,
  groupId: string | undefined,
  versions: ContractVersions = CONTRACT_VERSIONS,
): ParsedCommand {
  let json: unknown;
  try {
    json = JSON.parse(body ?? '');
  } catch (error) {
    return { ok: false, reason: describeJsonError(error as Error), commandId: undefined };
  }
  const version = (json as { schemaVersion?: unknown } | null)?.schemaVersion;
  const known = [...versions.keys()].join(', ');
  if (typeof version === 'number' && !versions.has(version)) {
    return {
      ok: false,
      reason: `schemaVersion: must be ${known} (the versions this worker reads), got ${version}`,
      commandId: readCommandId(json),
    };
  }
  const schema = versions.get(version as number) ?? UserCommandSchema;
  const result = schema.safeParse(json);
  if (!result.success) {
    return { ok: false, reason: describeIssues(result.error), commandId: readCommandId(json) };
  }
  const command = result.data;
  const expectedGroupId = messageGroupIdFor(command.payload.emailAddress);
  if (groupId !== undefined && groupId !== expectedGroupId) {
    return {
      ok: false,
      // Not the group it came with: a publisher that used the raw email would see it here.
      reason: `MessageGroupId must be the hex SHA-256 of the normalized emailAddress (${expectedGroupId}); this message's group is something else`,
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

/** JSON.parse's own message quotes the body; say where it broke instead. */
function describeJsonError(error: Error): string {
  const position = /position (\d+)/.exec(error.message)?.[1];
  if (position !== undefined) return `body is not JSON: syntax error at position ${position}`;
  if (/end of (JSON|data)/i.test(error.message)) return 'body is not JSON: it ends too early';
  if (/unexpected token/i.test(error.message)) return 'body is not JSON: unexpected character';
  return 'body is not JSON';
}

function readCommandId(json: unknown): string | undefined {
  if (typeof json !== 'object' || json === null || !('commandId' in json)) return undefined;
  const parsed = CommandIdSchema.safeParse(json.commandId);
  return parsed.success ? parsed.data : undefined;
}
