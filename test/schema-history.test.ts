/**
 * The schema history against the real MariaDB: every DDL form is applied to the definitions read from
 * the catalog AND run on the server, and the derived definitions must equal the catalog read back
 * afterwards (the oracle). Also lookup by position, pruning, JSON round trips, TABLE_MAP checks, the
 * snapshot check, and persistence in the directory and Tablestore state stores.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTablestoreStandIn, type TablestoreStandIn } from '../infra/tablestore-standin/index.ts';
import type { BinlogPosition } from '../shared/change/position.ts';
import { FcDtsError } from '../shared/errors.ts';
import { readCatalog } from '../shared/mysql/catalog.ts';
import { definitionDifference } from '../shared/schema-history/definition-diff.ts';
import { DdlNotUnderstoodError, SchemaHistory } from '../shared/schema-history/schema-history.ts';
import { readServerDialect, type ServerDialect } from '../shared/schema-history/server-dialect.ts';
import { checkSnapshotUnchanged, SchemaChangedDuringLoadError } from '../shared/schema-history/snapshot-check.ts';
import { definitionFromCatalog, identifyingKey, type TableDefinition } from '../shared/schema-history/table-definition.ts';
import { binlogTypeCodes, checkTableMap, TableMapMismatchError } from '../shared/schema-history/table-map-check.ts';
import { FileStateStore } from '../shared/state/file-state-store.ts';
import { TablestoreStateStore } from '../shared/state/tablestore-state-store.ts';
import { testDatabases } from './helpers/mariadb.ts';

const dbs = testDatabases();
let dialect: ServerDialect;

beforeAll(async () => {
  dialect = await readServerDialect(dbs.admin);
});

const pos = (offset: number, file = 1, row = 0): BinlogPosition => ({ file, offset, row });

interface Oracle {
  readonly db: string;
  readonly history: SchemaHistory;
  /** Applies `ddl` to the history at the next position, runs it on the server, and compares every tracked table with the catalog. */
  step(ddl: string): Promise<void>;
}

/** Fresh databases (the first is the default one), `setup` run in them, a history seeded from the catalog. */
async function oracle(setup: string, options: { extraDatabases?: number; tracked?: 'all' | 'first' } = {}): Promise<Oracle> {
  const db = await dbs.database('sh');
  const extra: string[] = [];
  for (let i = 0; i < (options.extraDatabases ?? 0); i++) {
    const name = dbs.newName(`sh${i + 2}`);
    await dbs.admin.query(`CREATE DATABASE \`${name}\``);
    extra.push(name);
  }
  await dbs.admin.query(`USE \`${db}\``);
  if (setup) await dbs.admin.query(setup.replaceAll('$2', extra[0] ?? '').replaceAll('$1', db));
  const tracked = options.tracked === 'first' ? [db] : [db, ...extra];
  const history = SchemaHistory.seed(await readCatalog(dbs.admin, tracked), tracked, dialect, pos(100));
  let offset = 100;
  return {
    db,
    history,
    async step(ddl) {
      const sql = ddl.replaceAll('$2', extra[0] ?? '').replaceAll('$1', db);
      offset += 100;
      history.apply(sql, db, pos(offset));
      await dbs.admin.query(`USE \`${db}\``);
      await dbs.admin.query(sql);
      await expectCatalogMatches(history, tracked, pos(offset));
    },
  };
}

async function expectCatalogMatches(history: SchemaHistory, tracked: readonly string[], at: BinlogPosition): Promise<void> {
  const catalog = await readCatalog(dbs.admin, tracked);
  const onServer = [...catalog.values()].flatMap((d) => d.tables.map((t) => definitionFromCatalog(t)));
  for (const actual of onServer) {
    const derived = history.definitionAt(actual.database, actual.name, at);
    expect(derived, `${actual.database}.${actual.name} is in the history`).toBeDefined();
    expect(definitionDifference(derived!, actual), `${actual.database}.${actual.name}`).toBeUndefined();
  }
  const known = history.toJSON().tables.filter((t) => history.definitionAt(t.database, t.table, at) !== undefined);
  expect(known.map((t) => `${t.database}.${t.table}`).sort()).toEqual(onServer.map((t) => `${t.database}.${t.name}`).sort());
}

