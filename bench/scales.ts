import type { Rounds } from './rounds.ts';

/** How much each figure does: `full` for the published figures, `tiny` for the smoke test. */
export interface Scale {
  name: 'full' | 'tiny';
  /** Duration of each throughput run. */
  seconds: number;
  /** In-flight requests for the HTTP and SQS/DynamoDB throughput figures. */
  concurrency: number;
  /** Connections for the create (bcrypt) figure. */
  createConcurrency: number;
  /** Untimed creates before B, so the hash threads run compiled bcrypt, as the ceiling does. */
  createWarmupCount: number;
  /** B's rounds: one thread's bcrypt rate for `ceilingSeconds`, then creates for `seconds`. */
  createRounds: Rounds;
  ceilingSeconds: number;
  /** Commands pre-filled for the worker drain figure. */
  drainCount: number;
  /** C is measured in rounds (each: a fresh queue drained, then the bare loop): see rounds.ts. */
  drainRounds: Rounds;
  /** D's rounds: the API for `seconds`, then the GetItem loop for as long. */
  readRounds: Rounds;
  latencySamples: number;
  burst: number;
  /**
   * H: clients long-polling commands that never settle. Their first waits are spread over
   * `waiterSpread` of one wait (1: evenly, so from then on re-issued waits arrive steadily).
   */
  waiters: number;
  waiterSpread: number;
  /** H's reads: `readers` clients (a connection each) sending `readsPerSecond` in all. */
  readers: number;
  readsPerSecond: number;
  /** H's rounds: reads for `seconds` among the waiters, then for as long without them. */
  waiterRounds: Rounds;
  /** I: one client's creates sent at once, with a second client's single create among them. */
  fairBurst: number;
  fairRounds: Rounds;
  /** J and K: A and C with tracing on, then off, in each round. */
  tracingRounds: Rounds;
}

export const SCALES: Record<Scale['name'], Scale> = {
  full: {
    name: 'full',
    seconds: 8,
    concurrency: 32,
    createConcurrency: 16,
    createWarmupCount: 32,
    createRounds: { warmup: 0, measured: 3 },
    ceilingSeconds: 2,
    drainCount: 2000,
    drainRounds: { warmup: 1, measured: 3 },
    readRounds: { warmup: 3, measured: 3 },
    latencySamples: 40,
    burst: 200,
    waiters: 300,
    waiterSpread: 1,
    readers: 8,
    readsPerSecond: 200,
    waiterRounds: { warmup: 1, measured: 3 },
    fairBurst: 150,
    fairRounds: { warmup: 1, measured: 7 },
    tracingRounds: { warmup: 1, measured: 3 },
  },
  tiny: {
    name: 'tiny',
    seconds: 1,
    concurrency: 4,
    createConcurrency: 2,
    createWarmupCount: 2,
    createRounds: { warmup: 0, measured: 1 },
    ceilingSeconds: 0.3,
    drainCount: 30,
    drainRounds: { warmup: 1, measured: 1 },
    readRounds: { warmup: 1, measured: 1 },
    latencySamples: 3,
    burst: 8,
    waiters: 20,
    waiterSpread: 0.02,
    readers: 2,
    readsPerSecond: 50,
    waiterRounds: { warmup: 0, measured: 1 },
    fairBurst: 10,
    fairRounds: { warmup: 0, measured: 1 },
    tracingRounds: { warmup: 0, measured: 1 },
  },
};
