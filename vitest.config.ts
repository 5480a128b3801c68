import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // DESIGN convention 10: a file that leaves sockets, servers, child processes or worker threads open fails.
    setupFiles: ['test/support/leak-check.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two cores: more forks only add contention.
    maxWorkers: 2,
    fileParallelism: true,
  },
});
