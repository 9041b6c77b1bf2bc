import { CreateUserCommandSchema } from '../../shared/contract/commands.ts';
import type { CommandHandler } from './command-handler.ts';

/** A new user, unless the email is taken (then rejected, and recorded so). */
export const createUser: CommandHandler<'user.create'> = {
  schema: CreateUserCommandSchema,
  apply: (command, writes, facts) => writes.createUser(command, facts),
};
