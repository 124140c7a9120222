/** The schema of MySQL-family databases as information_schema describes it. */
import type { Connection, RowDataPacket } from 'mysql2/promise';

export interface ColumnInfo {
  readonly name: string;
  readonly ordinal: number;
  /** Full type as declared, e.g. `decimal(65,30)`, `bigint(20) unsigned`, `enum('a','b')`. */
  readonly columnType: string;
  /** Lower-case base type: `int`, `varchar`, `datetime`, ... */
  readonly dataType: string;
  readonly nullable: boolean;
  /** Default as information_schema shows it (MariaDB: an SQL expression text, `NULL` for none). */
  readonly defaultValue: string | null;
  readonly extra: string;
  readonly charset: string | null;
  readonly collation: string | null;
  readonly comment: string;
  readonly generationExpression: string | null;
  readonly generated: boolean;
  readonly invisible: boolean;
}

export interface IndexInfo {
  readonly name: string;
  readonly unique: boolean;
  readonly kind: 'BTREE' | 'HASH' | 'FULLTEXT' | 'SPATIAL' | string;
  readonly columns: ReadonlyArray<{ readonly name: string; readonly subPart: number | null; readonly descending: boolean }>;
  readonly comment: string;
}

export interface ForeignKeyInfo {
  readonly name: string;
  readonly columns: readonly string[];
  readonly refDatabase: string;
  readonly refTable: string;
  readonly refColumns: readonly string[];
  readonly onUpdate: string;
  readonly onDelete: string;
}

export interface TableInfo {
  readonly database: string;
  readonly name: string;
  readonly engine: string | null;
  readonly collation: string | null;
  readonly comment: string;
  readonly estimatedRows: number;
  readonly avgRowLength: number;
  readonly columns: readonly ColumnInfo[];
  readonly indexes: readonly IndexInfo[];
  readonly foreignKeys: readonly ForeignKeyInfo[];
  /** The PRIMARY KEY, else the first UNIQUE key whose columns are all NOT NULL; empty when neither. */
  readonly keyColumns: readonly string[];
}

export interface DatabaseInfo {
  readonly name: string;
  readonly charset: string;
  readonly collation: string;
  readonly tables: readonly TableInfo[];
  readonly views: readonly string[];
  readonly triggers: readonly string[];
  readonly routines: ReadonlyArray<{ readonly name: string; readonly type: 'PROCEDURE' | 'FUNCTION' }>;
}

type Row = RowDataPacket & Record<string, unknown>;

const s = (v: unknown): string => (v === null || v === undefined ? '' : Buffer.isBuffer(v) ? v.toString('utf8') : String(v));
const sn = (v: unknown): string | null => (v === null || v === undefined ? null : s(v));

/** Whether the table has a unique key other than the one on `key` (its primary key, or the key chosen instead). */
export function hasOtherUniqueKeys(indexes: readonly IndexInfo[], key: readonly string[]): boolean {
  return indexes.some((i) => i.unique && !(i.columns.length === key.length && i.columns.every((c, n) => c.name === key[n])));
}

