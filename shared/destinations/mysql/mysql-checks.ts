/**
 * Precheck items about a MySQL destination: the account's privileges, tables that already exist
 * under the names the task writes, 4-byte characters it could not store, and max_allowed_packet.
 */
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { qualified, quoteIdent } from '../../mysql/identifier.ts';
import { applyCapitalization, type DatabaseMapping, type TableMapping } from '../../task/object-mapper.ts';
import type { Task } from '../../task/task.ts';
import { WATERMARK_DATABASE } from './mysql-sink.ts';
import type { CheckResult } from '../../precheck/check-result.ts';
import type { DestinationCheckContext } from '../destination.ts';
import {
  describeMissing,
  guarded,
  listNames,
  missingPrivileges,
  plural,
  readAccountGrants,
  readGlobalVariables,
  toItem,
  type ItemMeta,
  type PrivilegeNeed,
  type Verdict,
} from '../../precheck/source-checks.ts';

export const DESTINATION_ITEMS = {
  privileges: { id: 'destination-privileges', name: 'Destination account privileges', side: 'destination' },
  nameConflicts: { id: 'destination-name-conflicts', name: 'Existing destination tables', side: 'destination' },
  uniqueKeys: { id: 'destination-unique-keys', name: 'Destination unique keys', side: 'destination' },
  charset: { id: 'destination-charset', name: 'Destination character sets', side: 'destination' },
  maxAllowedPacket: { id: 'destination-max-allowed-packet', name: 'Destination max_allowed_packet', side: 'destination' },
  localInfile: { id: 'destination-local-infile', name: 'Destination LOAD DATA LOCAL', side: 'destination' },
} as const satisfies Record<string, ItemMeta>;

type Row = RowDataPacket & Record<string, unknown>;
const text = (v: unknown): string => (v === null || v === undefined ? '' : Buffer.isBuffer(v) ? v.toString('utf8') : String(v));

export interface TargetDatabase {
  readonly name: string;
  readonly whole: boolean;
}

/** Destination database names, as resolveObjects derives them (known without reading the source). */
export function targetDatabases(task: Task): TargetDatabase[] {
  return task.objects.map((o) => ({ name: o.as ?? applyCapitalization(o.database, task.sync.capitalization), whole: o.tables === undefined }));
}

/**
 * Writing rows needs DML; creating and changing tables (schema sync, DDL) needs DDL privileges; views,
 * triggers and routines follow only whole databases, so only those need the privileges to create them.
 * Incremental sync keeps its per-bucket watermarks in the destination, in database `fc_dts`, written in
 * the same transactions as the rows.
 */
export function destinationNeed(task: Task): PrivilegeNeed {
  const ddl = task.sync.types.has('schema') || task.sync.ddl;
  return {
    global: [],
    databases: [
      ...targetDatabases(task).map((d) => ({
        name: d.name,
        privileges: [
          'SELECT', 'INSERT', 'UPDATE', 'DELETE',
          ...(ddl ? ['CREATE', 'ALTER', 'DROP', 'INDEX', 'REFERENCES'] : []),
          ...(ddl && d.whole ? ['CREATE VIEW', 'TRIGGER', 'CREATE ROUTINE', 'ALTER ROUTINE'] : []),
        ],
      })),
      { name: WATERMARK_DATABASE, privileges: ['CREATE', 'SELECT', 'INSERT', 'UPDATE', 'DELETE'] },
    ],
  };
}

/** The statement builder batches up to batchBytes; the server must accept that plus protocol overhead. */
export function maxAllowedPacketVerdict(maxAllowedPacket: number, batchBytes: number): Verdict {
  const MiB = 1 << 20;
  const required = batchBytes + MiB;
  const mib = (n: number) => `${(n / MiB).toFixed(n % MiB === 0 ? 0 : 1)} MiB`;
  if (maxAllowedPacket >= required) {
    return { status: 'passed', reason: `max_allowed_packet is ${mib(maxAllowedPacket)}; statements are up to ${mib(batchBytes)} (advanced.fullLoad.batchBytes)` };
  }
  const setTo = Math.ceil(required / MiB) * MiB;
  return {
    status: 'failed',
    reason: `max_allowed_packet is ${mib(maxAllowedPacket)}, but full-load statements are up to ${mib(batchBytes)} (advanced.fullLoad.batchBytes) and need ${mib(required)} with overhead`,
    fix: `SET GLOBAL max_allowed_packet = ${setTo}; on the destination (and max_allowed_packet = ${setTo / MiB}M in my.cnf, or the RDS parameter), or lower advanced.fullLoad.batchBytes to ${Math.max(maxAllowedPacket - MiB, 64 << 10)}`,
  };
}

