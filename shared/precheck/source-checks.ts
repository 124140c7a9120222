/**
 * Precheck items about a MySQL-family source: the account's privileges, the binlog settings the
 * reader relies on, and the selected tables (keys, names, invisible columns, cascading foreign keys).
 * Also the account-privilege reading (SHOW GRANTS) that the destination items reuse.
 */
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { quoteIdent, quoteString } from '../mysql/identifier.ts';
import type { DatabaseMapping, TableMapping } from '../task/object-mapper.ts';
import type { SourceType, Task } from '../task/task.ts';
import { isMysqlReservedWord } from './mysql-reserved-words.ts';
import type { CheckResult, CheckStatus } from './check-result.ts';
import { binlogFeaturesVerdict, switchoverVerdict } from './binlog-features.ts';
import { isOn, settingFix } from './source-settings.ts';
import { hasOtherUniqueKeys } from '../mysql/catalog.ts';

/** What a check concluded, before it is labelled with the item's id, name and side. */
export interface Verdict {
  readonly status: CheckStatus;
  readonly reason: string;
  readonly fix?: string;
  readonly objects?: readonly string[];
}

export interface ItemMeta {
  readonly id: string;
  readonly name: string;
  readonly side: CheckResult['side'];
}

export function toItem(meta: ItemMeta, v: Verdict): CheckResult {
  return {
    ...meta,
    status: v.status,
    reason: v.reason,
    ...(v.fix !== undefined ? { fix: v.fix } : {}),
    ...(v.objects !== undefined && v.objects.length > 0 ? { objects: v.objects } : {}),
  };
}

/**
 * Runs one check; a query that fails (lost connection, no access) becomes a failed item, never a throw.
 * `onError` words that failure for other servers (the default speaks of SHOW statements and information_schema).
 */
export async function guarded(meta: ItemMeta, run: () => Promise<Verdict> | Verdict, onError?: (e: unknown) => Verdict): Promise<CheckResult> {
  try {
    return toItem(meta, await run());
  } catch (e) {
    if (onError) return toItem(meta, onError(e));
    const err = e as { sqlMessage?: string; message?: string };
    return toItem(meta, {
      status: 'failed',
      reason: `could not be checked: ${err.sqlMessage ?? err.message ?? String(e)}`,
      fix: 'make sure the account can run SHOW statements and read information_schema, then run the precheck again',
    });
  }
}

/** "a, b, c and 4 more": reasons stay one line however many objects there are. */
export function listNames(names: readonly string[], max = 10): string {
  if (names.length <= max) return names.join(', ');
  return `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

type Row = RowDataPacket & Record<string, unknown>;
const text = (v: unknown): string => (v === null || v === undefined ? '' : Buffer.isBuffer(v) ? v.toString('utf8') : String(v));

/** Global variables by lower-case name; one the server does not have is absent from the map. */
export async function readGlobalVariables(conn: Connection, names: readonly string[]): Promise<Map<string, string>> {
  const [rows] = await conn.query<Row[]>('SHOW GLOBAL VARIABLES WHERE Variable_name IN (?)', [names]);
  return new Map(rows.map((r) => [text(r.Variable_name).toLowerCase(), text(r.Value)]));
}

// ---------------------------------------------------------------------------------------------
// Account privileges (SHOW GRANTS)

export interface Grant {
  readonly revoke: boolean;
  /** Upper-case names, aliases folded (BINLOG MONITOR → REPLICATION CLIENT), ALL for ALL PRIVILEGES; column-level privileges left out. */
  readonly privileges: ReadonlySet<string>;
  /** null: every database (`*.*`); otherwise a database name, a LIKE pattern for database-level grants. */
  readonly database: string | null;
  /** null: the whole database (or all); otherwise the table the grant is on. */
  readonly table: string | null;
}

export type GrantLine = { readonly grant: Grant } | { readonly roles: readonly string[] } | undefined;

const PRIVILEGE_ALIASES: Readonly<Record<string, string>> = {
  'ALL PRIVILEGES': 'ALL',
  // MariaDB 10.5+ renamed REPLICATION CLIENT; SHOW GRANTS shows the new name.
  'BINLOG MONITOR': 'REPLICATION CLIENT',
};

/** Splits at `sep` (a regex matched at each position) outside quotes and parentheses. */
function splitTopLevel(s: string, sep: RegExp): { parts: string[]; separators: string[] } {
  const parts: string[] = [];
  const separators: string[] = [];
  let quote = '';
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote) {
      if (c === '\\' && quote !== '`') i++;
      else if (c === quote) quote = '';
      continue;
    }
    if (c === '`' || c === "'" || c === '"') quote = c;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (depth === 0) {
      sep.lastIndex = i;
      const m = sep.exec(s);
      if (m && m.index === i) {
        parts.push(s.slice(start, i));
        separators.push(m[0]);
        i += m[0].length - 1;
        start = i + 1;
      }
    }
  }
  parts.push(s.slice(start));
  return { parts, separators };
}

