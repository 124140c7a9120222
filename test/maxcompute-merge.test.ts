/** The merge of `_base` and `_log` at a point in time (reference 001's SQL): its text for each naming rule, key and partition layout. */
import { describe, expect, it } from 'vitest';
import { mergeSelect, type MergeSpec } from '../shared/destinations/maxcompute/merge-sql.ts';

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
