/**
 * The DuckDB database behind the stand-in: `<dir>/maxcompute.duckdb` (or in memory), one connection, and a
 * queue that runs one piece of work at a time so that a transaction never interleaves with another request.
 * Besides the user's tables it holds the stand-in's own bookkeeping tables (names starting with `__mc_`):
 * the catalog, partitions, and upload sessions with their blocks, so that everything commits together.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBConnection, DuckDBInstance, type DuckDBValue } from '@duckdb/node-api';

export const DATABASE_FILE = 'maxcompute.duckdb';

/**
 * MaxCompute built-ins DuckDB lacks: a deliberately small set (infra/README.md). Time functions are left out:
 * DuckDB's run in UTC while DATETIME here is wall-clock time in the project's zone, so they would answer wrong.
 */
const MACROS = [
  'CREATE OR REPLACE MACRO nvl(a, b) AS coalesce(a, b)',
  // MaxCompute's FLOOR and CEIL of a number give a BIGINT (DuckDB's keep a DOUBLE a DOUBLE).
  'CREATE OR REPLACE MACRO __mc_floor(x) AS CAST(floor(x) AS BIGINT)',
  'CREATE OR REPLACE MACRO __mc_ceil(x) AS CAST(ceil(x) AS BIGINT)',
];

const BOOKKEEPING = [
  'CREATE TABLE IF NOT EXISTS __mc_tables (name VARCHAR, definition VARCHAR)',
  'CREATE TABLE IF NOT EXISTS __mc_partitions (tbl VARCHAR, spec VARCHAR, created BIGINT)',
  'CREATE TABLE IF NOT EXISTS __mc_uploads (id VARCHAR, session VARCHAR)',
  'CREATE TABLE IF NOT EXISTS __mc_blocks (upload_id VARCHAR, block_id INTEGER, records BIGINT, body BLOB, created BIGINT)',
];

export class Database {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly instance: DuckDBInstance,
    readonly connection: DuckDBConnection,
  ) {}

  static async open(dir: string | undefined): Promise<Database> {
    let file = ':memory:';
    if (dir) {
      fs.mkdirSync(dir, { recursive: true });
      file = path.join(dir, DATABASE_FILE);
    }
    const instance = await DuckDBInstance.create(file);
    const connection = await instance.connect();
    const db = new Database(instance, connection);
    for (const sql of [...BOOKKEEPING, ...MACROS]) await connection.run(sql);
    return db;
  }

  /** Runs `work` when everything queued before it is done; nothing else touches the database meanwhile. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const result = this.queue.then(work);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** `work` inside BEGIN … COMMIT (ROLLBACK when it throws). Call from within `exclusive`. */
  async transaction<T>(work: () => Promise<T>): Promise<T> {
    await this.connection.run('BEGIN TRANSACTION');
    try {
      const result = await work();
      await this.connection.run('COMMIT');
      return result;
    } catch (e) {
      await this.connection.run('ROLLBACK');
      throw e;
    }
  }

  async run(sql: string, values?: DuckDBValue[]): Promise<void> {
    await this.connection.run(sql, values);
  }

  async rows(sql: string, values?: DuckDBValue[]): Promise<DuckDBValue[][]> {
    const reader = await this.connection.runAndReadAll(sql, values);
    return reader.getRows() as DuckDBValue[][];
  }

  async close(): Promise<void> {
    await this.queue;
    if (this.instance) {
      this.connection.closeSync();
      this.instance.closeSync();
    }
  }
}

/** A DuckDB identifier: double-quoted, inner quotes doubled. */
export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A DuckDB string literal. */
export function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
