/**
 * DDL translation: which statements apply and how their names are rewritten (pure), then the
 * translated statements run on the real MariaDB against a renamed copy of a source database, whose
 * SHOW CREATE TABLE must end up equal to the source's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { translateDdl, type DdlTranslation } from '../shared/incremental/ddl-translator.ts';
import { qualified, quoteIdent } from '../shared/mysql/identifier.ts';
import { validateTask } from '../shared/task/task-file.ts';
import type { Task } from '../shared/task/task.ts';
import { adminConnection, taskDoc, uniqueName } from './helpers/mariadb.ts';

type Row = RowDataPacket & Record<string, unknown>;

function task(objects: unknown[], sync: Record<string, unknown> = {}): Task {
  return validateTask(taskDoc({ objects, sync }));
}

function applied(sql: string, db: string, t: Task): DdlTranslation {
  const d = translateDdl(sql, db, t);
  if (!d.apply) throw new Error(`not applied: ${d.reason}`);
  return d.translation;
}

function refused(sql: string, db: string, t: Task): string {
  const d = translateDdl(sql, db, t);
  if (d.apply) throw new Error(`applied: ${d.translation.sql}`);
  return d.reason;
}

// shop: whole database renamed; crm: tables one by one; raw: whole database under its own name.
const mixed = task([
  { database: 'shop', as: 'shop_dst' },
  {
    database: 'crm',
    as: 'crm_dst',
    tables: [
      { name: 'users', as: 'customers' },
      { name: 'notes', columns: { id: 'id', body: 'text' } },
      { name: 'slim', columns: ['id', 'v'] },
      'a',
      'b',
      { name: 'parent', where: 'id > 0' },
    ],
  },
  { database: 'raw' },
]);

describe('statements that are not applied', () => {
  it.each([
    ['GRANT SELECT ON shop.* TO app', 'GRANT'],
    ["CREATE USER app IDENTIFIED BY 'pw'", 'CREATE USER'],
    ['SET GLOBAL read_only = 1', 'SET'],
    ['FLUSH PRIVILEGES', 'FLUSH'],
    ['ANALYZE TABLE orders', 'ANALYZE'],
    ['OPTIMIZE TABLE orders', 'OPTIMIZE'],
    ['CREATE DATABASE shop2', 'CREATE DATABASE'],
    ['DROP DATABASE shop', 'DROP DATABASE'],
    ['ALTER DATABASE shop CHARACTER SET utf8mb4', 'ALTER DATABASE'],
    ['BEGIN', 'BEGIN'],
    ["XA START 'x'", 'XA'],
    ['SAVEPOINT s1', 'SAVEPOINT'],
    ['CREATE DEFINER=`root`@`%` TRIGGER trg AFTER INSERT ON orders FOR EACH ROW SET @x = 1', 'CREATE TRIGGER'],
    ['DROP TRIGGER trg', 'DROP TRIGGER'],
    ['CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO DELETE FROM orders', 'CREATE EVENT'],
    ['ALTER PROCEDURE p COMMENT "x"', 'ALTER PROCEDURE'],
    ['RENAME USER a TO b', 'RENAME USER'],
    ['CREATE SEQUENCE s', 'CREATE SEQUENCE'],
    ['INSERT INTO orders VALUES (1)', 'INSERT'],
    ['/* only a comment */', 'an empty statement'],
  ])('%s', (sql, label) => {
    const reason = refused(sql, 'shop', mixed);
    expect(reason).toContain(label);
    expect(reason).toContain('not a DDL statement fc-dts synchronizes');
  });

  it('nothing applies with sync.ddl off, but the touched source tables are reported', () => {
    const off = task([{ database: 'shop' }], { ddl: false });
    const d = translateDdl('ALTER TABLE orders ADD COLUMN c INT', 'shop', off);
    expect(d).toEqual({ apply: false, reason: 'DDL synchronization is off (sync.ddl: false)', sourceTables: ['shop.orders'], sourceRefs: [{ database: 'shop', table: 'orders' }], label: 'ALTER TABLE' });
  });

  it('the touched source tables of a statement not applied come as resolved names too, a dot in a database name kept', () => {
    const off = task([{ database: 'my.shop' }], { ddl: false });
    const d = translateDdl('ALTER TABLE `my.shop`.orders ADD COLUMN c INT', '', off);
    expect(d).toMatchObject({ apply: false, sourceTables: ['my.shop.orders'], sourceRefs: [{ database: 'my.shop', table: 'orders' }] });
  });

  it('statements on tables the task does not synchronize', () => {
    expect(refused('ALTER TABLE orders ADD c INT', 'elsewhere', mixed)).toMatch(/names elsewhere\.orders, which the task does not synchronize/);
    expect(refused('ALTER TABLE crm.unlisted ADD c INT', 'shop', mixed)).toMatch(/crm\.unlisted/);
    expect(refused('CREATE TABLE crm.brand_new (id INT)', '', mixed)).toMatch(/crm\.brand_new/);
    // One unsynchronized name is enough to keep the whole statement off the destination.
    const d = translateDdl('DROP TABLE shop.orders, elsewhere.x', '', mixed);
    expect(d).toMatchObject({ apply: false, reason: expect.stringMatching(/also names elsewhere\.x/), sourceTables: ['shop.orders', 'elsewhere.x'] });
  });

  it('names are case-sensitive, as on a Linux server', () => {
    expect(refused('ALTER TABLE Users ADD c INT', 'crm', mixed)).toMatch(/crm\.Users/);
    expect(refused('ALTER TABLE orders ADD c INT', 'Shop', mixed)).toMatch(/Shop\.orders/);
    expect(applied('ALTER TABLE `users` ADD c INT', 'crm', mixed).sql).toBe('ALTER TABLE `customers` ADD c INT');
  });

  it('an unqualified name without a default database', () => {
    expect(refused('TRUNCATE orders', '', mixed)).toMatch(/names orders without a database, and the statement has no default database/);
  });

  it('temporary tables, CREATE TABLE ... SELECT, loadable functions', () => {
    expect(refused('CREATE TEMPORARY TABLE tmp (id INT)', 'shop', mixed)).toMatch(/temporary tables are not synchronized/);
    expect(refused('DROP /*!40005 TEMPORARY */ TABLE IF EXISTS tmp', 'shop', mixed)).toMatch(/temporary/);
    expect(refused('CREATE TABLE t2 AS SELECT * FROM orders', 'shop', mixed)).toMatch(/CREATE TABLE \.\.\. SELECT/);
    expect(refused('CREATE TABLE t2 (id INT) SELECT id FROM orders', 'shop', mixed)).toMatch(/SELECT/);
    expect(refused("CREATE FUNCTION metaphon RETURNS STRING SONAME 'udf.so'", 'shop', mixed)).toMatch(/SONAME/);
  });

  it('a statement whose names cannot be read', () => {
    expect(refused('ALTER TABLE', 'shop', mixed)).toBe('ALTER TABLE: cannot read its table name, so it is not applied');
    expect(refused('RENAME TABLE a b', 'crm', mixed)).toMatch(/cannot read its TO/);
  });
});

