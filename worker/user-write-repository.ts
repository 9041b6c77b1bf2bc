import { DescribeTableCommand, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import {
  ATTEMPT_HISTORY_MAX,
  type AttemptEntry,
  type AttemptOutcome,
  type CommandRecord,
  DEAD_LETTER_OUTCOMES,
  type FailureKind,
  isFinal,
} from '../shared/command-record.ts';
import {
  type CreateUserCommand,
  type DeleteUserCommand,
  messageGroupIdFor,
  type UpdateUserCommand,
  type UserCommand,
} from '../shared/contract/commands.ts';
import type { ApplyOutcome } from './outcomes.ts';
import { buildUpdateExpression, type UpdateFields } from './update-expression.ts';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];
/** A record update, usable alone or as a transaction item. */
type RecordUpdate = NonNullable<TransactItem['Update']>;

/** What the worker knows about the message a command came in, for its record. */
export interface MessageFacts {
  /** The command's fingerprint; for a message that could not be read, its messageHash. */
  fingerprint: string;
  messageHash: string;
  /** The message's receive count. */
  attempt: number;
  /** When the message was first sent to the command queue (epoch ms), across redrives. */
  sentAt?: number | undefined;
  /**
   * When this attempt began (the worker took the message), for the timeline: a failure
   * recorded after a slow write keeps it. The repository's clock when absent.
   */
  receivedAt?: Date | undefined;
}

/** An outcome recorded without touching the user: the command had no effect (yet). */
export type NoEffectRecord =
  | { status: 'retrying' | 'dead-lettered'; failure: FailureKind; reason: string }
  | { status: 'invalid'; reason: string };

export interface UserWriteRepositoryOptions {
  client: DynamoDBDocumentClient;
  usersTable: string;
  commandsTable: string;
  recordTtlDays: number;
  now?: () => Date;
}

export const REJECTIONS = {
  emailTaken: 'a user with this email already exists',
  noSuchUser: 'no user with this email exists',
} as const;

/**
 * May a record be (over)written by this command? Only if nothing final stands there: no
 * record, a record of an unreadable message, or a no-effect record of this same command.
 */
const SAME_COMMAND_MAY_WRITE =
  'attribute_not_exists(#c_id) OR #c_status = :c_invalid OR ' +
  '(#c_status IN (:c_accepted, :c_retrying, :c_deadLettered) AND #c_fingerprint = :c_fingerprint)';
/** An unreadable message may only take the place of records with no effect. */
const UNREADABLE_MAY_WRITE =
  'attribute_not_exists(#c_id) OR #c_status IN (:c_accepted, :c_retrying, :c_invalid, :c_deadLettered)';

/**
 * Owns every DynamoDB write the worker makes, every table name and every transaction item.
 * A command is applied in one TransactWriteItems: the user change plus the command record,
 * conditional on no final record standing for that id. So a redelivered message, or the
 * same command published again, can never apply twice, and a crash between the two writes
 * cannot happen. Records that stand for no effect (accepted, retrying, invalid,
 * dead-lettered) never block the command they describe: a redrive applies it.
 */
export class UserWriteRepository {
  readonly #client: DynamoDBDocumentClient;
  readonly #usersTable: string;
  readonly #commandsTable: string;
  readonly #recordTtlSeconds: number;
  readonly #now: () => Date;

  constructor(options: UserWriteRepositoryOptions) {
    this.#client = options.client;
    this.#usersTable = options.usersTable;
    this.#commandsTable = options.commandsTable;
    this.#recordTtlSeconds = options.recordTtlDays * 86_400;
    this.#now = options.now ?? (() => new Date());
  }

  /** Reachability of both tables, for /ready (the worker may describe them, never read them). */
  async ping(): Promise<void> {
    await Promise.all(
      [this.#usersTable, this.#commandsTable].map((TableName) =>
        this.#client.send(new DescribeTableCommand({ TableName })),
      ),
    );
  }