/** One identifier of a grant's object: `quoted` (`` doubled) or bare; the rest of the text after it. */
function readIdent(s: string): { name: string; rest: string } | undefined {
  if (s.startsWith('`')) {
    let name = '';
    for (let i = 1; i < s.length; i++) {
      if (s[i] === '`') {
        if (s[i + 1] === '`') {
          name += '`';
          i++;
        } else {
          return { name, rest: s.slice(i + 1) };
        }
      } else {
        name += s[i];
      }
    }
    return undefined;
  }
  const m = /^[^.\s]+/.exec(s);
  return m ? { name: m[0], rest: s.slice(m[0].length) } : undefined;
}

/** Parses one line of SHOW GRANTS. Routine, proxy and unrecognized grants give undefined. */
export function parseGrantLine(line: string): GrantLine {
  const head = /^\s*(GRANT|REVOKE)\s+/i.exec(line);
  if (!head) return undefined;
  const revoke = head[1]!.toUpperCase() === 'REVOKE';
  const body = line.slice(head[0].length);
  const { parts, separators } = splitTopLevel(body, /\s+(?:ON|TO|FROM)\s+/giy);
  const first = separators[0]?.trim().toUpperCase();
  if (first === 'TO' || first === 'FROM') {
    // A role grant: GRANT `role`[@`host`], ... TO user
    const roles = splitTopLevel(parts[0]!, /\s*,\s*/gy).parts.map((r) => r.trim()).filter(Boolean);
    return revoke ? undefined : { roles };
  }
  if (first !== 'ON' || parts.length < 3) return undefined;
  const privileges = new Set<string>();
  for (const p of splitTopLevel(parts[0]!, /\s*,\s*/gy).parts) {
    if (p.includes('(')) continue; // column-level: not a privilege on the whole table
    const name = p.trim().replace(/\s+/g, ' ').toUpperCase();
    if (name) privileges.add(PRIVILEGE_ALIASES[name] ?? name);
  }
  let object = parts[1]!.trim();
  if (/^TABLE\s+/i.test(object)) object = object.replace(/^TABLE\s+/i, '');
  else if (/^(FUNCTION|PROCEDURE|PACKAGE)\s/i.test(object)) return undefined;
  if (object === '*.*') return { grant: { revoke, privileges, database: null, table: null } };
  const db = readIdent(object);
  if (!db || !db.rest.startsWith('.')) return undefined; // `*` alone (the default database) or a proxy grant
  const rest = db.rest.slice(1);
  if (rest === '*') return { grant: { revoke, privileges, database: db.name, table: null } };
  const table = readIdent(rest);
  if (!table || table.rest.trim() !== '') return undefined;
  return { grant: { revoke, privileges, database: db.name, table: table.name } };
}

/** Whether a database-level grant's LIKE pattern (`_`, `%`, `\` escapes) covers `name`. */
export function grantPatternMatches(pattern: string, name: string, caseInsensitive: boolean): boolean {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) re += escapeRegExp(pattern[++i]!);
    else if (c === '_') re += '.';
    else if (c === '%') re += '.*';
    else re += escapeRegExp(c);
  }
  return new RegExp(`^${re}$`, caseInsensitive ? 'isu' : 'su').test(name);
}

function escapeRegExp(c: string): string {
  return c.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
}

/** The name as a database in a GRANT statement: `_` and `%` escaped so the grant is for it alone. */
export function grantDatabase(name: string): string {
  return quoteIdent(name.replace(/[\\_%]/g, '\\$&'));
}

export interface PrivilegeTarget {
  /** Absent: the privilege must be global (`ON *.*`). */
  readonly database?: string;
  /** A table-level grant on this table also counts. */
  readonly table?: string;
}

