/**
 * An existing Lindorm table against the table the task expects (lindorm-table.ts): every column there
 * under its exact name (Lindorm names are case-sensitive), of a type that holds every source value, and
 * the same primary key in the same order.
 *
 * Type compatibility: the same type is compatible, except DECIMAL, whose precision and scale must be equal
 * (reference 004: DTS fails the task when they differ); a wider integer (TINYINT < SMALLINT < INTEGER <
 * BIGINT) and DOUBLE for FLOAT are compatible, a narrower one is not; a length on VARCHAR, CHAR, BINARY
 * or VARBINARY is compatible with a warning unless the source column's own length fits in it. Any other
 * pair is incompatible.
 */
import type { ColumnInfo } from '../../mysql/catalog.ts';
import type { DefinedColumn, DefinedTable } from './lindorm-catalog.ts';
import type { LindormColumn, LindormTable } from './lindorm-table.ts';
import { typeText, type LindormType, type LindormTypeName } from './lindorm-types.ts';

export interface TableCheck {
  /** What makes the table unusable: rows could not be written or would lose values. */
  readonly problems: readonly string[];
  /** What only some values may break. */
  readonly warnings: readonly string[];
}

type Verdict = { readonly ok: true; readonly warning?: string } | { readonly ok: false; readonly problem: string };

const INTEGER_RANK: Partial<Record<LindormTypeName, number>> = { TINYINT: 1, SMALLINT: 2, INTEGER: 3, BIGINT: 4 };
const WIDER: Partial<Record<LindormTypeName, LindormTypeName>> = { FLOAT: 'DOUBLE' };
const LENGTHS: Partial<Record<LindormTypeName, readonly LindormTypeName[]>> = { VARCHAR: ['VARCHAR', 'CHAR'], VARBINARY: ['VARBINARY', 'BINARY'] };

/** Whether a column of Lindorm type `actual` holds every value of `expected`, the type the source column maps to. */
export function typeVerdict(expected: LindormType, actual: LindormType, source: Pick<ColumnInfo, 'columnType'>): Verdict {
  const e = typeText(expected);
  const a = typeText(actual);
  const sourceType = source.columnType.toUpperCase();
  if (expected.name === 'DECIMAL' && actual.name === 'DECIMAL') {
    if (e === a) return { ok: true };
    return { ok: false, problem: `is ${a} in Lindorm, but the source column is ${sourceType} (${e} in Lindorm): DECIMAL precision and scale must be the same on both sides (DTS fails a task where they differ)` };
  }
  if (expected.name === actual.name && LENGTHS[expected.name] === undefined) return { ok: true };
  const [er, ar] = [INTEGER_RANK[expected.name], INTEGER_RANK[actual.name]];
  if (er !== undefined && ar !== undefined) {
    return ar >= er ? { ok: true } : { ok: false, problem: `is ${a} in Lindorm, narrower than the ${e} the source column ${sourceType} needs: larger values could not be written` };
  }
  if (WIDER[expected.name] === actual.name) return { ok: true };
  if (LENGTHS[expected.name]?.includes(actual.name)) return lengthVerdict(a, actual.length, source);
  return { ok: false, problem: `is ${a} in Lindorm, but the source column ${sourceType} needs ${e}` };
}

/** A VARCHAR/CHAR/BINARY/VARBINARY with a length takes the values that fit; the source's own length may guarantee they do. */
function lengthVerdict(actual: string, length: number | undefined, source: Pick<ColumnInfo, 'columnType'>): Verdict {
  if (length === undefined) return { ok: true };
  const m = /^(?:var)?(?:char|binary)\((\d+)\)/i.exec(source.columnType);
  if (m && Number(m[1]) <= length) return { ok: true };
  return { ok: true, warning: `is ${actual} in Lindorm, and values of the source column ${source.columnType.toUpperCase()} longer than ${length} cannot be written` };
}

/** The existing table `defined` against the expected `table`: problems and warnings as sentences naming table and column. */
export function checkLindormTable(table: LindormTable, defined: DefinedTable): TableCheck {
  const problems: string[] = [];
  const warnings: string[] = [];
  const at = (c: { readonly name: string }) => `Lindorm table ${table.name}: column ${c.name}`;
  for (const c of table.columns) {
    const found = defined.columns.find((d) => d.name === c.name);
    if (!found) {
      problems.push(`${at(c)} does not exist${caseNote(c.name, defined.columns)}`);
      continue;
    }
    const v = columnVerdict(c, found);
    if (!v.ok) problems.push(`${at(c)} ${v.problem}`);
    else if (v.warning !== undefined) warnings.push(`${at(c)} ${v.warning}`);
  }
  const key = keyProblem(table, defined);
  if (key) problems.push(key);
  return { problems, warnings };
}

function columnVerdict(c: LindormColumn, found: DefinedColumn): Verdict {
  if (!found.type) return { ok: false, problem: `is of type ${found.typeText}, which fc-dts does not know as a Lindorm type (expected ${typeText(c.type)})` };
  const v = typeVerdict(c.type, found.type, c.source);
  if (!v.ok || c.key || found.nullable || !c.source.nullable) return v;
  return { ok: true, warning: `is NOT NULL in Lindorm, but the source column can be NULL: rows with NULL there cannot be written` };
}

function caseNote(name: string, columns: readonly DefinedColumn[]): string {
  const other = columns.find((d) => d.name.toLowerCase() === name.toLowerCase());
  return other ? ` (Lindorm has a column ${other.name}: Lindorm names are case-sensitive, so it is another column; rename one of them)` : '';
}

function keyProblem(table: LindormTable, defined: DefinedTable): string | undefined {
  const expected = table.key.map((k) => k.name);
  if (expected.length === defined.key.length && expected.every((k, i) => k === defined.key[i])) return undefined;
  return `Lindorm table ${table.name}: the primary key is (${defined.key.join(', ')}) in Lindorm, but the task's key is (${expected.join(', ')}): rows could not be addressed`;
}
