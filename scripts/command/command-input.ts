import {
  buildCommand,
  type CommandInput,
  ContractError,
  type UserCommandsClient,
} from '../../shared/client/index.ts';
import { type CommandRequest, flagOf } from './arguments.ts';

/**
 * A bcrypt hash of the right form, standing in for the real one while the contract checks
 * every other field: a wrong flag is reported before anyone types a password. Never sent.
 */
const STAND_IN_HASH = `$2b$04$${'.'.repeat(53)}`;

/**
 * What the contract finds wrong with the flags, one line each, named by flag (`--email: must
 * be a valid email address`); empty when nothing is. Runs before the password is asked for.
 */
export function checkFlags(request: CommandRequest, commandId: string): string[] {
  try {
    buildCommand(
      commandInputOf(request, commandId, request.needsPassword ? STAND_IN_HASH : undefined),
    );
    return [];
  } catch (error) {
    if (!(error instanceof ContractError)) throw error;
    return error.issues.map((issue) => `${flagOf(issue.path)}: ${issue.message}`);
  }
}

/** What the flags ask for, as the client library takes it. */
export function commandInputOf(
  request: CommandRequest,
  commandId: string,
  passwordHash: string | undefined,
): CommandInput {
  const { emailAddress, firstName, lastName } = request;
  switch (request.action) {
    case 'create':
      return {
        type: 'user.create',
        commandId,
        payload: {
          emailAddress,
          firstName: firstName ?? '',
          lastName: lastName ?? '',
          passwordHash: passwordHash ?? '',
        },
      };
    case 'update':
      return {
        type: 'user.update',
        commandId,
        payload: {
          emailAddress,
          ...(firstName === undefined ? {} : { firstName }),
          ...(lastName === undefined ? {} : { lastName }),
          ...(passwordHash === undefined ? {} : { passwordHash }),
        },
      };
    case 'delete':
      return { type: 'user.delete', commandId, payload: { emailAddress } };
  }
}

/** Sends it with the client's method for its type: one SendMessage, checked again first. */
export function publishCommand(client: UserCommandsClient, input: CommandInput): Promise<string> {
  const options = { commandId: input.commandId };
  switch (input.type) {
    case 'user.create':
      return client.create(input.payload, options);
    case 'user.update':
      return client.update(input.payload, options);
    case 'user.delete':
      return client.delete(input.payload, options);
  }
}
