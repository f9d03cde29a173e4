import { defineConfig } from 'vitest/config';

// Runs this folder's integration tests alone, without the workspace's global integration setup
// (which builds platform images): the TDS stand-in and the KDC are all they need.
// npm exec -- vitest run --config libs/databases/src/sqlserver/testing/vitest.local.config.ts
export default defineConfig({
  test: {
    root: new URL('../../../../../', import.meta.url).pathname,
    include: ['libs/databases/src/sqlserver/**/*.integration.spec.ts'],
    testTimeout: 120_000,
    fileParallelism: false,
  },
});
