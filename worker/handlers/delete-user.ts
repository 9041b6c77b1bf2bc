import type { DeleteUserCommand } from '../../shared/contract/commands.ts';
import type { UserWrite } from '../user-write-repository.ts';

export function deleteUserWrite(command: DeleteUserCommand, usersTable: string): UserWrite {
  return {
    item: {
      Delete: {
        TableName: usersTable,
        Key: { emailAddress: command.payload.emailAddress },
        ConditionExpression: 'attribute_exists(emailAddress)',
      },
    },
    rejectionReason: 'no user with this email exists',
  };
}