const BASE = 'CREATE TABLE t (a int NOT NULL, b varchar(10), c int, d text, PRIMARY KEY (a), UNIQUE KEY ub (b), KEY ic (c))';

describe('ALTER TABLE, derived and checked against the server', () => {
  const cases: Array<[string, string]> = [
    ['ADD COLUMN ... AFTER', 'ALTER TABLE t ADD COLUMN x int NOT NULL DEFAULT 0 AFTER a'],
    ['ADD COLUMN ... FIRST', 'ALTER TABLE t ADD COLUMN x varchar(5) CHARACTER SET latin1 FIRST'],
    ['ADD several columns, also as a list', 'ALTER TABLE t ADD x int unsigned, ADD y decimal(12,3) AFTER b, ADD COLUMN (z enum(\'p\',\'q\'\'r\') NOT NULL, w set(\'s\',\'t\'))'],
    ['DROP COLUMN in a unique key', 'ALTER TABLE t DROP COLUMN b'],
    ['DROP without COLUMN, IF EXISTS', 'ALTER TABLE t DROP c, DROP COLUMN IF EXISTS nope'],
    ['MODIFY to another type', 'ALTER TABLE t MODIFY COLUMN c bigint unsigned NOT NULL'],
    ['MODIFY with charset and collation, AFTER', 'ALTER TABLE t MODIFY b varchar(20) CHARACTER SET latin1 COLLATE latin1_bin AFTER c'],
    ['CHANGE renames a key column, FIRST', 'ALTER TABLE t CHANGE COLUMN b b2 char(4) BINARY FIRST'],
    ['CHANGE keeping the name, AFTER', 'ALTER TABLE t CHANGE c c mediumint(5) zerofill AFTER d'],
    ['RENAME COLUMN', 'ALTER TABLE t RENAME COLUMN b TO bee'],
    ['many clauses at once', "ALTER TABLE t ADD COLUMN e enum('x','y') NULL, DROP COLUMN d, MODIFY c char(3), ADD INDEX (e), ALGORITHM=COPY"],
    ['DROP and ADD PRIMARY KEY', 'ALTER TABLE t DROP PRIMARY KEY, ADD PRIMARY KEY (a, c)'],
    ['ADD PRIMARY KEY on nullable columns', 'ALTER TABLE t DROP PRIMARY KEY, ADD CONSTRAINT pk PRIMARY KEY (c)'],
    ['ADD unnamed UNIQUE and INDEX whose names collide', 'ALTER TABLE t ADD UNIQUE (c), ADD INDEX (c), ADD UNIQUE KEY (b, c), ADD CONSTRAINT u2 UNIQUE (a, b)'],
    ['ADD prefix and FULLTEXT indexes', 'ALTER TABLE t ADD INDEX pre (d(20)), ADD UNIQUE upre (d(10)), ADD FULLTEXT INDEX ft (d)'],
    ['DROP INDEX, DROP KEY, RENAME INDEX', 'ALTER TABLE t DROP INDEX ub, ADD UNIQUE uc (c), RENAME INDEX ic TO ic2'],
    ['ALTER COLUMN SET / DROP DEFAULT', "ALTER TABLE t ALTER COLUMN b SET DEFAULT 'x', ALTER c DROP DEFAULT"],
    ['CONVERT TO CHARACTER SET', 'ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci'],
    ['default charset, then a new column takes it', 'ALTER TABLE t DEFAULT CHARSET=latin1, ADD COLUMN l varchar(3), ENGINE=InnoDB'],
    ['table options only', "ALTER TABLE t ENGINE=InnoDB COMMENT 'x', ROW_FORMAT=DYNAMIC, FORCE"],
    ['FOREIGN KEY adds an index', 'ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (c) REFERENCES t (a)'],
    ['comments, backticks, executable comments', 'ALTER /* lead */ TABLE `t` ADD COLUMN `we ird` int /* note */ AFTER `a`, /*!50100 ADD COLUMN `v` tinyint(1) */ -- trailing'],
  ];
  for (const [title, ddl] of cases) {
    it(title, async () => {
      const o = await oracle(BASE);
      await o.step(ddl);
    });
  }

  it('RENAME TO within the database and to another tracked database, then ALTER again', async () => {
    const o = await oracle(BASE, { extraDatabases: 1 });
    await o.step('ALTER TABLE t RENAME TO t2');
    await o.step('ALTER TABLE t2 ADD COLUMN n int, RENAME $2.t3');
    await o.step('ALTER TABLE $2.t3 DROP COLUMN n');
  });

  it('CREATE INDEX and DROP INDEX statements', async () => {
    const o = await oracle(BASE);
    await o.step('CREATE UNIQUE INDEX uc ON t (c, a) USING BTREE');
    await o.step('CREATE INDEX ibd ON t (b, d(5))');
    await o.step('DROP INDEX ub ON t');
    await o.step('ALTER TABLE t DROP KEY ic');
  });
});

