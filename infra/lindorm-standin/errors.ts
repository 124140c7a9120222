/**
 * The errors the stand-in answers with: a MySQL ERR packet (errno, SQLSTATE, message). Lindorm documents its
 * message texts but hardly any errno/SQLSTATE, so one form per rule is chosen here and listed in infra/README.md.
 * Messages of refused requests start with `DoNotRetryIOException:` as LindormTable's do (its inefficient-query
 * error, help.aliyun.com/document_detail/441561.html); the injected transient error starts with
 * `ServerBusyException:` so that a client can tell "retry" from "do not retry" by the message as well.
 */
export class LindormError extends Error {
  constructor(
    readonly errno: number,
    readonly sqlState: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

const refused = (message: string): LindormError => new LindormError(1105, 'HY000', `DoNotRetryIOException: ${message}`);
const unsupported = (what: string): LindormError => new LindormError(1235, '42000', `${what} is not supported`);

export const errors = {
  accessDenied: (user: string, host: string, usingPassword: boolean) =>
    new LindormError(1045, '28000', `Access denied for user '${user}'@'${host}' (using password: ${usingPassword ? 'YES' : 'NO'})`),
  commandDenied: (statement: string, user: string, host: string, namespace: string, missing: readonly string[]) =>
    new LindormError(1142, '42000', `${statement} command denied to user '${user}'@'${host}' on namespace '${namespace}' (needs ${missing.join(' and ')})`),
  parse: (found: string, line: number, column: number, expecting?: string) =>
    new LindormError(1064, '42000', `SQL parse error: Encountered "${found}" at line ${line}, column ${column}.${expecting ? ` Was expecting: ${expecting}` : ''}`),
  noDatabaseSelected: () => new LindormError(1046, '3D000', 'No database selected'),
  unknownDatabase: (name: string) => new LindormError(1049, '42000', `Unknown database '${name}'`),
  databaseExists: (name: string) => new LindormError(1007, 'HY000', `Can't create database '${name}'; database exists`),
  databaseNotEmpty: (name: string) => refused(`namespace '${name}' is not empty, drop its tables first`),
  reservedNamespace: (name: string) => refused(`namespace '${name}' is reserved`),
  unknownTable: (ns: string, table: string) => new LindormError(1146, '42S02', `Table '${ns}.${table}' doesn't exist`),
  tableExists: (ns: string, table: string) => new LindormError(1050, '42S01', `Table '${ns}.${table}' already exists`),
  unknownColumn: (column: string, table: string) => new LindormError(1054, '42S22', `Unknown column '${column}' in '${table}'`),
  duplicateColumn: (column: string) => new LindormError(1060, '42S21', `Duplicate column name '${column}'`),
  unknownVariable: (name: string) => new LindormError(1193, 'HY000', `Unknown system variable '${name}'`),
  wrongVariableValue: (name: string, value: string) => new LindormError(1231, '42000', `Variable '${name}' can't be set to the value of '${value}'`),
  outOfRange: (column: string, detail: string) => new LindormError(1264, '22003', `Out of range value for column '${column}': ${detail}`),
  dataTooLong: (column: string, max: number) => new LindormError(1406, '22001', `Data too long for column '${column}' (at most ${max})`),
  badValue: (column: string, type: string, value: string) => new LindormError(1366, 'HY000', `Incorrect ${type} value: '${value}' for column '${column}'`),
  nullNotAllowed: (column: string) => new LindormError(1048, '23000', `Column '${column}' cannot be null`),
  invalidName: (what: string, name: string) => refused(`Illegal ${what} name '${name}'`),
  unsupportedType: (type: string) => refused(`Unsupported data type ${type}`),
  invalidDecimal: (p: number, s: number) => refused(`DECIMAL(${p},${s}): precision must be 1 to 38 and scale 0 to precision`),
  noPrimaryKey: () => refused('a table must have a primary key'),
  tooManyKeyColumns: (max: number) => refused(`the primary key can have at most ${max} columns`),
  varbinaryKeyNotLast: (column: string) => refused(`VARBINARY primary key column '${column}' must be the last primary key column`),
  keyTooLong: (bytes: number, max: number) => refused(`primary key length ${bytes} exceeds the limit of ${max} bytes`),
  rowTooLarge: (bytes: number, max: number) => refused(`non-primary-key data of a row is ${bytes} bytes, more than the limit of ${max} bytes`),
  tooManyRows: (rows: number, max: number) => refused(`a write can have at most ${max} rows, this one has ${rows}`),
  writeTooLarge: (bytes: number, max: number) => refused(`a write can have at most ${max} bytes, this one has ${bytes}`),
  missingKeyColumn: (column: string) => refused(`primary key column '${column}' must be given a value`),
  keyColumnNotNull: (column: string) => refused(`primary key column '${column}' cannot be null`),
  addKeyColumn: () => refused('ALTER TABLE cannot add a primary key column'),
  deleteNeedsFullKey: (table: string) => refused(`DELETE on '${table}' must specify every primary key column with '=' joined by AND`),
  inefficientQuery: (sql: string) =>
    refused(`Detect inefficient query: ${sql} This query may be a fulltable scan and thus may have unpredictable performance.`),
  orderByNeedsLimit: () => refused('ORDER BY requires LIMIT'),
  orderByNotKey: () => refused('ORDER BY is supported on the primary key columns only, in their order'),
  limitTooLarge: (what: string, value: number, max: number) => refused(`${what} ${value} exceeds the maximum of ${max}`),
  tooManyInValues: (count: number, max: number) => refused(`IN can have at most ${max} values, this one has ${count}`),
  columnsAndValuesDiffer: () => new LindormError(1136, '21S01', "Column count doesn't match value count"),
  transactions: () => unsupported('Transaction'),
  join: () => refused('JOIN is not allowed'),
  union: () => refused('UNION is not allowed'),
  multipleStatements: () => unsupported('Multiple statements in one query'),
  preparedStatements: () => unsupported('Prepared statement (COM_STMT_PREPARE)'),
  placeholders: () => unsupported("Parameter marker '?'"),
  command: (code: number) => new LindormError(1047, '08S01', `Unknown command ${code}`),
  feature: (what: string) => unsupported(what),
  transient: () => new LindormError(1105, 'HY000', 'ServerBusyException: the server is busy, please retry later'),
};
