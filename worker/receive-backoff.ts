import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../shared/logger.ts';
import type { WorkerMetrics } from './metrics.ts';

const FIRST_DELAY_MS = 250;
const MAX_DELAY_MS = 5000;

export function receiveRetryDelayMs(failures: number): number {
  return failures <= 0 ? 0 : Math.min(FIRST_DELAY_MS * 2 ** (failures - 1), MAX_DELAY_MS);
}

/**
 * sqs-consumer polls again at once after a failed receive; while SQS is unreachable that is
 * hundreds of failed calls and error lines a second. One of these per poller spaces the
 * receives out exponentially and logs the first failure of a streak as an error, the rest
 * quietly, and the recovery once.
 */
export class ReceiveBackoff {
  #failures = 0;
  readonly #log: Logger;
  readonly #signal: AbortSignal;
  readonly #metrics: Pick<WorkerMetrics, 'receiveFailed' | 'receiveSucceeded'>;

  constructor(
    log: Logger,
    signal: AbortSignal,
    metrics: Pick<WorkerMetrics, 'receiveFailed' | 'receiveSucceeded'>,
  ) {
    this.#log = log;
    this.#signal = signal;
    this.#metrics = metrics;
  }

  failed(err: unknown): void {
    this.#failures += 1;
    this.#metrics.receiveFailed();
    const fields = {
      err,
      failures: this.#failures,
      retryInMs: receiveRetryDelayMs(this.#failures),
    };
    if (this.#failures === 1) this.#log.error(fields, 'cannot receive from the queue; backing off');
    else if (this.#failures % 20 === 0)
      this.#log.warn(fields, 'still cannot receive from the queue');
    else this.#log.debug(fields, 'receive failed again');
  }

  succeeded(): void {
    this.#metrics.receiveSucceeded();
    if (this.#failures > 0) this.#log.info({ failures: this.#failures }, 'queue reachable again');
    this.#failures = 0;
  }

  async wait(): Promise<void> {
    const delay = receiveRetryDelayMs(this.#failures);
    if (delay === 0 || this.#signal.aborted) return;
    await sleep(delay, undefined, { signal: this.#signal }).catch(() => undefined);
  }
}
