/**
 * What a DDL statement leaves unsaid and the source server fills in: each character set's default
 * collation and bytes per character, the server's and databases' defaults, whether COLUMN_TYPE shows
 * display widths, how names compare. Read once from the server when the history is seeded, so that
 * definitions derived from DDL later read exactly as information_schema would show them.
 */
import type { Connection, RowDataPacket } from 'mysql2/promise';

export interface CharsetFacts {
  readonly defaultCollation: string;
  /** Bytes per character at most. */
  readonly maxLen: number;
}

export interface ServerDialect {
  readonly flavor: 'mariadb' | 'mysql';
  /** `int(11)` (MariaDB, MySQL before 8.0.19) rather than `int`. */
  readonly displayWidths: boolean;
  /** What `utf8` means on this server: `utf8mb3` (MariaDB 10.6+, MySQL 8.0.30+) or itself. */
  readonly utf8Name: 'utf8mb3' | 'utf8';
  readonly charsets: Readonly<Record<string, CharsetFacts>>;
  readonly serverCollation: string;
  /** lower_case_table_names = 1: database and table names are stored in lower case. */
  readonly lowerCaseNames: boolean;
  /** explicit_defaults_for_timestamp: a TIMESTAMP column without NULL is nullable like any other column. */
  readonly explicitTimestampDefaults: boolean;
}

type Row = RowDataPacket & Record<string, unknown>;

export async function readServerDialect(conn: Connection): Promise<ServerDialect> {
  const [[v]] = await conn.query<Row[]>(
    'SELECT VERSION() v, @@collation_server c, @@lower_case_table_names l, @@explicit_defaults_for_timestamp e',
  );
  const [sets] = await conn.query<Row[]>('SELECT CHARACTER_SET_NAME n, DEFAULT_COLLATE_NAME d, MAXLEN m FROM information_schema.CHARACTER_SETS');
  const version = String(v!.v);
  const mariadb = /mariadb/i.test(version);
  const charsets: Record<string, CharsetFacts> = {};
  for (const r of sets) charsets[String(r.n)] = { defaultCollation: String(r.d), maxLen: Number(r.m) };
  return {
    flavor: mariadb ? 'mariadb' : 'mysql',
    displayWidths: mariadb || versionBelow(version, [8, 0, 19]),
    utf8Name: 'utf8mb3' in charsets ? 'utf8mb3' : 'utf8',
    charsets,
    serverCollation: String(v!.c),
    lowerCaseNames: Number(v!.l) === 1,
    explicitTimestampDefaults: Number(v!.e) === 1,
  };
}

function versionBelow(version: string, than: readonly number[]): boolean {
  const parts = (/^(\d+)\.(\d+)\.(\d+)/.exec(version) ?? []).slice(1).map(Number);
  for (let i = 0; i < than.length; i++) {
    const a = parts[i] ?? 0;
    if (a !== than[i]) return a < than[i]!;
  }
  return false;
}

/** The character set a collation belongs to: the longest charset name it starts with (`utf8mb4_bin` → utf8mb4). */
export function charsetOfCollation(dialect: ServerDialect, collation: string): string | undefined {
  const c = normalizeCollation(dialect, collation);
  if (c === 'binary') return 'binary';
  let best: string | undefined;
  for (const name of Object.keys(dialect.charsets)) {
    if (c.startsWith(`${name}_`) && (best === undefined || name.length > best.length)) best = name;
  }
  return best;
}

/** `utf8` → `utf8mb3` where the server says so; names in lower case. */
export function normalizeCharset(dialect: ServerDialect, charset: string): string {
  const c = charset.toLowerCase();
  return c === 'utf8' ? dialect.utf8Name : c;
}

export function normalizeCollation(dialect: ServerDialect, collation: string): string {
  const c = collation.toLowerCase();
  return c.startsWith('utf8_') ? `${dialect.utf8Name}${c.slice(4)}` : c;
}
