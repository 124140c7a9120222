/** MySQL column types as Lindorm types, the refusals, and the rules on a Lindorm primary key. */
import { describe, expect, it } from 'vitest';
import { keyVerdict, lindormType, parseLindormType, typeText, type KeyColumnSpec, type LindormType } from '../shared/destinations/lindorm/lindorm-types.ts';
import { lindormTable, renamedTablesProblem } from '../shared/destinations/lindorm/lindorm-table.ts';
import { isLindormColumnName, isLindormNamespace, isLindormTableName } from '../shared/destinations/lindorm/lindorm-limits.ts';
import { lindormSecrets, parseLindormDestination } from '../shared/destinations/lindorm/config.ts';
import { TaskFileError } from '../shared/errors.ts';
import { ALL_TYPES_COLUMNS } from './helpers/fixtures.ts';
import { ALL_TYPES_INFO, column, tableMapping } from './helpers/catalog-columns.ts';

const mapped = (columnType: string): string => {
  const m = lindormType(column('c', columnType));
  return 'type' in m ? typeText(m.type) : `refused: ${m.refusal}`;
};

describe('Lindorm types of MySQL columns', () => {
  it('maps every column of the all-types fixture, refusing BIT and DECIMAL over 38 digits', () => {
    expect(ALL_TYPES_INFO.map((c) => c.name)).toEqual(ALL_TYPES_COLUMNS);
    const types = Object.fromEntries(ALL_TYPES_INFO.map((c) => [c.name, mapped(c.columnType)]));
    expect(types).toEqual({
      id: 'INTEGER', ti: 'TINYINT', tiu: 'SMALLINT', si: 'SMALLINT', siu: 'INTEGER', mi: 'INTEGER', miu: 'INTEGER', i: 'INTEGER', iu: 'BIGINT',
      bi: 'BIGINT', biu: 'DECIMAL(20,0)',
      dec65: "refused: decimal(65,30): 65 digits, over the 38 of Lindorm's DECIMAL (and DTS fails a task whose DECIMAL precision differs between source and destination)",
      f: 'FLOAT', d: 'DOUBLE',
      b1: 'refused: bit(1): Lindorm has no BIT type, and DTS does not synchronize BIT data (reference 004)',
      b64: 'refused: bit(64): Lindorm has no BIT type, and DTS does not synchronize BIT data (reference 004)',
      ch: 'VARCHAR', vc: 'VARCHAR', tx: 'VARCHAR', l1: 'VARCHAR', bn: 'VARBINARY', vb: 'VARBINARY', bl: 'VARBINARY',
      dt: 'DATE', tm: 'TIME', dtm: 'TIMESTAMP', ts: 'TIMESTAMP', yr: 'SMALLINT', en: 'VARCHAR', st: 'VARCHAR', js: 'VARCHAR',
    });
  });

  it('gives each integer type one wide enough for its unsigned range, and keeps TINYINT(1) a TINYINT', () => {
    const types = ['tinyint(1)', 'tinyint(3) unsigned', 'smallint(5) unsigned', 'mediumint(8) unsigned', 'int(10) unsigned', 'int(10) unsigned zerofill', 'bigint(20) unsigned', 'integer'];
    expect(types.map(mapped)).toEqual(['TINYINT', 'SMALLINT', 'INTEGER', 'INTEGER', 'BIGINT', 'BIGINT', 'DECIMAL(20,0)', 'INTEGER']);
  });

  it('keeps DECIMAL precision and scale exactly up to 38 digits', () => {
    expect(['decimal(38,18)', 'decimal(10,0)', 'decimal(1,1)', 'numeric(12,2)', 'decimal'].map(mapped)).toEqual(['DECIMAL(38,18)', 'DECIMAL(10,0)', 'DECIMAL(1,1)', 'DECIMAL(12,2)', 'DECIMAL(10,0)']);
    expect(mapped('decimal(39,0)')).toMatch(/^refused: decimal\(39,0\): 39 digits, over the 38/);
  });

  it('maps the other text, byte and time types, and refuses spatial and unknown ones', () => {
    expect(['longtext', 'mediumblob', 'tinyblob', 'real', 'datetime', 'timestamp', 'time', 'uuid', 'inet6'].map(mapped)).toEqual([
      'VARCHAR', 'VARBINARY', 'VARBINARY', 'DOUBLE', 'TIMESTAMP', 'TIMESTAMP', 'TIME', 'VARCHAR', 'VARCHAR',
    ]);
    expect(mapped('point')).toBe('refused: point: Lindorm has no spatial type');
    expect(mapped('geometry')).toBe('refused: geometry: Lindorm has no spatial type');
    expect(mapped('vector(3)')).toBe('refused: vector(3): no Lindorm type holds this MySQL type');
  });

  it('reads Lindorm type texts as SQL and DESCRIBE write them, and nothing else', () => {
    const read = (text: string) => parseLindormType(text);
    expect(read('int')).toEqual({ name: 'INTEGER' });
    expect(read('VARCHAR(50)')).toEqual({ name: 'VARCHAR', length: 50 });
    expect(read(' DECIMAL(10, 2) ')).toEqual({ name: 'DECIMAL', precision: 10, scale: 2 });
    expect(read('bool')).toEqual({ name: 'BOOLEAN' });
    expect(['DECIMAL(39,0)', 'DECIMAL(5,6)', 'INTEGER(4)', 'TEXT', 'VARCHAR(1,2)', 'DATETIME'].map(read)).toEqual(Array(6).fill(undefined));
    const all: LindormType[] = [{ name: 'DECIMAL', precision: 20, scale: 0 }, { name: 'CHAR', length: 8 }, { name: 'TIMESTAMP' }];
    expect(all.map((t) => parseLindormType(typeText(t)))).toEqual(all);
  });
});