describe('each supported kind', () => {
  const cases: Array<[string, string, string, string]> = [
    ['create-table', 'CREATE TABLE IF NOT EXISTS fresh (id INT PRIMARY KEY)', 'shop', 'CREATE TABLE IF NOT EXISTS fresh (id INT PRIMARY KEY)'],
    ['create-table', 'CREATE OR REPLACE TABLE shop.fresh (id INT)', '', 'CREATE OR REPLACE TABLE `shop_dst`.fresh (id INT)'],
    ['alter-table', 'ALTER ONLINE IGNORE TABLE IF EXISTS orders ADD COLUMN c INT', 'shop', 'ALTER ONLINE IGNORE TABLE IF EXISTS orders ADD COLUMN c INT'],
    ['drop-table', 'DROP TABLE IF EXISTS `orders` /* generated by server */', 'shop', 'DROP TABLE IF EXISTS `orders` /* generated by server */'],
    ['rename-table', 'RENAME TABLE orders TO orders_old', 'shop', 'RENAME TABLE orders TO orders_old'],
    ['truncate-table', 'TRUNCATE TABLE orders', 'shop', 'TRUNCATE TABLE orders'],
    ['truncate-table', 'truncate shop.orders', '', 'truncate `shop_dst`.orders'],
    ['create-index', 'CREATE UNIQUE INDEX IF NOT EXISTS ux ON orders (a, b DESC)', 'shop', 'CREATE UNIQUE INDEX IF NOT EXISTS ux ON orders (a, b DESC)'],
    ['create-index', 'CREATE INDEX ix USING BTREE ON shop.orders (a) ALGORITHM=INPLACE', '', 'CREATE INDEX ix USING BTREE ON `shop_dst`.orders (a) ALGORITHM=INPLACE'],
    ['drop-index', 'DROP INDEX IF EXISTS `PRIMARY` ON shop.orders', '', 'DROP INDEX IF EXISTS `PRIMARY` ON `shop_dst`.orders'],
    ['create-view', 'CREATE OR REPLACE ALGORITHM=MERGE VIEW v (x) AS SELECT id FROM orders WITH CHECK OPTION', 'shop', 'CREATE OR REPLACE ALGORITHM=MERGE VIEW v (x) AS SELECT id FROM orders WITH CHECK OPTION'],
    ['alter-view', 'ALTER SQL SECURITY INVOKER VIEW shop.v AS SELECT 1', '', 'ALTER SQL SECURITY INVOKER VIEW `shop_dst`.v AS SELECT 1'],
    ['drop-view', 'DROP VIEW IF EXISTS v1, shop.v2 CASCADE', 'shop', 'DROP VIEW IF EXISTS v1, `shop_dst`.v2 CASCADE'],
    ['create-function', 'CREATE FUNCTION IF NOT EXISTS f(x INT) RETURNS INT DETERMINISTIC RETURN x * 2', 'shop', 'CREATE FUNCTION IF NOT EXISTS f(x INT) RETURNS INT DETERMINISTIC RETURN x * 2'],
    ['create-procedure', 'CREATE PROCEDURE shop.p() BEGIN DELETE FROM shop.orders; END', '', 'CREATE PROCEDURE `shop_dst`.p() BEGIN DELETE FROM `shop_dst`.orders; END'],
    ['drop-function', 'DROP FUNCTION IF EXISTS shop.f', '', 'DROP FUNCTION IF EXISTS `shop_dst`.f'],
    ['drop-procedure', 'DROP PROCEDURE p', 'shop', 'DROP PROCEDURE p'],
  ];
  it.each(cases)('%s: %s', (kind, sql, db, expected) => {
    const t = applied(sql, db, mixed);
    expect(t.kind).toBe(kind);
    expect(t.sql).toBe(expected);
    expect(t.database).toBe('shop_dst');
  });

  it('barrier tables and source tables', () => {
    expect(applied('ALTER TABLE orders ADD FOREIGN KEY (u) REFERENCES crm.users (id)', 'shop', mixed)).toEqual({
      kind: 'alter-table',
      sql: 'ALTER TABLE orders ADD FOREIGN KEY (u) REFERENCES `crm_dst`.`customers` (id)',
      database: 'shop_dst',
      tables: [{ database: 'shop_dst', table: 'orders' }, { database: 'crm_dst', table: 'customers' }],
      sourceTables: ['shop.orders', 'crm.users'],
    });
    const v = applied('CREATE VIEW v AS SELECT * FROM orders', 'shop', mixed);
    expect([v.tables, v.sourceTables]).toEqual([[{ database: 'shop_dst', table: 'v' }], []]);
    const f = applied('CREATE PROCEDURE p() SELECT 1', 'shop', mixed);
    expect([f.tables, f.sourceTables]).toEqual([[], []]);
  });
});