describe('CREATE, RENAME, DROP and TRUNCATE TABLE, derived and checked against the server', () => {
  it('CREATE TABLE with every kind of column', async () => {
    const o = await oracle('');
    await o.step(`CREATE TABLE every (
      id serial, ti tinyint, tu tinyint unsigned, b boolean, si smallint(3), mi mediumint unsigned zerofill, i integer, bi bigint(20) unsigned,
      f float, f2 float(7,3), fp float(30), d double, dp double precision, r real, de decimal, de2 numeric(5), de3 dec(20,6) unsigned,
      bt bit, bt2 bit(13), y year, da date, tm time(2), dt datetime(6), ts timestamp(3) NULL, ts2 timestamp NULL,
      c char, c2 char(20) CHARACTER SET latin1, nc national char(3), vc varchar(100) COLLATE utf8mb4_unicode_ci, nvc nvarchar(5),
      bn binary, vb varbinary(30), vcb varchar(10) CHARACTER SET binary,
      tt tinytext, tx text, tx2 text(300), mt mediumtext, lt longtext, lv long varchar, tb tinyblob, bl blob, bl2 blob(70000), mb mediumblob, lb longblob,
      e enum('a','b''c','d\\\\e') DEFAULT 'a', s set('x','y') NOT NULL, j json, g geometry, p point NOT NULL, ls linestring, pg polygon,
      u uuid, i6 inet6,
      PRIMARY KEY (id), SPATIAL KEY (p), KEY (c, vc(10))
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='all of them'`);
  });

  it('CREATE TABLE: table and column charsets, keys declared on columns and as constraints, partitions', async () => {
    const o = await oracle('');
    await o.step(`CREATE TABLE IF NOT EXISTS \`$1\`.\`k\` (
      a int NOT NULL AUTO_INCREMENT PRIMARY KEY, b varchar(10) UNIQUE, c varchar(5) CHARSET utf8 COLLATE utf8_bin, d char(2) BINARY,
      e int, CONSTRAINT ck CHECK (e > 0), INDEX (b, c), CONSTRAINT uq UNIQUE (c, d)
    ) DEFAULT CHARACTER SET = latin1 COLLATE = latin1_general_ci`);
    await o.step('CREATE TABLE p (a int NOT NULL, b int, PRIMARY KEY (a)) /*!50100 PARTITION BY HASH (a) PARTITIONS 4 */');
    await o.step('CREATE TABLE IF NOT EXISTS p (other int)');
    await o.step('CREATE OR REPLACE TABLE p (other int, UNIQUE (other))');
  });

  it('CREATE TABLE ... LIKE copies the definition', async () => {
    const o = await oracle(BASE);
    await o.step('CREATE TABLE t2 LIKE t');
    await o.step('CREATE TABLE t3 (LIKE `$1`.t)');
  });

  it('CREATE TABLE ... SELECT reaches a ROW binlog as the CREATE TABLE the server derived; as a statement it is refused', async () => {
    const o = await oracle(`${BASE}; INSERT INTO t VALUES (1, 'x', 2, 'y')`);
    const [[before]] = await dbs.admin.query<RowDataPacket[]>('SHOW MASTER STATUS');
    await dbs.admin.query('CREATE TABLE made AS SELECT a, b, c * 2 AS c2, CONCAT(b, d) AS bd FROM t');
    const [events] = await dbs.admin.query<RowDataPacket[]>(`SHOW BINLOG EVENTS IN '${String(before!.File)}' FROM ${Number(before!.Position)}`);
    const logged = events.map((e) => String(e.Info)).find((info) => /CREATE TABLE/i.test(info));
    expect(logged).toBeDefined();
    expect(logged).not.toMatch(/\bSELECT\b/i);
    o.history.apply(logged!.replace(/^use `[^`]+`; /, ''), o.db, pos(500));
    await expectCatalogMatches(o.history, [o.db], pos(500));

    const refusal = new RegExp(`${o.db}\\.made2.*CREATE TABLE \\.\\.\\. SELECT`);
    expect(() => o.history.apply('CREATE TABLE made2 AS SELECT * FROM t', o.db, pos(600))).toThrow(refusal);
    expect(() => o.history.apply('CREATE TABLE made3 SELECT 1 AS one', o.db, pos(700))).toThrow(DdlNotUnderstoodError);
  });

  it('RENAME TABLE: several pairs, a swap through a temporary name, a move out of the tracked databases', async () => {
    const o = await oracle(`${BASE}; CREATE TABLE u (x int); CREATE TABLE v (y int)`, { extraDatabases: 1, tracked: 'first' });
    await o.step('RENAME TABLE t TO tmp, u TO t, tmp TO u');
    await o.step('RENAME TABLE v TO $2.v');
    expect(o.history.definitionAt(o.db, 'v', pos(10_000))).toBeUndefined();
    expect(o.history.definitionAt(o.db, 'v', pos(250))).toBeDefined();
  });

  it('RENAME TABLE of a table built aside (not selected) into place, as online schema change tools do', async () => {
    const o = await oracle(BASE);
    await o.step('CREATE TABLE _t_new LIKE t');
    await o.step('ALTER TABLE _t_new ADD COLUMN added datetime(3) NULL AFTER a');
    await o.step('RENAME TABLE t TO _t_old, _t_new TO t');
    await o.step('DROP TABLE _t_old');
  });

  it('RENAME TABLE from an untracked database into a tracked one is unknown, not guessed', async () => {
    const o = await oracle('CREATE TABLE $2.outside (a int)', { extraDatabases: 1, tracked: 'first' });
    const outside = (await dbs.admin.query<RowDataPacket[]>("SELECT TABLE_SCHEMA s FROM information_schema.TABLES WHERE TABLE_NAME = 'outside'"))[0].map((r) => String(r.s)).find((s) => s !== o.db)!;
    expect(() => o.history.apply(`RENAME TABLE \`${outside}\`.outside TO inside`, o.db, pos(300))).toThrow(DdlNotUnderstoodError);
  });

  it('DROP TABLE (several, IF EXISTS), TRUNCATE and statements that change no table', async () => {
    const o = await oracle(`${BASE}; CREATE TABLE u (x int)`);
    await o.step('TRUNCATE TABLE t');
    await o.step('TRUNCATE u');
    await o.step("INSERT INTO t VALUES (1, 'a', 1, 'b')");
    await o.step('CREATE VIEW vw AS SELECT a FROM t');
    await o.step('DROP TABLE IF EXISTS u, t, nope');
    expect(o.history.versionsOf(o.db, 't').map((v) => v.definition === null)).toEqual([false, true]);
  });

  it('CREATE / ALTER DATABASE defaults reach tables created later', async () => {
    const o = await oracle('');
    await o.step('ALTER DATABASE `$1` CHARACTER SET latin1');
    await o.step('CREATE TABLE later (s varchar(3), t text)');
  });
});