/** The full load writes chunks with LOAD DATA LOCAL INFILE where the server allows it, else with INSERTs. */
export function localInfileVerdict(localInfile: boolean, task: Task): Verdict {
  if (!task.sync.types.has('full')) return { status: 'passed', reason: 'no full load in this task' };
  if (!task.advanced.fullLoad.loadData) return { status: 'passed', reason: 'advanced.fullLoad.loadData is false: the full load writes multi-row INSERTs' };
  if (localInfile) return { status: 'passed', reason: 'local_infile is ON: the full load writes chunks with LOAD DATA LOCAL INFILE' };
  return {
    status: 'warning',
    reason: 'local_infile is OFF (the MySQL 8 default): the full load falls back to multi-row INSERTs, which cost the destination more CPU per row',
    fix: 'SET GLOBAL local_infile = ON on the destination (or the RDS parameter local_infile) for a faster full load, or set advanced.fullLoad.loadData: false to silence this',
  };
}

export interface ExistingTables {
  /** Whether `db.table` exists in the destination. */
  has(database: string, table: string): boolean;
  readonly databases: ReadonlySet<string>;
}

async function readExisting(conn: Connection, databases: readonly string[], caseInsensitive: boolean): Promise<ExistingTables> {
  const norm = (s: string) => (caseInsensitive ? s.toLowerCase() : s);
  const [schemata] = await conn.query<Row[]>('SELECT SCHEMA_NAME n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN (?)', [databases]);
  const [tables] = await conn.query<Row[]>('SELECT TABLE_SCHEMA db, TABLE_NAME t FROM information_schema.TABLES WHERE TABLE_SCHEMA IN (?)', [databases]);
  const keys = new Set(tables.map((r) => `${norm(text(r.db))}\0${norm(text(r.t))}`));
  return {
    has: (db, t) => keys.has(`${norm(db)}\0${norm(t)}`),
    databases: new Set(schemata.map((r) => norm(text(r.n)))),
  };
}

const targetLabel = (t: TableMapping) => `${t.target.database}.${t.target.table}`;

export function nameConflictsVerdict(task: Task, tables: readonly TableMapping[], existing: ExistingTables, ownedTables: ReadonlySet<string>): Verdict {
  if (!task.sync.types.has('schema') && !task.sync.types.has('full')) {
    return { status: 'passed', reason: 'incremental synchronization only: changes are applied to the destination tables as they are' };
  }
  const present = tables.filter((t) => existing.has(t.target.database, t.target.table));
  const owned = present.filter((t) => ownedTables.has(targetLabel(t).toLowerCase()));
  const conflicts = present.filter((t) => !ownedTables.has(targetLabel(t).toLowerCase())).map(targetLabel);
  const ownedNote = owned.length > 0 ? ` (${plural(owned.length, 'table')} created by an earlier run of this task)` : '';
  if (conflicts.length === 0) {
    return { status: 'passed', reason: `none of the ${plural(tables.length, 'destination table')} exists yet${ownedNote}` };
  }
  const which = `${plural(conflicts.length, 'destination table')} already exist${conflicts.length === 1 ? 's' : ''}: ${listNames(conflicts)}`;
  if (task.sync.conflictMode === 'ignore-and-proceed') {
    return {
      status: 'warning',
      reason: `${which}; with conflictMode ignore-and-proceed the full load keeps their rows whose keys match source rows, incremental changes overwrite them, and a different schema can make the load fail`,
      fix: 'make sure their columns and keys match the source, or drop them so schema synchronization creates them',
      objects: conflicts,
    };
  }
  return {
    status: 'failed',
    reason: `${which} (conflictMode precheck-and-report)`,
    fix: 'drop or rename them in the destination, map the objects to other names with "as", or set sync.conflictMode: ignore-and-proceed to write into them',
    objects: conflicts,
  };
}

/** Unique keys of destination tables (destination names, in key order): `db.table` → index name → columns. */
export type DestinationUniqueKeys = ReadonlyMap<string, ReadonlyMap<string, readonly string[]>>;

async function readUniqueKeys(conn: Connection, databases: readonly string[]): Promise<DestinationUniqueKeys> {
  const [rows] = await conn.query<Row[]>(
    'SELECT TABLE_SCHEMA db, TABLE_NAME t, INDEX_NAME i, COLUMN_NAME c FROM information_schema.STATISTICS WHERE NON_UNIQUE = 0 AND TABLE_SCHEMA IN (?) ORDER BY TABLE_SCHEMA, TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX',
    [databases],
  );
  const out = new Map<string, Map<string, string[]>>();
  for (const r of rows) {
    const table = `${text(r.db)}.${text(r.t)}`.toLowerCase();
    const keys = out.get(table) ?? out.set(table, new Map()).get(table)!;
    const columns = keys.get(text(r.i)) ?? keys.set(text(r.i), []).get(text(r.i))!;
    columns.push(text(r.c).toLowerCase());
  }
  return out;
}