export function holdsPrivilege(grants: readonly Grant[], privilege: string, on: PrivilegeTarget, caseInsensitive: boolean): boolean {
  const covers = (g: Grant) => g.privileges.has(privilege) || g.privileges.has('ALL');
  const same = (a: string, b: string) => (caseInsensitive ? a.toLowerCase() === b.toLowerCase() : a === b);
  const granted = grants.filter((g) => !g.revoke && covers(g));
  if (on.database === undefined) return granted.some((g) => g.database === null);
  const db = on.database;
  // MySQL 8 partial revokes: REVOKE ... ON db.* takes a global privilege away for that database.
  const partiallyRevoked = grants.some((g) => g.revoke && g.table === null && g.database !== null && same(g.database, db) && covers(g));
  if (!partiallyRevoked && granted.some((g) => g.database === null)) return true;
  if (granted.some((g) => g.database !== null && g.table === null && grantPatternMatches(g.database, db, caseInsensitive))) return true;
  const table = on.table;
  return table !== undefined && granted.some((g) => g.database !== null && g.table !== null && same(g.database, db) && same(g.table, table));
}

export interface AccountGrants {
  readonly grants: readonly Grant[];
  /** The account as a GRANT statement names it, e.g. 'dts'@'%'. */
  readonly account: string;
  /** Roles granted to the account whose privileges could not be read. */
  readonly unreadRoles: readonly string[];
}

const ROLE_SPEC = /^(`(?:[^`]|``)*`|'(?:[^'\\]|\\.)*')(@(`(?:[^`]|``)*`|'(?:[^'\\]|\\.)*'))?$/;

/** The current account's grants, with those of the roles granted to it (assumed active, as default roles are). */
export async function readAccountGrants(conn: Connection): Promise<AccountGrants> {
  const [[who]] = await conn.query<Row[]>('SELECT CURRENT_USER() AS u');
  const current = text(who?.u);
  const at = current.lastIndexOf('@');
  const account = at < 0 ? quoteString(current) : `${quoteString(current.slice(0, at))}@${quoteString(current.slice(at + 1))}`;
  const grants: Grant[] = [];
  const unreadRoles: string[] = [];
  const seen = new Set<string>();
  const pending: Array<string | undefined> = [undefined];
  while (pending.length > 0 && seen.size < 50) {
    const role = pending.shift();
    let rows: Row[];
    try {
      [rows] = await conn.query<Row[]>(role === undefined ? 'SHOW GRANTS' : `SHOW GRANTS FOR ${role}`);
    } catch (e) {
      if (role === undefined) throw e;
      unreadRoles.push(role);
      continue;
    }
    for (const r of rows) {
      const parsed = parseGrantLine(text(Object.values(r)[0]));
      if (parsed && 'grant' in parsed) grants.push(parsed.grant);
      else if (parsed) {
        for (const g of parsed.roles) {
          if (!seen.has(g) && ROLE_SPEC.test(g)) {
            seen.add(g);
            pending.push(g);
          }
        }
      }
    }
  }
  return { grants, account, unreadRoles };
}

/** Privileges the account lacks: global ones, and per database (with the tables that may be granted instead). */
export interface PrivilegeNeed {
  readonly global: readonly string[];
  readonly databases: ReadonlyArray<{ readonly name: string; readonly privileges: readonly string[]; readonly tables?: readonly string[] }>;
}

export interface MissingPrivileges {
  readonly global: readonly string[];
  readonly databases: ReadonlyArray<{ readonly name: string; readonly privileges: readonly string[] }>;
}

export function missingPrivileges(grants: readonly Grant[], need: PrivilegeNeed, caseInsensitive: boolean): MissingPrivileges {
  const global = need.global.filter((p) => !holdsPrivilege(grants, p, {}, caseInsensitive));
  const databases = need.databases
    .map((d) => ({
      name: d.name,
      privileges: d.privileges.filter((p) => {
        if (holdsPrivilege(grants, p, { database: d.name }, caseInsensitive)) return false;
        // Selected tables: a grant on each of them is enough.
        return !(d.tables && d.tables.length > 0 && d.tables.every((t) => holdsPrivilege(grants, p, { database: d.name, table: t }, caseInsensitive)));
      }),
    }))
    .filter((d) => d.privileges.length > 0);
  return { global, databases };
}

