import { createHash } from 'node:crypto';
import type { UserCommand } from './commands.ts';

/**
 * What a command means, to tell a redelivery (same fingerprint) from a command id reused
 * for something else. The password hash counts only as present or absent: bcrypt salts
 * each hash afresh, so a publisher that rebuilds the same command carries a different hash
 * of the same password and must still count as the same command. Give it a command as the
 * contract's schema outputs it: the fields' order is part of the fingerprint.
 */
export function commandFingerprint(command: Pick<UserCommand, 'type' | 'payload'>): string {
  const { passwordHash, ...rest } = command.payload as { passwordHash?: string };
  const meaning = {
    type: command.type,
    payload: { ...rest, passwordHash: passwordHash !== undefined },
  };
  return sha256(JSON.stringify(meaning));
}

/** SHA-256 of a raw message body, for messages that could not be read as a command. */
export function messageHash(body: string | undefined): string {
  return sha256(body ?? '');
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
