import { expect } from 'vitest';

/** Polls until the check passes, like Playwright's expect: never a fixed sleep. */
export async function eventually<T>(
  read: () => Promise<T>,
  check: (value: T) => void,
): Promise<void> {
  await expect
    .poll(
      async () => {
        const value = await read();
        check(value);
        return true;
      },
      { timeout: 15_000, interval: 100 },
    )
    .toBe(true);
}