/** "missing X (global), Y on db" and the GRANT statements that fix it. */
export function describeMissing(missing: MissingPrivileges, account: string): { reason: string; fix: string; objects: string[] } | undefined {
  if (missing.global.length === 0 && missing.databases.length === 0) return undefined;
  const objects = [
    ...missing.global.map((p) => `${p} ON *.*`),
    ...missing.databases.flatMap((d) => d.privileges.map((p) => `${p} ON ${d.name}`)),
  ];
  const parts = [
    ...(missing.global.length > 0 ? [`${missing.global.join(', ')} (global)`] : []),
    ...missing.databases.map((d) => `${d.privileges.join(', ')} on database ${d.name}`),
  ];
  const statements = [
    ...(missing.global.length > 0 ? [`GRANT ${missing.global.join(', ')} ON *.* TO ${account};`] : []),
    ...missing.databases.map((d) => `GRANT ${d.privileges.join(', ')} ON ${grantDatabase(d.name)}.* TO ${account};`),
  ];
  return { reason: `the account lacks ${listNames(parts, 6)}`, fix: `run as an administrator: ${statements.join(' ')}`, objects };
}

// ---------------------------------------------------------------------------------------------
// Source server settings

export const SOURCE_VARIABLES = [
  'log_bin',
  'binlog_format',
  'binlog_row_image',
  'binlog_row_metadata',
  'binlog_expire_logs_seconds',
  'binlog_expire_logs_auto_purge',
  'expire_logs_days',
  'expire_logs_hours',
  'log_slave_updates',
  'log_replica_updates',
  'lower_case_table_names',
  'binlog_transaction_compression',
  'binlog_row_value_options',
  'binlog_checksum',
  'log_bin_compress',
  'gtid_mode',
  'gtid_binlog_pos',
] as const;

export const SOURCE_ITEMS = {
  privileges: { id: 'source-privileges', name: 'Source account privileges', side: 'source' },
  binlog: { id: 'source-binlog', name: 'Source binary log settings', side: 'source' },
  rowMetadata: { id: 'source-binlog-row-metadata', name: 'Source binlog row metadata', side: 'source' },
  binlogFeatures: { id: 'source-binlog-features', name: 'Source binlog features', side: 'source' },
  switchover: { id: 'source-switchover', name: 'Source switchover (GTID)', side: 'source' },
  retention: { id: 'source-binlog-retention', name: 'Source binlog retention', side: 'source' },
  logSlaveUpdates: { id: 'source-log-slave-updates', name: 'Source log_slave_updates', side: 'source' },
  primaryKeys: { id: 'source-primary-keys', name: 'Primary keys of selected tables', side: 'source' },
  uniqueKeys: { id: 'source-unique-keys', name: 'Unique keys beside the primary key', side: 'source' },
  objectNames: { id: 'source-object-names', name: 'PolarDB-X table names', side: 'source' },
  invisibleColumns: { id: 'source-invisible-columns', name: 'Invisible columns', side: 'source' },
  tableLimit: { id: 'task-table-limit', name: 'Tables selected one by one per task', side: 'task' },
  fkCascade: { id: 'source-fk-cascade', name: 'Cascading foreign keys', side: 'source' },
} as const satisfies Record<string, ItemMeta>;

export function binlogVerdict(vars: ReadonlyMap<string, string>, type: SourceType): Verdict {
  const problems: string[] = [];
  const fixes: string[] = [];
  if (!isOn(vars.get('log_bin'))) {
    problems.push('binary logging is off (log_bin = OFF)');
    fixes.push(
      type === 'polardb-mysql'
        ? "turn binary logging on: set loose_polar_log_bin = ON in the cluster's parameters (PolarDB console → Parameters) and restart the cluster"
        : type === 'polardb-x'
          ? 'turn on the global binlog of the PolarDB-X instance (it is on by default)'
          : 'add log_bin = mysql-bin and a unique server_id under [mysqld] in my.cnf and restart the server (log_bin cannot be turned on at runtime)',
    );
  }
  const format = vars.get('binlog_format');
  if (format !== undefined && format.toUpperCase() !== 'ROW') {
    problems.push(`binlog_format is ${format}, not ROW`);
    fixes.push(`${settingFix(type, 'binlog_format', 'ROW')}; connections opened before the change keep the old format, so reconnect the applications`);
  }
  const image = vars.get('binlog_row_image');
  if (image !== undefined && image.toUpperCase() !== 'FULL') {
    problems.push(`binlog_row_image is ${image}, not FULL (updates and deletes must carry the whole row)`);
    fixes.push(settingFix(type, 'binlog_row_image', 'FULL'));
  }
  if (problems.length > 0) return { status: 'failed', reason: problems.join('; '), fix: fixes.join('; ') };
  return { status: 'passed', reason: `log_bin ON, binlog_format ${format ?? 'ROW'}, binlog_row_image ${image ?? 'FULL'}` };
}

