import { randomUUID } from 'node:crypto';
import bcrypt from 'bcryptjs';
import { SCHEMA_VERSION, type UserCommand } from '../../../shared/contract/commands.ts';

/**
 * A command as the test submitted it, whichever way it went in. Commands sent over HTTP know
 * their password (the API hashes it with a fresh salt) but not their issuedAt (the API sets
 * it; the reconciliation reads it from the command record).
 */
export interface SubmittedCommand {
  commandId: string;
  type: UserCommand['type'];
  emailAddress: string;
  firstName?: string;
  lastName?: string;
  passwordHash?: string;
  password?: string;
  issuedAt?: string;
  /** Sent over HTTP with an Idempotency-Key: the API reserved its id in the ledger first. */
  viaApiWithKey?: boolean;
}

export interface ExpectedUser {
  emailAddress: string;
  firstName: string;
  lastName: string;
  passwordHash?: string;
  password?: string;
  /** Command ids whose issuedAt the dates must equal (resolved against the records). */
  createdBy: string;
  updatedBy: string;
}

export interface ExpectedRecord {
  commandId: string;
  type: UserCommand['type'];
  status: 'succeeded' | 'rejected';
  reason?: string;
}

/**
 * What applying each command exactly once, in submission order per user, must leave behind:
 * the same rules as the worker's conditional writes, written out independently.
 */
export function expectedState(commands: SubmittedCommand[]) {
  const users = new Map<string, ExpectedUser>();
  const records: ExpectedRecord[] = [];
  for (const c of commands) {
    const user = users.get(c.emailAddress);
    const record = (status: ExpectedRecord['status'], reason?: string) =>
      records.push({ commandId: c.commandId, type: c.type, status, ...(reason ? { reason } : {}) });
    if (c.type === 'user.create') {
      if (user) {
        record('rejected', 'a user with this email already exists');
        continue;
      }
      users.set(c.emailAddress, {
        emailAddress: c.emailAddress,
        firstName: c.firstName ?? '',
        lastName: c.lastName ?? '',
        ...secretOf(c),
        createdBy: c.commandId,
        updatedBy: c.commandId,
      });
    } else if (!user) {
      record('rejected', 'no user with this email exists');
      continue;
    } else if (c.type === 'user.delete') {
      users.delete(c.emailAddress);
    } else {
      const { passwordHash: _h, password: _p, ...rest } = user;
      users.set(c.emailAddress, {
        ...rest,
        ...(c.passwordHash || c.password ? secretOf(c) : secretOf(user)),
        firstName: c.firstName ?? user.firstName,
        lastName: c.lastName ?? user.lastName,
        updatedBy: c.commandId,
      });
    }
    record('succeeded');
  }
  return { users, records };
}

function secretOf(c: { passwordHash?: string; password?: string }) {
  return c.password !== undefined ? { password: c.password } : { passwordHash: c.passwordHash };
}

export const HASHES = [bcrypt.hashSync('first password', 4), bcrypt.hashSync('second password', 4)];

/**
 * A known mix of commands for `users` users, about four each, chosen so that applying any of
 * them twice or out of order would show in the final state: users deleted and created again,
 * second creates that must be rejected, updates after a delete, renames that must end on the
 * last name given.
 */
export function planCommands(label: string, users: number): UserCommand[] {
  const commands: UserCommand[] = [];
  let clock = Date.parse('2026-01-01T00:00:00.000Z');
  const command = (type: UserCommand['type'], payload: Record<string, string>): UserCommand => {
    clock += 1000;
    return {
      schemaVersion: SCHEMA_VERSION,
      commandId: `${label}-${randomUUID()}`,
      type,
      issuedAt: new Date(clock).toISOString(),
      payload,
    } as UserCommand;
  };
  const scripts: UserCommand[][] = [];
  for (let i = 0; i < users; i++) {
    const emailAddress = `${label}-${i}-${randomUUID().slice(0, 6)}@example.com`;
    const create = (firstName: string) =>
      command('user.create', {
        emailAddress,
        firstName,
        lastName: `L${i}`,
        passwordHash: HASHES[0] as string,
      });
    const update = (fields: Record<string, string>) =>
      command('user.update', { emailAddress, ...fields });
    const remove = () => command('user.delete', { emailAddress });
    const script: Record<number, () => UserCommand[]> = {
      0: () => [create('A'), update({ firstName: 'B' }), remove(), create('C')],
      1: () => [
        create('A'),
        update({ lastName: 'M', passwordHash: HASHES[1] as string }),
        create('Z'),
      ],
      2: () => [create('A'), remove(), update({ firstName: 'Ghost' })],
      3: () => [create('A'), update({ firstName: 'B' }), update({ firstName: 'C' })],
    };
    scripts.push((script[i % 4] as () => UserCommand[])());
  }
  // Round robin over users: a realistic stream, each user's commands still in order.
  for (let step = 0; scripts.some((s) => s.length > step); step++) {
    for (const s of scripts) if (s[step]) commands.push(s[step] as UserCommand);
  }
  return commands;
}

/** The submitted form of a command published straight to the queue. */
export function submitted(command: UserCommand): SubmittedCommand {
  return {
    commandId: command.commandId,
    type: command.type,
    issuedAt: command.issuedAt,
    ...command.payload,
  };
}
