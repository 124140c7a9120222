/** The SQL fc-dts runs in MaxCompute: the merge of `_base` and `_log` at a point in time (reference 001), and the tables' DDL. */
import { describe, expect, it } from 'vitest';
import { mergeSelect, type MergeSpec } from '../shared/destinations/maxcompute/merge-sql.ts';
import { addColumnsDdl, baseTableDdl, logTableDdl } from '../shared/destinations/maxcompute/maxcompute-schema.ts';
import type { ColumnInfo } from '../shared/mysql/catalog.ts';
import type { TableMapping } from '../shared/task/object-mapper.ts';
import type { Operation } from '../shared/task/task.ts';

const spec: MergeSpec = {
  base: 'orders_base', log: 'orders_log', columns: ['shop', 'id', 'note'], key: ['shop', 'id'], at: 1565944878, rule: 'previous',
  partitionFields: ['modifytime_year', 'modifytime_month', 'modifytime_day', 'modifytime_hour', 'modifytime_minute'],
};

describe('merge SQL', () => {
  it('ranks the entries of each composite key, latest record first and an after-image before a before-image', () => {
    const sql = mergeSelect(spec);
    expect(sql).toContain('ROW_NUMBER() OVER (PARTITION BY t.`shop`, t.`id` ORDER BY `record_id` DESC, `after_flag` DESC) AS fc_dts_rank');
    expect(sql).toContain("SELECT 0 AS `record_id`, 'I' AS `operation_flag`, 'Y' AS `after_flag`, base.`shop`, base.`id`, base.`note`\n    FROM `orders_base` base");
    expect(sql).toMatch(/WHERE gt\.fc_dts_rank = 1 AND gt\.`after_flag` = 'Y'$/);
  });

  it('reads only the log entries before the time, and only the partitions up to its own', () => {
    expect(mergeSelect(spec)).toContain(
      "WHERE `utc_timestamp` < 1565944878 AND (`modifytime_year` < '2019' OR (`modifytime_year` = '2019' AND (`modifytime_month` < '08' OR (`modifytime_month` = '08' AND (`modifytime_day` < '16' OR (`modifytime_day` = '16' AND (`modifytime_hour` < '08' OR (`modifytime_hour` = '08' AND `modifytime_minute` <= '41'))))))))",
    );
    expect(mergeSelect({ ...spec, partitionFields: ['modifytime_day'] })).toContain("WHERE `utc_timestamp` < 1565944878 AND `modifytime_day` <= '16'");
  });

  it('uses the new rule\'s names for the additional columns and partition keys', () => {
    const sql = mergeSelect({ ...spec, rule: 'new', partitionFields: ['modifytime_year'] });
    expect(sql).toContain('ORDER BY `new_dts_sync_record_id` DESC, `new_dts_sync_after_flag` DESC');
    expect(sql).toContain("WHERE `new_dts_sync_utc_timestamp` < 1565944878 AND `new_dts_sync_modifytime_year` <= '2019'");
    expect(sql).not.toMatch(/[^_]record_id/);
  });

  it('quotes names and refuses a table without a primary key', () => {
    expect(mergeSelect({ ...spec, columns: ['a`b'], key: ['a`b'] })).toContain('t.`a``b`');
    expect(() => mergeSelect({ ...spec, key: [] })).toThrow('merge of orders_base: a table without a primary key cannot be merged');
  });
});

describe('the _base and _log tables', () => {
  const column = (name: string, columnType: string, extra: Partial<ColumnInfo> = {}): ColumnInfo => ({
    name, ordinal: 0, columnType, dataType: /^[a-z]+/.exec(columnType)![0], nullable: true, defaultValue: null, extra: '',
    charset: null, collation: null, comment: '', generationExpression: null, generated: false, invisible: false, ...extra,
  });
  const columns = [column('id', 'bigint(20) unsigned'), column('note', 'varchar(20)', { comment: "it's a note" }), column('at', 'datetime(6)'), column('total', 'decimal(12,2)', { generated: true })];
  const orders: TableMapping = {
    source: { database: 'shop', name: 'orders', engine: 'InnoDB', collation: null, comment: '', estimatedRows: 0, avgRowLength: 0, columns, indexes: [], foreignKeys: [], keyColumns: ['id'] },
    target: { database: 'shop', table: 'orders' },
    columns: columns.map((c) => ({ source: c, target: c.name === 'note' ? 'remark' : c.name })),
    key: ['id'],
    operations: new Set<Operation>(['insert', 'update', 'delete']),
    origin: 'objects[0]',
    renamed: false,
  };

  it('creates _base with the loaded columns under their target names and types', () => {
    expect(baseTableDdl(orders)).toEqual({ name: 'orders_base', sql: "CREATE TABLE IF NOT EXISTS `orders_base` (`id` DECIMAL(20,0), `remark` STRING COMMENT 'it\\'s a note', `at` TIMESTAMP);" });
  });

  it('creates _log with the additional columns first and the chosen partitions, by the naming rule', () => {
    expect(logTableDdl(orders, { additionalColumnRule: 'previous', partitionFields: ['modifytime_year', 'modifytime_month'] }).sql).toBe(
      "CREATE TABLE IF NOT EXISTS `orders_log` (`record_id` BIGINT, `operation_flag` STRING, `utc_timestamp` BIGINT, `before_flag` STRING, `after_flag` STRING, `id` DECIMAL(20,0), `remark` STRING COMMENT 'it\\'s a note', `at` TIMESTAMP) PARTITIONED BY (`modifytime_year` STRING, `modifytime_month` STRING);",
    );
    expect(logTableDdl(orders, { additionalColumnRule: 'new', partitionFields: ['modifytime_day'] }).sql).toContain('(`new_dts_sync_record_id` BIGINT, `new_dts_sync_operation_flag` STRING');
    expect(logTableDdl(orders, { additionalColumnRule: 'new', partitionFields: ['modifytime_day'] }).sql).toContain('PARTITIONED BY (`new_dts_sync_modifytime_day` STRING);');
  });

  it('adds source columns at the end of a table, each with its mapped type', () => {
    const added = [{ name: 'tag', dataType: 'varchar', columnType: 'varchar(8)' }, { name: 'n', dataType: 'int', columnType: 'int unsigned' }];
    expect(addColumnsDdl('orders_log', added)).toBe('ALTER TABLE `orders_log` ADD COLUMNS (`tag` STRING, `n` BIGINT);');
  });
});
