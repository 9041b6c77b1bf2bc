import type { CommandRecord } from '../shared/command-record.ts';
import { AppError } from './errors.ts';

/** Reads many records at once (BatchGetItem), for all waiters of this process together. */
export type ReadRecords = (commandIds: string[]) => Promise<Map<string, CommandRecord>>;

export interface CommandWaitersOptions {
  read: ReadRecords;
  /** When a record may change no more without an operator: waiting on it ends. */
  isSettled: (record: CommandRecord) => boolean;
  /** Waiting requests in this process; past it, a request is answered without waiting. */
  maxWaiters: number;
  /** Waiting requests of one client; past it, 429. 0: no such limit. */
  perClient: number;
}

export interface WaitOptions {
  client: string;
  /** performance.now() after which the latest state is the answer. */
  deadline: number;
  /** True once the client went away: stop waiting for it. */
  gone: () => boolean;
}

export interface CommandWaiters {
  /**
   * The command's record once it settles, else the latest one (or undefined) at the
   * deadline. Answers at once, from a single read, when the process has no room to wait.
   */
  waitFor(commandId: string, options: WaitOptions): Promise<CommandRecord | undefined>;
  /** Requests waiting right now, and how many may (maxWaiters), for metrics. */
  stats(): { waiting: number; capacity: number };
}

export class TooManyWaitsError extends AppError {
  override readonly retryAfterSeconds = 1;
  constructor(perClient: number) {
    super(
      'TOO_MANY_WAITS',
      429,
      `This client already has ${perClient} requests waiting on commands; wait for one to answer, or ask without waitSeconds.`,
    );
  }
}

/** BatchGetItem takes at most 100 keys. */
const READ_CHUNK = 100;
/** The first reads come soon (a command at low load is applied in milliseconds), then slower. */
const FIRST_PAUSES_MS = [10, 15, 25, 40, 80, 160];
/**
 * Past its first few reads a command is read on the process's shared beat, every 250 ms
 * with all other such commands: a process with many long polls makes about four calls a
 * second per hundred of them, however they arrived.
 */
const BEAT_MS = 250;

function nextBeat(time: number): number {
  return (Math.floor(time / BEAT_MS) + 1) * BEAT_MS;
}

interface Waiter extends WaitOptions {
  resolve: (record: CommandRecord | undefined) => void;
  reject: (error: unknown) => void;
}

interface Watch {
  waiters: Set<Waiter>;
  latest: CommandRecord | undefined;
  dueAt: number;
  /** Reads so far: the first few follow FIRST_PAUSES_MS, the rest the shared beat. */
  reads: number;
}

/**
 * Long polls that cost a bounded amount however many clients wait: one timer per process,
 * one BatchGetItem per hundred commands that are due, shared by every request waiting on
 * the same command.
 */
export function createCommandWaiters(options: CommandWaitersOptions): CommandWaiters {
  const watches = new Map<string, Watch>();
  const perClient = new Map<string, number>();
  let waiting = 0;
  let timer: NodeJS.Timeout | undefined;
  let reading = false;

  function schedule() {
    clearTimeout(timer);
    timer = undefined;
    if (reading || watches.size === 0) return;
    let next = Number.POSITIVE_INFINITY;
    for (const watch of watches.values()) {
      next = Math.min(next, watch.dueAt);
      for (const waiter of watch.waiters) next = Math.min(next, waiter.deadline);
    }
    timer = setTimeout(() => void beat(), Math.max(0, next - performance.now()));
  }

  function release(commandId: string, watch: Watch, waiter: Waiter) {
    watch.waiters.delete(waiter);
    if (watch.waiters.size === 0) watches.delete(commandId);
    waiting -= 1;
    const left = (perClient.get(waiter.client) ?? 1) - 1;
    if (left > 0) perClient.set(waiter.client, left);
    else perClient.delete(waiter.client);
  }

  async function beat() {
    reading = true;
    const now = performance.now();
    const due = [...watches].filter(([, watch]) => watch.dueAt <= now).map(([id]) => id);
    const chunks = Array.from({ length: Math.ceil(due.length / READ_CHUNK) }, (_, i) =>
      due.slice(i * READ_CHUNK, (i + 1) * READ_CHUNK),
    );
    const results = await Promise.allSettled(chunks.map((ids) => options.read(ids)));
    reading = false;
    const after = performance.now();
    results.forEach((result, index) => {
      for (const commandId of chunks[index] ?? []) {
        const watch = watches.get(commandId);
        if (!watch) continue;
        if (result.status === 'rejected') {
          for (const waiter of [...watch.waiters]) {
            release(commandId, watch, waiter);
            waiter.reject(result.reason);
          }
          continue;
        }
        watch.latest = result.value.get(commandId) ?? watch.latest;
        const pause = FIRST_PAUSES_MS[watch.reads];
        watch.dueAt = pause === undefined ? nextBeat(after) : after + pause;
        watch.reads += 1;
      }
    });
    for (const [commandId, watch] of watches) {
      const settled = watch.latest !== undefined && options.isSettled(watch.latest);
      for (const waiter of [...watch.waiters]) {
        if (settled || waiter.deadline <= after || waiter.gone()) {
          release(commandId, watch, waiter);
          waiter.resolve(watch.latest);
        }
      }
    }
    schedule();
  }

  return {
    async waitFor(commandId, wait) {
      const mine = perClient.get(wait.client) ?? 0;
      if (options.perClient > 0 && mine >= options.perClient) {
        throw new TooManyWaitsError(options.perClient);
      }
      if (waiting >= options.maxWaiters) {
        return (await options.read([commandId])).get(commandId);
      }
      perClient.set(wait.client, mine + 1);
      waiting += 1;
      return new Promise((resolve, reject) => {
        const watch = watches.get(commandId) ?? {
          waiters: new Set<Waiter>(),
          latest: undefined,
          dueAt: performance.now(),
          reads: 0,
        };
        watch.waiters.add({ ...wait, resolve, reject });
        watches.set(commandId, watch);
        schedule();
      });
    },
    stats: () => ({ waiting, capacity: options.maxWaiters }),
  };
}
