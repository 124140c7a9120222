/**
 * Tables as LindormTable defines them, read with `SHOW TABLES` and `DESCRIBE` (…/show-tables, …/describe-3).
 * DESCRIBE's rows begin TABLE_SCHEMA, TABLE_NAME; its other column names are not in the documentation read,
 * so the ones read here (COLUMN_NAME, TYPE, IS_NULLABLE, IS_PRIMARY_KEY, SORT_ORDER, as the stand-in answers)
 * are looked up by name, case-insensitively, and a reply without them is an error naming what is missing.
 */
import { FcDtsError } from '../../errors.ts';
import { lindormMessage, type LindormSessions } from './lindorm-session.ts';
import { quoteName, quoteString } from './lindorm-literals.ts';
import { parseLindormType, type LindormType } from './lindorm-types.ts';

export interface DefinedColumn {
  readonly name: string;
  /** Undefined when the server showed a type fc-dts does not know (its text is in `typeText`). */
  readonly type: LindormType | undefined;
  readonly typeText: string;
  readonly nullable: boolean;
}

export interface DefinedTable {
  readonly name: string;
  readonly columns: readonly DefinedColumn[];
  /** Key column names in key order. */
  readonly key: readonly string[];
}

/** ER_NO_SUCH_TABLE, as Lindorm's MySQL endpoint answers for a table that is not there. */
const NO_SUCH_TABLE = 1146;

/** Table names of the session's namespace (`like`: a LIKE pattern). */
export async function tableNames(sessions: LindormSessions, like?: string): Promise<string[]> {
  const rows = await sessions.query(`SHOW TABLES${like === undefined ? '' : ` LIKE ${quoteString(like, sessions.literals.backslashEscapes)}`}`);
  return rows.map((r) => String(Object.values(r)[0]));
}

/** The table's definition; undefined when it does not exist. */
export async function describeTable(sessions: LindormSessions, name: string): Promise<DefinedTable | undefined> {
  let rows: Record<string, unknown>[];
  try {
    rows = await sessions.query(`DESCRIBE ${quoteName(name)}`);
  } catch (e) {
    if ((e as { errno?: number }).errno === NO_SUCH_TABLE) return undefined;
    throw new FcDtsError('CONNECTION_FAILED', `Lindorm table ${name}: DESCRIBE failed (${lindormMessage(e)})`, 'check that the account may read the namespace', { cause: e });
  }
  const columns: DefinedColumn[] = [];
  const key: Array<{ name: string; at: number }> = [];
  for (const [at, row] of rows.entries()) {
    const field = fieldReader(row, name);
    const column = field('COLUMN_NAME');
    const typeText = field('TYPE');
    columns.push({ name: column, type: parseLindormType(typeText), typeText, nullable: field('IS_NULLABLE').toLowerCase() !== 'false' });
    if (field('IS_PRIMARY_KEY').toLowerCase() === 'true') key.push({ name: column, at });
  }
  return { name, columns, key: key.map((k) => k.name) };
}

function fieldReader(row: Record<string, unknown>, table: string): (name: string) => string {
  const byName = new Map(Object.entries(row).map(([k, v]) => [k.toUpperCase(), v]));
  return (name) => {
    if (!byName.has(name)) {
      throw new FcDtsError('STATE_INVALID', `Lindorm table ${table}: DESCRIBE answered without a ${name} column (columns: ${[...byName.keys()].join(', ')})`, 'this LindormTable version describes tables differently from the one fc-dts knows; report the columns above');
    }
    const v = byName.get(name);
    return v === null || v === undefined ? '' : String(v);
  };
}
