import type { CreateUserCommand } from '../../shared/contract/commands.ts';
import type { UserWrite } from '../user-write-repository.ts';

/** Puts the new user unless the email is taken. Dates come from issuedAt: a retry writes the same bytes. */
export function createUserWrite(command: CreateUserCommand, usersTable: string): UserWrite {
  const { emailAddress, firstName, lastName, passwordHash } = command.payload;
  return {
    item: {
      Put: {
        TableName: usersTable,
        Item: {
          emailAddress,
          firstName,
          lastName,
          passwordHash,
          dateCreated: command.issuedAt,
          dateUpdated: command.issuedAt,
        },
        ConditionExpression: 'attribute_not_exists(emailAddress)',
      },
    },
    rejectionReason: 'a user with this email already exists',
  };
}