describe('database names', () => {
  it('unqualified names run in the destination of the default database', () => {
    const t = applied('ALTER TABLE orders ADD c INT', 'shop', mixed);
    expect([t.sql, t.database]).toEqual(['ALTER TABLE orders ADD c INT', 'shop_dst']);
  });

  it('qualified names are rewritten; without a default the database is the table’s', () => {
    const t = applied('ALTER TABLE `shop` . `orders` ADD c INT', '', mixed);
    expect([t.sql, t.database]).toEqual(['ALTER TABLE `shop_dst` . `orders` ADD c INT', 'shop_dst']);
  });

  it('a default database outside the task: the statement runs in the qualified table’s database', () => {
    const t = applied('ALTER TABLE shop.orders ADD c INT', 'elsewhere', mixed);
    expect([t.sql, t.database]).toEqual(['ALTER TABLE `shop_dst`.orders ADD c INT', 'shop_dst']);
  });

  it('a default database in the task wins over the tables’ databases', () => {
    const t = applied('ALTER TABLE raw.logs ADD c INT', 'shop', mixed);
    expect([t.sql, t.database]).toEqual(['ALTER TABLE raw.logs ADD c INT', 'shop_dst']);
  });

  it('names quoted with backticks inside', () => {
    const weird = task([{ database: 'we`ird', as: 'dst`db', tables: [{ name: 'odd``name', as: 'new`name' }] }]);
    const t = applied('ALTER TABLE `we``ird`.`odd````name` ADD `c``1` INT', '', weird);
    expect([t.sql, t.database]).toEqual(['ALTER TABLE `dst``db`.`new``name` ADD `c``1` INT', 'dst`db']);
    expect(t.sourceTables).toEqual(['we`ird.odd``name']);
    expect(applied('TRUNCATE `odd````name`', 'we`ird', weird).sql).toBe('TRUNCATE `new``name`');
  });
});

