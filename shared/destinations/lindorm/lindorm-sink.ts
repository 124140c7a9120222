/**
 * The Lindorm sink: applies change batches to LindormTable exactly once in effect (docs/lindorm.md,
 * "Exactly once without transactions").
 *
 * Lindorm has no transactions, so a batch's rows and its watermark cannot land together. They need not:
 * a batch is reduced to one action per row (batch-reducer.ts) — its full after-image UPSERTed, or its key
 * DELETEd; a key change is a DELETE of the old key and an UPSERT of the new — each of which leaves the row
 * the same however often it runs. Only once every statement succeeded does the bucket's watermark move
 * (recorded-watermarks.ts, in the state store). A crash in between replays the changes above the old
 * watermark, which ends in the same rows.
 */
import { ApplyRejected, DDL_BUCKET, type ApplyOutcome, type DdlFailure, type Sink } from '../../apply/sink.ts';
import type { Claim, RecordedWatermarks } from '../../apply/recorded-watermarks.ts';
import type { ChangeBatch, DdlChange, Row, RowChange } from '../../change/change-event.ts';
import { isAfter, type BinlogPosition } from '../../change/position.ts';
import { FcDtsError } from '../../errors.ts';
import { MalformedChange, reduceRowChanges, type TableActions } from '../mysql/batch-reducer.ts';
import { replayedDdl } from './ddl-policy.ts';
import { DeleteGuard } from './delete-guard.ts';
import { readAddColumns } from '../../mysql/alter-add-columns.ts';
import { describeTable, type DefinedTable } from './lindorm-catalog.ts';
import { LindormDefinitions } from './lindorm-definitions.ts';
import { isLindormTransient, lindormMessage, type LindormSessions } from './lindorm-session.ts';
import { deleteStatements, upsertStatements, type StatementLimits, type StatementTable } from './lindorm-statements.ts';
import { LindormWriter, type WriterStats } from './lindorm-writer.ts';

export interface LindormSinkOptions {
  readonly sessions: LindormSessions;
  readonly watermarks: RecordedWatermarks;
  /** Statements in flight at once. */
  readonly connections: number;
  readonly limits: StatementLimits;
}

/** The writes of one table in a batch. */
interface TablePlan {
  readonly table: StatementTable;
  readonly key: readonly string[];
  readonly deletes: readonly string[];
  /** The deleted keys as rows of their key columns, for finding a refused one. */
  readonly deleted: readonly Row[];
  readonly upserts: readonly string[];
  readonly upsertKeys: readonly string[];
  /** The upserted after-images, for finding a refused one. */
  readonly rows: readonly Row[];
}

export class LindormSink implements Sink {
  private readonly definitions: LindormDefinitions;
  private readonly writer: LindormWriter;
  private readonly guard = new DeleteGuard();

  constructor(private readonly options: LindormSinkOptions) {
    this.definitions = new LindormDefinitions(options.sessions);
    this.writer = new LindormWriter(options.sessions, options.connections);
  }

  /** Statements sent so far (the benchmark's cost figure). */
  get stats(): WriterStats {
    return this.writer.stats;
  }

  async apply(batch: ChangeBatch): Promise<ApplyOutcome> {
    const claim = await this.options.watermarks.claim(batch.bucket);
    if (claim === 'busy') return outcome('early', 0, 0, null);
    let advanced = false;
    try {
      const wm = claim.watermark;
      if (batch.prev !== null && isAfter(batch.prev, wm)) return outcome('early', 0, 0, wm);
      const through = batch.through ?? batch.changes.at(-1)?.pos;
      const pending = batch.changes.filter((c) => isAfter(c.pos, wm));
      const skipped = batch.changes.length - pending.length;
      if (through === undefined || !isAfter(through, wm)) return outcome('applied', 0, skipped, wm);
      const ddlFailures: DdlFailure[] = [];
      if (batch.bucket === DDL_BUCKET) {
        for (const d of pending as readonly DdlChange[]) await this.applyDdl(d, ddlFailures, claim);
      } else {
        await this.writeRows(pending as readonly RowChange[], claim);
      }
      await this.options.watermarks.advance(claim, through);
      advanced = true;
      return outcome('applied', pending.length - ddlFailures.length, skipped, through, ddlFailures);
    } finally {
      if (!advanced) await this.options.watermarks.release(claim);
    }
  }