describe('statements the history cannot follow', () => {
  it('an unknown ALTER action on a tracked table stops with the table, the position and the reason', async () => {
    const o = await oracle(BASE);
    let error: unknown;
    try {
      o.history.apply('ALTER TABLE t ADD SYSTEM VERSIONING', o.db, pos(321));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DdlNotUnderstoodError);
    const e = error as DdlNotUnderstoodError;
    expect(e.message).toContain(`${o.db}.t`);
    expect(e.message).toContain('1:321#0');
    expect(e.fix).toContain('full load');
  });

  it('a DDL on an untracked database changes nothing; a column the definition lacks is unknown', async () => {
    const o = await oracle(BASE);
    expect(o.history.apply('ALTER TABLE elsewhere.t ADD SYSTEM VERSIONING', o.db, pos(300)).kind).toBe('unchanged');
    expect(() => o.history.apply('ALTER TABLE t DROP COLUMN not_there', o.db, pos(400))).toThrow(/not_there/);
  });
});

describe('the history', () => {
  it('answers by position, skips statements already applied, prunes, and survives JSON', async () => {
    const o = await oracle(BASE);
    await o.step('ALTER TABLE t ADD COLUMN x int'); // at 200
    await o.step('ALTER TABLE t DROP COLUMN b'); // at 300
    const names = (p: BinlogPosition) => o.history.definitionAt(o.db, 't', p)?.columns.map((c) => c.name);
    expect(names(pos(100))).toEqual(['a', 'b', 'c', 'd']);
    expect(names(pos(199, 1, 7))).toEqual(['a', 'b', 'c', 'd']);
    expect(names(pos(250))).toEqual(['a', 'b', 'c', 'd', 'x']);
    expect(names(pos(0, 2))).toEqual(['a', 'c', 'd', 'x']);
    expect(names(pos(99))).toBeUndefined();
    expect(o.history.apply('ALTER TABLE t ADD COLUMN again int', o.db, pos(300)).kind).toBe('unchanged');

    const copy = SchemaHistory.fromJSON(JSON.parse(JSON.stringify(o.history.toJSON())));
    expect(copy.toJSON()).toEqual(o.history.toJSON());
    expect(copy.definitionAt(o.db, 't', pos(250))).toEqual(o.history.definitionAt(o.db, 't', pos(250)));

    copy.prune(pos(250));
    expect(copy.versionsOf(o.db, 't').map((v) => v.from.offset)).toEqual([200, 300]);
    expect(copy.definitionAt(o.db, 't', pos(250))?.columns.map((c) => c.name)).toEqual(['a', 'b', 'c', 'd', 'x']);
    copy.prune(pos(0, 9));
    expect(copy.versionsOf(o.db, 't').map((v) => v.from.offset)).toEqual([300]);
    copy.apply('DROP TABLE t', o.db, pos(400));
    copy.prune(pos(500));
    expect(copy.versionsOf(o.db, 't')).toEqual([]);
  });

  it('chooses the identifying key as the catalog does', async () => {
    const o = await oracle('CREATE TABLE nk (a int, b int NOT NULL, c int NOT NULL, UNIQUE KEY ua (a), UNIQUE KEY ubc (b, c))');
    expect(identifyingKey(o.history.definitionAt(o.db, 'nk', pos(100))!)).toEqual(['b', 'c']);
    await o.step('ALTER TABLE nk ADD PRIMARY KEY (a)');
    expect(identifyingKey(o.history.definitionAt(o.db, 'nk', pos(200))!)).toEqual(['a']);
  });
});