describe('table names in every position', () => {
  const upper = task([{ database: 'shop' }], { capitalization: 'upper' });

  it.each([
    ['ALTER TABLE orders ADD c INT', 'ALTER TABLE `ORDERS` ADD c INT'],
    ['ALTER TABLE shop.orders RENAME TO shop.orders2', 'ALTER TABLE `SHOP`.`ORDERS` RENAME TO `SHOP`.`ORDERS2`'],
    ['ALTER TABLE orders RENAME orders2, ADD c INT', 'ALTER TABLE `ORDERS` RENAME `ORDERS2`, ADD c INT'],
    ['ALTER TABLE orders RENAME COLUMN a TO b, RENAME INDEX i TO j', 'ALTER TABLE `ORDERS` RENAME COLUMN a TO b, RENAME INDEX i TO j'],
    ['RENAME TABLE a TO b, shop.c TO d', 'RENAME TABLE `A` TO `B`, `SHOP`.`C` TO `D`'],
    ['RENAME TABLES IF EXISTS a WAIT 5 TO b', 'RENAME TABLES IF EXISTS `A` WAIT 5 TO `B`'],
    ['CREATE INDEX i ON orders (a)', 'CREATE INDEX i ON `ORDERS` (a)'],
    ['DROP INDEX i ON orders', 'DROP INDEX i ON `ORDERS`'],
    ['DROP TABLE IF EXISTS a, `b`', 'DROP TABLE IF EXISTS `A`, `B`'],
    ['CREATE TABLE t LIKE u', 'CREATE TABLE `T` LIKE `U`'],
    ['CREATE TABLE t (LIKE shop.u)', 'CREATE TABLE `T` (LIKE `SHOP`.`U`)'],
    ['TRUNCATE TABLE orders', 'TRUNCATE TABLE `ORDERS`'],
    ['TRUNCATE orders', 'TRUNCATE `ORDERS`'],
    [
      'CREATE TABLE items (id INT, o INT, CONSTRAINT fk FOREIGN KEY (o) REFERENCES orders (id), p INT REFERENCES shop.parts(id))',
      'CREATE TABLE `ITEMS` (id INT, o INT, CONSTRAINT fk FOREIGN KEY (o) REFERENCES `ORDERS` (id), p INT REFERENCES `SHOP`.`PARTS`(id))',
    ],
    ['ALTER TABLE items ADD CONSTRAINT fk2 FOREIGN KEY (o) REFERENCES orders (id)', 'ALTER TABLE `ITEMS` ADD CONSTRAINT fk2 FOREIGN KEY (o) REFERENCES `ORDERS` (id)'],
    ['ALTER TABLE t1 EXCHANGE PARTITION p0 WITH TABLE t2', 'ALTER TABLE `T1` EXCHANGE PARTITION p0 WITH TABLE `T2`'],
    ['CREATE TABLE m (id INT) ENGINE=MRG_MyISAM UNION=(m1, shop.m2)', 'CREATE TABLE `M` (id INT) ENGINE=MRG_MyISAM UNION=(`M1`, `SHOP`.`M2`)'],
  ])('%s', (sql, expected) => {
    const t = applied(sql, 'shop', upper);
    expect(t.sql).toBe(expected);
    expect(t.database).toBe('SHOP');
  });

  it('table-list renames (as) and the capitalization of unlisted-but-mapped names', () => {
    const t = applied('RENAME TABLE users TO a, crm.b TO `c`', 'crm', task([{ database: 'crm', tables: [{ name: 'users', as: 'customers' }, 'a', { name: 'b', as: 'bee' }, 'c'] }]));
    expect(t.sql).toBe('RENAME TABLE `customers` TO a, crm.`bee` TO `c`');
    expect(t.tables).toEqual([{ database: 'crm', table: 'customers' }, { database: 'crm', table: 'a' }, { database: 'crm', table: 'bee' }, { database: 'crm', table: 'c' }]);
  });

  it('capitalization lower', () => {
    const lower = task([{ database: 'Shop' }], { capitalization: 'lower' });
    const t = applied('ALTER TABLE `Orders` ADD INDEX (a)', 'Shop', lower);
    expect([t.sql, t.database, t.tables]).toEqual(['ALTER TABLE `orders` ADD INDEX (a)', 'shop', [{ database: 'shop', table: 'orders' }]]);
  });
});

