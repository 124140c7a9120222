/** lindorm-table-check.ts: an existing Lindorm table (as DESCRIBE reads it) against the table a source table maps to. */
import { describe, expect, it } from 'vitest';
import type { DefinedTable } from '../shared/destinations/lindorm/lindorm-catalog.ts';
import { checkLindormTable, typeVerdict } from '../shared/destinations/lindorm/lindorm-table-check.ts';
import { lindormTable, type LindormTable } from '../shared/destinations/lindorm/lindorm-table.ts';
import { parseLindormType } from '../shared/destinations/lindorm/lindorm-types.ts';
import type { ColumnInfo } from '../shared/mysql/catalog.ts';
import type { TableMapping } from '../shared/task/object-mapper.ts';
import type { Operation } from '../shared/task/task.ts';

const col = (name: string, columnType: string, nullable = true): ColumnInfo => ({
  name, ordinal: 0, columnType, dataType: /^[a-z]+/.exec(columnType)![0], nullable, defaultValue: null, extra: '',
  charset: null, collation: null, comment: '', generationExpression: null, generated: false, invisible: false,
});

/** shop.orders keyed by `key`, as resolveObjects gives it. */
function expected(columns: readonly ColumnInfo[], key: readonly string[] = ['id']): LindormTable {
  const all = columns.map((c, ordinal) => ({ ...c, ordinal }));
  const t: TableMapping = {
    source: { database: 'shop', name: 'orders', engine: 'InnoDB', collation: null, comment: '', estimatedRows: 0, avgRowLength: 0, columns: all, indexes: [], foreignKeys: [], keyColumns: [...key] },
    target: { database: 'shop', table: 'orders' },
    columns: all.map((c) => ({ source: c, target: c.name })),
    key,
    operations: new Set<Operation>(['insert', 'update', 'delete']),
    origin: 'objects[0]',
    renamed: false,
  };
  const read = lindormTable(t);
  if (!('table' in read)) throw new Error(read.refusals.join('; '));
  return read.table;
}

/** A table as DESCRIBE reads it: [name, type text, nullable]. */
const defined = (columns: ReadonlyArray<readonly [string, string, boolean?]>, key: readonly string[] = ['id']): DefinedTable => ({
  name: 'orders',
  columns: columns.map(([name, typeText, nullable]) => ({ name, typeText, type: parseLindormType(typeText), nullable: nullable ?? !key.includes(name) })),
  key,
});

const orders = expected([col('id', 'int(11)', false), col('amount', 'decimal(12,2)'), col('note', 'varchar(100)')]);

