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
import type { TableMapping } from '../../task/object-mapper.ts';
import { quoteName } from './lindorm-literals.ts';
import { isLindormColumnName, LINDORM_LIMITS } from './lindorm-limits.ts';
import { lindormTable } from './lindorm-table.ts';
import { lindormType, typeText } from './lindorm-types.ts';

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