export function rowMetadataVerdict(value: string | undefined, type: SourceType): Verdict {
  if (value !== undefined && value.toUpperCase() === 'FULL') return { status: 'passed', reason: 'binlog_row_metadata is FULL' };
  const what = value === undefined
    ? `the server has no binlog_row_metadata (MySQL before 8.0.1, MariaDB before 10.5${type === 'polardb-x' ? ', the PolarDB-X global binlog' : ''})`
    : `binlog_row_metadata is ${value}, not FULL`;
  return {
    status: 'warning',
    reason: `${what}: row events carry no column names; fc-dts decodes them with its schema history (the tables' definitions from the snapshot on, moved by each DDL in the binlog), and stops at a DDL it cannot follow`,
    fix: value === undefined
      ? type === 'polardb-x'
        ? 'nothing to change; run no DDL fc-dts cannot follow on the selected tables (docs/schema-history.md)'
        : 'where the server has binlog_row_metadata (MySQL 8.0.1+, MariaDB 10.5+), set it to FULL: the TABLE_MAP events then name the columns themselves'
      : settingFix(type, 'binlog_row_metadata', 'FULL'),
  };
}

const DAY = 86_400;

/** Seconds binlogs are kept; 0 means they are never purged automatically. */
export function effectiveRetentionSeconds(vars: ReadonlyMap<string, string>): number {
  const num = (k: string) => {
    const n = Number(vars.get(k) ?? 0);
    return Number.isFinite(n) && n > 0 ? n : 0;
  };
  if (vars.has('binlog_expire_logs_auto_purge') && !isOn(vars.get('binlog_expire_logs_auto_purge'))) return 0;
  // MySQL 8 and MariaDB 10.6+: binlog_expire_logs_seconds wins when set; expire_logs_days otherwise.
  if (num('binlog_expire_logs_seconds') > 0) return num('binlog_expire_logs_seconds');
  if (num('expire_logs_days') > 0) return Math.round(num('expire_logs_days') * DAY);
  // PolarDB for MySQL keeps binlogs for loose_expire_logs_hours.
  if (num('expire_logs_hours') > 0) return num('expire_logs_hours') * 3600;
  return 0;
}

function duration(seconds: number): string {
  if (seconds % DAY === 0) return plural(seconds / DAY, 'day');
  if (seconds % 3600 === 0) return plural(seconds / 3600, 'hour');
  return `${(seconds / 3600).toFixed(1)} hours`;
}

/**
 * Binlogs must outlive the longest time the reader may need them: 7 days when a full load runs
 * first, 24 hours for incremental only (references 002 and 003).
 */
export function retentionVerdict(seconds: number, needFull: boolean, type: SourceType = 'mysql'): Verdict {
  const required = needFull ? 7 * DAY : DAY;
  const why = needFull ? 'full and incremental synchronization needs at least 7 days' : 'incremental synchronization needs at least 24 hours';
  if (seconds === 0) return { status: 'passed', reason: 'binlogs are never purged automatically (no expiry set)' };
  if (seconds >= required) return { status: 'passed', reason: `binlogs are kept ${duration(seconds)}; ${why}` };
  const fix =
    type === 'polardb-mysql'
      ? `set loose_expire_logs_hours to at least ${required / 3600} in the cluster's parameters`
      : type === 'polardb-x'
        ? `keep binlogs at least ${duration(required)} in the PolarDB-X instance's binlog settings`
        : `SET GLOBAL binlog_expire_logs_seconds = ${required}; (MySQL 5.7, MariaDB before 10.6: SET GLOBAL expire_logs_days = ${required / DAY};) and the same in my.cnf; on RDS MySQL raise the binlog retention in the instance's log settings`;
  return {
    status: 'warning',
    reason: `binlogs are kept only ${duration(seconds)}; ${why}, or the reader may find the binlog it needs purged after a pause or a long full load`,
    fix,
  };
}

