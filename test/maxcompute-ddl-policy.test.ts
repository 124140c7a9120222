/**
 * Which DDL a MaxCompute destination applies: ADD COLUMN read from the statement as the binlog holds
 * it (types as the catalog would show them), index changes passing as nothing to do, and every other
 * statement refused whole with what it leaves behind.
 */
import { describe, expect, it } from 'vitest';
import { readAddColumns } from '../shared/mysql/alter-add-columns.ts';
import { ddlRefusal } from '../shared/destinations/maxcompute/ddl-policy.ts';
import { parseMaxComputeDestination } from '../shared/destinations/maxcompute/config.ts';
import type { DdlKind, DdlTranslation } from '../shared/incremental/ddl-translator.ts';

const config = parseMaxComputeDestination({ type: 'maxcompute', endpoint: 'http://127.0.0.1:1/api', project: 'shop_dw', accessKeyId: 'ak', accessKeySecret: 'sk' });
const statement = (sql: string, kind: DdlKind = 'alter-table'): DdlTranslation => ({ kind, sql, database: 'shop', tables: [{ database: 'shop', table: 'orders' }], sourceTables: ['shop.orders'] });

describe('ADD COLUMN read from an ALTER TABLE statement', () => {
  it('reads each added column with its type as information_schema shows it', () => {
    expect(readAddColumns('ALTER TABLE `shop`.`orders` ADD COLUMN score DECIMAL(10, 2) UNSIGNED NOT NULL DEFAULT 0 AFTER id')).toEqual({
      columns: [{ name: 'score', dataType: 'decimal', columnType: 'decimal(10,2) unsigned' }],
    });
    expect(readAddColumns("alter table orders add `Seen At` timestamp(3) null comment 'when, (really)', add column if not exists tag enum('A','b') first")).toEqual({
      columns: [
        { name: 'Seen At', dataType: 'timestamp', columnType: 'timestamp(3)' },
        { name: 'tag', dataType: 'enum', columnType: "enum('a','b')" },
      ],
    });
    expect(readAddColumns('ALTER TABLE orders ADD (a INTEGER, b DOUBLE PRECISION, c NATIONAL VARCHAR(5), d BOOLEAN, e CHARACTER VARYING(9), f LONG VARBINARY)')).toEqual({
      columns: [
        { name: 'a', dataType: 'int', columnType: 'int' },
        { name: 'b', dataType: 'double', columnType: 'double' },
        { name: 'c', dataType: 'varchar', columnType: 'varchar(5)' },
        { name: 'd', dataType: 'tinyint', columnType: 'tinyint(1)' },
        { name: 'e', dataType: 'varchar', columnType: 'varchar(9)' },
        { name: 'f', dataType: 'mediumblob', columnType: 'mediumblob' },
      ],
    });
  });

  it('passes index changes and ALGORITHM/LOCK beside the columns, since MaxCompute tables have no indexes', () => {
    expect(readAddColumns('ALTER TABLE orders ADD COLUMN n INT, ADD INDEX ix_n (n), DROP KEY old_k, ALGORITHM=INPLACE, LOCK=NONE')).toEqual({
      columns: [{ name: 'n', dataType: 'int', columnType: 'int' }],
    });
    expect(readAddColumns('/*!40000 ALTER TABLE orders ADD COLUMN m BIGINT */')).toEqual({ columns: [{ name: 'm', dataType: 'bigint', columnType: 'bigint' }] });
  });

  it('refuses a statement that does anything else, naming it', () => {
    expect(readAddColumns('ALTER TABLE orders ADD COLUMN n INT, DROP COLUMN note')).toEqual({ refusal: 'DROP COLUMN note is not applied: only ADD COLUMN is' });
    expect(readAddColumns('ALTER TABLE orders MODIFY note VARCHAR(80)')).toEqual({ refusal: 'MODIFY note VARCHAR ( 80 ) is not applied: only ADD COLUMN is' });
    expect(readAddColumns('ALTER TABLE orders ADD PRIMARY KEY (id)')).toEqual({ refusal: 'ADD PRIMARY KEY ( id ) is not applied: only ADD COLUMN is' });
    expect(readAddColumns('ALTER TABLE orders ADD COLUMN total INT AS (qty * 2) VIRTUAL')).toEqual({ refusal: "ADD COLUMN total is not applied: a generated column's values are computed by the source" });
    expect(readAddColumns('ALTER TABLE orders ADD INDEX (note)')).toEqual({ refusal: 'it adds no column (MaxCompute tables have no indexes; only ADD COLUMN is applied)' });
    expect(readAddColumns('ALTER TABLE orders ADD id2 SERIAL')).toMatchObject({ refusal: expect.stringContaining('SERIAL is not applied') });
  });
});

describe('the MaxCompute DDL policy', () => {
  it('applies ADD COLUMN and refuses other statements with what they leave behind', () => {
    expect(ddlRefusal(statement('ALTER TABLE orders ADD COLUMN n INT'), config)).toBeUndefined();
    expect(ddlRefusal(statement('ALTER TABLE orders DROP COLUMN note'), config)).toBe(
      'DROP COLUMN note is not applied: only ADD COLUMN is; the _base and _log tables keep their columns (values of a column the source adds are not written, a dropped one is logged as NULL)',
    );
    expect(ddlRefusal(statement('DROP TABLE orders', 'drop-table'), config)).toBe('MaxCompute destinations apply only ADD COLUMN: the _base and _log tables stay, with their rows');
    expect(ddlRefusal(statement('TRUNCATE TABLE orders', 'truncate-table'), config)).toContain('keep their rows');
  });

  it('refuses a column named like an additional column or a partition key, or not a MaxCompute name', () => {
    expect(ddlRefusal(statement('ALTER TABLE orders ADD COLUMN Record_ID BIGINT'), config)).toMatch(/^ADD COLUMN Record_ID: the name of an additional column of the _log table \(additionalColumnRule: previous; the rule "new" prefixes/);
    expect(ddlRefusal(statement('ALTER TABLE orders ADD COLUMN modifytime_day INT'), config)).toMatch(/^ADD COLUMN modifytime_day: the name of an additional column/);
    const renamed = parseMaxComputeDestination({ type: 'maxcompute', endpoint: 'http://127.0.0.1:1/api', project: 'shop_dw', accessKeyId: 'ak', accessKeySecret: 'sk', additionalColumnRule: 'new' });
    expect(ddlRefusal(statement('ALTER TABLE orders ADD COLUMN record_id BIGINT'), renamed)).toBeUndefined();
    expect(ddlRefusal(statement('ALTER TABLE orders ADD COLUMN `2nd` INT'), config)).toMatch(/^ADD COLUMN 2nd: not a MaxCompute column name/);
  });
});
