import { UpdateUserCommandSchema } from '../../shared/contract/commands.ts';
import type { CommandHandler } from './command-handler.ts';

/** New names or password for an existing user (rejected when there is none); never the email. */
export const updateUser: CommandHandler<'user.update'> = {
  schema: UpdateUserCommandSchema,
  apply: (command, writes, facts) => writes.updateUser(command, facts),
};
