import { defineConfig } from 'vitest/config';

/**
 * `npm run test:containers`: the compose stack built and run for real in Docker (a Docker
 * engine and docker-compose on the machine; .ci/run installs and starts them). Not part of
 * `npm test`, which needs neither.
 */
export default defineConfig({
  test: {
    include: ['test/containers/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 600_000,
    fileParallelism: false,
    reporters: ['default', ['json', { outputFile: 'test-results/containers.json' }]],
  },
});
