import { defineConfig } from 'vitest/config';

/** Settings both e2e projects share: the real engine and registry (their global setup), long timeouts. */
const e2e = {
  testTimeout: 180_000,
  hookTimeout: 600_000,
  // The engine is shared: e2e files run one at a time so container counts and timings stay honest.
  fileParallelism: false,
} as const;

/** E2E suites that say nothing about how the store is kept: they run against SQLite and against PostgreSQL. */
const STORE_AGNOSTIC = ['test/e2e/cli.test.ts', 'test/e2e/faults.test.ts', 'test/e2e/revalidation.test.ts'];
/** E2E suites written for the e2e-postgres project: PostgreSQL only, sandboxes from tempCli's PostgreSQL mode. */
const POSTGRES_ONLY = ['test/e2e/postgres-faults.test.ts'];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/e2e/**'],
          // Store suites create and drop databases on the PostgreSQL test cluster, which a busy server can take tens of seconds over.
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          exclude: POSTGRES_ONLY,
          globalSetup: ['test/e2e/support/global-setup.ts'],
          // After the unit project (group 0), before e2e-postgres.
          sequence: { groupOrder: 1 },
          ...e2e,
        },
      },
      {
        // The store-agnostic suites again, each sandbox a schema on the PostgreSQL test cluster
        // (test/e2e/support/cli.ts), and the PostgreSQL faults. After the SQLite e2e project, never
        // beside it: the engine is shared. (Groups run one after the other, lowest first; a project
        // of one worker without a groupOrder of its own would run after every group instead.)
        test: {
          name: 'e2e-postgres',
          include: [...STORE_AGNOSTIC, ...POSTGRES_ONLY],
          env: { CASCADE_E2E_STORE: 'postgres' },
          globalSetup: ['test/e2e/support/global-setup.ts', 'test/e2e/support/postgres-setup.ts'],
          sequence: { groupOrder: 2 },
          ...e2e,
        },
      },
    ],
  },
});