/** A replica must write what it replicates to its own binlog, or those changes never reach fc-dts (reference 003). */
export function logSlaveUpdatesVerdict(isReplica: boolean | undefined, logSlaveUpdates: boolean): Verdict {
  const fix = 'put log_slave_updates = ON (log_replica_updates on MySQL 8.0.26+) under [mysqld] in my.cnf and restart the server (it cannot be changed at runtime)';
  if (isReplica === true && !logSlaveUpdates) {
    return { status: 'failed', reason: 'the source is a replica and log_slave_updates is OFF: changes it replicates from its primary are not in its binlog', fix };
  }
  if (isReplica === true) return { status: 'passed', reason: 'the source is a replica and log_slave_updates is ON' };
  if (logSlaveUpdates) return { status: 'passed', reason: 'log_slave_updates is ON' };
  if (isReplica === false) return { status: 'passed', reason: 'the source is not a replica, so log_slave_updates is not needed' };
  return {
    status: 'warning',
    reason: 'could not tell whether the source is a replica (SHOW REPLICA STATUS was refused) and log_slave_updates is OFF',
    fix: `if the source replicates from another server (including a dual-primary pair), ${fix}; otherwise nothing is needed`,
  };
}

/** true/false when the server said; undefined when neither statement is allowed. */
async function isReplica(conn: Connection): Promise<boolean | undefined> {
  let answered = false;
  for (const sql of ['SHOW REPLICA STATUS', 'SHOW SLAVE STATUS']) {
    try {
      const [rows] = await conn.query<Row[]>(sql);
      if (rows.length > 0) return true;
      answered = true;
    } catch {
      // not supported by this server version, or not allowed
    }
  }
  if (answered) return false;
  try {
    // MariaDB: the number of running replication connections, readable without privileges.
    const [rows] = await conn.query<Row[]>("SHOW GLOBAL STATUS LIKE 'Slaves_running'");
    if (rows[0]) return Number(text(rows[0].Value)) > 0;
  } catch {
    // fall through
  }
  return undefined;
}

function sourceNeed(task: Task): PrivilegeNeed {
  return {
    global: ['REPLICATION SLAVE', 'REPLICATION CLIENT'],
    databases: task.objects.map((o) => ({
      name: o.database,
      privileges: ['SELECT', 'SHOW VIEW'],
      ...(o.tables ? { tables: o.tables.map((t) => t.name) } : {}),
    })),
  };
}

/** Items 2–6: privileges and binlog settings; they need only the connection and the task. */
export async function sourceServerChecks(conn: Connection, task: Task): Promise<CheckResult[]> {
  const type = task.source.type;
  let vars: Map<string, string> | undefined;
  const variables = async () => (vars ??= await readGlobalVariables(conn, SOURCE_VARIABLES));
  const items: CheckResult[] = [];
  items.push(
    await guarded(SOURCE_ITEMS.privileges, async () => {
      const ci = Number((await variables()).get('lower_case_table_names') ?? 0) !== 0;
      const { grants, account, unreadRoles } = await readAccountGrants(conn);
      const missing = describeMissing(missingPrivileges(grants, sourceNeed(task), ci), account);
      const roleNote = unreadRoles.length > 0 ? ` (privileges of role ${unreadRoles.join(', ')} could not be read)` : '';
      if (missing) return { status: 'failed', reason: missing.reason + roleNote, fix: missing.fix, objects: missing.objects };
      return { status: 'passed', reason: `REPLICATION SLAVE, REPLICATION CLIENT, and SELECT and SHOW VIEW on ${listNames(task.objects.map((o) => o.database))}` };
    }),
  );
  items.push(await guarded(SOURCE_ITEMS.binlog, async () => binlogVerdict(await variables(), type)));
  items.push(await guarded(SOURCE_ITEMS.rowMetadata, async () => rowMetadataVerdict((await variables()).get('binlog_row_metadata'), type)));
  items.push(await guarded(SOURCE_ITEMS.binlogFeatures, async () => binlogFeaturesVerdict(await variables(), type)));
  items.push(await guarded(SOURCE_ITEMS.switchover, async () => switchoverVerdict(await variables(), type)));
  items.push(
    await guarded(SOURCE_ITEMS.retention, async () => retentionVerdict(effectiveRetentionSeconds(await variables()), task.sync.types.has('full'), type)),
  );
  items.push(
    await guarded(SOURCE_ITEMS.logSlaveUpdates, async () => {
      const v = await variables();
      return logSlaveUpdatesVerdict(await isReplica(conn), isOn(v.get('log_slave_updates') ?? v.get('log_replica_updates')));
    }),
  );
  return items;
}