  /** Dates come from issuedAt, so a retry writes the same bytes. */
  createUser(command: CreateUserCommand, facts: MessageFacts): Promise<ApplyOutcome> {
    const { emailAddress, firstName, lastName, passwordHash } = command.payload;
    const user = {
      Put: {
        TableName: this.#usersTable,
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
    };
    return this.#apply(command, facts, user, REJECTIONS.emailTaken);
  }

  updateUser(command: UpdateUserCommand, facts: MessageFacts): Promise<ApplyOutcome> {
    const { emailAddress, firstName, lastName, passwordHash } = command.payload;
    const user = {
      Update: {
        TableName: this.#usersTable,
        Key: { emailAddress },
        ...buildUpdateExpression({
          set: { firstName, lastName, passwordHash, dateUpdated: command.issuedAt },
        }),
        ConditionExpression: 'attribute_exists(emailAddress)',
      },
    };
    return this.#apply(command, facts, user, REJECTIONS.noSuchUser);
  }

  deleteUser(command: DeleteUserCommand, facts: MessageFacts): Promise<ApplyOutcome> {
    const user = {
      Delete: {
        TableName: this.#usersTable,
        Key: { emailAddress: command.payload.emailAddress },
        ConditionExpression: 'attribute_exists(emailAddress)',
      },
    };
    return this.#apply(command, facts, user, REJECTIONS.noSuchUser);
  }

  /**
   * Records an outcome that had no effect on the user (retrying, dead-lettered, invalid),
   * unless a final record stands there. Returns what the existing record says when it does:
   * a duplicate if that record is this very command (an attempt whose success never reached
   * us), a conflict if the id belongs to something else.
   */
  async recordOutcome(
    command: Partial<Pick<UserCommand, 'type' | 'issuedAt'>> & { commandId: string },
    facts: MessageFacts,
    record: NoEffectRecord,
  ): Promise<ApplyOutcome | { kind: 'recorded' }> {
    const fields: UpdateFields =
      record.status === 'invalid'
        ? this.#stamped(facts, record, {
            set: { status: 'invalid', reason: record.reason },
            setIfAbsent: { fingerprint: facts.fingerprint },
            remove: ['failure'],
          })
        : this.#stamped(facts, record, {
            set: {
              ...record,
              type: command.type,
              issuedAt: command.issuedAt,
              fingerprint: facts.fingerprint,
            },
          });
    // A message that could not be read has only its hash for a fingerprint; one that was read
    // (a write DynamoDB refused) must own the record like any other attempt of that command.
    const unreadable = record.status === 'invalid' && facts.fingerprint === facts.messageHash;
    const condition = unreadable ? UNREADABLE_MAY_WRITE : SAME_COMMAND_MAY_WRITE;
    try {
      await this.#client.send(
        new UpdateCommand(this.#recordUpdate(command.commandId, fields, condition, facts)),
      );
      return { kind: 'recorded' };
    } catch (error) {
      if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
      return this.#resolveExisting(command.commandId, (error as { Item?: unknown }).Item, facts);
    }
  }

  async #apply(
    command: UserCommand,
    facts: MessageFacts,
    user: TransactItem,
    rejectionReason: string,
  ): Promise<ApplyOutcome> {
    try {
      await this.#client.send(
        new TransactWriteCommand({
          TransactItems: [user, { Update: this.#finalRecord(command, facts, 'succeeded') }],
        }),
      );
      return { kind: 'succeeded' };
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const [userReason, recordReason] = error.CancellationReasons ?? [];
      if (recordReason?.Code === 'ConditionalCheckFailed') {
        return this.#resolveExisting(command.commandId, recordReason.Item, facts);
      }
      if (userReason?.Code === 'ConditionalCheckFailed') {
        return this.#recordRejection(command, facts, rejectionReason);
      }
      // TransactionConflict, throttling, ...: nothing was written; the caller retries.
      throw error;
    }
  }

  async #recordRejection(
    command: UserCommand,
    facts: MessageFacts,
    reason: string,
  ): Promise<ApplyOutcome> {
    try {
      await this.#client.send(
        new UpdateCommand(this.#finalRecord(command, facts, 'rejected', reason)),
      );
      return { kind: 'rejected', reason };
    } catch (error) {
      if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
      return this.#resolveExisting(command.commandId, (error as { Item?: unknown }).Item, facts);
    }
  }

  /** The record of a final outcome, carrying the group id the by-group index is keyed on. */
  #finalRecord(
    command: UserCommand,
    facts: MessageFacts,
    status: 'succeeded' | 'rejected',
    reason?: string,
  ): RecordUpdate {
    const fields = this.#stamped(
      facts,
      { status },
      {
        set: {
          status,
          type: command.type,
          reason,
          fingerprint: facts.fingerprint,
          issuedAt: command.issuedAt,
          groupId: messageGroupIdFor(command.payload.emailAddress),
        },
        remove: reason === undefined ? ['failure', 'reason'] : ['failure'],
      },
    );
    return this.#recordUpdate(command.commandId, fields, SAME_COMMAND_MAY_WRITE, facts);
  }

  /**
   * What every record write adds to the outcome's own fields: the attempt (its count, its
   * timeline entry), the message's identity and send time, the TTL, and the dead-letters
   * index's key while the outcome is a dead letter. One write, no read: attempt 1 starts
   * the history again, later attempts append to it until ATTEMPT_HISTORY_MAX.
   */
  #stamped(
    facts: MessageFacts,
    { status, failure }: { status: AttemptOutcome; failure?: FailureKind },
    fields: UpdateFields,
  ): UpdateFields {
    const now = this.#now();
    const receivedAt = (facts.receivedAt ?? now).toISOString();
    const entry: AttemptEntry = {
      attempt: facts.attempt,
      receivedAt,
      outcome: status,
      ...(failure ? { failure } : {}),
      recordedAt: now.toISOString(),
    };
    const deadLetterOutcome =
      status === 'invalid' || status === 'dead-lettered' ? DEAD_LETTER_OUTCOMES[status] : undefined;
    const listed = facts.attempt <= ATTEMPT_HISTORY_MAX;
    return {
      set: {
        ...fields.set,
        sentAt: facts.sentAt,
        messageHash: facts.messageHash,
        attempts: facts.attempt,
        processedAt: now.toISOString(),
        expiresAt: Math.floor(now.getTime() / 1000) + this.#recordTtlSeconds,
        lastReceivedAt: receivedAt,
        deadLetterOutcome,
        attemptHistory: facts.attempt <= 1 ? [entry] : undefined,
      },
      setIfAbsent: { ...fields.setIfAbsent, firstReceivedAt: receivedAt },
      append: { attemptHistory: facts.attempt > 1 && listed ? [entry] : undefined },
      remove: [...(fields.remove ?? []), ...(deadLetterOutcome ? [] : ['deadLetterOutcome'])],
    };
  }

  /**
   * An update rather than a put: what the API wrote when it accepted the command (acceptedAt,
   * the hash it queued) and any conflicts noted so far stay on the record.
   */
  #recordUpdate(
    commandId: string,
    fields: UpdateFields,
    condition: string,
    facts: MessageFacts,
  ): RecordUpdate {
    const update = buildUpdateExpression(fields);
    return {
      TableName: this.#commandsTable,
      Key: { commandId },
      UpdateExpression: update.UpdateExpression,
      ConditionExpression: condition,
      ExpressionAttributeNames: {
        ...update.ExpressionAttributeNames,
        '#c_id': 'commandId',
        '#c_status': 'status',
        ...(condition === SAME_COMMAND_MAY_WRITE ? { '#c_fingerprint': 'fingerprint' } : {}),
      },
      ExpressionAttributeValues: {
        ...update.ExpressionAttributeValues,
        ':c_invalid': 'invalid',
        ':c_accepted': 'accepted',
        ':c_retrying': 'retrying',
        ':c_deadLettered': 'dead-lettered',
        ...(condition === SAME_COMMAND_MAY_WRITE ? { ':c_fingerprint': facts.fingerprint } : {}),
      },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    };
  }

  /**
   * A command id whose record could not be written: the same command, already final, is a
   * duplicate (so is the very message a newer worker applied, seen again by an older one
   * that cannot read it); anything else reused the id, which is noted on the record (a
   * string set, so noting it again is idempotent) and otherwise ignored.
   */
  async #resolveExisting(
    commandId: string,
    rawItem: unknown,
    facts: MessageFacts,
  ): Promise<ApplyOutcome> {
    const existing = readItem(rawItem);
    if (!existing)
      throw new Error(`command ${commandId}: condition failed but no record came back`);
    const sameCommand =
      existing.fingerprint === facts.fingerprint || existing.messageHash === facts.messageHash;
    if (sameCommand && isFinal(existing.status)) return { kind: 'duplicate' };
    await this.#client.send(
      new UpdateCommand({
        TableName: this.#commandsTable,
        Key: { commandId },
        UpdateExpression: 'ADD conflictingFingerprints :fingerprint',
        ExpressionAttributeValues: { ':fingerprint': new Set([facts.fingerprint]) },
      }),
    );
    return {
      kind: 'conflict',
      reason: `command id ${commandId} was already used for a different command; this one was ignored`,
    };
  }
}

/**
 * Items in cancellation reasons and conditional-check errors come back in DynamoDB's wire
 * format ({ S: "..." }): lib-dynamodb only unmarshalls successful outputs.
 */
function readItem(item: unknown): CommandRecord | undefined {
  if (!item || typeof item !== 'object') return undefined;
  return unmarshall(item as Parameters<typeof unmarshall>[0]) as CommandRecord;
}
