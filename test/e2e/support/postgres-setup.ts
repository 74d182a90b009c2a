// Global setup of the `e2e-postgres` project (after ./global-setup.ts, which brings up the engine and
// the registry): one database of the test cluster for the whole run, in which every CLI sandbox
// (./cli.ts, CASCADE_E2E_STORE=postgres) gets a schema of its own; dropped again at the end.
import type { TestProject } from 'vitest/node';
import { createTestDatabase, postgresAvailable } from '../../support/postgres.js';

export interface E2EPostgresContext {
  /** The run's database on the test cluster ('' when there is no cluster: the suites skip then). */
  database: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    e2ePostgres: E2EPostgresContext;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Under CI=true a cluster that does not answer throws here: a failure, never a skip.
  if (!postgresAvailable()) {
    console.log('[e2e-postgres] no PostgreSQL test cluster answers (bash .ci/postgres.sh): the PostgreSQL e2e suites skip');
    project.provide('e2ePostgres', { database: '' });
    // Outside CI only: the shared suites skip on `e2e.engine`, so say there is nothing to run against.
    project.provide('e2e', { ...project.getProvidedContext().e2e, engine: false });
    return async () => {};
  }
  const t0 = performance.now();
  const db = await createTestDatabase('e2e');
  console.log(`[e2e-postgres] database ${db.name} (${((performance.now() - t0) / 1000).toFixed(1)}s)`);
  project.provide('e2ePostgres', { database: db.name });
  return async () => {
    await db.drop();
  };
}
