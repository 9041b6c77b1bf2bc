import type { SettledMessage } from './handle-batch.ts';

export interface SettledSpy {
  record(settled: SettledMessage): void;
  /** Everything settled so far, oldest first. */
  all(): SettledMessage[];
  /**
   * Resolves with the first settled message of this command that matches (already settled,
   * or when it settles); rejects after `timeoutMs`.
   */
  waitForCommand(
    commandId: string,
    options?: { outcome?: SettledMessage['outcome']; timeoutMs?: number },
  ): Promise<SettledMessage>;
}

/**
 * What tests await instead of scraping logs or sleeping, in the manner of
 * message-queue-toolkit's handler spy: each message the worker settles, with its outcome and
 * action. Kept only when the worker is built with `{ spy: true }`.
 */
export function createSettledSpy(): SettledSpy {
  const settled: SettledMessage[] = [];
  const waiters = new Set<(entry: SettledMessage) => void>();
  return {
    record: (entry) => {
      settled.push(entry);
      for (const waiter of waiters) waiter(entry);
    },
    all: () => [...settled],
    waitForCommand(commandId, { outcome, timeoutMs = 15_000 } = {}) {
      const matches = (entry: SettledMessage) =>
        entry.commandId === commandId && (outcome === undefined || entry.outcome === outcome);
      const found = settled.find(matches);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          const seen = settled.filter((e) => e.commandId === commandId).map((e) => e.outcome);
          reject(
            new Error(
              `command ${commandId} did not settle${outcome ? ` as ${outcome}` : ''} within ${timeoutMs} ms (seen: ${seen.join(', ') || 'nothing'})`,
            ),
          );
        }, timeoutMs);
        const waiter = (entry: SettledMessage) => {
          if (!matches(entry)) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(entry);
        };
        waiters.add(waiter);
      });
    },
  };
}
