import { createHash } from 'node:crypto';
import type { UserCommand } from '../shared/contract/commands.ts';

/**
 * What a command means, to tell a redelivery (same fingerprint) from a command id reused
 * for something else. The password hash counts only as present or absent: bcrypt salts
 * each hash afresh, so an API request repeated with the same Idempotency-Key carries a
 * different hash of the same password and must still count as the same command.
 */
export function commandFingerprint(command: UserCommand): string {
  const { passwordHash, ...rest } = command.payload as { passwordHash?: string };
  const meaning = {
    type: command.type,
    payload: { ...rest, passwordHash: passwordHash !== undefined },
  };
  return sha256(JSON.stringify(meaning));
}

export function rawMessageFingerprint(body: string | undefined): string {
  return sha256(body ?? '');
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
