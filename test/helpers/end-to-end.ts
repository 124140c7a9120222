/**
 * The scaffolding of an end-to-end test through `fc-dts` into a destination stand-in: the admin
 * connection and the file's databases, a fresh stand-in per test, task files pointing at it, and the
 * kill of the test's fc-dts processes after each test.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Connection } from 'mysql2/promise';
import { afterEach, beforeEach } from 'vitest';
import { fcDtsChildren, writeTaskFile, type FcDtsChildren, type TaskFiles } from './fc-dts-process.ts';
import { taskDoc, testDatabases, uniqueName } from './mariadb.ts';

/** A destination stand-in as a test uses it. */
export interface TestDestination {
  /** The task file's `destination:` for this stand-in, with extra keys merged in. */
  destination(extra?: Record<string, unknown>): Record<string, unknown>;
  close(): Promise<void>;
}

export interface EndToEnd<D extends TestDestination> extends Omit<FcDtsChildren, 'killAll'> {
  /** The admin connection to the MariaDB server (open while the file's tests run). */
  readonly admin: Connection;
  /** The current test's stand-in. */
  readonly destination: D;
  /** A new source database, the admin connection's default from now on, dropped after the file. */
  database(prefix: string): Promise<string>;
  /** A task file syncing database `db` into the current stand-in: `extra` merged into the task document, `destination` into its destination block. */
  taskFile(db: string, extra?: Record<string, unknown>, destination?: Record<string, unknown>): TaskFiles;
}

/** Call at the top level of a test file; `name` prefixes the task names and the temporary directory. */
export function endToEnd<D extends TestDestination>(name: string, start: () => Promise<D>): EndToEnd<D> {
  const dirs = mkdtempSync(join(tmpdir(), `fc-dts-${name}-`));
  const dbs = testDatabases();
  const children = fcDtsChildren();
  let current: D | undefined;
  // A stand-in per test: their tables share one namespace, and the tests reuse table names.
  beforeEach(async () => {
    current = await start();
  });
  // A test that fails or times out must not leave an fc-dts process writing behind it.
  afterEach(async () => {
    children.killAll();
    await current?.close();
    current = undefined;
  });
  const running = (): D => {
    if (!current) throw new Error(`${name}: the stand-in runs only during a test`);
    return current;
  };
  return {
    get admin() {
      return dbs.admin;
    },
    get destination() {
      return running();
    },
    database: (prefix) => dbs.database(prefix),
    taskFile: (db, extra = {}, destination = {}) =>
      writeTaskFile(dirs, taskDoc({ name: uniqueName(name), destination: running().destination(destination), objects: [{ database: db }], ...extra })),
    spawn: children.spawn,
    fcDts: children.fcDts,
    run: children.run,
  };
}
