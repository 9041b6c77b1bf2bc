import type { UserCommand } from '../../shared/contract/commands.ts';
import type { UserWrite } from '../user-write-repository.ts';
import { createUserWrite } from './create-user.ts';
import { deleteUserWrite } from './delete-user.ts';
import { updateUserWrite } from './update-user.ts';

/** One handler per command type; adding a type means adding a schema and a line here. */
export function userWriteFor(command: UserCommand, usersTable: string): UserWrite {
  switch (command.type) {
    case 'user.create':
      return createUserWrite(command, usersTable);
    case 'user.update':
      return updateUserWrite(command, usersTable);
    case 'user.delete':
      return deleteUserWrite(command, usersTable);
  }
}