// ---------------------------------------------------------------------------------------------
// Selected tables

const label = (t: TableMapping) => `${t.source.database}.${t.source.name}`;

export function primaryKeysVerdict(tables: readonly TableMapping[]): Verdict {
  const keyless = tables.filter((t) => t.key.length === 0).map(label);
  if (keyless.length === 0) return { status: 'passed', reason: `all ${plural(tables.length, 'selected table')} have a primary key or a NOT NULL unique key` };
  return {
    status: 'failed',
    reason: `${plural(keyless.length, 'table')} without a PRIMARY KEY or NOT NULL UNIQUE key (rows cannot be identified, the destination could get duplicates): ${listNames(keyless)}`,
    fix: 'add a primary key to each (ALTER TABLE ... ADD PRIMARY KEY (...)), or remove them from objects',
    objects: keyless,
  };
}

/**
 * Tables with unique keys beside their key: in a destination that enforces them, their changes apply
 * in binlog order in one bucket per table (docs/architecture.md §3.13); elsewhere like any table.
 */
export function uniqueKeysVerdict(tables: readonly TableMapping[], enforced: boolean): Verdict {
  const keyed = tables.filter((t) => t.key.length > 0 && hasOtherUniqueKeys(t.source.indexes, t.key)).map(label);
  if (keyed.length === 0) return { status: 'passed', reason: 'no selected table has a unique key beside its primary key' };
  const how = enforced
    ? 'their changes apply in binlog order, one bucket per table, each touching only the row its key names (values swapped or moved between rows apply as on the source); the other tables stay parallel'
    : 'the destination has no unique keys but the primary key, so they apply in parallel like the other tables';
  return { status: 'passed', reason: `${plural(keyed.length, 'table')} with unique keys beside the primary key (${listNames(keyed, 6)}): ${how}`, objects: keyed };
}

function example(tables: readonly TableMapping[], which: string): string {
  const t = tables.find((x) => label(x) === which)!.source;
  return `${quoteIdent(t.database)}.${quoteIdent(t.name)} TO ${quoteIdent(t.database)}.${quoteIdent(`${t.name.toLowerCase()}_t`)}`;
}

/** PolarDB-X sources: reserved-word table names are unsupported, upper-case ones only get schema sync (reference 000). */
export function objectNamesVerdict(tables: readonly TableMapping[]): Verdict {
  const reserved = tables.filter((t) => isMysqlReservedWord(t.source.name)).map(label);
  const upper = tables.filter((t) => t.source.name !== t.source.name.toLowerCase() && !isMysqlReservedWord(t.source.name)).map(label);
  if (reserved.length > 0) {
    return {
      status: 'failed',
      reason: `PolarDB-X tables named by MySQL reserved words are not supported: ${listNames(reserved)}${upper.length > 0 ? `; also upper-case names (schema synchronization only): ${listNames(upper)}` : ''}`,
      fix: `rename them on the source (e.g. RENAME TABLE ${example(tables, reserved[0]!)}) or remove them from objects`,
      objects: [...reserved, ...upper],
    };
  }
  if (upper.length > 0) {
    return {
      status: 'warning',
      reason: `PolarDB-X tables whose names have upper-case letters: only schema synchronization is supported for such tables: ${listNames(upper)}`,
      fix: 'rename them to lower case on the source to get full and incremental synchronization, or accept schema only',
      objects: upper,
    };
  }
  return { status: 'passed', reason: 'no selected table is named by a reserved word or has upper-case letters' };
}

export function invisibleColumnsVerdict(tables: readonly TableMapping[]): Verdict {
  const cols = tables.flatMap((t) => t.columns.filter((c) => c.source.invisible).map((c) => `${label(t)}.${c.source.name}`));
  if (cols.length === 0) return { status: 'passed', reason: 'no invisible columns' };
  return {
    status: 'warning',
    reason: `invisible columns (SELECT * leaves them out; fc-dts names every column explicitly, so they ARE copied): ${listNames(cols)}`,
    fix: 'nothing is needed; if applications on the destination need them in SELECT *, make them visible there (ALTER TABLE ... ALTER COLUMN ... SET VISIBLE)',
    objects: cols,
  };
}