describe('literals, comments and DEFINER', () => {
  const upper = task([{ database: 'shop', as: 'S2' }], { capitalization: 'upper' });

  it('names inside strings and comments stay as they are', () => {
    const sql = "ALTER TABLE /* orders shop.orders */ orders -- orders\n ADD c VARCHAR(20) DEFAULT 'shop.orders' COMMENT \"orders\", # shop.orders\n ADD d INT COMMENT 'it''s `orders` \\' shop.orders'";
    expect(applied(sql, 'shop', upper).sql).toBe(sql.replace('*/ orders --', '*/ `ORDERS` --'));
  });

  it('NO_BACKSLASH_ESCAPES decides where a string ends', () => {
    const sql = "CREATE TABLE t (a INT COMMENT 'C:\\', b INT REFERENCES parts (id))";
    const d = translateDdl(sql, 'shop', upper, { noBackslashEscapes: true });
    expect(d.apply && d.translation.sql).toBe("CREATE TABLE `T` (a INT COMMENT 'C:\\', b INT REFERENCES `PARTS` (id))");
  });

  it('version comments are kept, their contents read as statement text', () => {
    expect(applied('/*!40000 ALTER TABLE `orders` DISABLE KEYS */', 'shop', upper).sql).toBe('/*!40000 ALTER TABLE `ORDERS` DISABLE KEYS */');
    expect(applied('CREATE TABLE t (id INT) /*!50100 PARTITION BY HASH (id) PARTITIONS 4 */ /*M!100100 COMMENT="orders" */', 'shop', upper).sql).toBe(
      'CREATE TABLE `T` (id INT) /*!50100 PARTITION BY HASH (id) PARTITIONS 4 */ /*M!100100 COMMENT="orders" */',
    );
  });

  it.each([
    ['CREATE DEFINER=`root`@`localhost` VIEW v AS SELECT 1', 'CREATE VIEW v AS SELECT 1'],
    ["CREATE DEFINER = 'app'@'%' PROCEDURE p() SELECT 1", 'CREATE PROCEDURE p() SELECT 1'],
    ['CREATE DEFINER=app@10.0.% FUNCTION f() RETURNS INT RETURN 1', 'CREATE FUNCTION f() RETURNS INT RETURN 1'],
    ['CREATE DEFINER=app@db-host.example.com FUNCTION f() RETURNS INT RETURN 1', 'CREATE FUNCTION f() RETURNS INT RETURN 1'],
    ['CREATE OR REPLACE DEFINER=CURRENT_USER() SQL SECURITY DEFINER VIEW v AS SELECT 1', 'CREATE OR REPLACE SQL SECURITY DEFINER VIEW v AS SELECT 1'],
    ['CREATE DEFINER=CURRENT_ROLE AGGREGATE FUNCTION f(x INT) RETURNS INT BEGIN RETURN 1; END', 'CREATE AGGREGATE FUNCTION f(x INT) RETURNS INT BEGIN RETURN 1; END'],
    ['ALTER ALGORITHM=MERGE DEFINER=`a``b`@`h` VIEW v AS SELECT 1', 'ALTER ALGORITHM=MERGE VIEW v AS SELECT 1'],
    [
      '/*!50001 CREATE ALGORITHM=UNDEFINED */ /*!50013 DEFINER=`root`@`localhost` SQL SECURITY DEFINER */ /*!50001 VIEW `v` AS select `shop`.`orders`.`id` AS `id` from `shop`.`orders` */',
      '/*!50001 CREATE ALGORITHM=UNDEFINED */ /*!50013 SQL SECURITY DEFINER */ /*!50001 VIEW `v` AS select `S2`.`ORDERS`.`id` AS `id` from `S2`.`ORDERS` */',
    ],
  ])('%s', (sql, expected) => {
    expect(applied(sql, 'shop', upper).sql).toBe(expected);
  });

  it('view and routine bodies: qualified names are mapped, strings and unselected databases are not', () => {
    const sql = "CREATE VIEW v AS SELECT o.id, 'shop.orders' AS label, x.n FROM shop.orders o JOIN other.orders x ON x.id = o.id JOIN crm.users u ON u.id = o.uid WHERE crm.users.id > 0 AND shop.f(1)";
    expect(applied(sql, 'shop', mixed).sql).toBe(
      "CREATE VIEW v AS SELECT o.id, 'shop.orders' AS label, x.n FROM `shop_dst`.orders o JOIN other.orders x ON x.id = o.id JOIN `crm_dst`.`customers` u ON u.id = o.uid WHERE `crm_dst`.`customers`.id > 0 AND `shop_dst`.f(1)",
    );
  });
});

describe('views and routines follow whole-database selections only', () => {
  it.each([
    'CREATE VIEW crm.v AS SELECT 1',
    'ALTER VIEW v AS SELECT 1',
    'DROP VIEW v',
    'CREATE FUNCTION f() RETURNS INT RETURN 1',
    'CREATE PROCEDURE p() SELECT 1',
    'DROP FUNCTION f',
    'DROP PROCEDURE IF EXISTS p',
  ])('%s', (sql) => {
    expect(refused(sql, 'crm', mixed)).toMatch(/follow only whole-database selections/);
  });

  it('outside the task', () => {
    expect(refused('CREATE VIEW v AS SELECT 1', 'elsewhere', mixed)).toMatch(/database elsewhere is not synchronized/);
  });

  it('a view created from a default database outside the task', () => {
    expect(refused('CREATE VIEW shop.v AS SELECT * FROM t', 'elsewhere', mixed)).toMatch(/unqualified names refer to database elsewhere/);
    expect(applied('CREATE VIEW shop.v AS SELECT * FROM shop.t', '', mixed).database).toBe('shop_dst');
  });
});

