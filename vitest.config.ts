import { defineConfig } from 'vitest/config';

// Two projects so unit tests (no infrastructure) and integration tests (real Docker engine,
// registry, PostgreSQL, KDC started by `npm run infra:up`) can run as separate steps.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{libs,datakits,platform,tools}/*/src/**/*.spec.ts'],
          exclude: ['**/node_modules/**', '**/*.integration.spec.ts'],
        },
      },
      {
        // Type tests (expectTypeOf, @ts-expect-error) prove nothing at run time: this project
        // type-checks the spec files that hold them and fails on a type assertion that no
        // longer holds or an unused @ts-expect-error. `npm run typecheck` checks them too.
        test: {
          name: 'types',
          include: [],
          typecheck: {
            enabled: true,
            only: true,
            include: ['libs/contracts/src/**/*.spec.ts'],
            tsconfig: 'libs/contracts/tsconfig.json',
          },
        },
      },
      {
        test: {
          name: 'integration',
          include: ['{libs,datakits,platform,tools}/*/src/**/*.integration.spec.ts'],
          exclude: ['**/node_modules/**'],
          globalSetup: ['./vitest.integration-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 600_000,
          // Integration tests share one Docker engine, registry and database: run files one
          // after another so they do not race for the same names and ports.
          fileParallelism: false,
        },
      },
    ],
  },
});
