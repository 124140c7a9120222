/** CREATE TABLE in Lindorm's form, ADD COLUMN with the attributes stripped (reference 004), DROP TABLE. */
import { describe, expect, it } from 'vitest';
import { addColumnStatement, createTableStatement, dropTableStatement } from '../shared/destinations/lindorm/lindorm-ddl.ts';
import { ALL_TYPES_INFO, column, tableMapping } from './helpers/catalog-columns.ts';

describe('CREATE TABLE for a source table', () => {
  it('writes the columns with their Lindorm types and the key, and nothing of MySQL’s attributes', () => {
    const t = tableMapping('Orders', [
      column('id', 'bigint(20) unsigned', { nullable: false, extra: 'auto_increment' }),
      column('Region', 'varchar(16)', { nullable: false, defaultValue: "'cn'", comment: 'sales region', collation: 'utf8mb4_bin' }),
      column('amount', 'decimal(12,2)', { defaultValue: '0.00' }),
      column('total', 'decimal(12,2)', { generated: true, generationExpression: 'amount * 2' }),
      column('seen', 'timestamp(3)'),
    ], ['Region', 'id']);
    expect(createTableStatement(t)).toEqual({
      sql: 'CREATE TABLE IF NOT EXISTS `Orders` (`id` DECIMAL(20,0) NOT NULL, `Region` VARCHAR NOT NULL, `amount` DECIMAL(12,2), `seen` TIMESTAMP, PRIMARY KEY (`Region`, `id`))',
    });
  });

  it('uses the destination names', () => {
    const t = tableMapping('orders', [column('id', 'int(11)', { nullable: false }), column('note', 'text')], ['id'], 'orders_v2');
    expect(createTableStatement(t)).toEqual({ sql: 'CREATE TABLE IF NOT EXISTS `orders_v2` (`id` INTEGER NOT NULL, `note` VARCHAR, PRIMARY KEY (`id`))' });
  });

  it('creates the all-types table without its BIT and wide DECIMAL columns, and refuses it with them', () => {
    const kept = ALL_TYPES_INFO.filter((c) => !['dec65', 'b1', 'b64'].includes(c.name));
    expect(createTableStatement(tableMapping('all_types', kept, ['id']))).toEqual({
      sql: 'CREATE TABLE IF NOT EXISTS `all_types` (`id` INTEGER NOT NULL, `ti` TINYINT, `tiu` SMALLINT, `si` SMALLINT, `siu` INTEGER, `mi` INTEGER, `miu` INTEGER, `i` INTEGER, '
        + '`iu` BIGINT, `bi` BIGINT, `biu` DECIMAL(20,0), `f` FLOAT, `d` DOUBLE, `ch` VARCHAR, `vc` VARCHAR, `tx` VARCHAR, `l1` VARCHAR, `bn` VARBINARY, `vb` VARBINARY, '
        + '`bl` VARBINARY, `dt` DATE, `tm` TIME, `dtm` TIMESTAMP, `ts` TIMESTAMP, `yr` SMALLINT, `en` VARCHAR, `st` VARCHAR, `js` VARCHAR, PRIMARY KEY (`id`))',
    });
    const refused = createTableStatement(tableMapping('all_types', ALL_TYPES_INFO, ['id']));
    expect('refusal' in refused && refused.refusal).toMatch(/^all_types: column dec65 decimal\(65,30\): 65 digits.*; column b1 bit\(1\): Lindorm has no BIT type.*; column b64 bit\(64\)/);
  });

  it('refuses a table without a key, with only key columns, or with a VARBINARY key column before the last', () => {
    const noKey = createTableStatement(tableMapping('t', [column('a', 'int(11)'), column('b', 'int(11)')], []));
    expect(noKey).toEqual({ refusal: 't: no primary key nor NOT NULL unique key: Lindorm tables need a primary key (name one with primaryKey)' });
    const keyOnly = createTableStatement(tableMapping('t', [column('a', 'int(11)', { nullable: false })], ['a']));
    expect(keyOnly).toEqual({ refusal: 't: every synchronized column is a key column: Lindorm needs at least one non-key column (reference 004)' });
    const binFirst = createTableStatement(tableMapping('t', [column('h', 'binary(16)', { nullable: false }), column('n', 'int(11)', { nullable: false }), column('v', 'text')], ['h', 'n']));
    expect(binFirst).toEqual({ refusal: 't: VARBINARY key column h is not the last key column, and Lindorm allows VARBINARY only there' });
  });
});

describe('ADD COLUMN as Lindorm replays it', () => {
  it('strips the attributes, as reference 004’s example shows', () => {
    expect(addColumnStatement('test', 'ALTER TABLE test ADD COLUMN col INT DEFAULT 0')).toEqual({ sql: 'ALTER TABLE `test` ADD COLUMN `col` INTEGER' });
    expect(addColumnStatement('Orders', "ALTER TABLE `shop`.`orders` ADD COLUMN `Seen At` TIMESTAMP(3) NULL COMMENT 'when' AFTER id, ADD score DECIMAL(10,2) UNSIGNED NOT NULL DEFAULT 0 FIRST")).toEqual({
      sql: 'ALTER TABLE `Orders` ADD COLUMN `Seen At` TIMESTAMP, ADD COLUMN `score` DECIMAL(10,2)',
    });
    expect(addColumnStatement('t', "ALTER TABLE t ADD (a BIGINT UNSIGNED, b ENUM('x','y') CHARACTER SET latin1, c LONGBLOB), ADD INDEX ix_a (a), ALGORITHM=INPLACE")).toEqual({
      sql: 'ALTER TABLE `t` ADD COLUMN `a` DECIMAL(20,0), ADD COLUMN `b` VARCHAR, ADD COLUMN `c` VARBINARY',
    });
  });

  it('refuses a statement that does anything else, or adds a column Lindorm has no type for', () => {
    expect(addColumnStatement('t', 'ALTER TABLE t ADD COLUMN n INT, DROP COLUMN note')).toEqual({ refusal: 'DROP COLUMN note is not applied: only ADD COLUMN is' });
    expect(addColumnStatement('t', 'ALTER TABLE t ADD INDEX ix (n)')).toEqual({ refusal: 'it adds no column (only ADD COLUMN is replayed on Lindorm; index changes are not)' });
    expect(addColumnStatement('t', 'ALTER TABLE t ADD COLUMN flags BIT(8)')).toEqual({ refusal: 'ADD COLUMN flags bit(8): Lindorm has no BIT type, and DTS does not synchronize BIT data (reference 004)' });
    expect(addColumnStatement('t', 'ALTER TABLE t ADD COLUMN big DECIMAL(40,2) DEFAULT 0')).toMatchObject({ refusal: expect.stringMatching(/^ADD COLUMN big decimal\(40,2\): 40 digits, over the 38/) });
    expect(addColumnStatement('t', 'ALTER TABLE t ADD COLUMN g POINT')).toEqual({ refusal: 'ADD COLUMN g point: Lindorm has no spatial type' });
    expect(addColumnStatement('t', `ALTER TABLE t ADD COLUMN \`${'é'.repeat(128)}\` INT`)).toEqual({ refusal: `ADD COLUMN ${'é'.repeat(128)}: the name is over Lindorm's 255 bytes` });
    expect(addColumnStatement('t', 'CREATE TABLE t (a INT)')).toEqual({ refusal: 'not an ALTER TABLE statement' });
  });
});

describe('DROP TABLE', () => {
  it('drops if it exists, so a replay is harmless', () => {
    expect(dropTableStatement('Order Items')).toBe('DROP TABLE IF EXISTS `Order Items`');
  });
});
