import { randomUUID } from 'node:crypto';
import { isFinal } from '../shared/command-record.ts';
import {
  SCHEMA_VERSION,
  type UserCommand,
  UserCommandSchema,
} from '../shared/contract/commands.ts';
import { commandFingerprint } from '../shared/contract/fingerprint.ts';
import type { CommandLedger } from './command-ledger.ts';
import type { CommandPublisher } from './command-publisher.ts';
import { IdempotencyKeyReusedError } from './errors.ts';
import type { PasswordHasher } from './password-hasher.ts';

type PayloadWithoutHash<T extends UserCommand> = Omit<T['payload'], 'passwordHash'>;

/** A command as an HTTP request states it: the plaintext password, if any, not its hash. */
export type CommandRequest = {
  [T in UserCommand['type']]: {
    type: T;
    payload: PayloadWithoutHash<Extract<UserCommand, { type: T }>>;
    password?: string | undefined;
    /** The client's Idempotency-Key: becomes the command id. */
    idempotencyKey?: string | undefined;
    /** Who asks (its address): the hashing queue takes clients in turn. */
    client: string;
  };
}[UserCommand['type']];

export interface CommandIntake {
  /** Resolves with the command id once the command is on the queue (or already applied). */
  submit(request: CommandRequest): Promise<string>;
}

export interface CommandIntakeDependencies {
  publisher: CommandPublisher;
  ledger: CommandLedger;
  hasher: PasswordHasher;
  newCommandId?: () => string;
  now?: () => Date;
}

/**
 * Turns an HTTP request into a queued command. Without an Idempotency-Key the command gets
 * a fresh id and goes straight to the queue. With one, the id is reserved in the ledger
 * first, so the key means one command only:
 * - a new key: queued;
 * - the same key and the same request again: the same command, queued again byte for byte
 *   (SQS or the worker's ledger drops the copy) unless it is already applied or rejected;
 * - the same key with other content, or another password: refused (422), never queued,
 *   so no client is told "accepted" for a command that would be thrown away.
 */
export function createCommandIntake(deps: CommandIntakeDependencies): CommandIntake {
  const newCommandId = deps.newCommandId ?? randomUUID;
  const now = deps.now ?? (() => new Date());
  return {
    async submit(request) {
      const passwordHash =
        request.password === undefined
          ? undefined
          : await deps.hasher.hash(request.password, request.client);
      const receivedAt = now();
      // Through the contract's own schema: what is queued is what the worker will read, and
      // its fields are in the order the worker's fingerprint sees them.
      const command = UserCommandSchema.parse({
        schemaVersion: SCHEMA_VERSION,
        commandId: request.idempotencyKey ?? newCommandId(),
        issuedAt: receivedAt.toISOString(),
        type: request.type,
        payload: { ...request.payload, ...(passwordHash && { passwordHash }) },
      });
      if (request.idempotencyKey === undefined) {
        await deps.publisher.publish(command);
        return command.commandId;
      }
      const fingerprint = commandFingerprint(command);
      const reservation = await deps.ledger.reserve(command, fingerprint, receivedAt);
      if (reservation.reserved) {
        await deps.publisher.publish(command);
        return command.commandId;
      }
      const { existing } = reservation;
      const samePassword =
        request.password === undefined ||
        (existing.passwordHash !== undefined &&
          (await deps.hasher.verify(request.password, existing.passwordHash, request.client)));
      if (existing.fingerprint !== fingerprint || !samePassword) {
        throw new IdempotencyKeyReusedError(command.commandId);
      }
      if (isFinal(existing.status)) return command.commandId;
      await deps.publisher.publish({
        ...command,
        issuedAt: existing.issuedAt ?? command.issuedAt,
        payload: {
          ...command.payload,
          ...(passwordHash && { passwordHash: existing.passwordHash }),
        },
      } as UserCommand);
      return command.commandId;
    },
  };
}
