/**
 * The DDL fc-dts runs on Lindorm: CREATE TABLE for a source table (CREATE TABLE page,
 * alibabacloud.com/help/en/lindorm/developer-reference/the-create-table: columns, then PRIMARY KEY inside
 * the parentheses; nothing of MySQL's defaults, AUTO_INCREMENT, indexes, character sets or comments),
 * ADD COLUMN as reference 004 replays it ("DTS strips extra attributes from ADD COLUMN statements":
 * `ADD COLUMN col INT DEFAULT 0` runs as `ADD COLUMN col INT`; Lindorm's ALTER TABLE grammar,
 * doc-detail/417041, has no attributes), and DROP TABLE. Replays of them are harmless: IF NOT EXISTS,
 * IF EXISTS.
 */
import { NO_COLUMN_ADDED, readAddColumns } from '../../mysql/alter-add-columns.ts';
import { parseDdl } from '../../schema-history/ddl-parser.ts';
import type { ColumnSpec, CreateTable } from '../../schema-history/parsed-ddl.ts';
import type { TableMapping } from '../../task/object-mapper.ts';
import { quoteName } from './lindorm-literals.ts';
import { isLindormColumnName, LINDORM_LIMITS } from './lindorm-limits.ts';
import { lindormTable } from './lindorm-table.ts';
import { keyVerdict, lindormType, maxLindormBytes, typeText, type KeyColumnSpec, type LindormType } from './lindorm-types.ts';

/** A statement to run, or why none is. */
export type LindormDdl = { readonly sql: string } | { readonly refusal: string };

/** `CREATE TABLE IF NOT EXISTS t (c type [NOT NULL], …, PRIMARY KEY (k…))`: key columns NOT NULL, the others as Lindorm's default (nullable). */
export function createTableStatement(t: TableMapping): LindormDdl {
  const read = lindormTable(t);
  if ('refusals' in read) return { refusal: `${t.target.table}: ${read.refusals.join('; ')}` };
  const { table } = read;
  const columns = table.columns.map((c) => `${quoteName(c.name)} ${typeText(c.type)}${c.key ? ' NOT NULL' : ''}`);
  const key = table.key.map((c) => quoteName(c.name)).join(', ');
  return { sql: `CREATE TABLE IF NOT EXISTS ${quoteName(table.name)} (${columns.join(', ')}, PRIMARY KEY (${key}))` };
}

/**
 * A `CREATE TABLE` read from the binlog (destination names in it) as the Lindorm table `table`: the
 * columns with their Lindorm types, the primary key (or else the first unique key on NOT NULL columns,
 * as the full load's key choice), nothing else. CREATE TABLE … LIKE and … SELECT are refused: the
 * statement does not say the columns.
 */
export function createTableFromSql(table: string, sql: string): LindormDdl {
  const parsed = parseDdl(sql);
  if (parsed.kind === 'create-like') return { refusal: 'CREATE TABLE … LIKE does not list the columns: create the table in Lindorm by hand' };
  if (parsed.kind !== 'create-table') return { refusal: `not a CREATE TABLE fc-dts can read (${parsed.kind === 'unreadable' ? parsed.reason : parsed.kind})` };
  if (parsed.select) return { refusal: 'CREATE TABLE … SELECT does not list all its columns: create the table in Lindorm by hand' };
  const refusals: string[] = [];
  const columns: Array<{ name: string; type: LindormType; spec: ColumnSpec }> = [];
  for (const spec of parsed.columns) {
    const mapped = lindormType({ dataType: spec.type, columnType: specType(spec) });
    if ('refusal' in mapped) refusals.push(`column ${spec.name} ${mapped.refusal}`);
    else if (!isLindormColumnName(spec.name)) refusals.push(`column name ${spec.name} is over Lindorm's ${LINDORM_LIMITS.nameLength} bytes`);
    else columns.push({ name: spec.name, type: mapped.type, spec });
  }
  const keyNames = declaredKey(parsed).map((k) => k.toLowerCase());
  const key = keyNames.map((k) => columns.find((c) => c.name.toLowerCase() === k)).filter((c) => c !== undefined);
  const specs = key.map((c): KeyColumnSpec => ({ name: c.name, type: c.type, maxBytes: maxLindormBytes(c.type, { dataType: c.spec.type, columnType: specType(c.spec), charset: c.spec.charset }), nullable: false }));
  refusals.push(...keyVerdict(specs, columns.length - key.length).refusals);
  if (refusals.length > 0) return { refusal: `${table}: ${refusals.join('; ')}` };
  const defined = columns.map((c) => `${quoteName(c.name)} ${typeText(c.type)}${key.includes(c) ? ' NOT NULL' : ''}`);
  return { sql: `CREATE TABLE IF NOT EXISTS ${quoteName(table)} (${defined.join(', ')}, PRIMARY KEY (${key.map((c) => quoteName(c.name)).join(', ')}))` };
}

/** The primary key's columns; else those of the first unique key whose columns are all NOT NULL. */
function declaredKey(t: CreateTable): readonly string[] {
  const primary = t.keys.find((k) => k.primary)?.columns.map((p) => p.name) ?? t.columns.filter((c) => c.primaryKey).map((c) => c.name);
  if (primary.length > 0) return primary;
  const notNull = new Set(t.columns.filter((c) => c.nullable === false).map((c) => c.name.toLowerCase()));
  const unique = [...t.keys.filter((k) => k.unique && !k.primary).map((k) => k.columns.map((p) => p.name)), ...t.columns.filter((c) => c.unique).map((c) => [c.name])];
  return unique.find((names) => names.every((n) => notNull.has(n.toLowerCase()))) ?? [];
}

/** The column's type as information_schema's COLUMN_TYPE would read, as far as the type mapping looks. */
function specType(spec: ColumnSpec): string {
  return `${spec.type}${spec.args.length > 0 ? `(${spec.args.join(',')})` : ''}${spec.unsigned ? ' unsigned' : ''}${spec.zerofill ? ' zerofill' : ''}`;
}

/**
 * The source's `ALTER TABLE … ADD COLUMN …` (destination names in it) as Lindorm's
 * `ALTER TABLE t ADD COLUMN c type[, ADD COLUMN …]` on the destination table `table`: each column with
 * its Lindorm type and nothing else. A statement doing anything but adding columns (and index changes,
 * which are not replayed) is refused whole, as is one adding a column Lindorm has no type for.
 */
export function addColumnStatement(table: string, alterSql: string): LindormDdl {
  const read = readAddColumns(alterSql);
  if ('refusal' in read) return { refusal: read.refusal === NO_COLUMN_ADDED ? 'it adds no column (only ADD COLUMN is replayed on Lindorm; index changes are not)' : read.refusal };
  const adds: string[] = [];
  for (const c of read.columns) {
    if (!isLindormColumnName(c.name)) return { refusal: `ADD COLUMN ${c.name}: the name is over Lindorm's ${LINDORM_LIMITS.nameLength} bytes` };
    const mapped = lindormType(c);
    if ('refusal' in mapped) return { refusal: `ADD COLUMN ${c.name} ${mapped.refusal}` };
    adds.push(`ADD COLUMN ${quoteName(c.name)} ${typeText(mapped.type)}`);
  }
  return { sql: `ALTER TABLE ${quoteName(table)} ${adds.join(', ')}` };
}

/** `DROP TABLE IF EXISTS t` (LindormTable 2.2.16–2.4.1 wants `OFFLINE TABLE t` first, the DROP TABLE page says; not done here). */
export function dropTableStatement(table: string): string {
  return `DROP TABLE IF EXISTS ${quoteName(table)}`;
}