  async watermark(bucket: number): Promise<BinlogPosition | null> {
    return this.options.watermarks.read(bucket);
  }

  async close(): Promise<void> {
    await this.options.sessions.close();
  }

  /**
   * All DELETEs of the batch, then all UPSERTs: keys are distinct after reduction, so only the guard
   * against a delete and a write of one key in the same millisecond orders them.
   */
  private async writeRows(pending: readonly RowChange[], claim: Claim): Promise<void> {
    const plans = await this.plans(pending);
    const renew = () => this.options.watermarks.renew(claim);
    for (const plan of plans) {
      const refused = await this.writer.run(plan.deletes, renew);
      if (refused) throw new ApplyRejected(deleteChange(pending, plan.table.name, plan.key, plan.deleted[refused.index]!), refused.error);
      this.guard.deleted(plan.deleted.map((row) => keyIdentity(plan.table.name, plan.key, row)));
    }
    for (const plan of plans) {
      const wait = this.guard.waitFor(plan.upsertKeys);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const refused = await this.writer.run(plan.upserts, renew);
      if (refused) await this.rejectUpsert(plan, pending, refused.error);
    }
  }

  /** Each table's statements; a row the checks refuse names its change (the dirty-data policy applies to it). */
  private async plans(pending: readonly RowChange[]): Promise<TablePlan[]> {
    const defined = new Map<string, DefinedTable>();
    for (const c of pending) defined.set(c.table.table, await this.definitions.of(c));
    let actions: TableActions[];
    try {
      actions = reduceRowChanges(pending);
    } catch (e) {
      if (e instanceof MalformedChange) throw new ApplyRejected(e.change, e);
      throw e;
    }
    return actions.map((a) => this.plan(a, defined.get(a.table.table)!, pending));
  }

  private plan(a: TableActions, defined: DefinedTable, pending: readonly RowChange[]): TablePlan {
    const table = statementTable(defined, a, pending);
    const deleted = a.deletes.map((values): Row => Object.fromEntries(a.key.map((k, i) => [k, values[i]!])));
    const deletes = deleteStatements(table, deleted, this.options.sessions.literals);
    if (deletes.refused.length > 0) {
      const first = deletes.refused[0]!;
      throw new ApplyRejected(deleteChange(pending, table.name, a.key, deleted[first.index]!), new Error(first.reason));
    }
    const upserts = upsertStatements(table, a.upserts, this.options.sessions.literals, this.options.limits);
    if (upserts.refused.length > 0) {
      const first = upserts.refused[0]!;
      throw new ApplyRejected(changeOfImage(pending, a.upserts[first.index]!), new Error(first.reason));
    }
    return { table, key: a.key, deletes: deletes.statements, deleted, upserts: upserts.statements, upsertKeys: a.upserts.map((row) => keyIdentity(table.name, a.key, row)), rows: a.upserts };
  }

  /** Lindorm refused a multi-row UPSERT: its rows are written one at a time to find the change at fault. */
  private async rejectUpsert(plan: TablePlan, pending: readonly RowChange[], error: unknown): Promise<never> {
    const single = upsertStatements(plan.table, plan.rows, this.options.sessions.literals, { rows: 1, bytes: this.options.limits.bytes });
    const refused = await this.writer.run(single.statements);
    if (!refused) throw new FcDtsError('LOAD_FAILED', `Lindorm table ${plan.table.name} refused an UPSERT its rows pass one at a time: ${lindormMessage(error)}`, 'report this with the message; the batch is retried', { cause: error });
    throw new ApplyRejected(changeOfImage(pending, plan.rows[refused.index]!), refused.error);
  }

