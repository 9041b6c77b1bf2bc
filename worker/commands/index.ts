import type { CommandType, UserCommand } from '../../shared/contract/commands.ts';
import type { ApplyOutcome } from '../outcomes.ts';
import type { MessageFacts, UserWriteRepository } from '../user-write-repository.ts';
import type { CommandHandler } from './command-handler.ts';
import { createUser } from './create-user.ts';
import { deleteUser } from './delete-user.ts';
import { updateUser } from './update-user.ts';

/** Every command type the worker applies. A new type: a contract schema, a module, a line here. */
export const commandHandlers: { [T in CommandType]: CommandHandler<T> } = {
  'user.create': createUser,
  'user.update': updateUser,
  'user.delete': deleteUser,
};

export function applyCommand(
  command: UserCommand,
  writes: UserWriteRepository,
  facts: MessageFacts,
): Promise<ApplyOutcome> {
  // The map's type ties each handler to its command type; TypeScript cannot follow that
  // through an indexed call, hence the widening.
  const handler = commandHandlers[command.type] as CommandHandler<CommandType>;
  return handler.apply(command as never, writes, facts);
}
