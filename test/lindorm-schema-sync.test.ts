/**
 * syncLindormSchema against the real MariaDB (source tables resolved by the object resolver) and the Lindorm
 * stand-in: creates, keeps, conflicts, incompatible and refused tables, and the reuse of a table an
 * interrupted run created.
 */
import mysql, { type Connection, type RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLindormStandIn, type LindormStandIn } from '../infra/lindorm-standin/index.ts';
import type { SchemaSyncOptions } from '../shared/destinations/destination.ts';
import { lindormOwnershipKey, syncLindormSchema } from '../shared/destinations/lindorm/lindorm-schema.ts';
import { allTables, type TableMapping } from '../shared/task/object-mapper.ts';
import { lindormDestination, lindormTask } from './helpers/lindorm.ts';
import { adminConnection, uniqueName } from './helpers/mariadb.ts';

let admin: Connection;
let standIn: LindormStandIn;
let lindorm: Connection;
const source = uniqueName('ls_shop');
let tables: TableMapping[];

beforeAll(async () => {
  admin = await adminConnection();
  await admin.query(`
    CREATE DATABASE \`${source}\` CHARACTER SET utf8mb4;
    CREATE TABLE \`${source}\`.orders (id BIGINT PRIMARY KEY, amount DECIMAL(12,2), note VARCHAR(100));
    CREATE TABLE \`${source}\`.customers (id INT PRIMARY KEY, name VARCHAR(50));
    CREATE TABLE \`${source}\`.flags (id INT PRIMARY KEY, bits BIT(8));
  `);
  standIn = await startLindormStandIn({ password: 'lindorm-schema-pw' });
  lindorm = await mysql.createConnection({ host: standIn.host, port: standIn.port, user: standIn.user, password: standIn.password, database: 'default' });
  tables = allTables((await lindormTask(admin, { objects: [{ database: source }] }, lindormDestination(standIn))).mapping);
});

afterAll(async () => {
  await admin.query(`DROP DATABASE IF EXISTS \`${source}\``);
  await admin.end();
  await lindorm?.end();
  await standIn?.close();
});

const named = (...names: string[]) => tables.filter((t) => names.includes(t.target.table));

const options = (o: Partial<Pick<SchemaSyncOptions, 'conflictMode' | 'ownedTables'>> & { created?: string[]; log?: string[] } = {}): SchemaSyncOptions => ({
  conflictMode: o.conflictMode ?? 'precheck-and-report',
  ownedTables: o.ownedTables ?? new Set(),
  onCreating: async (key) => {
    o.created?.push(key);
  },
  log: (line) => o.log?.push(line),
});

async function namespace(name: string): Promise<string> {
  await lindorm.query(`CREATE DATABASE ${name}`);
  return name;
}

const describeRows = async (ns: string, table: string) =>
  (await lindorm.query<RowDataPacket[]>(`DESCRIBE ${ns}.${table}`))[0].map((r) => [r['COLUMN_NAME'], r['TYPE'], r['IS_PRIMARY_KEY']]);

