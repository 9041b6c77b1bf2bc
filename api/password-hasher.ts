import { Piscina } from 'piscina';

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(password: string, hash: string): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * bcrypt in a pool of worker threads sized to the cores (piscina: a maintained pool with
 * queueing, back-pressure and clean shutdown, instead of hand-rolled worker plumbing).
 * The plaintext crosses only into these threads of the same process.
 */
export function createPasswordHasher(options: { threads: number; cost: number }): PasswordHasher {
  const pool = new Piscina({
    filename: new URL('./hash-password-thread.ts', import.meta.url).href,
    name: 'hashPassword',
    minThreads: options.threads,
    maxThreads: options.threads,
    idleTimeout: 60_000,
  });
  return {
    hash: (password) => pool.run({ password, cost: options.cost }) as Promise<string>,
    verify: (password, hash) =>
      pool.run({ password, hash }, { name: 'verifyPassword' }) as Promise<boolean>,
    close: () => pool.close(),
  };
}
