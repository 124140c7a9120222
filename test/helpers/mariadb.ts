/** Test access to the real MariaDB server started by test/global-setup.ts. */
import { inject } from 'vitest';
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
export function taskDoc(overrides: Record<string, unknown>): Record<string, unknown> {
  const ep = testEndpoint();
  const conn = { host: ep.host, port: ep.port, user: ep.user, password: ep.password };
  return { name: 'test-task', source: { type: 'mysql', ...conn }, destination: { type: 'mysql', ...conn }, ...overrides };
}