describe('RENAME TABLE', () => {
  it('within a whole database and between two selected databases', () => {
    expect(applied('RENAME TABLE orders TO orders_2024', 'shop', mixed).sql).toBe('RENAME TABLE orders TO orders_2024');
    const t = applied('RENAME TABLE shop.orders TO raw.orders', '', mixed);
    expect(t.sql).toBe('RENAME TABLE `shop_dst`.orders TO raw.orders');
    expect(t.tables).toEqual([{ database: 'shop_dst', table: 'orders' }, { database: 'raw', table: 'orders' }]);
    expect(t.sourceTables).toEqual(['shop.orders', 'raw.orders']);
  });

  it('out of the task: its data would stop syncing', () => {
    const d = translateDdl('RENAME TABLE users TO people', 'crm', mixed);
    expect(d).toMatchObject({ apply: false, sourceTables: ['crm.users', 'crm.people'] });
    expect(!d.apply && d.reason).toMatch(/renames crm\.users to crm\.people, which the task does not synchronize: the table's data stops syncing/);
    expect(refused('RENAME TABLE shop.orders TO elsewhere.orders', '', mixed)).toMatch(/stops syncing/);
    expect(refused('ALTER TABLE users RENAME TO people', 'crm', mixed)).toMatch(/stops syncing/);
  });

  it('into the task: the destination has no copy of the data', () => {
    expect(refused('RENAME TABLE elsewhere.orders TO shop.orders', '', mixed)).toMatch(/renames elsewhere\.orders, which the task does not synchronize, to shop\.orders: the destination has no copy/);
    expect(refused('RENAME TABLE crm.other TO crm.a', '', mixed)).toMatch(/destination has no copy/);
  });

  it('a swap through a temporary name keeps every table in the task', () => {
    const t = applied('RENAME TABLE users TO tmp, a TO users, tmp TO a', 'crm', mixed);
    expect(t.sql).toBe('RENAME TABLE `customers` TO tmp, a TO `customers`, tmp TO a');
    expect(t.database).toBe('crm_dst');
  });

  it('an online schema change cut-over in a table-list selection takes the table out of the task', () => {
    expect(refused('RENAME TABLE a TO _a_del, _a_gho TO a', 'crm', mixed)).toMatch(/crm\.a to crm\._a_del/);
  });

  it('outside the task altogether', () => {
    expect(refused('RENAME TABLE x TO y', 'elsewhere', mixed)).toMatch(/renames elsewhere\.x to elsewhere\.y, which the task does not synchronize/);
  });
});

describe('tables with a column mapping', () => {
  it.each([
    'ALTER TABLE notes ADD COLUMN x INT',
    'ALTER TABLE slim DROP COLUMN other',
    'CREATE INDEX i ON notes (body)',
    'DROP INDEX i ON slim',
    'CREATE TABLE notes (id INT)',
    'ALTER TABLE users ADD FOREIGN KEY (n) REFERENCES notes (id)',
  ])('%s is left to the user', (sql) => {
    expect(refused(sql, 'crm', mixed)).toMatch(/column mapping/);
  });

  it('RENAME TABLE to a name with another column mapping', () => {
    expect(refused('RENAME TABLE notes TO a', 'crm', mixed)).toMatch(/different column mapping/);
    expect(refused('RENAME TABLE notes TO tmp, slim TO notes, tmp TO slim', 'crm', mixed)).toMatch(/different column mapping/);
  });

  it('TRUNCATE and DROP TABLE still apply', () => {
    expect(applied('TRUNCATE notes', 'crm', mixed).sql).toBe('TRUNCATE notes');
    expect(applied('DROP TABLE slim, notes', 'crm', mixed).tables).toEqual([{ database: 'crm_dst', table: 'slim' }, { database: 'crm_dst', table: 'notes' }]);
  });

  it('a WHERE filter alone does not stop ALTER TABLE', () => {
    expect(applied('ALTER TABLE parent ADD x INT', 'crm', mixed).sql).toBe('ALTER TABLE parent ADD x INT');
  });
});

// -------------------------------------------------------------------------------------------------
// On the real server

describe('on MariaDB: the destination follows the source', () => {
  const made: string[] = [];
  let admin: Connection;
  let source: Connection;
  let dest: Connection;

  beforeAll(async () => {
    [admin, source, dest] = await Promise.all([adminConnection(), adminConnection(), adminConnection()]);
  });
  afterAll(async () => {
    for (const db of made) await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(db)}`);
    await Promise.all([admin.end(), source.end(), dest.end()]);
  });

  async function tableNames(db: string): Promise<string[]> {
    const [rows] = await admin.query<Row[]>("SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME", [db]);
    return rows.map((r) => String(r.t));
  }

  /** SHOW CREATE TABLE with the table's own name taken out (a renamed copy differs only there). */
  async function definition(db: string, table: string): Promise<string> {
    const [rows] = await admin.query<Row[]>(`SHOW CREATE TABLE ${qualified(db, table)}`);
    return String(rows[0]!['Create Table']).replace(/^CREATE TABLE `(?:[^`]|``)*`/, 'CREATE TABLE `-`');
  }

  async function count(db: string, table: string): Promise<number> {
    const [rows] = await admin.query<Row[]>(`SELECT COUNT(*) AS n FROM ${qualified(db, table)}`);
    return Number(rows[0]!.n);
  }

  /** Creates `db` and a copy of it under `copy` (same table definitions, same rows). */
  async function sourceAndCopy(db: string, copy: string, ddl: string): Promise<void> {
    made.push(db, copy);
    await admin.query(`CREATE DATABASE ${quoteIdent(db)}; USE ${quoteIdent(db)}; ${ddl}`);
    await admin.query(`CREATE DATABASE ${quoteIdent(copy)}; USE ${quoteIdent(copy)}; SET foreign_key_checks = 0`);
    for (const t of await tableNames(db)) {
      const [rows] = await admin.query<Row[]>(`SHOW CREATE TABLE ${qualified(db, t)}`);
      await admin.query(String(rows[0]!['Create Table']));
    }
    for (const t of await tableNames(db)) await admin.query(`INSERT INTO ${qualified(copy, t)} SELECT * FROM ${qualified(db, t)}`);
    await admin.query('SET foreign_key_checks = 1');
  }

  /** Runs `sql` on the source with `defaultDb` (or none) and its translation on the destination. */
  async function replay(sql: string, defaultDb: string, t: Task): Promise<DdlTranslation> {
    const conn = defaultDb ? source : admin;
    if (defaultDb) await source.query(`USE ${quoteIdent(defaultDb)}`);
    await conn.query(sql);
    const tr = applied(sql, defaultDb, t);
    await dest.query(`USE ${quoteIdent(tr.database)}`);
    await dest.query(tr.sql);
    return tr;
  }

  async function expectSameTables(src: string, dst: string, names: (table: string) => string = (x) => x): Promise<void> {
    const tables = await tableNames(src);
    expect((await tableNames(dst)).sort()).toEqual(tables.map(names).sort());
    for (const table of tables) {
      expect(await definition(dst, names(table)), `${src}.${table}`).toBe(await definition(src, table));
      expect(await count(dst, names(table))).toBe(await count(src, table));
    }
  }

  it('a renamed database: ALTER, indexes, CREATE ... LIKE, RENAME, TRUNCATE, DROP, foreign keys, views and routines', async () => {
    const SRC = uniqueName('ddl_src');
    const DST = uniqueName('ddl_dst');
    await sourceAndCopy(SRC, DST, `
      CREATE TABLE parent (id INT PRIMARY KEY, name VARCHAR(50) NOT NULL);
      CREATE TABLE child (id INT AUTO_INCREMENT PRIMARY KEY, parent_id INT, CONSTRAINT fk_p FOREIGN KEY (parent_id) REFERENCES parent (id));
      CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(30), note TEXT) COMMENT 'the t table';
      INSERT INTO parent VALUES (1, 'a'), (2, 'b');
      INSERT INTO child (parent_id) VALUES (1), (2), (2);
      INSERT INTO t (name, note) VALUES ('x', 'n1'), ('y', 'n2');`);
    const t = task([{ database: SRC, as: DST }]);

    await replay(`ALTER TABLE t ADD COLUMN extra VARCHAR(40) NOT NULL DEFAULT '${SRC}.t' COMMENT '\`${SRC}\`.t' AFTER name`, SRC, t);
    await replay(`ALTER TABLE /* ${SRC}.t */ \`${SRC}\`.t ADD INDEX idx_extra (extra)`, '', t);
    await replay('CREATE INDEX idx_name ON t (name)', SRC, t);
    await replay(`DROP INDEX idx_extra ON \`${SRC}\`.\`t\``, SRC, t);
    await expectSameTables(SRC, DST);

    await replay('CREATE TABLE t_copy LIKE t', SRC, t);
    await replay('RENAME TABLE t TO t_renamed, t_copy TO t_copy2', SRC, t);
    await replay('TRUNCATE TABLE t_renamed', SRC, t);
    expect(await count(DST, 't_renamed')).toBe(0);
    await replay(`ALTER TABLE child ADD COLUMN note TEXT, ADD COLUMN p2 INT, ADD CONSTRAINT fk_p2 FOREIGN KEY (p2) REFERENCES ${SRC}.parent (id)`, SRC, t);
    await replay(`CREATE TABLE fresh (id INT PRIMARY KEY, p INT, j JSON, FOREIGN KEY (p) REFERENCES \`${SRC}\`.parent (id)) COMMENT '${SRC}.fresh'`, SRC, t);
    await replay(`DROP TABLE IF EXISTS t_copy2 /* generated by server */`, SRC, t);
    await expectSameTables(SRC, DST);

    const view = await replay(`CREATE DEFINER=CURRENT_USER SQL SECURITY INVOKER VIEW v AS SELECT p.id, p.name, '${SRC}' AS src FROM \`${SRC}\`.parent p`, SRC, t);
    expect(view.sql).not.toMatch(/DEFINER=/);
    const [vrows] = await admin.query<Row[]>(`SELECT * FROM ${qualified(DST, 'v')} ORDER BY id`);
    expect(vrows.map((r) => [r.id, r.name, r.src])).toEqual([[1, 'a', SRC], [2, 'b', SRC]]);
    await replay(`CREATE DEFINER=CURRENT_USER FUNCTION parents() RETURNS INT READS SQL DATA RETURN (SELECT COUNT(*) FROM \`${SRC}\`.parent)`, SRC, t);
    const [frows] = await admin.query<Row[]>(`SELECT ${qualified(DST, 'parents')}() AS n`);
    expect(Number(frows[0]!.n)).toBe(2);
    const [def] = await admin.query<Row[]>(`SHOW CREATE FUNCTION ${qualified(DST, 'parents')}`);
    expect(String(def[0]!['Create Function'])).toContain(`\`${DST}\`.parent`);
  });

  it('a table-list selection with renames and a column mapping', async () => {
    const SRC = uniqueName('ddl_lsrc');
    const DST = uniqueName('ddl_ldst');
    await sourceAndCopy(SRC, DST, `
      CREATE TABLE a (id INT PRIMARY KEY, v VARCHAR(10));
      CREATE TABLE b (id BIGINT PRIMARY KEY, w DATE);
      CREATE TABLE mapped (id INT PRIMARY KEY, v INT, hidden INT);
      INSERT INTO a VALUES (1, 'one'); INSERT INTO b VALUES (7, '2024-01-01'); INSERT INTO mapped VALUES (1, 2, 3);`);
    await admin.query(`RENAME TABLE ${qualified(DST, 'a')} TO ${qualified(DST, 'a_dst')}, ${qualified(DST, 'b')} TO ${qualified(DST, 'b_dst')}`);
    const t = task([{ database: SRC, as: DST, tables: [{ name: 'a', as: 'a_dst' }, { name: 'b', as: 'b_dst' }, { name: 'mapped', columns: ['id', 'v'] }] }]);
    const names = (x: string) => (x === 'mapped' ? x : `${x}_dst`);

    await replay('ALTER TABLE a ADD COLUMN c INT DEFAULT 3, ADD UNIQUE KEY uk_v (v)', SRC, t);
    await replay(`CREATE INDEX ix_w ON \`${SRC}\`.b (w)`, '', t);
    await replay('RENAME TABLE a TO tmp, b TO a, tmp TO b', SRC, t);
    await replay('TRUNCATE mapped', SRC, t);
    await expectSameTables(SRC, DST, names);

    expect(refused('RENAME TABLE a TO a_2024', SRC, t)).toMatch(/stops syncing/);
    expect(refused('ALTER TABLE mapped ADD COLUMN z INT', SRC, t)).toMatch(/column mapping/);
    expect(refused('CREATE TABLE other LIKE a', SRC, t)).toMatch(/other/);
  });

  it('capitalization upper on a whole database: new tables under upper-case names', async () => {
    const SRC = uniqueName('ddl_usrc');
    const DST = SRC.toUpperCase();
    await sourceAndCopy(SRC, uniqueName('ddl_unused'), 'CREATE TABLE seed (id INT PRIMARY KEY)');
    made.push(DST);
    await admin.query(`CREATE DATABASE ${quoteIdent(DST)}; CREATE TABLE ${qualified(DST, 'SEED')} LIKE ${qualified(SRC, 'seed')}`);
    const t = task([{ database: SRC }], { capitalization: 'upper' });

    const created = await replay("CREATE TABLE new_t (id INT PRIMARY KEY, label VARCHAR(20) DEFAULT 'new_t')", SRC, t);
    expect(created.tables).toEqual([{ database: DST, table: 'NEW_T' }]);
    await replay('CREATE TABLE n2 LIKE new_t', SRC, t);
    await replay(`RENAME TABLE n2 TO \`${SRC}\`.n3`, SRC, t);
    await replay('ALTER TABLE n3 ADD COLUMN extra INT, ADD INDEX ix (label)', SRC, t);
    await replay('DROP TABLE seed', SRC, t);
    await expectSameTables(SRC, DST, (x) => x.toUpperCase());
  });
});