describe('syncLindormSchema', () => {
  it('creates missing tables with their Lindorm types, recording ownership before each CREATE', async () => {
    const ns = await namespace('ns_create');
    const created: string[] = [];
    const log: string[] = [];
    const report = await syncLindormSchema(lindormDestination(standIn, { database: ns }), named('orders', 'customers'), options({ created, log }));
    expect(report).toEqual({ created: ['ns_create.customers', 'ns_create.orders'], kept: [], warnings: [], failed: [] });
    expect(created).toEqual([lindormOwnershipKey('customers'), 'lindorm:orders']);
    expect(log).toEqual(['  created Lindorm table ns_create.customers', '  created Lindorm table ns_create.orders']);
    expect(await describeRows(ns, 'orders')).toEqual([
      ['id', 'BIGINT', 'true'],
      ['amount', 'DECIMAL(12,2)', 'false'],
      ['note', 'VARCHAR', 'false'],
    ]);
  });

  it('keeps a table this task created in an interrupted run, and creates one it recorded but never created', async () => {
    const ns = await namespace('ns_resume');
    const config = lindormDestination(standIn, { database: ns });
    // The interrupted run: ownership of both recorded, only orders created.
    await syncLindormSchema(config, named('orders'), options());
    const owned = new Set([lindormOwnershipKey('orders'), lindormOwnershipKey('customers')]);
    const created: string[] = [];
    const report = await syncLindormSchema(config, named('orders', 'customers'), options({ ownedTables: owned, created }));
    expect(report).toEqual({ created: ['ns_resume.customers'], kept: ['ns_resume.orders'], warnings: [], failed: [] });
    expect(created).toEqual(['lindorm:customers']);
  });

  it('precheck-and-report: an existing table the task did not create fails and is left alone', async () => {
    const ns = await namespace('ns_conflict');
    await lindorm.query(`CREATE TABLE ${ns}.orders (id BIGINT NOT NULL, other INTEGER, PRIMARY KEY (id))`);
    const created: string[] = [];
    const report = await syncLindormSchema(lindormDestination(standIn, { database: ns }), named('orders'), options({ created }));
    expect(report.failed).toEqual([{ object: 'ns_conflict.orders', error: 'Lindorm table orders already exists in namespace ns_conflict and was not created by this task (conflictMode precheck-and-report)' }]);
    expect(report.created).toEqual([]);
    expect(created).toEqual([]);
    expect(await describeRows(ns, 'orders')).toEqual([['id', 'BIGINT', 'true'], ['other', 'INTEGER', 'false']]);
  });

  it('ignore-and-proceed: keeps a compatible table with its warnings, fails an incompatible one with its problems', async () => {
    const ns = await namespace('ns_ignore');
    await lindorm.query(`CREATE TABLE ${ns}.customers (id BIGINT NOT NULL, name CHAR(20), PRIMARY KEY (id))`);
    await lindorm.query(`CREATE TABLE ${ns}.orders (id BIGINT NOT NULL, amount DECIMAL(10,2), PRIMARY KEY (id))`);
    const report = await syncLindormSchema(lindormDestination(standIn, { database: ns }), named('orders', 'customers'), options({ conflictMode: 'ignore-and-proceed' }));
    expect(report.kept).toEqual(['ns_ignore.customers']);
    expect(report.warnings).toEqual(['Lindorm table customers: column name is CHAR(20) in Lindorm, and values of the source column VARCHAR(50) longer than 20 cannot be written']);
    expect(report.failed).toEqual([
      {
        object: 'ns_ignore.orders',
        error:
          'Lindorm table orders: column amount is DECIMAL(10,2) in Lindorm, but the source column is DECIMAL(12,2) (DECIMAL(12,2) in Lindorm): DECIMAL precision and scale must be the same on both sides (DTS fails a task where they differ); Lindorm table orders: column note does not exist',
      },
    ]);
  });

  it('an owned table that no longer matches fails rather than being written into', async () => {
    const ns = await namespace('ns_owned');
    await lindorm.query(`CREATE TABLE ${ns}.customers (name VARCHAR NOT NULL, id INTEGER, PRIMARY KEY (name))`);
    const report = await syncLindormSchema(lindormDestination(standIn, { database: ns }), named('customers'), options({ ownedTables: new Set(['lindorm:customers']) }));
    expect(report.failed).toEqual([{ object: 'ns_owned.customers', error: "Lindorm table customers: the primary key is (name) in Lindorm, but the task's key is (id): rows could not be addressed" }]);
  });

  it('a table Lindorm cannot hold fails with its refusals, and the others are still created', async () => {
    const ns = await namespace('ns_refuse');
    const report = await syncLindormSchema(lindormDestination(standIn, { database: ns }), named('flags', 'customers'), options());
    expect(report.created).toEqual(['ns_refuse.customers']);
    expect(report.failed).toHaveLength(1);
    expect(report.failed[0]!.object).toBe('ns_refuse.flags');
    expect(report.failed[0]!.error).toMatch(/^Lindorm cannot hold table flags: column bits bit\(8\): Lindorm has no BIT type/);
    expect((await lindorm.query<RowDataPacket[]>(`SHOW TABLES FROM ${ns}`))[0].map((r) => Object.values(r)[0])).toEqual(['customers']);
  });
});