describe('checkTableMap', () => {
  let def: TableDefinition;
  beforeAll(async () => {
    const o = await oracle("CREATE TABLE m (i int, v varchar(5), c char(2), e enum('a'), dt datetime(3), ts timestamp NULL, tm time, j json, dc decimal(5,2), bl blob, y year, bt bit(3), g geometry, f float, d double, da date)");
    def = o.history.definitionAt(o.db, 'm', pos(100))!;
  });
  const good = [3, 15, 254, 254, 18, 17, 19, 252, 246, 252, 13, 16, 255, 4, 5, 10];

  it('accepts the types a TABLE_MAP carries for the columns (MariaDB JSON is a BLOB)', () => {
    expect(def.columns.map((c) => binlogTypeCodes(c)[0])).toEqual(good);
    expect(() => checkTableMap(def, good, { table: 'db.m', pos: pos(7) })).not.toThrow();
  });

  it('names the table, the position and the column count when they differ', () => {
    let e: unknown;
    try {
      checkTableMap(def, good.slice(0, -1), { table: 'db.m', pos: pos(7, 3) });
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(TableMapMismatchError);
    expect((e as FcDtsError).code).toBe('SCHEMA_MISMATCH');
    expect((e as Error).message).toMatch(/db\.m.*16 columns, the TABLE_MAP 15/);
    expect((e as Error).message).toContain('3:7#0');
  });

  it('names the first column whose type differs', () => {
    const wrong = [...good];
    wrong[1] = 3;
    wrong[4] = 12;
    expect(() => checkTableMap(def, wrong, { table: 'db.m', pos: pos(7) })).toThrow(/column 2 \(v\) is varchar\(5\).*says binlog type 3/);
  });
});

describe('snapshot check', () => {
  it('passes when nothing changed and names the table and the change otherwise', async () => {
    const o = await oracle(BASE);
    const atSnapshot = [o.history.definitionAt(o.db, 't', pos(100))!];
    expect(() => checkSnapshotUnchanged(atSnapshot, new Map())).toThrow(SchemaChangedDuringLoadError);
    checkSnapshotUnchanged(atSnapshot, await readCatalog(dbs.admin, [o.db]));
    await dbs.admin.query('ALTER TABLE t MODIFY c bigint');
    let e: unknown;
    try {
      checkSnapshotUnchanged(atSnapshot, await readCatalog(dbs.admin, [o.db]));
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(SchemaChangedDuringLoadError);
    expect((e as FcDtsError).code).toBe('SCHEMA_CHANGED_DURING_LOAD');
    expect((e as Error).message).toContain(`${o.db}.t`);
    expect((e as Error).message).toContain('column 3 (c)');
    expect((e as FcDtsError).fix).toContain("restart the task's full load");
  });
});

describe('persistence', () => {
  let standIn: TablestoreStandIn;
  let dir: string;
  beforeAll(async () => {
    standIn = await startTablestoreStandIn({ accessKeyId: 'sh-key', accessKeySecret: 'sh-secret', port: 0 });
    dir = mkdtempSync(join(tmpdir(), 'fc-dts-schema-history-'));
  });
  afterAll(async () => {
    await standIn.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function history(): Promise<SchemaHistory> {
    const o = await oracle(`${BASE}; CREATE TABLE u (x int)`);
    await o.step('ALTER TABLE t ADD COLUMN x int');
    return o.history;
  }

  it('the directory store writes the history atomically and reads it back', async () => {
    const store = new FileStateStore(dir);
    expect(await store.getSchemaHistory()).toBeUndefined();
    const h = await history();
    await store.putSchemaHistory(h.toJSON());
    expect(JSON.parse(readFileSync(join(dir, 'schema-history.json'), 'utf8'))).toEqual(h.toJSON());
    const back = SchemaHistory.fromJSON((await new FileStateStore(dir).getSchemaHistory())!);
    expect(back.toJSON()).toEqual(h.toJSON());
  });

  it('the Tablestore store keeps it per task, also when it is larger than a row', async () => {
    const open = (task: string) => TablestoreStateStore.open({ endpoint: standIn.endpoint, instance: standIn.instance, accessKeyId: 'sh-key', accessKeySecret: 'sh-secret', task });
    const a = await open('sh-a');
    const b = await open('sh-b');
    expect(await a.getSchemaHistory()).toBeUndefined();
    const h = await history();
    await a.putSchemaHistory(h.toJSON());
    expect(await b.getSchemaHistory()).toBeUndefined();
    expect(SchemaHistory.fromJSON((await a.getSchemaHistory())!).toJSON()).toEqual(h.toJSON());

    const big = h.toJSON();
    const table = big.tables[0]!;
    const many = Array.from({ length: 6000 }, (_, i) => ({ ...table, table: `t${i}_${'x'.repeat(200)}` }));
    const large = { ...big, tables: many };
    expect(Buffer.byteLength(JSON.stringify(large))).toBeGreaterThan(4_000_000);
    await a.putSchemaHistory(large);
    expect(await (await open('sh-a')).getSchemaHistory()).toEqual(large);
    await a.putSchemaHistory(h.toJSON());
    expect(await a.getSchemaHistory()).toEqual(h.toJSON());
  });
});
