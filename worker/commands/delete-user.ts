import { DeleteUserCommandSchema } from '../../shared/contract/commands.ts';
import type { CommandHandler } from './command-handler.ts';

/** Removes an existing user (rejected when there is none). */
export const deleteUser: CommandHandler<'user.delete'> = {
  schema: DeleteUserCommandSchema,
  apply: (command, writes, facts) => writes.deleteUser(command, facts),
};