describe('checkLindormTable', () => {
  it('finds nothing wrong with the table fc-dts would create', () => {
    expect(checkLindormTable(orders, defined([['id', 'INTEGER'], ['amount', 'DECIMAL(12,2)'], ['note', 'VARCHAR'], ['extra', 'BIGINT']]))).toEqual({ problems: [], warnings: [] });
  });

  it('names both DECIMALs when precision or scale differ', () => {
    const check = checkLindormTable(orders, defined([['id', 'INTEGER'], ['amount', 'DECIMAL(10,2)'], ['note', 'VARCHAR']]));
    expect(check.problems).toEqual([
      'Lindorm table orders: column amount is DECIMAL(10,2) in Lindorm, but the source column is DECIMAL(12,2) (DECIMAL(12,2) in Lindorm): DECIMAL precision and scale must be the same on both sides (DTS fails a task where they differ)',
    ]);
    expect(checkLindormTable(orders, defined([['id', 'INTEGER'], ['amount', 'DECIMAL(12,3)'], ['note', 'VARCHAR']])).problems[0]).toContain('DECIMAL(12,3) in Lindorm');
  });

  it('names a missing column, and says when only its case differs', () => {
    const check = checkLindormTable(orders, defined([['id', 'INTEGER'], ['Amount', 'DECIMAL(12,2)']]));
    expect(check.problems).toEqual([
      'Lindorm table orders: column amount does not exist (Lindorm has a column Amount: Lindorm names are case-sensitive, so it is another column; rename one of them)',
      'Lindorm table orders: column note does not exist',
    ]);
  });

  it('refuses an incompatible type and a narrower integer, and takes a wider one', () => {
    const check = checkLindormTable(orders, defined([['id', 'VARCHAR'], ['amount', 'DECIMAL(12,2)'], ['note', 'INTEGER']]));
    expect(check.problems).toEqual([
      'Lindorm table orders: column id is VARCHAR in Lindorm, but the source column INT(11) needs INTEGER',
      'Lindorm table orders: column note is INTEGER in Lindorm, but the source column VARCHAR(100) needs VARCHAR',
    ]);
    expect(checkLindormTable(orders, defined([['id', 'BIGINT'], ['amount', 'DECIMAL(12,2)'], ['note', 'VARCHAR']])).problems).toEqual([]);
    expect(checkLindormTable(orders, defined([['id', 'SMALLINT'], ['amount', 'DECIMAL(12,2)'], ['note', 'VARCHAR']])).problems).toEqual([
      'Lindorm table orders: column id is SMALLINT in Lindorm, narrower than the INTEGER the source column INT(11) needs: larger values could not be written',
    ]);
  });

  it('types: FLOAT into DOUBLE, not the reverse; BIGINT UNSIGNED needs its DECIMAL(20,0); lengths warn unless the source fits', () => {
    const src = (t: string) => ({ columnType: t });
    expect(typeVerdict({ name: 'FLOAT' }, { name: 'DOUBLE' }, src('float'))).toEqual({ ok: true });
    expect(typeVerdict({ name: 'DOUBLE' }, { name: 'FLOAT' }, src('double')).ok).toBe(false);
    expect(typeVerdict({ name: 'DECIMAL', precision: 20, scale: 0 }, { name: 'BIGINT' }, src('bigint(20) unsigned')).ok).toBe(false);
    expect(typeVerdict({ name: 'VARCHAR' }, { name: 'VARCHAR', length: 100 }, src('varchar(100)'))).toEqual({ ok: true });
    expect(typeVerdict({ name: 'VARCHAR' }, { name: 'CHAR', length: 10 }, src('varchar(100)'))).toEqual({
      ok: true,
      warning: 'is CHAR(10) in Lindorm, and values of the source column VARCHAR(100) longer than 10 cannot be written',
    });
    expect(typeVerdict({ name: 'VARBINARY' }, { name: 'BINARY', length: 16 }, src('binary(16)'))).toEqual({ ok: true });
    expect(typeVerdict({ name: 'VARBINARY' }, { name: 'VARCHAR' }, src('blob')).ok).toBe(false);
    expect(typeVerdict({ name: 'TIMESTAMP' }, { name: 'DATE' }, src('datetime')).ok).toBe(false);
  });

  it('refuses a key of other columns or another order, and a type it does not know', () => {
    const two = expected([col('a', 'int(11)', false), col('b', 'int(11)', false), col('v', 'text')], ['a', 'b']);
    const swapped = checkLindormTable(two, defined([['b', 'INTEGER'], ['a', 'INTEGER'], ['v', 'VARCHAR']], ['b', 'a']));
    expect(swapped.problems).toEqual(["Lindorm table orders: the primary key is (b, a) in Lindorm, but the task's key is (a, b): rows could not be addressed"]);
    expect(checkLindormTable(two, defined([['a', 'INTEGER'], ['b', 'INTEGER'], ['v', 'VARCHAR']], ['a'])).problems[0]).toContain('is (a) in Lindorm');
    expect(checkLindormTable(orders, defined([['id', 'INTEGER'], ['amount', 'MONEY'], ['note', 'VARCHAR']])).problems).toEqual([
      'Lindorm table orders: column amount is of type MONEY, which fc-dts does not know as a Lindorm type (expected DECIMAL(12,2))',
    ]);
  });

  it('warns when a non-key column is NOT NULL in Lindorm but nullable on the source', () => {
    expect(checkLindormTable(orders, defined([['id', 'INTEGER'], ['amount', 'DECIMAL(12,2)', false], ['note', 'VARCHAR']])).warnings).toEqual([
      'Lindorm table orders: column amount is NOT NULL in Lindorm, but the source column can be NULL: rows with NULL there cannot be written',
    ]);
  });
});
