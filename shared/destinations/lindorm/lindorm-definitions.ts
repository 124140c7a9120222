/**
 * The sink's knowledge of its Lindorm tables: each table's columns, types and key as Lindorm describes
 * it (the table is the truth, not the source catalog: a column added while fc-dts was stopped, or by
 * another apply instance, is there), read once and read again the first time a change carries a column
 * the definition lacks. A column still missing then (Lindorm refused its ADD COLUMN) is looked for again
 * at most once a minute, so it costs no DESCRIBE per batch.
 */
import type { RowChange } from '../../change/change-event.ts';
import { FcDtsError } from '../../errors.ts';
import { describeTable, type DefinedTable } from './lindorm-catalog.ts';
import type { LindormSessions } from './lindorm-session.ts';

const REREAD_MS = 60_000;

interface Known {
  readonly table: DefinedTable;
  readonly names: ReadonlySet<string>;
  /** Columns changes carried that the table lacked when read again, and when that was. */
  readonly missing: Map<string, number>;
}

export class LindormDefinitions {
  private readonly known = new Map<string, Known>();

  constructor(private readonly sessions: LindormSessions) {}

  /** The table the change writes to, read again if the change has a column it lacks. */
  async of(change: RowChange): Promise<DefinedTable> {
    const name = change.table.table;
    const known = this.known.get(name) ?? (await this.read(name));
    const unknown = unknownColumns(change, known);
    if (unknown.length === 0) return known.table;
    const reread = await this.read(name, known.missing);
    for (const column of unknown) if (!reread.names.has(column)) reread.missing.set(column, Date.now());
    return reread.table;
  }

  /** Forgets a table (after this process changed it with DDL). */
  forget(name: string): void {
    this.known.delete(name);
  }

  private async read(name: string, missing = new Map<string, number>()): Promise<Known> {
    const table = await describeTable(this.sessions, name);
    if (!table) {
      throw new FcDtsError('OBJECT_NOT_FOUND', `Lindorm table ${name} does not exist in namespace ${this.sessions.config.database}`, 'create it (or run the task with schema in sync.types), then resume the task');
    }
    const known = { table, names: new Set(table.columns.map((c) => c.name)), missing };
    this.known.set(name, known);
    return known;
  }
}

/** Columns of the change the table lacks and that were not found missing within the last minute. */
function unknownColumns(change: RowChange, known: Known): string[] {
  const out: string[] = [];
  const now = Date.now();
  for (const column in change.after ?? change.before ?? {}) {
    if (known.names.has(column)) continue;
    const missingSince = known.missing.get(column);
    if (missingSince === undefined || now - missingSince >= REREAD_MS) out.push(column);
  }
  return out;
}
