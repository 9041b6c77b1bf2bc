import bcrypt from 'bcryptjs';

/** Runs inside a piscina worker thread, so hashing never blocks the API's event loop. */
export function hashPassword({
  password,
  cost,
}: {
  password: string;
  cost: number;
}): Promise<string> {
  return bcrypt.hash(password, cost);
}

/** Whether `password` is the one behind `hash` (as costly as hashing it). */
export function verifyPassword({
  password,
  hash,
}: {
  password: string;
  hash: string;
}): Promise<boolean> {
  return bcrypt.compare(password, hash);
}
