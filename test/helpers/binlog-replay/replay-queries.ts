/**
 * What the replay server answers to the SQL a binlog client sends around the dump: the statements
 * fc-dts's BinlogReader sends (shared/binlog/dump-connection.ts announce()), answered as a MySQL 8.0 / MariaDB server would. Anything
 * else is an error, never a silent OK.
 */

export type Cell = string | number | null;

export interface ResultColumn {
  readonly name: string;
  readonly integer?: boolean;
}

export type Answer =
  | { readonly kind: 'rows'; readonly columns: readonly ResultColumn[]; readonly rows: readonly (readonly Cell[])[] }
  | { readonly kind: 'ok' }
  | { readonly kind: 'kill'; readonly connectionId: number }
  | { readonly kind: 'error'; readonly errno: number; readonly sqlState: string; readonly message: string; readonly unanswered?: true };

export interface ServerFacts {
  readonly version: string;
  readonly serverId: number;
  /** MySQL's @@server_uuid; absent: the variable is unknown (MariaDB) */
  readonly serverUuid?: string;
  readonly checksum: string;
  readonly gtidExecuted: string;
  readonly files: ReadonlyArray<{ readonly name: string; readonly size: number }>;
}

/** The session's user variables and system variables it set (lowercase names without '@'). */
export type SessionVariables = Map<string, string>;

/**
 * Collation id → character set for the collations the served files use (utf8mb4, latin1, binary) and
 * their common neighbours, as MySQL 8.0's INFORMATION_SCHEMA.COLLATIONS lists them
 * (https://dev.mysql.com/doc/refman/8.0/en/information-schema-collations-table.html; MariaDB 10.5 numbers
 * these the same). 33/83 are utf8 (utf8mb3) as named before 8.0.30.
 */
export const COLLATIONS: ReadonlyArray<readonly [id: number, charset: string]> = [
  [5, 'latin1'], [8, 'latin1'], [47, 'latin1'], [48, 'latin1'],
  [11, 'ascii'], [65, 'ascii'],
  [33, 'utf8'], [83, 'utf8'],
  [45, 'utf8mb4'], [46, 'utf8mb4'], [224, 'utf8mb4'], [255, 'utf8mb4'],
  [63, 'binary'],
];

const ER_UNKNOWN_ERROR = 1105;
const ER_NO_SUCH_THREAD = 1094;
const ER_UNKNOWN_SYSTEM_VARIABLE = 1193;

export function unanswered(sql: string): Answer {
  return { kind: 'error', errno: ER_UNKNOWN_ERROR, sqlState: 'HY000', message: `the binlog replay server has no answer to: ${sql}`, unanswered: true };
}

export function answerQuery(sql: string, facts: ServerFacts, session: SessionVariables, liveConnections: ReadonlySet<number>): Answer {
  const q = sql.trim().replace(/;$/, '').trim();
  if (/^SET\s/i.test(q)) return setVariables(q.slice(4), facts, session);
  const kill = /^KILL\s+(?:CONNECTION\s+|QUERY\s+)?(\d+)$/i.exec(q);
  if (kill) {
    const id = Number(kill[1]);
    return liveConnections.has(id) ? { kind: 'kill', connectionId: id } : { kind: 'error', errno: ER_NO_SUCH_THREAD, sqlState: 'HY000', message: `Unknown thread id: ${id}` };
  }
  if (/^SELECT\s+ID\s*,\s*CHARACTER_SET_NAME\s+FROM\s+information_schema\.COLLATIONS$/i.test(q)) {
    return { kind: 'rows', columns: [{ name: 'ID', integer: true }, { name: 'CHARACTER_SET_NAME' }], rows: COLLATIONS.map(([id, cs]) => [id, cs]) };
  }
  if (/^SHOW\s+(MASTER|BINARY\s+LOG)\s+STATUS$/i.test(q)) {
    const last = facts.files.at(-1);
    return { kind: 'rows', columns: [{ name: 'File' }, { name: 'Position', integer: true }, { name: 'Binlog_Do_DB' }, { name: 'Binlog_Ignore_DB' }, { name: 'Executed_Gtid_Set' }], rows: last ? [[last.name, last.size, '', '', facts.gtidExecuted]] : [] };
  }
  if (/^SHOW\s+(BINARY|MASTER)\s+LOGS$/i.test(q)) {
    return { kind: 'rows', columns: [{ name: 'Log_name' }, { name: 'File_size', integer: true }, { name: 'Encrypted' }], rows: facts.files.map((f) => [f.name, f.size, 'No']) };
  }
  const like = /^SHOW\s+(?:GLOBAL\s+|SESSION\s+)?VARIABLES\s+LIKE\s+'([^']*)'$/i.exec(q);
  if (like) {
    const name = like[1]!.toLowerCase();
    const value = globalVariable(name, facts);
    return { kind: 'rows', columns: [{ name: 'Variable_name' }, { name: 'Value' }], rows: value === undefined ? [] : [[name, value]] };
  }
  const select = /^SELECT\s+(.+?)(?:\s+AS\s+`?(\w+)`?)?$/is.exec(q);
  if (select) return selectOne(select[1]!.trim(), select[2], facts, session);
  return unanswered(sql);
}

