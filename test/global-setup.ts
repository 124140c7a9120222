/**
 * Starts the private MariaDB server the integration tests use (installing it when missing), unless
 * FC_DTS_MYSQL_URL points at an existing server. A server a test run started is stopped by the last
 * test run still using it: runs that overlap (two terminals, or `vitest run FILE` beside the suite)
 * each register their pid, so one finishing does not pull the server from under the other.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { processAlive, startMariaDb, stopMariaDb, runningServer } from '../scripts/lib/mariadb-server.ts';

const DIR = '.local/test-mariadb';
const USERS = join(DIR, 'test-runs');
/** Present while the server running in DIR was started by a test run (a server started by hand is left running). */
const STARTED_BY_TESTS = join(DIR, 'started-by-tests');

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (process.env.FC_DTS_MYSQL_URL) {
    project.provide('mysqlUrl', process.env.FC_DTS_MYSQL_URL);
    return async () => {};
  }
  const wasRunning = runningServer(DIR) !== undefined;
  const port = Number(process.env.FC_DTS_TEST_MARIADB_PORT ?? 3417);
  const server = await startMariaDb({ dir: DIR, port }, (l) => console.log(`[mariadb] ${l}`));
  if (!wasRunning) writeFileSync(STARTED_BY_TESTS, '');
  mkdirSync(USERS, { recursive: true });
  const me = join(USERS, String(process.pid));
  writeFileSync(me, '');
  project.provide('mysqlUrl', server.url);
  return async () => {
    rmSync(me, { force: true });
    const others = readdirSync(USERS).filter((name) => processAlive(Number(name)));
    if (others.length > 0 || !existsSync(STARTED_BY_TESTS)) return;
    rmSync(STARTED_BY_TESTS, { force: true });
    await stopMariaDb(DIR);
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    mysqlUrl: string;
  }
}
