import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Integration tests share one MariaDB server; each file uses databases of its own.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
