import { Piscina } from 'piscina';
import { AppError, UnavailableError } from './errors.ts';

export interface PasswordHasher {
  /** Hashes for `client` (its address): one client's burst waits its turn among the others. */
  hash(password: string, client: string): Promise<string>;
  verify(password: string, hash: string, client: string): Promise<boolean>;
  /** Where the hashing stands, for metrics. */
  stats(): HashingStats;
  close(): Promise<void>;
}

export interface HashingStats {
  /** Passwords waiting for a thread. */
  waiting: number;
  /** Passwords that may wait (maxWaiting). */
  capacity: number;
  threads: number;
  /** Threads hashing right now. */
  busy: number;
  /** Passwords refused so far: every thread busy and the queue full (503), or the client's share (429). */
  refused: { queueFull: number; clientLimit: number };
}

export interface PasswordHasherOptions {
  threads: number;
  cost: number;
  /** Passwords that may wait for a thread, over all clients; more get 503. */
  maxWaiting: number;
  /** Passwords one client may have hashing or waiting; more get 429. 0: no such limit. */
  perClient: number;
}

export class HashingBusyError extends UnavailableError {
  override readonly retryAfterSeconds = 1;
  constructor() {
    super(
      'HASHING_BUSY',
      503,
      'Too many passwords are being hashed right now; nothing was queued. Retry in a moment.',
    );
  }
}

export class HashingQuotaError extends AppError {
  override readonly retryAfterSeconds = 1;
  constructor(perClient: number) {
    super(
      'TOO_MANY_PENDING',
      429,
      `This client already has ${perClient} passwords being hashed; nothing was queued. Retry when one of them is answered.`,
    );
  }
}

interface Task {
  run: () => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * bcrypt on a pool of worker threads sized to the cores (piscina: a maintained pool with
 * clean shutdown), fed by a fair queue: each client has a line of its own, and the threads
 * take from the lines in turn, so one client's burst delays another's single request by at
 * most one hash per thread. The queue is bounded, in all and per client, so a burst is
 * refused at once (503, 429, with Retry-After) instead of waiting for seconds.
 * The plaintext crosses only into these threads of the same process.
 */
export function createPasswordHasher(options: PasswordHasherOptions): PasswordHasher {
  const pool = new Piscina({
    filename: new URL('./hash-password-thread.ts', import.meta.url).href,
    name: 'hashPassword',
    minThreads: options.threads,
    maxThreads: options.threads,
    idleTimeout: 60_000,
  });
  // Insertion order is the turn order: a client that got a thread goes to the back.
  const lines = new Map<string, Task[]>();
  const pendingByClient = new Map<string, number>();
  let running = 0;
  let waiting = 0;
  const refused = { queueFull: 0, clientLimit: 0 };

  function pump() {
    while (running < options.threads) {
      const next = lines.entries().next();
      if (next.done) return;
      const [client, line] = next.value;
      const task = line.shift() as Task;
      lines.delete(client);
      if (line.length > 0) lines.set(client, line);
      waiting -= 1;
      running += 1;
      task
        .run()
        .then(task.resolve, task.reject)
        .finally(() => {
          running -= 1;
          const left = (pendingByClient.get(client) ?? 1) - 1;
          if (left > 0) pendingByClient.set(client, left);
          else pendingByClient.delete(client);
          pump();
        });
    }
  }

  function submit<T>(client: string, run: () => Promise<T>): Promise<T> {
    const pending = pendingByClient.get(client) ?? 0;
    if (options.perClient > 0 && pending >= options.perClient) {
      refused.clientLimit += 1;
      return Promise.reject(new HashingQuotaError(options.perClient));
    }
    if (running >= options.threads && waiting >= options.maxWaiting) {
      refused.queueFull += 1;
      return Promise.reject(new HashingBusyError());
    }
    return new Promise<T>((resolve, reject) => {
      pendingByClient.set(client, pending + 1);
      const line = lines.get(client) ?? [];
      line.push({ run, resolve: resolve as (value: unknown) => void, reject });
      lines.set(client, line);
      waiting += 1;
      pump();
    });
  }

  return {
    hash: (password, client) =>
      submit(client, () => pool.run({ password, cost: options.cost }) as Promise<string>),
    verify: (password, hash, client) =>
      submit(
        client,
        () => pool.run({ password, hash }, { name: 'verifyPassword' }) as Promise<boolean>,
      ),
    stats: () => ({
      waiting,
      capacity: options.maxWaiting,
      threads: options.threads,
      busy: running,
      refused: { ...refused },
    }),
    close: () => pool.close(),
  };
}