function globalVariable(name: string, facts: ServerFacts): string | undefined {
  switch (name) {
    case 'binlog_checksum': return facts.checksum;
    case 'gtid_executed': return facts.gtidExecuted;
    case 'gtid_mode': return facts.gtidExecuted === '' ? 'OFF' : 'ON';
    case 'server_id': return String(facts.serverId);
    case 'server_uuid': return facts.serverUuid;
    case 'version': return facts.version;
    default: return undefined;
  }
}

/** A one-value SELECT: VERSION(), a literal number, @@[global.]variable, or @user_variable. */
function selectOne(expr: string, alias: string | undefined, facts: ServerFacts, session: SessionVariables): Answer {
  const name = alias ?? expr;
  const one = (value: Cell, integer = false): Answer => ({ kind: 'rows', columns: [{ name, integer }], rows: [[value]] });
  if (/^VERSION\(\)$/i.test(expr)) return one(facts.version);
  if (/^\d+$/.test(expr)) return one(Number(expr), true);
  const system = /^@@(?:GLOBAL\.|SESSION\.)?(\w+)$/i.exec(expr);
  if (system) {
    const value = globalVariable(system[1]!.toLowerCase(), facts);
    if (value === undefined) return { kind: 'error', errno: ER_UNKNOWN_SYSTEM_VARIABLE, sqlState: 'HY000', message: `Unknown system variable '${system[1]}'` };
    return one(value);
  }
  const user = /^@(\w+)$/.exec(expr);
  if (user) return one(session.get(user[1]!.toLowerCase()) ?? null);
  return unanswered(`SELECT ${expr}`);
}

/** Session settings a client may make; other system variables are refused. */
const SESSION_SYSTEM_VARIABLES = new Set(['names', 'time_zone', 'net_write_timeout', 'net_read_timeout', 'wait_timeout']);

function setVariables(assignments: string, facts: ServerFacts, session: SessionVariables): Answer {
  const parsed: Array<[string, string]> = [];
  for (const part of assignments.match(/(?:'[^']*'|[^,'])+/g) ?? []) {
    const m = /^\s*(@{0,2}(?:session\.)?)([\w]+)\s*(?:=\s*|\s+)(.+?)\s*$/i.exec(part);
    if (!m) return unanswered(`SET ${assignments}`);
    const [, prefix = '', rawName = '', rawValue = ''] = m;
    const name = rawName.toLowerCase();
    const value = valueOf(rawValue, facts);
    if (prefix === '@') parsed.push([name, value]);
    else if (SESSION_SYSTEM_VARIABLES.has(name)) parsed.push([`@@${name}`, value]);
    else return { kind: 'error', errno: ER_UNKNOWN_SYSTEM_VARIABLE, sqlState: 'HY000', message: `the binlog replay server does not know the system variable '${rawName}'` };
  }
  for (const [name, value] of parsed) session.set(name, value);
  return { kind: 'ok' };
}

function valueOf(raw: string, facts: ServerFacts): string {
  const quoted = /^'(.*)'$/s.exec(raw) ?? /^"(.*)"$/s.exec(raw);
  if (quoted) return quoted[1]!;
  const system = /^@@(?:GLOBAL\.)?(\w+)$/i.exec(raw);
  if (system) return globalVariable(system[1]!.toLowerCase(), facts) ?? '';
  return raw;
}
