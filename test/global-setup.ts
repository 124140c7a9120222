/**
 * Starts the private MariaDB server the integration tests use (installing it when missing), unless
 * FC_DTS_MYSQL_URL points at an existing server; stops it afterwards if it started it.
 */
import type { TestProject } from 'vitest/node';
import { startMariaDb, stopMariaDb, runningServer } from '../scripts/lib/mariadb-server.ts';

const DIR = '.local/test-mariadb';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (process.env.FC_DTS_MYSQL_URL) {
    project.provide('mysqlUrl', process.env.FC_DTS_MYSQL_URL);
    return async () => {};
  }
  const wasRunning = runningServer(DIR) !== undefined;
  const port = Number(process.env.FC_DTS_TEST_MARIADB_PORT ?? 3417);
  const server = await startMariaDb({ dir: DIR, port }, (l) => console.log(`[mariadb] ${l}`));
  project.provide('mysqlUrl', server.url);
  return async () => {
    if (!wasRunning) await stopMariaDb(DIR);
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    mysqlUrl: string;
  }
}