/**
 * Tables selected one by one are limited per task. RDS MySQL / self-managed MySQL (reference 003):
 * at most 1,000 whenever tables are selected as objects, renamed or not. PolarDB for MySQL (002, 004):
 * 1,000 when tables or columns are renamed; PolarDB-X (000, 001): 5,000 with renaming.
 */
export function tableLimitVerdict(mapping: readonly DatabaseMapping[], type: SourceType): Verdict {
  const limit = type === 'polardb-x' ? 5000 : 1000;
  const onlyWhenRenaming = type !== 'mysql';
  const condition = onlyWhenRenaming ? 'when tables or columns are renamed' : 'renamed or not';
  const individually = mapping.filter((d) => !d.whole).reduce((n, d) => n + d.tables.length, 0);
  const renamed = mapping.some((d) => d.tables.some((t) => t.renamed));
  if (individually > limit && (renamed || !onlyWhenRenaming)) {
    return {
      status: 'failed',
      reason: `${individually.toLocaleString('en-US')} tables are selected one by one${renamed ? ' with renaming' : ''}; a task with a ${type} source supports at most ${limit.toLocaleString('en-US')} (${condition})`,
      fix: 'split the objects over several tasks, or select whole databases (omit tables) instead',
    };
  }
  const why = individually === 0 ? 'only whole databases are selected' : `${plural(individually, 'table')} selected one by one${renamed ? '' : ', none renamed'}`;
  return { status: 'passed', reason: `${why} (limit ${limit.toLocaleString('en-US')} ${condition})` };
}

export function fkCascadeVerdict(tables: readonly TableMapping[]): Verdict {
  const rules = ['CASCADE', 'SET NULL'];
  const found = tables.flatMap((t) =>
    t.source.foreignKeys
      .filter((fk) => rules.includes(fk.onDelete.toUpperCase()) || rules.includes(fk.onUpdate.toUpperCase()))
      .map((fk) => {
        const actions = [
          ...(rules.includes(fk.onDelete.toUpperCase()) ? [`ON DELETE ${fk.onDelete.toUpperCase()}`] : []),
          ...(rules.includes(fk.onUpdate.toUpperCase()) ? [`ON UPDATE ${fk.onUpdate.toUpperCase()}`] : []),
        ];
        return `${label(t)} (${fk.name}: ${actions.join(', ')})`;
      }),
  );
  if (found.length === 0) return { status: 'passed', reason: 'no selected table has a cascading foreign key' };
  return {
    status: 'warning',
    reason: `foreign keys that cascade: MySQL 8.0 and MariaDB do not write the rows a cascade changes to the binlog, and the destination applies with foreign_key_checks = 0, so those changes are not synchronized: ${listNames(found, 6)}`,
    fix: 'on the source, delete or update the child rows explicitly before the parent, or run fc-dts verify after cascading changes and resynchronize the affected tables',
    objects: found,
  };
}

/** Items 7–10 and 12 about the resolved tables (no queries); `uniqueKeysEnforced`: the destination kind enforces unique keys beside the primary key. */
export function sourceObjectChecks(task: Task, mapping: readonly DatabaseMapping[], uniqueKeysEnforced: boolean): CheckResult[] {
  const tables = mapping.flatMap((d) => d.tables);
  return [
    toItem(SOURCE_ITEMS.tableLimit, tableLimitVerdict(mapping, task.source.type)),
    toItem(SOURCE_ITEMS.primaryKeys, primaryKeysVerdict(tables)),
    toItem(SOURCE_ITEMS.uniqueKeys, uniqueKeysVerdict(tables, uniqueKeysEnforced)),
    ...(task.source.type === 'polardb-x' ? [toItem(SOURCE_ITEMS.objectNames, objectNamesVerdict(tables))] : []),
    toItem(SOURCE_ITEMS.invisibleColumns, invisibleColumnsVerdict(tables)),
    toItem(SOURCE_ITEMS.fkCascade, fkCascadeVerdict(tables)),
  ];
}
