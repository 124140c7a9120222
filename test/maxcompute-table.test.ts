/** How a synchronized table looks in MaxCompute: names, types, additional columns, partitions, record ids; and the destination block of the task file. */
import { describe, expect, it } from 'vitest';
import { parseMaxComputeDestination, type PartitionField } from '../shared/destinations/maxcompute/config.ts';
import { partitionsVerdict } from '../shared/destinations/maxcompute/maxcompute-checks.ts';
import { additionalNames, isMaxComputeName, maxComputeType, partitionsPerDay, partitionValues, recordId } from '../shared/destinations/maxcompute/maxcompute-table.ts';
import { TaskFileError } from '../shared/errors.ts';
import { entriesByPartition, logEntries, partitionSpec } from '../shared/destinations/maxcompute/log-rows.ts';
import type { RowChange } from '../shared/change/change-event.ts';

const col = (columnType: string) => ({ dataType: columnType.replace(/[(\s].*$/, ''), columnType });

describe('MaxCompute types of MySQL columns', () => {
  it('gives every integer type one wide enough for its unsigned range', () => {
    const types = ['tinyint(4)', 'tinyint(3) unsigned', 'smallint(6)', 'smallint(5) unsigned', 'mediumint(9)', 'mediumint(8) unsigned', 'int(11)', 'int(10) unsigned', 'bigint(20)', 'bigint(20) unsigned'];
    expect(types.map((t) => maxComputeType(col(t)).type)).toEqual(['TINYINT', 'SMALLINT', 'SMALLINT', 'INT', 'INT', 'INT', 'INT', 'BIGINT', 'BIGINT', 'DECIMAL(20,0)']);
  });

  it('keeps DECIMAL exactly: up to 38 digits as DECIMAL, wider as text with a note', () => {
    expect(maxComputeType(col('decimal(38,18)'))).toEqual({ type: 'DECIMAL(38,18)' });
    expect(maxComputeType(col('decimal(10,0)'))).toEqual({ type: 'DECIMAL(10,0)' });
    expect(maxComputeType(col('decimal(65,30)'))).toEqual({ type: 'STRING', note: "DECIMAL(65,30) is wider than MaxCompute's 38 digits: kept exactly as text" });
  });

  it('keeps fractions of seconds: DATETIME up to milliseconds, finer as TIMESTAMP', () => {
    expect(['datetime', 'datetime(3)', 'datetime(6)', 'timestamp(6)', 'date', 'time(3)', 'year(4)'].map((t) => maxComputeType(col(t)).type)).toEqual([
      'DATETIME', 'DATETIME', 'TIMESTAMP', 'TIMESTAMP', 'DATE', 'STRING', 'SMALLINT',
    ]);
  });

  it('maps text to STRING, bytes to BINARY, and notes where the form changes', () => {
    expect(['varchar(20)', 'longtext', "enum('a','b')", "set('x')", 'char(3)'].map((t) => maxComputeType(col(t)))).toEqual(Array(5).fill({ type: 'STRING' }));
    expect(['varbinary(8)', 'longblob', 'binary(16)', 'geometry'].map((t) => maxComputeType(col(t)).type)).toEqual(['BINARY', 'BINARY', 'BINARY', 'BINARY']);
    expect(maxComputeType(col('json')).note).toBe('JSON as its text');
    expect(maxComputeType(col('bit(64)'))).toEqual({ type: 'DECIMAL(20,0)', note: 'BIT(64) as its unsigned number' });
    expect(maxComputeType(col('bit(8)')).type).toBe('BIGINT');
  });
});

describe('the _log table', () => {
  it('names its additional columns and partition keys by the rule', () => {
    expect(additionalNames('previous', ['modifytime_year', 'modifytime_day'])).toEqual({
      columns: ['record_id', 'operation_flag', 'utc_timestamp', 'before_flag', 'after_flag'],
      partitions: ['modifytime_year', 'modifytime_day'],
    });
    expect(additionalNames('new', ['modifytime_minute']).columns[0]).toBe('new_dts_sync_record_id');
    expect(additionalNames('new', ['modifytime_minute']).partitions).toEqual(['new_dts_sync_modifytime_minute']);
  });

  it('partitions by the event time in UTC, zero-padded', () => {
    // 2019-08-16 08:41:18 UTC: the reference's merge example is at 1565944878.
    expect(partitionValues(1565944878, ['modifytime_year', 'modifytime_month', 'modifytime_day', 'modifytime_hour', 'modifytime_minute'])).toEqual(['2019', '08', '16', '08', '41']);
    expect(partitionValues(0, ['modifytime_year', 'modifytime_minute'])).toEqual(['1970', '00']);
    expect(partitionsPerDay(['modifytime_year', 'modifytime_minute'])).toBe(1440);
    expect(partitionsPerDay(['modifytime_year', 'modifytime_month', 'modifytime_day'])).toBe(1);
  });

  it('gives each row change a record id that increases in binlog order, the same on replay', () => {
    const a = recordId({ file: 7, offset: 4000, row: 0 });
    const b = recordId({ file: 7, offset: 4000, row: 1 });
    const c = recordId({ file: 8, offset: 4, row: 0 });
    expect(a).toBe(7n * 2n ** 32n + 4000n);
    expect([a < b, b < c]).toEqual([true, true]);
    expect(recordId({ file: 7, offset: 4000, row: 1 })).toBe(b);
    expect(recordId({ file: 2 ** 31 - 1, offset: 2 ** 32 - 2, row: 1 })).toBe(2n ** 63n - 1n);
    expect(() => recordId({ file: 2 ** 31, offset: 4, row: 0 })).toThrow(/beyond what a MaxCompute record_id/);
  });

  it('accepts only names MaxCompute takes', () => {
    expect(['orders_base', 'A1_log', 'x'.repeat(128)].map(isMaxComputeName)).toEqual([true, true, true]);
    expect(['1orders', '_x', 'order-items', 'x'.repeat(129), ''].map(isMaxComputeName)).toEqual([false, false, false, false, false]);
  });
});

describe('destination block of a MaxCompute task', () => {
  const base = { type: 'maxcompute', endpoint: 'http://127.0.0.1:9000/api/', project: 'dts_target', accessKeyId: 'LTAIx', accessKeySecret: 's' };

  it('fills the defaults: every partition field, the previous rule, the project zone of most regions', () => {
    expect(parseMaxComputeDestination(base)).toEqual({
      ...base,
      endpoint: 'http://127.0.0.1:9000/api',
      partitionFields: ['modifytime_year', 'modifytime_month', 'modifytime_day', 'modifytime_hour', 'modifytime_minute'],
      additionalColumnRule: 'previous',
      timeZone: 'Asia/Shanghai',
    });
  });

  it('orders the partition fields coarsest first whatever order the file lists them in', () => {
    expect(parseMaxComputeDestination({ ...base, partitionFields: ['modifytime_day', 'modifytime_year'] }).partitionFields).toEqual(['modifytime_year', 'modifytime_day']);
  });

  it('names the key and the fix for bad values', () => {
    const bad = (extra: Record<string, unknown>) => {
      try {
        parseMaxComputeDestination({ ...base, ...extra });
      } catch (e) {
        return e instanceof TaskFileError ? [e.key, e.message, e.fix] : e;
      }
      return 'accepted';
    };
    expect(bad({ project: 'my-project' })).toEqual(['destination.project', 'destination.project: "my-project" is not a MaxCompute project name (3–28 letters, digits or "_", starting with a letter)', 'write the project name as the MaxCompute console shows it']);
    expect(bad({ timeZone: 'Mars/Olympus' })).toEqual(['destination.timeZone', 'destination.timeZone: "Mars/Olympus" is not an IANA time zone', "write it as the project's odps.sql.timezone, e.g. Asia/Shanghai or UTC"]);
    const keyOf = (extra: Record<string, unknown>) => (bad(extra) as string[])[0];
    expect(keyOf({ partitionFields: ['modifytime_second'] })).toBe('destination.partitionFields[0]');
    expect(keyOf({ additionalColumnRule: 'old' })).toBe('destination.additionalColumnRule');
    expect(keyOf({ region: 'cn-hangzhou' })).toBe('destination.region');
    expect(keyOf({ commitSeconds: 30 })).toBe('destination.commitSeconds');
    expect(keyOf({ endpoint: 'service.cn-hangzhou.maxcompute.aliyun.com' })).toBe('destination.endpoint');
  });
});

describe('row changes as log entries', () => {
  const at = (offset: number, ts: number) => ({ pos: { file: 3, offset, row: 0 }, ts });
  const ref = { database: 'shop', table: 'orders' };
  const ins: RowChange = { kind: 'row', ...at(100, 1565944878), table: ref, key: ['id'], op: 'insert', after: { id: 1, v: 'a' } };
  const upd: RowChange = { kind: 'row', ...at(200, 1565944879), table: ref, key: ['id'], op: 'update', before: { id: 1, v: 'a' }, after: { id: 1, v: 'b' } };
  const del: RowChange = { kind: 'row', ...at(300, 1565948400), table: ref, key: ['id'], op: 'delete', before: { id: 1, v: 'b' } };

  it('logs an INSERT as (N,Y), an UPDATE as (Y,N) then (N,Y) under one record id, a DELETE as (Y,N)', () => {
    const flags = (c: RowChange) => logEntries(c).map((e) => [e.operation, e.beforeFlag, e.afterFlag, e.image.v, e.recordId - 3n * 2n ** 32n, e.utcTimestamp]);
    expect(flags(ins)).toEqual([['I', 'N', 'Y', 'a', 100n, 1565944878]]);
    expect(flags(upd)).toEqual([['U', 'Y', 'N', 'a', 200n, 1565944879], ['U', 'N', 'Y', 'b', 200n, 1565944879]]);
    expect(flags(del)).toEqual([['D', 'Y', 'N', 'b', 300n, 1565948400]]);
    expect(() => logEntries({ ...upd, before: undefined })).toThrow('a update of shop.orders at 3:200#0 without its before image');
  });

  it('groups the entries by log table and partition, in binlog order within each', () => {
    const groups = entriesByPartition([ins, upd, del, { ...ins, table: { database: 'shop', table: 'items' } }], ['modifytime_day', 'modifytime_hour'], (c) => `${c.table.table}_log`);
    expect(groups.map((g) => [g.table, g.partition, g.entries.map((e) => e.operation)])).toEqual([
      ['orders_log', ['16', '08'], ['I', 'U', 'U']],
      ['orders_log', ['16', '09'], ['D']],
      ['items_log', ['16', '08'], ['I']],
    ]);
    expect(partitionSpec(['modifytime_day', 'modifytime_hour'], ['16', '08'])).toBe('modifytime_day=16,modifytime_hour=08');
  });
});

describe('partition growth (precheck)', () => {
  const d = (partitionFields: PartitionField[]) => ({ ...parseMaxComputeDestination({ type: 'maxcompute', endpoint: 'http://127.0.0.1:1/api', project: 'p_1', accessKeyId: 'a', accessKeySecret: 's' }), partitionFields });
  it('warns when minute partitions reach the limits within a year, and says how long coarser ones last', () => {
    expect(partitionsVerdict(d(['modifytime_year', 'modifytime_minute']))).toMatchObject({ status: 'warning', reason: expect.stringContaining('up to 1,440 partitions a day per _log table: a busy table reaches MaxCompute\'s 60,000 partitions in 41 days, and a query may read at most 10,000, so after 6 days fc-dts merge and verify fold the log in windows of 10,000 partitions, one more SQL job each') });
    expect(partitionsVerdict(d(['modifytime_year', 'modifytime_month', 'modifytime_day', 'modifytime_hour']))).toEqual({ status: 'passed', reason: 'modifytime_year, modifytime_month, modifytime_day, modifytime_hour: up to 24 partitions a day per _log table; the 60,000 a table may have last 6 years' });
    expect(partitionsVerdict(d(['modifytime_year'])).reason).toBe("modifytime_year: one partition a year per _log table; the 60,000 a table may have last 60,000 years");
    expect(partitionsVerdict(d(['modifytime_month'])).reason).toBe("modifytime_month: one partition a month per _log table; the 60,000 a table may have last 4,931 years");
  });
});
