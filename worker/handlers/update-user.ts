import type { UpdateUserCommand } from '../../shared/contract/commands.ts';
import { buildSetExpression } from '../update-expression.ts';
import type { UserWrite } from '../user-write-repository.ts';

/** SETs the given fields and dateUpdated on an existing user; the email never changes. */
export function updateUserWrite(command: UpdateUserCommand, usersTable: string): UserWrite {
  const { emailAddress, firstName, lastName, passwordHash } = command.payload;
  const expression = buildSetExpression({
    firstName,
    lastName,
    passwordHash,
    dateUpdated: command.issuedAt,
  });
  return {
    item: {
      Update: {
        TableName: usersTable,
        Key: { emailAddress },
        ...expression,
        ConditionExpression: 'attribute_exists(emailAddress)',
      },
    },
    rejectionReason: 'no user with this email exists',
  };
}
