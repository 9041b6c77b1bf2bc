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
