/** Which DDL a Lindorm destination applies in incremental sync, and the Lindorm statements replaying it (reference 004: CREATE TABLE, DROP TABLE, ADD COLUMN). */
import { describe, expect, it } from 'vitest';
import type { DdlKind, DdlTranslation } from '../shared/incremental/ddl-translator.ts';
import { lindormDdlRefusal, replayedDdl } from '../shared/destinations/lindorm/ddl-policy.ts';

const on = (table: string) => [{ database: 'shop', table }];
const statement = (sql: string, kind: DdlKind, table = 'orders'): DdlTranslation => ({ kind, sql, database: 'shop', tables: on(table), sourceTables: [`shop.${table}`] });

describe('CREATE TABLE from the binlog', () => {
  it('replays the columns with Lindorm types and the primary key, nothing else', () => {
    const sql = "CREATE TABLE `orders` (id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT, region CHAR(4) NOT NULL DEFAULT 'cn', amount DECIMAL(12,2) COMMENT 'x', at DATETIME(3), PRIMARY KEY (region, id), KEY k_at (at)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";
    expect(replayedDdl(sql, on('orders'))).toEqual({
      statements: ['CREATE TABLE IF NOT EXISTS `orders` (`id` DECIMAL(20,0) NOT NULL, `region` VARCHAR NOT NULL, `amount` DECIMAL(12,2), `at` TIMESTAMP, PRIMARY KEY (`region`, `id`))'],
    });
  });

  it('takes a column-level PRIMARY KEY, else the first unique key on NOT NULL columns', () => {
    expect(replayedDdl('CREATE TABLE t (id INT PRIMARY KEY, v TEXT)', on('t'))).toEqual({ statements: ['CREATE TABLE IF NOT EXISTS `t` (`id` INTEGER NOT NULL, `v` VARCHAR, PRIMARY KEY (`id`))'] });
    expect(replayedDdl('CREATE TABLE t (a INT, b INT NOT NULL, v TEXT, UNIQUE KEY ua (a), UNIQUE KEY ub (b))', on('t'))).toEqual({ statements: ['CREATE TABLE IF NOT EXISTS `t` (`a` INTEGER, `b` INTEGER NOT NULL, `v` VARCHAR, PRIMARY KEY (`b`))'] });
  });

  it('refuses tables Lindorm cannot hold, and statements that do not list the columns', () => {
    expect(lindormDdlRefusal(statement('CREATE TABLE t (id INT PRIMARY KEY, flags BIT(8))', 'create-table', 't'))).toMatch(/column flags bit\(8\): Lindorm has no BIT type/);
    expect(lindormDdlRefusal(statement('CREATE TABLE t (id INT PRIMARY KEY)', 'create-table', 't'))).toMatch(/at least one non-key column/);
    expect(lindormDdlRefusal(statement('CREATE TABLE t (v INT)', 'create-table', 't'))).toMatch(/no primary key/);
    expect(lindormDdlRefusal(statement('CREATE TABLE t LIKE orders', 'create-table', 't'))).toMatch(/LIKE does not list the columns/);
    expect(lindormDdlRefusal(statement('CREATE TABLE t AS SELECT * FROM orders', 'create-table', 't'))).toMatch(/SELECT does not list all its columns/);
  });
});

describe('ALTER TABLE and DROP TABLE', () => {
  it('replays ADD COLUMN with its attributes stripped (reference 004) and DROP TABLE with IF EXISTS', () => {
    expect(replayedDdl('ALTER TABLE orders ADD COLUMN col INT DEFAULT 0', on('orders'))).toEqual({ statements: ['ALTER TABLE `orders` ADD COLUMN `col` INTEGER'] });
    expect(replayedDdl('DROP TABLE orders, lines', [...on('orders'), ...on('lines')])).toEqual({ statements: ['DROP TABLE IF EXISTS `orders`', 'DROP TABLE IF EXISTS `lines`'] });
    expect(lindormDdlRefusal(statement('ALTER TABLE orders ADD COLUMN col INT DEFAULT 0', 'alter-table'))).toBeUndefined();
    expect(lindormDdlRefusal(statement('DROP TABLE orders', 'drop-table'))).toBeUndefined();
  });

  it('records every other statement as not applied, saying what it leaves in Lindorm', () => {
    expect(lindormDdlRefusal(statement('ALTER TABLE orders DROP COLUMN note', 'alter-table'))).toMatch(/the Lindorm table keeps its columns/);
    expect(lindormDdlRefusal(statement('ALTER TABLE orders MODIFY note TEXT', 'alter-table'))).toMatch(/keeps its columns/);
    expect(lindormDdlRefusal(statement('TRUNCATE TABLE orders', 'truncate-table'))).toMatch(/^Lindorm destinations apply only CREATE TABLE, DROP TABLE and ADD COLUMN: the rows stay/);
    expect(lindormDdlRefusal(statement('RENAME TABLE orders TO o2', 'rename-table'))).toMatch(/keeps its name/);
    expect(lindormDdlRefusal(statement('CREATE INDEX i ON orders (note)', 'create-index'))).toMatch(/secondary indexes/);
  });
});