/**
 * A unique key the destination table has and the source does not can refuse rows the source holds
 * (two source rows with one value there): the change is then set aside or stops the task (sync.dirtyData).
 */
export function uniqueKeysVerdict(tables: readonly TableMapping[], destinationKeys: DestinationUniqueKeys): Verdict {
  const extra: string[] = [];
  for (const t of tables) {
    const there = destinationKeys.get(targetLabel(t).toLowerCase());
    if (!there) continue;
    const targetOf = new Map(t.columns.map((c) => [c.source.name, c.target.toLowerCase()]));
    const source = new Set(t.source.indexes.filter((i) => i.unique).map((i) => i.columns.map((c) => targetOf.get(c.name) ?? c.name.toLowerCase()).join('\0')));
    for (const [name, columns] of there) if (!source.has(columns.join('\0'))) extra.push(`${targetLabel(t)} (${name})`);
  }
  if (extra.length === 0) return { status: 'passed', reason: 'no existing destination table has a unique key the source table lacks' };
  return {
    status: 'warning',
    reason: `unique keys only the destination has can refuse rows the source holds (the change is then set aside or stops the task, as sync.dirtyData says): ${listNames(extra, 6)}`,
    fix: 'drop those keys in the destination, or add them on the source, so both hold the same rows',
    objects: extra,
  };
}

/** Character sets in which a character outside the BMP (emoji, rare CJK) can be stored. */
const FOUR_BYTE_CHARSETS = new Set(['utf8mb4', 'utf16', 'utf16le', 'utf32']);

/**
 * SQL condition true for a value holding a 4-byte character: in utf8mb3 each becomes a 1-byte "?".
 * The utf8mb3 side converts the utf8mb4 side rather than the column: MariaDB 10.11 takes
 * LENGTH(CONVERT(c USING utf8mb4)) <> LENGTH(CONVERT(c USING utf8mb3)) for an always-false comparison.
 */
export function fourByteCondition(column: string): string {
  const asUtf8mb4 = `CONVERT(${quoteIdent(column)} USING utf8mb4)`;
  return `OCTET_LENGTH(${asUtf8mb4}) <> OCTET_LENGTH(CONVERT(${asUtf8mb4} USING utf8mb3))`;
}

async function charsetCheck(conn: Connection, task: Task, tables: readonly TableMapping[], existing: ExistingTables, context: DestinationCheckContext, charsetServer: string | undefined): Promise<Verdict> {
  const problems: Array<{ status: 'failed' | 'warning'; text: string; object: string }> = [];
  const fixes = new Set<string>();

  const present = tables.filter((t) => existing.has(t.target.database, t.target.table));
  if (present.length > 0) {
    const dbs = [...new Set(present.map((t) => t.target.database))];
    const [rows] = await conn.query<Row[]>(
      'SELECT TABLE_SCHEMA db, TABLE_NAME t, COLUMN_NAME c, CHARACTER_SET_NAME cs FROM information_schema.COLUMNS WHERE TABLE_SCHEMA IN (?) AND CHARACTER_SET_NAME IS NOT NULL',
      [dbs],
    );
    const destCharset = new Map(rows.map((r) => [`${text(r.db)}\0${text(r.t)}\0${text(r.c)}`.toLowerCase(), text(r.cs).toLowerCase()]));
    for (const t of present) {
      for (const col of t.columns) {
        const srcCs = col.source.charset?.toLowerCase();
        const dstCs = destCharset.get(`${t.target.database}\0${t.target.table}\0${col.target}`.toLowerCase());
        if (!srcCs || !FOUR_BYTE_CHARSETS.has(srcCs) || !dstCs || FOUR_BYTE_CHARSETS.has(dstCs) || col.source.generated) continue;
        const where = `${targetLabel(t)}.${col.target} (${dstCs})`;
        fixes.add(`ALTER TABLE ${qualified(t.target.database, t.target.table)} CONVERT TO CHARACTER SET utf8mb4;`);
        const found = context.source
          ? (await context.source.query<Row[]>(`SELECT 1 AS found FROM ${qualified(t.source.database, t.source.name)} WHERE ${fourByteCondition(col.source.name)} LIMIT 1`))[0].length > 0
          : undefined;
        if (found && task.sync.types.has('full')) {
          problems.push({ status: 'failed', text: `${where} cannot store the 4-byte characters (e.g. emoji) that source column ${t.source.database}.${t.source.name}.${col.source.name} holds`, object: `${targetLabel(t)}.${col.target}` });
        } else {
          problems.push({ status: 'warning', text: `${where} is not utf8mb4, so a 4-byte character (e.g. emoji) written later to ${t.source.database}.${t.source.name}.${col.source.name} (${srcCs}) would be rejected`, object: `${targetLabel(t)}.${col.target}` });
        }
      }
    }
  }

  const creates = task.sync.types.has('schema') ? targetDatabases(task).filter((d) => !existing.databases.has(d.name) && !existing.databases.has(d.name.toLowerCase())) : [];
  if (creates.length > 0 && charsetServer !== undefined && charsetServer.toLowerCase() !== 'utf8mb4') {
    problems.push({
      status: 'warning',
      text: `character_set_server is ${charsetServer} and schema synchronization will create database ${listNames(creates.map((d) => d.name))}`,
      object: creates.map((d) => d.name).join(', '),
    });
    fixes.add("set character_set_server = utf8mb4 on the destination (my.cnf, or the RDS instance's parameters)");
  }

  if (problems.length === 0) {
    return {
      status: 'passed',
      reason: present.length === 0 ? 'every destination table will be created by schema synchronization with the source character sets' : 'the text columns of existing destination tables can store what the source columns hold',
    };
  }
  const failed = problems.filter((p) => p.status === 'failed');
  return {
    status: failed.length > 0 ? 'failed' : 'warning',
    reason: listNames((failed.length > 0 ? failed : problems).map((p) => p.text), 3),
    fix: [...fixes].join(' '),
    objects: problems.map((p) => p.object),
  };
}

