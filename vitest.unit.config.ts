import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Set in the processes StrykerJS runs the tests in (stryker.config.json). */
const mutationRun = process.env.STRYKER_MUTATOR_WORKER !== undefined;

/**
 * A mutation run stops at the first failing test, so it tries the quickest files first (by
 * vitest's cached durations): a killed mutant then rarely waits on the files that wait on
 * real time (the consumer's, the HTTP server's).
 */
class QuickestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const duration = (spec: TestSpecification) =>
      this.ctx.cache.getTestSpecificationResult(spec)?.duration ?? 0;
    return [...files].sort((a, b) => duration(a) - duration(b));
  }
}

/**
 * The fast tests only, without the global setup that starts the emulators: `npm run test:unit`
 * and the mutation runs. A mutation run leaves out the generated-docs check: it compares
 * committed files (README.md included) with what the code renders, which says nothing about
 * a mutant and fails the whole run whenever a document is merely stale. It also gives up on a
 * test sooner (the slowest takes under 1.5 s): a mutant that makes a test hang then counts as
 * killed in seconds, instead of waiting for Stryker's own timeout and a restart of its runner.
 */
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    exclude: mutationRun ? ['test/unit/generated-docs.test.ts'] : [],
    testTimeout: mutationRun ? 3_000 : 10_000,
    hookTimeout: mutationRun ? 3_000 : 10_000,
    ...(mutationRun && { sequence: { sequencer: QuickestFirst } }),
  },
});
