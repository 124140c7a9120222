/** Test access to the real MariaDB server started by test/global-setup.ts. */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, inject } from 'vitest';
import mysql from 'mysql2/promise';
import type { Connection } from 'mysql2/promise';
import type { MysqlEndpoint } from '../../shared/task/task.ts';

export function testEndpoint(): MysqlEndpoint {
  const u = new URL(inject('mysqlUrl'));
  return { host: u.hostname, port: Number(u.port || 3306), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password), ssl: false };
}

/** An admin connection for arranging and inspecting test data (multi-statement, UTC, utf8mb4). */
export async function adminConnection(): Promise<Connection> {
  const ep = testEndpoint();
  const c = await mysql.createConnection({
    host: ep.host, port: ep.port, user: ep.user, password: ep.password,
    multipleStatements: true, charset: 'utf8mb4_general_ci', dateStrings: true,
    supportBigNumbers: true, bigNumberStrings: true, timezone: 'Z',
  });
  await c.query("SET time_zone = '+00:00'");
  return c;
}

let counter = 0;
/** A database name unique to this test run and file (so files can run in parallel). */
export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${++counter}`;
}

/** Builds a task document (before validation) against the test server. */
/**
 * The task name of this test file's tasks: its own, because test files run at the same time against the
 * one MariaDB server, and a task's name keys its watermarks in the destination and its replica server
 * id (a second dump with the same id makes the server drop the first).
 */
export const TEST_TASK_NAME = `test-task-${randomBytes(4).toString('hex')}`;

export function taskDoc(overrides: Record<string, unknown>): Record<string, unknown> {
  const ep = testEndpoint();
  const conn = { host: ep.host, port: ep.port, user: ep.user, password: ep.password };
  return { name: TEST_TASK_NAME, source: { type: 'mysql', ...conn }, destination: { type: 'mysql', ...conn }, ...overrides };
}

export interface TestDatabases {
  /** The admin connection, open from beforeAll to afterAll. */
  readonly admin: Connection;
  /** Creates a database with a unique name from `prefix`, makes it the admin connection's default, and drops it after the file. */
  database(prefix: string): Promise<string>;
  /** A unique database name from `prefix`, not created here (fc-dts creates it), dropped after the file like those of database(). */
  newName(prefix: string): string;
}

/**
 * Call at the top level of a test file: registers the hooks that open the admin connection before the
 * file's tests and, after them, drop every database handed out and close it.
 */
export function testDatabases(): TestDatabases {
  let admin: Connection | undefined;
  const created: string[] = [];
  const open = (): Connection => {
    if (!admin) throw new Error('testDatabases(): the admin connection is open only while the tests run');
    return admin;
  };
  beforeAll(async () => {
    admin = await adminConnection();
  });
  afterAll(async () => {
    for (const db of created) await open().query(`DROP DATABASE IF EXISTS \`${db}\``);
    await open().end();
  });
  const newName = (prefix: string): string => {
    const db = uniqueName(prefix);
    created.push(db);
    return db;
  };
  return {
    get admin() {
      return open();
    },
    newName,
    async database(prefix) {
      const db = newName(prefix);
      await open().query(`CREATE DATABASE \`${db}\`; USE \`${db}\``);
      return db;
    },
  };
}