/** Items 14–18. Name conflicts and character sets need the resolved objects and are left out without them. */
export async function destinationChecks(conn: Connection, task: Task, context: DestinationCheckContext): Promise<CheckResult[]> {
  let vars: Map<string, string> | undefined;
  const variables = async () => (vars ??= await readGlobalVariables(conn, ['lower_case_table_names', 'character_set_server', 'max_allowed_packet', 'local_infile']));
  const caseInsensitive = async () => Number((await variables()).get('lower_case_table_names') ?? 0) !== 0;
  let existing: ExistingTables | undefined;
  const existingTables = async () => (existing ??= await readExisting(conn, targetDatabases(task).map((d) => d.name), await caseInsensitive()));

  const items: CheckResult[] = [];
  items.push(
    await guarded(DESTINATION_ITEMS.privileges, async () => {
      const { grants, account, unreadRoles } = await readAccountGrants(conn);
      const missing = describeMissing(missingPrivileges(grants, destinationNeed(task), await caseInsensitive()), account);
      const roleNote = unreadRoles.length > 0 ? ` (privileges of role ${unreadRoles.join(', ')} could not be read)` : '';
      if (missing) {
        const ex = await existingTables();
        const absent = targetDatabases(task).filter((d) => !ex.databases.has(d.name) && !ex.databases.has(d.name.toLowerCase())).map((d) => d.name);
        const note = absent.length > 0 ? `; database ${listNames(absent)} does not exist yet, and creating it needs CREATE globally or on that name` : '';
        return { status: 'failed', reason: missing.reason + note + roleNote, fix: missing.fix, objects: missing.objects };
      }
      return { status: 'passed', reason: `the account has the privileges needed on ${listNames(targetDatabases(task).map((d) => d.name))}` };
    }),
  );
  const mapping = context.mapping;
  if (mapping) {
    const tables = mapping.flatMap((d) => d.tables);
    items.push(await guarded(DESTINATION_ITEMS.nameConflicts, async () => nameConflictsVerdict(task, tables, await existingTables(), context.ownedTables)));
    items.push(await guarded(DESTINATION_ITEMS.uniqueKeys, async () => uniqueKeysVerdict(tables, await readUniqueKeys(conn, targetDatabases(task).map((d) => d.name)))));
    items.push(
      await guarded(DESTINATION_ITEMS.charset, async () => charsetCheck(conn, task, tables, await existingTables(), context, (await variables()).get('character_set_server'))),
    );
  }
  items.push(
    await guarded(DESTINATION_ITEMS.maxAllowedPacket, async () =>
      maxAllowedPacketVerdict(Number((await variables()).get('max_allowed_packet') ?? 0), task.advanced.fullLoad.batchBytes),
    ),
  );
  items.push(
    await guarded(DESTINATION_ITEMS.localInfile, async () => {
      const v = String((await variables()).get('local_infile') ?? '').toUpperCase();
      return localInfileVerdict(v === 'ON' || v === '1', task);
    }),
  );
  return items;
}
