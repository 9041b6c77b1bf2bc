import { type DynamoDBDocumentClient, GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { EmailAddressSchema } from '../shared/contract/fields.ts';
import { readFailure } from './errors.ts';

/** A user as the API shows it: never the password hash. */
export interface UserView {
  emailAddress: string;
  firstName: string;
  lastName: string;
  dateCreated: string;
  dateUpdated: string;
}

export interface UserPage {
  items: UserView[];
  nextCursor: string | null;
}

/** Asked for by name, so the password hash is never even read from the table. */
const USER_PROJECTION = {
  ProjectionExpression: '#e, #f, #l, #c, #u',
  ExpressionAttributeNames: {
    '#e': 'emailAddress',
    '#f': 'firstName',
    '#l': 'lastName',
    '#c': 'dateCreated',
    '#u': 'dateUpdated',
  },
};

export class InvalidCursorError extends Error {
  override name = 'InvalidCursorError';
}

/** Every read of the users table. Reads go straight to the table, not through the queue. */
export class UserReadRepository {
  readonly #client: DynamoDBDocumentClient;
  readonly #usersTable: string;

  constructor(options: { client: DynamoDBDocumentClient; usersTable: string }) {
    this.#client = options.client;
    this.#usersTable = options.usersTable;
  }

  async getUser(emailAddress: string): Promise<UserView | undefined> {
    const { Item } = await this.#client
      .send(
        new GetCommand({ TableName: this.#usersTable, Key: { emailAddress }, ...USER_PROJECTION }),
      )
      .catch((error: unknown) => Promise.reject(readFailure(error)));
    return Item as UserView | undefined;
  }

  /** The cursor is opaque to callers (base64url of the last key). */
  async listUsers(limit: number, cursor: string | undefined): Promise<UserPage> {
    const start = cursor ? { ExclusiveStartKey: decodeCursor(cursor) } : {};
    const { Items = [], LastEvaluatedKey } = await this.#client
      .send(
        new ScanCommand({
          TableName: this.#usersTable,
          Limit: limit,
          ...start,
          ...USER_PROJECTION,
        }),
      )
      .catch((error: unknown) => Promise.reject(readFailure(error)));
    return {
      items: Items as UserView[],
      nextCursor: LastEvaluatedKey ? encodeCursor(LastEvaluatedKey) : null,
    };
  }

  /** Cheap reachability check for /ready. */
  async ping(): Promise<void> {
    await this.#client.send(
      new GetCommand({ TableName: this.#usersTable, Key: { emailAddress: '_ready_probe_' } }),
    );
  }
}

function encodeCursor(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/**
 * A cursor back into a key. Only the shape this API issues passes: JSON with one field,
 * `emailAddress`, holding a normalized email. Anything else (a forged `{"emailAddress":""}`
 * that DynamoDB would refuse, another attribute, garbage) is the caller's error, a 400.
 */
function decodeCursor(cursor: string): Record<string, unknown> {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (typeof key === 'object' && key !== null && Object.keys(key).length === 1) {
      const email = (key as { emailAddress?: unknown }).emailAddress;
      const parsed = EmailAddressSchema.safeParse(email);
      if (parsed.success && parsed.data === email) return { emailAddress: email };
    }
  } catch {
    // Falls through to the error below.
  }
  throw new InvalidCursorError('cursor is not one this API issued');
}
