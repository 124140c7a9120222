/** UPSERTs cut by rows and bytes with each row checked first, and DELETEs by the full key. */
import { describe, expect, it } from 'vitest';
import type { Row } from '../shared/change/change-event.ts';
import type { LiteralSession } from '../shared/destinations/lindorm/lindorm-literals.ts';
import { deleteStatements, statementLimits, upsertStatements, type StatementTable } from '../shared/destinations/lindorm/lindorm-statements.ts';
import { lindormTable } from '../shared/destinations/lindorm/lindorm-table.ts';
import { parseLindormType } from '../shared/destinations/lindorm/lindorm-types.ts';
import { ALL_TYPES_INFO, tableMapping } from './helpers/catalog-columns.ts';

const session: LiteralSession = { backslashEscapes: false, timeZone: '+08:00' };
const col = (name: string, type: string, key = false) => ({ name, type: parseLindormType(type)!, instant: false, key });

const orders: StatementTable = { name: 'Orders', columns: [col('id', 'BIGINT', true), col('Note', 'VARCHAR'), col('amount', 'DECIMAL(6,2)')] };
const two: StatementTable = { name: 'lines', columns: [col('order_id', 'INTEGER', true), col('code', 'VARBINARY', true), col('qty', 'INTEGER')] };

describe('UPSERT statements', () => {
  it('writes full rows, names quoted with their case, NULL for a column absent from the row', () => {
    const rows: Row[] = [{ id: 1, Note: "it's", amount: { n: '12.50' } }, { id: 2, Note: null }];
    expect(upsertStatements(orders, rows, session)).toEqual({
      statements: ["UPSERT INTO `Orders` (`id`, `Note`, `amount`) VALUES (1, 'it''s', 12.5),(2, NULL, NULL)"],
      refused: [],
    });
  });

  it('cuts at the row limit', () => {
    const rows: Row[] = Array.from({ length: 5 }, (_, i) => ({ id: i, Note: 'x', amount: 1 }));
    const { statements } = upsertStatements(orders, rows, session, statementLimits({ rows: 2 }));
    expect(statements.map((s) => s.split('),(').length)).toEqual([2, 2, 1]);
    expect(statements[2]).toBe("UPSERT INTO `Orders` (`id`, `Note`, `amount`) VALUES (4, 'x', 1)");
  });

  it('cuts before a row would take the statement over the byte bound, and sends a longer row alone', () => {
    const head = 'UPSERT INTO `Orders` (`id`, `Note`, `amount`) VALUES ';
    const tuple = (id: number, note: string) => `(${id}, '${note}', NULL)`;
    const bound = Buffer.byteLength(head) + 2 * tuple(0, 'é'.repeat(10)).length + 20 + 1; // two tuples of 10 two-byte characters and the comma
    const rows: Row[] = [0, 1, 2].map((id) => ({ id, Note: 'é'.repeat(10) }));
    const cut = upsertStatements(orders, rows, session, statementLimits({ bytes: bound }));
    expect(cut.statements).toEqual([`${head}${tuple(0, 'é'.repeat(10))},${tuple(1, 'é'.repeat(10))}`, `${head}${tuple(2, 'é'.repeat(10))}`]);
    expect(cut.statements.every((s) => Buffer.byteLength(s) <= bound)).toBe(true);
    const tight = upsertStatements(orders, rows, session, statementLimits({ bytes: bound - 1 }));
    expect(tight.statements).toHaveLength(3);
    const alone = upsertStatements(orders, [{ id: 9, Note: 'x'.repeat(500) }, { id: 10, Note: 'y' }], session, statementLimits({ bytes: 100 }));
    expect(alone.statements.map((s) => s.length > 100)).toEqual([true, false]);
  });

  it('refuses limits beyond Lindorm’s 2,000 rows and 64 MB a write', () => {
    expect(statementLimits()).toEqual({ rows: 500, bytes: 4 * 1024 * 1024 });
    expect(statementLimits({ rows: 2000, bytes: 64 * 1024 * 1024 })).toEqual({ rows: 2000, bytes: 67108864 });
    expect(() => statementLimits({ rows: 2001 })).toThrow("rows a statement: 2001 is not within 1..2000 (Lindorm's rows a write)");
    expect(() => statementLimits({ bytes: 64 * 1024 * 1024 + 1 })).toThrow(RangeError);
    expect(() => statementLimits({ rows: 0 })).toThrow(RangeError);
  });

  it('reports a row over a limit or with a value its column cannot hold, and sends the others', () => {
    const rows: Row[] = [
      { id: 1, Note: 'ok', amount: 1 },
      { id: 2, Note: 'ok', amount: { n: '12345.6' } },
      { id: null, Note: 'no key' },
      { id: 4, Note: 'x'.repeat(2 * 1024 * 1024 + 1) },
      { id: 5, Note: 'x'.repeat(2 * 1024 * 1024 - 4), amount: { n: '1234.56' } },
      { id: 6, Note: 'last' },
    ];
    const { statements, refused } = upsertStatements(orders, rows, session);
    expect(refused).toEqual([
      { index: 1, reason: 'Orders key (id=2): column amount: {"n":"12345.6"} cannot be written as Lindorm DECIMAL(6,2): 5 digits before the point, over the 4 DECIMAL(6,2) has' },
      { index: 2, reason: 'Orders: key column id is NULL, and a Lindorm key cannot be' },
      { index: 3, reason: "Orders key (id=4): non-key values of 2097153 bytes, over Lindorm's 2097152 bytes (2 MB) a row" },
      { index: 4, reason: "Orders key (id=5): non-key values of 2097156 bytes, over Lindorm's 2097152 bytes (2 MB) a row" },
    ]);
    expect(statements).toEqual(["UPSERT INTO `Orders` (`id`, `Note`, `amount`) VALUES (1, 'ok', 1),(6, 'last', NULL)"]);
  });

  it('refuses a key over 2 KB and an empty VARBINARY key, which Lindorm takes as NULL', () => {
    const rows: Row[] = [
      { order_id: 1, code: { b: Buffer.alloc(2044, 1).toString('base64') }, qty: 1 },
      { order_id: 2, code: { b: Buffer.alloc(2045, 1).toString('base64') }, qty: 1 },
      { order_id: 3, code: { b: '' }, qty: 1 },
    ];
    const { statements, refused } = upsertStatements(two, rows, session);
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatch(/^UPSERT INTO `lines` \(`order_id`, `code`, `qty`\) VALUES \(1, X'0101/);
    expect(refused).toEqual([
      { index: 1, reason: "lines key (order_id=2, code=X'01010101010101010101010101010101010...): key values of 2049 bytes, over Lindorm's 2048 bytes (2 KB) a row's key" },
      { index: 2, reason: 'lines: key column code is an empty VARBINARY, which Lindorm takes as NULL, and a Lindorm key cannot be' },
    ]);
  });

  it('writes the all-types table without its BIT and wide DECIMAL columns in one statement', () => {
    const read = lindormTable(tableMapping('all_types', ALL_TYPES_INFO.filter((c) => !['dec65', 'b1', 'b64'].includes(c.name)), ['id']));
    if (!('table' in read)) throw new Error(read.refusals.join('; '));
    const row: Row = Object.fromEntries(read.table.columns.map((c) => [c.name, null]));
    const { statements, refused } = upsertStatements(read.table, [{ ...row, id: 4 }, { ...row, id: 5, tm: '12:00:00', ts: '2024-01-01 00:00:00.000000' }], session);
    expect(refused).toEqual([]);
    expect(statements).toHaveLength(1);
    expect(statements[0]).toContain("(5, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '12:00:00', NULL, '2024-01-01 08:00:00.000', NULL, NULL, NULL, NULL)");
  });
});

describe('DELETE statements', () => {
  it('deletes one row a statement by every key column with =', () => {
    const keys: Row[] = [{ order_id: 7, code: { b: Buffer.from([0x5c, 0x27]).toString('base64') } }, { order_id: 8, code: { b: 'AA==' }, qty: 3 }];
    expect(deleteStatements(two, keys, session)).toEqual({
      statements: ["DELETE FROM `lines` WHERE `order_id` = 7 AND `code` = X'5c27'", "DELETE FROM `lines` WHERE `order_id` = 8 AND `code` = X'00'"],
      refused: [],
    });
    expect(deleteStatements(orders, [{ id: { n: '9223372036854775807' } }], session).statements).toEqual(['DELETE FROM `Orders` WHERE `id` = 9223372036854775807']);
  });

  it('reports a key that cannot name a row instead of deleting by it', () => {
    expect(deleteStatements(two, [{ order_id: 1 }, { order_id: 'x', code: { b: 'AA==' } }], session).refused).toEqual([
      { index: 0, reason: 'lines: key column code is NULL, and a Lindorm key cannot be' },
      { index: 1, reason: 'lines: column order_id: "x" cannot be written as Lindorm INTEGER: not an integer' },
    ]);
  });
});