describe('Lindorm primary keys', () => {
  const spec = (name: string, type: LindormType['name'], maxBytes: number | undefined = 8, nullable = false): KeyColumnSpec => ({ name, type: { name: type }, maxBytes, nullable });

  it('takes up to five key columns with a VARBINARY last, and a non-key column', () => {
    expect(keyVerdict([spec('a', 'INTEGER'), spec('b', 'VARCHAR', 200), spec('c', 'BIGINT'), spec('d', 'DATE'), spec('e', 'VARBINARY', 50)], 1)).toEqual({ refusals: [], warnings: [] });
  });

  it('refuses six key columns, a VARBINARY before the last, no key, and a table of key columns only', () => {
    const six = ['a', 'b', 'c', 'd', 'e', 'f'].map((n) => spec(n, 'INTEGER'));
    expect(keyVerdict(six, 1).refusals).toEqual(['6 key columns (a, b, c, d, e, f), but a Lindorm primary key has at most 5']);
    expect(keyVerdict([spec('bin', 'VARBINARY'), spec('id', 'INTEGER')], 1).refusals).toEqual([
      'VARBINARY key column bin is not the last key column, and Lindorm allows VARBINARY only there',
    ]);
    expect(keyVerdict([], 3).refusals).toEqual(['no primary key nor NOT NULL unique key: Lindorm tables need a primary key (name one with primaryKey)']);
    expect(keyVerdict([spec('id', 'INTEGER')], 0).refusals).toEqual(['every synchronized column is a key column: Lindorm needs at least one non-key column (reference 004)']);
  });

  it('warns when the source types allow keys over 2 KB, or unbounded ones, or NULL keys', () => {
    expect(keyVerdict([spec('a', 'VARCHAR', 1024), spec('b', 'VARCHAR', 1024)], 1).warnings).toEqual([]);
    expect(keyVerdict([spec('a', 'VARCHAR', 1024), spec('b', 'VARCHAR', 1024), spec('c', 'TINYINT', 1)], 1).warnings).toEqual([
      "key values can reach 2049 bytes, over Lindorm's 2048 bytes a row's key: longer keys cannot be written",
    ]);
    expect(keyVerdict([{ ...spec('a', 'VARCHAR'), maxBytes: undefined }], 1).warnings).toEqual(["key values can reach any length, over Lindorm's 2048 bytes a row's key: longer keys cannot be written"]);
    expect(keyVerdict([spec('a', 'INTEGER', 4, true)], 1).warnings).toEqual(['key column a can be NULL on the source: such rows cannot be written']);
  });
});