/** Reads the given databases; names not present on the server are simply absent from the result. */
export async function readCatalog(conn: Connection, databases: readonly string[]): Promise<Map<string, DatabaseInfo>> {
  const out = new Map<string, DatabaseInfo>();
  if (databases.length === 0) return out;
  const q = async (sql: string, params: unknown[] = [databases]): Promise<Row[]> => (await conn.query<Row[]>(sql, params))[0];

  const schemata = await q('SELECT SCHEMA_NAME n, DEFAULT_CHARACTER_SET_NAME cs, DEFAULT_COLLATION_NAME co FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN (?)');
  const tables = await q(`SELECT TABLE_SCHEMA db, TABLE_NAME t, TABLE_TYPE tt, ENGINE e, TABLE_COLLATION co, TABLE_COMMENT cm, TABLE_ROWS r, AVG_ROW_LENGTH al
    FROM information_schema.TABLES WHERE TABLE_SCHEMA IN (?) ORDER BY TABLE_SCHEMA, TABLE_NAME`);
  const columns = await q(`SELECT TABLE_SCHEMA db, TABLE_NAME t, COLUMN_NAME c, ORDINAL_POSITION o, COLUMN_TYPE ct, DATA_TYPE dt, IS_NULLABLE n,
      COLUMN_DEFAULT d, EXTRA x, CHARACTER_SET_NAME cs, COLLATION_NAME co, COLUMN_COMMENT cm, GENERATION_EXPRESSION g
    FROM information_schema.COLUMNS WHERE TABLE_SCHEMA IN (?) ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION`);
  const stats = await q(`SELECT TABLE_SCHEMA db, TABLE_NAME t, INDEX_NAME i, NON_UNIQUE nu, SEQ_IN_INDEX sq, COLUMN_NAME c, SUB_PART sp, COLLATION cl, INDEX_TYPE it, INDEX_COMMENT ic
    FROM information_schema.STATISTICS WHERE TABLE_SCHEMA IN (?)`); // unsorted: the server lists indexes in definition order
  const fks = await q(`SELECT k.TABLE_SCHEMA db, k.TABLE_NAME t, k.CONSTRAINT_NAME n, k.COLUMN_NAME c, k.REFERENCED_TABLE_SCHEMA rdb, k.REFERENCED_TABLE_NAME rt,
      k.REFERENCED_COLUMN_NAME rc, r.UPDATE_RULE ur, r.DELETE_RULE dr
    FROM information_schema.KEY_COLUMN_USAGE k JOIN information_schema.REFERENTIAL_CONSTRAINTS r
      ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME AND r.TABLE_NAME = k.TABLE_NAME
    WHERE k.TABLE_SCHEMA IN (?) AND k.REFERENCED_TABLE_NAME IS NOT NULL ORDER BY k.TABLE_SCHEMA, k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION`);
  const triggers = await q('SELECT TRIGGER_SCHEMA db, TRIGGER_NAME n FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA IN (?) ORDER BY TRIGGER_NAME');
  const routines = await q('SELECT ROUTINE_SCHEMA db, ROUTINE_NAME n, ROUTINE_TYPE rt FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA IN (?) ORDER BY ROUTINE_NAME');

  const key = (db: unknown, t: unknown) => `${s(db)}\0${s(t)}`;
  const colsBy = group(columns, (r) => key(r.db, r.t));
  const statsBy = group(stats, (r) => key(r.db, r.t));
  const fksBy = group(fks, (r) => key(r.db, r.t));

  for (const sc of schemata) {
    const db = s(sc.n);
    const dbTables: TableInfo[] = [];
    const views: string[] = [];
    for (const t of tables.filter((r) => s(r.db) === db)) {
      if (s(t.tt) === 'VIEW') {
        views.push(s(t.t));
        continue;
      }
      if (s(t.tt) !== 'BASE TABLE' && s(t.tt) !== 'SYSTEM VERSIONED') continue;
      const k = key(db, t.t);
      const cols: ColumnInfo[] = (colsBy.get(k) ?? []).map((c) => {
        const extra = s(c.x);
        const gen = sn(c.g);
        return {
          name: s(c.c),
          ordinal: Number(c.o),
          columnType: s(c.ct),
          dataType: s(c.dt).toLowerCase(),
          nullable: s(c.n) === 'YES',
          defaultValue: sn(c.d),
          extra,
          charset: sn(c.cs),
          collation: sn(c.co),
          comment: s(c.cm),
          generationExpression: gen,
          generated: /\b(VIRTUAL|STORED|PERSISTENT) GENERATED\b/i.test(extra) || (gen !== null && gen !== ''),
          invisible: /\bINVISIBLE\b/i.test(extra),
        };
      });
      const indexes = toIndexes(statsBy.get(k) ?? []);
      dbTables.push({
        database: db,
        name: s(t.t),
        engine: sn(t.e),
        collation: sn(t.co),
        comment: s(t.cm),
        estimatedRows: Number(t.r ?? 0),
        avgRowLength: Number(t.al ?? 0),
        columns: cols,
        indexes,
        foreignKeys: toForeignKeys(fksBy.get(k) ?? []),
        keyColumns: chooseKey(indexes, cols),
      });
    }
    out.set(db, {
      name: db,
      charset: s(sc.cs),
      collation: s(sc.co),
      tables: dbTables,
      views,
      triggers: triggers.filter((r) => s(r.db) === db).map((r) => s(r.n)),
      routines: routines.filter((r) => s(r.db) === db).map((r) => ({ name: s(r.n), type: s(r.rt) === 'FUNCTION' ? 'FUNCTION' : 'PROCEDURE' })),
    });
  }
  return out;
}

function group(rows: Row[], by: (r: Row) => string): Map<string, Row[]> {
  const m = new Map<string, Row[]>();
  for (const r of rows) {
    const k = by(r);
    const list = m.get(k);
    if (list) list.push(r);
    else m.set(k, [r]);
  }
  return m;
}

function toIndexes(rows: Row[]): IndexInfo[] {
  const byName = group(rows, (r) => s(r.i));
  return [...byName.entries()].map(([name, cols]) => ({
    name,
    unique: Number(cols[0]!.nu) === 0,
    kind: s(cols[0]!.it),
    comment: s(cols[0]!.ic),
    columns: cols
      .sort((a, b) => Number(a.sq) - Number(b.sq))
      .map((c) => ({ name: s(c.c), subPart: c.sp === null ? null : Number(c.sp), descending: s(c.cl) === 'D' })),
  }));
}

function toForeignKeys(rows: Row[]): ForeignKeyInfo[] {
  const byName = group(rows, (r) => s(r.n));
  return [...byName.entries()].map(([name, cols]) => ({
    name,
    columns: cols.map((c) => s(c.c)),
    refDatabase: s(cols[0]!.rdb),
    refTable: s(cols[0]!.rt),
    refColumns: cols.map((c) => s(c.rc)),
    onUpdate: s(cols[0]!.ur),
    onDelete: s(cols[0]!.dr),
  }));
}

/** PRIMARY KEY first; otherwise the first UNIQUE key over whole, NOT NULL columns (it identifies a row). */
function chooseKey(indexes: readonly IndexInfo[], cols: readonly ColumnInfo[]): string[] {
  const pk = indexes.find((i) => i.name === 'PRIMARY');
  if (pk) return pk.columns.map((c) => c.name);
  const notNull = new Set(cols.filter((c) => !c.nullable).map((c) => c.name));
  const uk = indexes.find((i) => i.unique && i.columns.every((c) => c.subPart === null && notNull.has(c.name)));
  return uk ? uk.columns.map((c) => c.name) : [];
}
