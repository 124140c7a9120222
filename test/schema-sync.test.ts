/**
 * Schema synchronization against the real MariaDB: the destination's SHOW CREATE TABLE equals the
 * source's, foreign keys, views over views, routines and triggers (quiet for fc-dts's own writes),
 * renamed and partial tables, both conflict modes, an interrupted run resumed, and awkward names.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { connect } from '../shared/mysql/connection.ts';
import { readCatalog, type ColumnInfo } from '../shared/mysql/catalog.ts';
import { qualified, quoteIdent } from '../shared/mysql/identifier.ts';
import { resolveObjects, type DatabaseMapping } from '../shared/task/object-mapper.ts';
import { validateTask } from '../shared/task/task-file.ts';
import { syncSchema, type SchemaSyncOptions } from '../shared/destinations/mysql/schema-sync.ts';
import { defaultClause, renameColumnsInExpression } from '../shared/destinations/mysql/table-ddl.ts';
import { adminConnection, taskDoc, testEndpoint, uniqueName } from './helpers/mariadb.ts';

type Row = RowDataPacket & Record<string, unknown>;

const SRC = uniqueName('ss_src');
const WEIRD = uniqueName('ss_wsrc');
const made: string[] = [SRC, WEIRD];
let admin: Connection;
let src: Connection;
let dst: Connection;

const SOURCE_DDL = (db: string) => `
CREATE DATABASE \`${db}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
USE \`${db}\`;
CREATE TABLE parent (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  region CHAR(2) NOT NULL DEFAULT 'cn',
  name VARCHAR(100) NOT NULL,
  PRIMARY KEY (id, region)
) ENGINE=InnoDB COMMENT='parent''s "table" \\\\ with a backslash';
CREATE TABLE audit (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, note VARCHAR(200)) ENGINE=InnoDB;
CREATE TABLE all_kinds (
  id BIGINT NOT NULL AUTO_INCREMENT,
  ti TINYINT NOT NULL DEFAULT -1,
  tiu TINYINT UNSIGNED DEFAULT 255,
  iu INT UNSIGNED NOT NULL DEFAULT 0,
  bu BIGINT UNSIGNED DEFAULT 18446744073709551615,
  dec65 DECIMAL(65,30) DEFAULT -1.5,
  f FLOAT DEFAULT 1.25,
  d DOUBLE DEFAULT 1e100,
  b1 BIT(1) DEFAULT b'1',
  b64 BIT(64) NOT NULL DEFAULT b'1010',
  ch CHAR(10) DEFAULT '',
  vc VARCHAR(200) NOT NULL DEFAULT 'it''s a "quote", a \\\\ backslash and a\\nnewline',
  tx TEXT DEFAULT 'plain ''text''',
  l1 VARCHAR(50) CHARACTER SET latin1 COLLATE latin1_bin DEFAULT 'café',
  bn BINARY(4) DEFAULT 'ab',
  vb VARBINARY(50) DEFAULT NULL,
  bl BLOB DEFAULT 'blob default',
  dt DATE DEFAULT '2020-02-29',
  tm TIME(3) DEFAULT '-12:34:56.789',
  dtm DATETIME(6) DEFAULT CURRENT_TIMESTAMP(6),
  ts TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
  yr YEAR DEFAULT 2024,
  en ENUM('a','b''s','c d') NOT NULL DEFAULT 'b''s',
  st SET('x','y','z') DEFAULT 'x,z',
  js JSON DEFAULT '{"k": [1, 2]}',
  expr_default INT DEFAULT (1 + 2),
  fn_default VARCHAR(20) DEFAULT concat('a','b'),
  parent_id INT UNSIGNED,
  parent_region CHAR(2),
  total DECIMAL(10,2) AS (tiu * 2) STORED,
  upper_vc VARCHAR(200) AS (UPPER(vc)) VIRTUAL,
  secret INT INVISIBLE DEFAULT 7 COMMENT 'hidden ''col'' "x"',
  PRIMARY KEY (id, ti),
  UNIQUE KEY uk_vc (vc),
  KEY fk_parent (parent_id, parent_region),
  FULLTEXT KEY ft_tx (tx),
  KEY k_gen (upper_vc),
  KEY k_multi (dt DESC, yr) COMMENT 'index ''comment''',
  KEY k_prefix (tx(20), vc(10) DESC),
  CONSTRAINT fk_parent FOREIGN KEY (parent_id, parent_region) REFERENCES parent (id, region) ON DELETE CASCADE,
  CONSTRAINT ck_ti CHECK (ti < 100)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='all ''kinds'' "of" columns';
CREATE TABLE memo (k INT NOT NULL PRIMARY KEY, v VARCHAR(10)) ENGINE=MEMORY;
CREATE VIEW v_parent AS SELECT id, name FROM \`${db}\`.parent WHERE region = 'cn';
CREATE VIEW v_names AS SELECT UPPER(name) AS uname, '${db}.parent' AS label FROM v_parent;
CREATE PROCEDURE add_parent(IN n VARCHAR(100)) BEGIN INSERT INTO parent(region, name) VALUES ('cn', n); END;
CREATE FUNCTION twice(x INT) RETURNS INT DETERMINISTIC RETURN x * 2;
CREATE FUNCTION parent_count() RETURNS INT READS SQL DATA RETURN (SELECT COUNT(*) FROM \`${db}\`.parent);
CREATE TRIGGER parent_ai AFTER INSERT ON parent FOR EACH ROW BEGIN
  -- a comment saying FOR EACH ROW; and a 'quote
  INSERT INTO audit(note) VALUES (CONCAT('added ', NEW.name));
END -- a trailing comment
;
CREATE TRIGGER parent_ai2 AFTER INSERT ON parent FOR EACH ROW PRECEDES parent_ai INSERT INTO audit(note) VALUES ('first');
CREATE TRIGGER parent_bi BEFORE INSERT ON parent FOR EACH ROW SET NEW.name = TRIM(NEW.name);
`;

beforeAll(async () => {
  admin = await adminConnection();
  await admin.query(SOURCE_DDL(SRC));
  await admin.query(`CREATE DATABASE \`${WEIRD}\`; USE \`${WEIRD}\`;
    CREATE TABLE \`we\`\`ird "t"\` (
      \`co'l\` INT NOT NULL,
      \`x\`\`y\` VARCHAR(10) NOT NULL DEFAULT 'a''b"c',
      \`g "1"\` INT AS (\`co'l\` + 1) VIRTUAL,
      PRIMARY KEY (\`co'l\`),
      KEY \`k\`\`1\` (\`x\`\`y\`)
    ) COMMENT 'we''ird';
    CREATE TABLE \`child 'c'\` (
      id INT PRIMARY KEY,
      \`ref\`\`col\` INT,
      CONSTRAINT \`fk "w"\` FOREIGN KEY (\`ref\`\`col\`) REFERENCES \`we\`\`ird "t"\` (\`co'l\`)
    );
    CREATE TABLE \`log\`\`s\` (n INT);
    CREATE VIEW \`v'w\` AS SELECT \`co'l\` AS c FROM \`we\`\`ird "t"\`;
    CREATE TRIGGER \`tr"g\` AFTER INSERT ON \`we\`\`ird "t"\` FOR EACH ROW INSERT INTO \`log\`\`s\` VALUES (NEW.\`co'l\`);`);
  src = await connect('source', testEndpoint());
  dst = await connect('destination', testEndpoint());
});

afterAll(async () => {
  for (const db of made) await admin.query(`DROP DATABASE IF EXISTS \`${db}\``);
  await Promise.all([admin.end(), src.end(), dst.end()]);
});

async function mappings(objects: unknown[], sync: Record<string, unknown> = {}): Promise<DatabaseMapping[]> {
  const task = validateTask(taskDoc({ objects, sync }));
  const catalog = await readCatalog(src, task.objects.map((o) => o.database));
  return resolveObjects(task, catalog);
}

function options(over: Partial<SchemaSyncOptions> = {}): SchemaSyncOptions {
  return { conflictMode: 'precheck-and-report', ownedTables: new Set(), ...over };
}

async function showCreate(db: string, table: string): Promise<string> {
  const [rows] = await admin.query<Row[]>(`SHOW CREATE TABLE ${qualified(db, table)}`);
  return String(rows[0]!['Create Table']);
}

async function tableNames(db: string): Promise<string[]> {
  const [rows] = await admin.query<Row[]>('SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME', [db]);
  return rows.map((r) => String(r.t));
}

async function value(sql: string, conn: Connection = admin): Promise<unknown> {
  const [rows] = await conn.query<Row[]>(sql);
  return Object.values(rows[0] ?? {})[0];
}

describe('schema synchronization (real MariaDB)', () => {
  const DST = uniqueName('ss_dst');
  made.push(DST);

  it('re-creates a whole database: tables identical to the source, foreign keys, views, routines, triggers', async () => {
    const dbs = await mappings([{ database: SRC, as: DST }]);
    const announced: string[] = [];
    const report = await syncSchema(src, dst, dbs, options({
      onCreating: async (t) => {
        // Ownership is announced while the table does not exist yet.
        const [rows] = await admin.query<Row[]>("SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE CONCAT(TABLE_SCHEMA, '.', TABLE_NAME) = ?", [t]);
        expect(Number(rows[0]!.n)).toBe(0);
        announced.push(t);
      },
    }));

    expect(report.failed).toEqual([]);
    expect(report.warnings).toEqual([]);
    expect(report.kept).toEqual([]);
    expect(announced.sort()).toEqual(['all_kinds', 'audit', 'memo', 'parent'].map((t) => `${DST}.${t}`.toLowerCase()));
    expect(report.created).toEqual(expect.arrayContaining([
      `${DST}.all_kinds`, `${DST}.audit`, `${DST}.memo`, `${DST}.parent`,
      `foreign key ${DST}.all_kinds.fk_parent`,
      `view ${DST}.v_parent`, `view ${DST}.v_names`,
      `procedure ${DST}.add_parent`, `function ${DST}.twice`, `function ${DST}.parent_count`,
      `trigger ${DST}.parent_ai`, `trigger ${DST}.parent_ai2`, `trigger ${DST}.parent_bi`,
    ]));

    const [schemata] = await admin.query<Row[]>('SELECT DEFAULT_CHARACTER_SET_NAME AS cs, DEFAULT_COLLATION_NAME AS co FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [DST]);
    expect(schemata[0]).toMatchObject({ cs: 'utf8mb4', co: 'utf8mb4_unicode_ci' });

    // The strongest check: the server describes each destination table exactly as it describes the source.
    for (const t of ['parent', 'audit', 'all_kinds', 'memo']) {
      expect(await showCreate(DST, t), t).toBe(await showCreate(SRC, t));
    }

    // Views: the view over a view was retried until its inner view existed; both read the destination.
    const [views] = await admin.query<Row[]>('SELECT TABLE_NAME AS n, VIEW_DEFINITION AS d, SECURITY_TYPE AS s FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME', [DST]);
    expect(views.map((v) => v.n)).toEqual(['v_names', 'v_parent']);
    for (const v of views) expect(String(v.d)).not.toContain(`\`${SRC}\``);
    expect(String(views[0]!.d)).toContain(`'${SRC}.parent'`); // a string literal is not a name: left alone
    await admin.query(`INSERT INTO ${qualified(DST, 'parent')} (region, name) VALUES ('cn', 'ann'), ('us', 'bob')`);
    const [named] = await admin.query<Row[]>(`SELECT uname FROM ${qualified(DST, 'v_names')}`);
    expect(named.map((r) => r.uname)).toEqual(['ANN']);

    // Routines run in the destination database.
    expect(Number(await value(`SELECT ${qualified(DST, 'twice')}(21)`))).toBe(42);
    expect(Number(await value(`SELECT ${qualified(DST, 'parent_count')}()`))).toBe(2);
    await admin.query(`CALL ${qualified(DST, 'add_parent')}('  cid  ')`);
    expect(Number(await value(`SELECT COUNT(*) FROM ${qualified(DST, 'parent')}`))).toBe(3);
    expect(Number(await value(`SELECT COUNT(*) FROM ${qualified(SRC, 'parent')}`))).toBe(0);

    // The foreign key cascades for other writers (foreign_key_checks on).
    await admin.query(`INSERT INTO ${qualified(DST, 'all_kinds')} (vc, parent_id, parent_region) VALUES ('child', 1, 'cn')`);
    await admin.query(`DELETE FROM ${qualified(DST, 'parent')} WHERE name = 'ann'`);
    expect(Number(await value(`SELECT COUNT(*) FROM ${qualified(DST, 'all_kinds')}`))).toBe(0);
  });

  it('synchronized triggers fire for other writers but not in sessions with @fc_dts_apply set', async () => {
    const [defs] = await admin.query<Row[]>('SELECT ACTION_STATEMENT AS a, ACTION_ORDER AS o, TRIGGER_NAME AS n FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? ORDER BY ACTION_TIMING, ACTION_ORDER', [DST]);
    for (const d of defs) expect(String(d.a)).toMatch(/^IF @fc_dts_apply IS NULL THEN/);
    // Firing order kept (PRECEDES in the source): parent_ai2 before parent_ai.
    expect(defs.map((d) => `${String(d.n)}:${Number(d.o)}`)).toEqual(['parent_ai2:1', 'parent_ai:2', 'parent_bi:1']);

    await admin.query(`DELETE FROM ${qualified(DST, 'audit')}`);
    await dst.query(`INSERT INTO ${qualified(DST, 'parent')} (region, name) VALUES ('cn', '  replicated  ')`); // fc-dts's session
    expect(Number(await value(`SELECT COUNT(*) FROM ${qualified(DST, 'audit')}`))).toBe(0);
    expect(await value(`SELECT name FROM ${qualified(DST, 'parent')} WHERE name LIKE '%replicated%'`)).toBe('  replicated  ');

    await admin.query(`INSERT INTO ${qualified(DST, 'parent')} (region, name) VALUES ('cn', '  local  ')`); // any other session
    const [audit] = await admin.query<Row[]>(`SELECT note FROM ${qualified(DST, 'audit')} ORDER BY id`);
    expect(audit.map((r) => r.note)).toEqual(['first', 'added local']);
    expect(await value(`SELECT name FROM ${qualified(DST, 'parent')} WHERE name LIKE '%local%'`)).toBe('local');
  });

  it('a re-run with the tables it owns reuses them, recreates a missing one and creates nothing twice', async () => {
    await admin.query(`DROP TABLE ${qualified(DST, 'memo')}`); // interrupted right after announcing it, say
    const owned = new Set(['all_kinds', 'audit', 'memo', 'parent'].map((t) => `${DST}.${t}`.toLowerCase()));
    const dbs = await mappings([{ database: SRC, as: DST }]);
    const report = await syncSchema(src, dst, dbs, options({ ownedTables: owned }));
    expect(report.failed).toEqual([]);
    expect([...report.kept].sort()).toEqual(['all_kinds', 'audit', 'parent'].map((t) => `${DST}.${t}`));
    expect(report.created.filter((c) => !c.includes(' '))).toEqual([`${DST}.memo`]);
    expect(report.created).not.toContain(`foreign key ${DST}.all_kinds.fk_parent`); // already there
    const withoutCounter = (ddl: string) => ddl.replace(/ AUTO_INCREMENT=\d+/, ''); // rows were written by now
    expect(withoutCounter(await showCreate(DST, 'all_kinds'))).toBe(await showCreate(SRC, 'all_kinds'));
    expect(withoutCounter(await showCreate(DST, 'memo'))).toBe(await showCreate(SRC, 'memo'));
    const [trg] = await admin.query<Row[]>('SELECT COUNT(*) AS n FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?', [DST]);
    expect(Number(trg[0]!.n)).toBe(3);
  });

  it('precheck-and-report refuses an existing table before creating anything', async () => {
    const db = uniqueName('ss_conf');
    made.push(db);
    await admin.query(`CREATE DATABASE ${quoteIdent(db)}; CREATE TABLE ${qualified(db, 'audit')} (x INT)`);
    const dbs = await mappings([{ database: SRC, as: db }]);
    const announced: string[] = [];
    const err = await syncSchema(src, dst, dbs, options({ onCreating: async (t) => void announced.push(t) })).catch((e: unknown) => e);
    expect(announced).toEqual([]);
    expect(err).toMatchObject({ code: 'NAME_CONFLICT' });
    expect((err as Error).message).toContain(`${db}.audit`);
    expect((err as { fix: string }).fix).toMatch(/as.*ignore-and-proceed/s);
    expect(await tableNames(db)).toEqual(['audit']);
  });

  it('ignore-and-proceed keeps the existing table as it is and creates the rest', async () => {
    const db = uniqueName('ss_keep');
    made.push(db);
    await admin.query(`CREATE DATABASE ${quoteIdent(db)}; CREATE TABLE ${qualified(db, 'audit')} (id INT PRIMARY KEY, note TEXT, extra INT)`);
    const before = await showCreate(db, 'audit');
    const dbs = await mappings([{ database: SRC, as: db }], { conflictMode: 'ignore-and-proceed' });
    const report = await syncSchema(src, dst, dbs, options({ conflictMode: 'ignore-and-proceed' }));
    expect(report.kept).toEqual([`${db}.audit`]);
    expect(report.warnings.join('\n')).toContain(`${db}.audit already exists`);
    expect(report.created).toEqual(expect.arrayContaining([`${db}.parent`, `${db}.all_kinds`, `${db}.memo`]));
    expect(await showCreate(db, 'audit')).toBe(before);
    expect(await tableNames(db)).toEqual(['all_kinds', 'audit', 'memo', 'parent', 'v_names', 'v_parent']);
  });

  it('a table the destination rejects stops with SCHEMA_SYNC_FAILED; a view it rejects is reported and the rest goes on', async () => {
    const db = uniqueName('ss_fail');
    const gone = uniqueName('ss_gone');
    made.push(db, gone, `${db}_c`);
    await admin.query(`CREATE DATABASE ${quoteIdent(db)}; CREATE DATABASE ${quoteIdent(gone)};
      CREATE TABLE ${qualified(gone, 'x')} (a INT); CREATE TABLE ${qualified(db, 't')} (a INT PRIMARY KEY);
      CREATE VIEW ${qualified(db, 'v_bad')} AS SELECT a FROM ${qualified(gone, 'x')}; CREATE VIEW ${qualified(db, 'v_ok')} AS SELECT a FROM ${qualified(db, 't')};
      DROP DATABASE ${quoteIdent(gone)}`);
    const dbs = await mappings([{ database: db, as: `${db}_c` }]);
    const report = await syncSchema(src, dst, dbs, options());
    expect(report.created).toEqual([`${db}_c.t`, `view ${db}_c.v_ok`]);
    expect(report.failed).toEqual([{ object: `view ${db}_c.v_bad`, error: expect.stringContaining(gone) }]);

    const [mapping] = dbs;
    const t = mapping!.tables[0]!;
    const broken: DatabaseMapping = {
      ...mapping!,
      target: `${db}_c`,
      tables: [{ ...t, target: { ...t.target, table: 'broken' }, columns: t.columns.map((c) => ({ ...c, source: { ...c.source, columnType: 'int(11) nonsense' } })) }],
    };
    const err = await syncSchema(src, dst, [broken], options()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SCHEMA_SYNC_FAILED' });
    expect((err as Error).message).toMatch(new RegExp(`cannot create destination table ${db}_c\\.broken \\(for ${db}\\.t\\): You have an error in your SQL syntax`));
  });

  it('a renamed table with a column subset: renamed columns inside indexes and expressions, the rest left out', async () => {
    const db = uniqueName('ss_part');
    made.push(db);
    const dbs = await mappings([{
      database: SRC,
      as: db,
      tables: [{ name: 'all_kinds', as: 'kinds v2', columns: { id: 'id', ti: 'tiny', vc: 'text_col', tx: 'tx', dt: 'dt', upper_vc: 'upper_vc', total: 'total', js: 'doc' } }],
    }]);
    const report = await syncSchema(src, dst, dbs, options());
    expect(report.failed).toEqual([]);
    expect(report.created).toEqual([`${db}.kinds v2`]); // no views, routines or triggers for a table selection
    const w = report.warnings.join('\n');
    expect(w).toContain('generated column total is left out'); // its tiu is not selected
    expect(w).toContain('index k_multi is left out');
    expect(w).toContain('index fk_parent is left out');
    expect(w).toContain('foreign key fk_parent (to');

    const ddl = await showCreate(db, 'kinds v2');
    const [cols] = await admin.query<Row[]>('SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION', [db, 'kinds v2']);
    expect(cols.map((c) => c.c)).toEqual(['id', 'tiny', 'text_col', 'tx', 'dt', 'doc', 'upper_vc']);
    expect(ddl).toContain('`upper_vc` varchar(200) GENERATED ALWAYS AS (ucase(`text_col`)) VIRTUAL');
    expect(ddl).toContain('PRIMARY KEY (`id`,`tiny`)');
    expect(ddl).toContain('UNIQUE KEY `uk_vc` (`text_col`)');
    expect(ddl).toContain('KEY `k_prefix` (`tx`(20),`text_col`(10) DESC)');
    expect(ddl).toContain('KEY `k_gen` (`upper_vc`)');
    expect(ddl).toContain('FULLTEXT KEY `ft_tx` (`tx`)');
    expect(ddl).toContain('CONSTRAINT `ck_ti` CHECK (`tiny` < 100)');
    expect(ddl).toContain('`doc` longtext CHARACTER SET utf8mb4 COLLATE utf8mb4_bin DEFAULT \'{"k": [1, 2]}\' CHECK (json_valid(`doc`))');
    expect(ddl).not.toMatch(/k_multi|fk_parent|`vc`|`ti`/);
  });

  it('names with backticks, quotes and spaces work end to end', async () => {
    const db = uniqueName('ss_wdst');
    made.push(db);
    const dbs = await mappings([{ database: WEIRD, as: `${db}` }]);
    const report = await syncSchema(src, dst, dbs, options());
    expect(report.failed).toEqual([]);
    expect(report.warnings).toEqual([]);
    for (const t of ['we`ird "t"', "child 'c'", 'log`s']) expect(await showCreate(db, t), t).toBe(await showCreate(WEIRD, t));
    expect(report.created).toContain(`foreign key ${db}.child 'c'.fk "w"`);
    await admin.query(`INSERT INTO ${qualified(db, 'we`ird "t"')} (\`co'l\`) VALUES (41)`);
    expect(Number(await value(`SELECT c FROM ${qualified(db, "v'w")}`))).toBe(41);
    expect(Number(await value(`SELECT n FROM ${qualified(db, 'log`s')}`))).toBe(41); // trigger fired (admin session)
    expect(Number(await value(`SELECT \`g "1"\` FROM ${qualified(db, 'we`ird "t"')}`))).toBe(42);

    const part = uniqueName('ss_wpart');
    made.push(part);
    const renamed = await mappings([{ database: WEIRD, as: part, tables: [{ name: 'we`ird "t"', as: "t'2`", columns: { "co'l": 'new "col"', 'x`y': 'x`y', 'g "1"': 'g "1"' } }] }]);
    const r2 = await syncSchema(src, dst, renamed, options());
    expect(r2.warnings).toEqual([]);
    const ddl = await showCreate(part, "t'2`");
    expect(ddl).toContain('`g "1"` int(11) GENERATED ALWAYS AS (`new "col"` + 1) VIRTUAL');
    expect(ddl).toContain('PRIMARY KEY (`new "col"`)');
    expect(ddl).toContain('KEY `k``1` (`x``y`)');
    expect(ddl).toContain('`x``y` varchar(10) NOT NULL DEFAULT \'a\'\'b"c\'');
  });
});

describe('defaults as MySQL 8 prints them (raw values, DEFAULT_GENERATED for expressions)', () => {
  const col = (over: Partial<ColumnInfo>): ColumnInfo => ({
    name: 'c', ordinal: 1, columnType: 'varchar(10)', dataType: 'varchar', nullable: true, defaultValue: null, extra: '',
    charset: 'utf8mb4', collation: 'utf8mb4_0900_ai_ci', comment: '', generationExpression: null, generated: false, invisible: false, ...over,
  });
  const mysql = { sourceFlavor: 'mysql', destinationFlavor: 'mysql' } as const;

  it('quotes strings, keeps numbers and bit literals, parenthesizes expressions', () => {
    expect(defaultClause(col({ defaultValue: "it's \\ x" }), mysql)).toBe("'it\\'s \\\\ x'");
    expect(defaultClause(col({ defaultValue: '' }), mysql)).toBe("''");
    expect(defaultClause(col({ defaultValue: 'NULL' }), mysql)).toBe("'NULL'"); // the string "NULL"
    expect(defaultClause(col({ defaultValue: null }), mysql)).toBeNull();
    expect(defaultClause(col({ dataType: 'decimal', columnType: 'decimal(10,2)', defaultValue: '-1.50' }), mysql)).toBe('-1.50');
    expect(defaultClause(col({ dataType: 'bit', columnType: 'bit(3)', defaultValue: "b'101'" }), mysql)).toBe("b'101'");
    expect(defaultClause(col({ dataType: 'bit', columnType: 'bit(1)', defaultValue: '\u0001' }), mysql)).toBe("b'1'");
    expect(defaultClause(col({ dataType: 'timestamp', defaultValue: 'CURRENT_TIMESTAMP(6)', extra: 'DEFAULT_GENERATED on update CURRENT_TIMESTAMP(6)' }), mysql)).toBe('CURRENT_TIMESTAMP(6)');
    expect(defaultClause(col({ dataType: 'text', defaultValue: "_utf8mb4\\'abc\\'", extra: 'DEFAULT_GENERATED' }), mysql)).toBe("(_utf8mb4'abc')");
    expect(defaultClause(col({ dataType: 'int', defaultValue: '(1 + 2)', extra: 'DEFAULT_GENERATED' }), mysql)).toBe('((1 + 2))');
  });

  it('turns MariaDB literal defaults of TEXT/BLOB/JSON into expressions for a MySQL destination', () => {
    const toMysql = { sourceFlavor: 'mariadb', destinationFlavor: 'mysql' } as const;
    expect(defaultClause(col({ dataType: 'text', defaultValue: "'abc'" }), toMysql)).toBe("('abc')");
    expect(defaultClause(col({ defaultValue: "'abc'" }), toMysql)).toBe("'abc'");
    expect(defaultClause(col({ defaultValue: "concat('a','b')" }), toMysql)).toBe("(concat('a','b'))");
    expect(defaultClause(col({ dataType: 'datetime', defaultValue: 'current_timestamp()' }), toMysql)).toBe('current_timestamp()');
  });

  it('renames only backquoted names in expressions, never inside strings', () => {
    const r = renameColumnsInExpression("concat(`a`,'`a`',`b`)", new Map([['a', 'x"y']]));
    expect(r).toEqual({ sql: "concat(`x\"y`,'`a`',`b`)", missing: ['b'] });
  });
});