describe('a source table as a Lindorm table', () => {
  it('bounds key bytes from the source types: characters times their UTF-8 width', () => {
    const t = (charset: string) => tableMapping('t', [column('code', 'varchar(512)', { nullable: false, charset }), column('v', 'int(11)')], ['code']);
    expect(lindormTable(t('latin1'))).toMatchObject({ warnings: [] });
    // 512 characters of 4 bytes: exactly 2 KB.
    expect(lindormTable(t('utf8mb4'))).toMatchObject({ warnings: [] });
    const wide = tableMapping('t', [column('code', 'varchar(513)', { nullable: false }), column('v', 'int(11)')], ['code']);
    expect(lindormTable(wide).warnings).toEqual(["key values can reach 2052 bytes, over Lindorm's 2048 bytes a row's key: longer keys cannot be written"]);
  });

  it('refuses the all-types table for its BIT and DECIMAL(65,30) columns, naming the fix', () => {
    const read = lindormTable(tableMapping('all_types', ALL_TYPES_INFO, ['id']));
    expect('refusals' in read && read.refusals).toEqual([
      "column dec65 decimal(65,30): 65 digits, over the 38 of Lindorm's DECIMAL (and DTS fails a task whose DECIMAL precision differs between source and destination) (leave the column out with tables[].columns)",
      'column b1 bit(1): Lindorm has no BIT type, and DTS does not synchronize BIT data (reference 004) (leave the column out with tables[].columns)',
      'column b64 bit(64): Lindorm has no BIT type, and DTS does not synchronize BIT data (reference 004) (leave the column out with tables[].columns)',
    ]);
  });

  it('takes the all-types table without those columns: columns in order, the key, TIMESTAMP marked as an instant', () => {
    const read = lindormTable(tableMapping('all_types', ALL_TYPES_INFO.filter((c) => !['dec65', 'b1', 'b64'].includes(c.name)), ['id']));
    if (!('table' in read)) throw new Error(read.refusals.join('; '));
    expect(read.table.key.map((c) => c.name)).toEqual(['id']);
    expect(read.table.columns).toHaveLength(ALL_TYPES_COLUMNS.length - 3);
    expect(read.table.columns.filter((c) => c.instant).map((c) => c.name)).toEqual(['ts']);
    expect(read.warnings).toEqual([]);
  });

  it('refuses a table name Lindorm does not take, and counts renamed tables against the task limit', () => {
    const bad = lindormTable(tableMapping('orders', [column('id', 'int(11)', { nullable: false }), column('v', 'int(11)')], ['id'], 'order$items'));
    expect('refusals' in bad && bad.refusals).toEqual(['table name "order$items" is not a Lindorm table name (1–255 letters, digits, "_", "-" or ".", not starting with "-" or ".")']);
    const plain = tableMapping('t', [column('id', 'int(11)', { nullable: false }), column('v', 'int(11)')], ['id']);
    const renamed = tableMapping('t', [column('id', 'int(11)', { nullable: false }), column('v', 'int(11)')], ['id'], 't2');
    expect(renamedTablesProblem(Array(1001).fill(plain))).toBeUndefined();
    expect(renamedTablesProblem([...Array(1000).fill(plain), renamed])).toMatch(/^1001 tables with renamed tables or columns, but a Lindorm task that renames objects selects at most 1000 tables/);
    expect(renamedTablesProblem(Array(1000).fill(renamed))).toBeUndefined();
  });

  it('applies the naming rules of tables, columns and namespaces', () => {
    expect(['orders', 'Order-Items', 'v1.2', '_x', 'x'.repeat(255)].map(isLindormTableName)).toEqual([true, true, true, true, true]);
    expect(['-x', '.x', 'a b', '', 'x'.repeat(256)].map(isLindormTableName)).toEqual([false, false, false, false, false]);
    expect(['Seen At', 'é'.repeat(127), 'é'.repeat(128), ''].map(isLindormColumnName)).toEqual([true, true, false, false]);
    expect(['default', 'shop', 'shop-dw_2026_abc', 'abc', 'lindorm', 'Global', 'DEFAULT', 'x'.repeat(17)].map(isLindormNamespace)).toEqual([true, true, true, false, false, false, false, false]);
  });
});

describe('destination block of a Lindorm task', () => {
  const base = { type: 'lindorm', host: 'ld-abc-proxy-lindorm.lindorm.rds.aliyuncs.com', user: 'root', password: 's3cret' };

  it('fills the defaults: port 33060, namespace default, plaintext, session zone +08:00', () => {
    expect(parseLindormDestination(base)).toEqual({ ...base, port: 33060, database: 'default', ssl: false, timeZone: '+08:00' });
    expect(parseLindormDestination({ ...base, port: 3306, database: 'shop_dw', ssl: true, timeZone: '-03:30' })).toMatchObject({ port: 3306, database: 'shop_dw', ssl: true, timeZone: '-03:30' });
    expect(lindormSecrets(parseLindormDestination(base))).toEqual(['s3cret']);
  });

  it('names the key and the fix of every mistake', () => {
    const error = (over: Record<string, unknown>): TaskFileError => {
      try {
        parseLindormDestination({ ...base, ...over });
      } catch (e) {
        if (e instanceof TaskFileError) return e;
        throw e;
      }
      throw new Error('accepted');
    };
    expect(error({ hots: 'x' })).toMatchObject({ key: 'destination.hots', fix: 'did you mean "host"?' });
    expect(error({ host: 'ld-abc:33060' }).key).toBe('destination.host');
    expect(error({ host: undefined }).message).toBe('destination.host: is missing');
    expect(error({ password: undefined }).key).toBe('destination.password');
    expect(error({ port: 70000 }).message).toBe('destination.port: must be an integer from 1 to 65535 (got 70000)');
    expect(error({ database: 'abc' }).message).toBe('destination.database: "abc" is not a Lindorm namespace name (default, or 4–16 letters, digits, "_" or "-", not lindorm or global)');
    expect(error({ ssl: 'yes' }).key).toBe('destination.ssl');
    expect(error({ timeZone: 'Asia/Shanghai' })).toMatchObject({ message: 'destination.timeZone: "Asia/Shanghai" is not a UTC offset from -12:00 to +14:00', fix: expect.stringContaining('+00:00 for UTC') });
    expect(error({ timeZone: '+14:30' }).key).toBe('destination.timeZone');
    expect(error({ timeZone: '+08:60' }).key).toBe('destination.timeZone');
  });
});