  /**
   * An ADD COLUMN refused because the columns are there already: applied, by this task before a crash
   * (DDL replays from its watermark) or by hand. Any of its columns missing makes it a failed DDL.
   */
  private async alreadyAdded(d: DdlChange, e: unknown): Promise<boolean> {
    if ((e as { errno?: number }).errno !== DUPLICATE_COLUMN) return false;
    const read = readAddColumns(d.sql);
    const table = d.tables[0] && (await describeTable(this.options.sessions, d.tables[0].table));
    if (!('columns' in read) || !table) return false;
    return read.columns.every((c) => table.columns.some((t) => t.name === c.name));
  }

  /** A statement Lindorm refuses is a failed DDL (reported, the task goes on); a transient failure retries the batch. */
  private async applyDdl(d: DdlChange, failures: DdlFailure[], claim: Claim): Promise<void> {
    const replay = replayedDdl(d.sql, d.tables);
    if ('refusal' in replay) throw new FcDtsError('LOAD_FAILED', `a Lindorm destination was sent a DDL it does not apply (${replay.refusal}): ${d.sql}`, 'report this: the DDL policy should have refused it');
    for (const statement of replay.statements) {
      await this.options.watermarks.renew(claim);
      try {
        await this.options.sessions.query(statement);
      } catch (e) {
        if (isLindormTransient(e) || !isServerError(e)) throw e;
        if (await this.alreadyAdded(d, e)) continue;
        failures.push({ sql: d.sql, error: `${statement}: ${lindormMessage(e)}`, pos: d.pos });
      }
    }
    for (const t of d.tables) this.definitions.forget(t.table);
  }
}

/** ER_DUP_FIELDNAME, as Lindorm's MySQL endpoint answers an ADD COLUMN of a column the table has. */
const DUPLICATE_COLUMN = 1060;

/**
 * The columns a table's statements write: every column of the Lindorm table (a full after-image; a
 * column the image lacks — dropped on the source — is written NULL), typed as Lindorm defines it. A
 * MySQL TIMESTAMP's values are instants (the binlog event's type says which columns are).
 */
function statementTable(defined: DefinedTable, a: TableActions, pending: readonly RowChange[]): StatementTable {
  const keys = new Set(defined.key);
  if (keys.size !== a.key.length || a.key.some((k) => !keys.has(k))) {
    throw new FcDtsError('LOAD_FAILED', `Lindorm table ${defined.name} has primary key (${defined.key.join(', ')}), but its changes are keyed by (${a.key.join(', ')})`, 'recreate the Lindorm table with the source key (or set the task\'s primaryKey to the Lindorm key), then load it again');
  }
  const types = pending.find((c) => c.table.table === defined.name && c.types)?.types ?? {};
  const columns = defined.columns.map((c) => {
    if (!c.type) throw new FcDtsError('LOAD_FAILED', `Lindorm table ${defined.name} column ${c.name} has type ${c.typeText}, which fc-dts does not write`, 'recreate the column with one of the types in the README\'s Lindorm type mapping');
    return { name: c.name, type: c.type, key: keys.has(c.name), instant: (types[c.name] ?? '').startsWith('timestamp') };
  });
  return { name: defined.name, columns };
}

function keyIdentity(table: string, key: readonly string[], row: Row): string {
  return JSON.stringify([table, ...key.map((k) => row[k] ?? null)]);
}

function changeOfImage(pending: readonly RowChange[], image: Row): RowChange {
  return pending.find((c) => c.after === image) ?? pending[0]!;
}

/** The last change of the table whose before-image has the deleted key. */
function deleteChange(pending: readonly RowChange[], table: string, key: readonly string[], deleted: Row): RowChange {
  const wanted = keyIdentity(table, key, deleted);
  for (let i = pending.length - 1; i >= 0; i--) {
    const c = pending[i]!;
    if (c.table.table === table && c.before && keyIdentity(table, key, c.before) === wanted) return c;
  }
  return pending[0]!;
}

function isServerError(e: unknown): boolean {
  return typeof (e as { errno?: unknown }).errno === 'number' && (e as { errno: number }).errno < 2000;
}

function outcome(status: ApplyOutcome['status'], applied: number, skipped: number, watermark: BinlogPosition | null, ddlFailures: readonly DdlFailure[] = []): ApplyOutcome {
  return { status, applied, skipped, watermark, ddlFailures };
}
