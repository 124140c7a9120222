/**
 * The full load into `<table>_base`, exactly once: one upload session per table, each chunk its own
 * block (block id = chunk index), the session committed once every chunk of the table is loaded. A
 * chunk loaded again (a retry, a restarted run) writes its block again, which replaces it; nothing is
 * visible before the commit, and the commit makes every block visible at once. The session id is kept
 * in the state store (BucketRecords) so a restarted run goes on with the same session. A session takes
 * 20,000 blocks: a table of more chunks gets a session per 20,000 (chunk n is block n mod 20,000 of
 * session n div 20,000), all committed at the end; each commits once, so a kill between two commits
 * leaves the next run committing the rest.
 *
 * Rows stream from the source into the block's request body (the source query paused while the
 * request is busy), so memory does not grow with the chunk; a retried block upload reads the chunk
 * from the source again.
 */
import { once } from 'node:events';
import type { Connection } from 'mysql2/promise';
import { ChunkLedger } from '../../fullload/chunk-ledger.ts';
import { chunkSelect, streamingConnection, type ChunkLoadResult } from '../../fullload/chunk-query.ts';
import type { ChunkTarget, LoadTarget, LoadTargetOptions } from '../../fullload/load-target.ts';
import type { Chunk } from '../../fullload/chunk-planner.ts';
import { FcDtsError } from '../../errors.ts';
import type { MaxComputeClient } from '../../maxcompute/maxcompute-client.ts';
import { commitOnce } from './commit-once.ts';
import { parseType, type MaxComputeRow } from '../../maxcompute/maxcompute-types.ts';
import { MAX_BLOCK_ID } from '../../maxcompute/tunnel-client.ts';
import type { TunnelColumn } from '../../maxcompute/tunnel-record-codec.ts';
import { quoteIdent } from '../../mysql/identifier.ts';
import type { BucketRecords, DirtyRecord, FullLoadPlan, StateStore } from '../../state/state-store.ts';
import { loadColumns, tableLabel, type TableMapping } from '../../task/object-mapper.ts';
import { baseTable } from './maxcompute-schema.ts';
import { maxComputeType } from './maxcompute-table.ts';
import { sourceCell, sourceSelect } from '../../mysql/source-text.ts';
import { UnwritableValue, valueWriter } from './maxcompute-values.ts';
import { dirtyRowJson } from '../../state/dirty-row.ts';
import type { DirtyDataPolicy } from '../../task/task.ts';

/** A table's `_base` load as recorded in the state store (BucketRecords `maxcompute-base`, bucket = the table's place in the plan). */
interface BaseSessions {
  readonly table: string;
  /** Upload session ids by session number. */
  readonly uploadIds: Readonly<Record<number, string>>;
  readonly committed: boolean;
}

/** The session a chunk's block goes to. */
interface BaseSession {
  readonly table: string;
  readonly uploadId: string;
  readonly committed: boolean;
}

const RECORD = 'maxcompute-base';

export interface BaseLoadSettings {
  readonly client: MaxComputeClient;
  readonly store: StateStore & BucketRecords;
  readonly timeZone: string;
  readonly dirtyData: DirtyDataPolicy;
  /** Blocks an upload session takes (MaxCompute: 20,000); lower only to test tables of several sessions. */
  readonly blocksPerSession?: number;
}

export class BaseLoadTarget implements LoadTarget {
  /** Sessions by source table ("db.table") and session number, once known in this process. */
  private readonly sessions = new Map<string, Promise<BaseSession>>();
  private readonly client: MaxComputeClient;
  private readonly store: StateStore & BucketRecords;
  private readonly timeZone: string;
  private readonly dirtyData: DirtyDataPolicy;
  private readonly blocksPerSession: number;

  constructor(settings: BaseLoadSettings, private readonly options: LoadTargetOptions) {
    ({ client: this.client, store: this.store, timeZone: this.timeZone, dirtyData: this.dirtyData } = settings);
    this.blocksPerSession = settings.blocksPerSession ?? MAX_BLOCK_ID + 1;
  }

  async worker(): Promise<ChunkTarget> {
    return {
      load: (source, table, chunk) => this.load(source, table, chunk),
      destroy: () => {},
      close: async () => {},
    };
  }

  async close(): Promise<void> {}

  /** Commits the sessions of every table whose chunks are all loaded (a table still loading waits for a later run). */
  async finish(): Promise<void> {
    const plan = await this.store.getPlan();
    if (!plan) return;
    const ledger = await ChunkLedger.load(this.store);
    for (const [index, p] of plan.tables.entries()) {
      if (ledger.chunksDone(p.table) < p.chunks.length) continue;
      const record = await this.store.getBucketRecord(RECORD, index);
      if (!record) continue;
      const load = parseRecord(record.value);
      if (load.committed) continue;
      for (const uploadId of Object.values(load.uploadIds)) await this.commit(load.table, uploadId);
      await this.store.putBucketRecord(RECORD, index, record.version, JSON.stringify({ ...load, committed: true }));
      const sessions = Object.keys(load.uploadIds).length;
      this.options.log?.(`MaxCompute table ${load.table}: ${p.chunks.length} chunks committed${sessions > 1 ? ` in ${sessions} upload sessions` : ''}`);
    }
  }

  private async load(source: Connection, table: TableMapping, chunk: Chunk): Promise<ChunkLoadResult> {
    const session = await this.session(table, Math.floor(chunk.index / this.blocksPerSession));
    const block = chunk.index % this.blocksPerSession;
    // Committed once every chunk was loaded: a chunk loaded again (a load-chunk message delivered twice) is in it.
    if (session.committed) return { rows: 0, bytes: 0 };
    const columns = loadColumns(table);
    const tunnelColumns: TunnelColumn[] = columns.map((c) => ({ name: c.target, type: parseType(maxComputeType(c.source).type) }));
    const writers = columns.map((c) => valueWriter(c.source, this.timeZone));
    const convert = (raw: Array<Buffer | null>): MaxComputeRow =>
      raw.map((cell, i) => {
        try {
          return writers[i]!(sourceCell(cell, columns[i]!.source));
        } catch (e) {
          throw e instanceof UnwritableValue ? new UnwritableValue(`column ${columns[i]!.target}: ${e.message}`) : e;
        }
      });
    const sql = chunkSelect(table, chunk, columns.map((c) => sourceSelect(c.source, quoteIdent(c.source.name))).join(', '));
    let counted: ChunkLoadResult = { rows: 0, bytes: 0 };
    // Rows set aside are recorded once the block is stored: an upload tried again reads the chunk again.
    let dirty: DirtyRecord[] = [];
    await this.options.throttle.beforeQuery();
    await this.client.tunnel.putBlock({ table: session.table }, session.uploadId, block, tunnelColumns, () => {
      counted = { rows: 0, bytes: 0 };
      dirty = [];
      const refused = (raw: Array<Buffer | null>, e: UnwritableValue) => dirty.push(this.refused(table, chunk, columns.map((c) => c.target), raw, e));
      return this.rows(source, sql, convert, refused, (bytes) => (counted = { rows: counted.rows + 1, bytes: counted.bytes + bytes }));
    });
    for (const record of dirty) {
      await this.store.recordDirty(record);
      this.options.onDirty();
    }
    await this.options.throttle.beforeWrite(counted.rows, counted.bytes);
    return counted;
  }

  /** The chunk's rows as MaxCompute values, streamed from the source (paused while the consumer is busy); a row MaxCompute cannot hold goes to `refused`. */
  private async *rows(
    source: Connection,
    sql: string,
    convert: (raw: Array<Buffer | null>) => MaxComputeRow,
    refused: (raw: Array<Buffer | null>, e: UnwritableValue) => void,
    counted: (bytes: number) => void,
  ): AsyncGenerator<MaxComputeRow> {
    const stream = streamingConnection(source).query({ sql, rowsAsArray: true, typeCast: false }).stream({ highWaterMark: 256 });
    try {
      for await (const raw of stream as AsyncIterable<Array<Buffer | null>>) {
        let row: MaxComputeRow;
        try {
          row = convert(raw);
        } catch (e) {
          if (!(e instanceof UnwritableValue)) throw e;
          refused(raw, e);
          continue;
        }
        counted(raw.reduce((n, cell) => n + (cell?.length ?? 0), 0));
        yield row;
      }
    } finally {
      stream.destroy();
      if (!stream.readableEnded) await once(stream, 'close').catch(() => {});
    }
  }

  /** The dirty-data policy for a row MaxCompute cannot hold: its record to keep (skip), or the load stops naming it (block). */
  private refused(table: TableMapping, chunk: Chunk, names: readonly string[], raw: Array<Buffer | null>, e: UnwritableValue): DirtyRecord {
    const reason = `${tableLabel(table)} chunk ${chunk.index}: ${e.message}`;
    if (this.dirtyData === 'block') throw new FcDtsError('LOAD_FAILED', `MaxCompute cannot hold a row of ${reason}`, 'set sync.dirtyData: skip to record such rows and go on, or leave the column out of the task');
    const row = Object.fromEntries(names.map((n, i) => [n, raw[i] === null ? null : raw[i]!.toString('utf8')]));
    return { table: tableLabel(table), phase: 'full-load', position: `chunk ${chunk.index}`, reason: e.message, row: dirtyRowJson(row), at: new Date().toISOString() };
  }

  /** Session `n` of the table: the recorded one, else a new one recorded (of two workers creating one, the first recorded wins). */
  private session(table: TableMapping, n: number): Promise<BaseSession> {
    const label = `${table.source.database}.${table.source.name}`;
    const key = `${label}#${n}`;
    let s = this.sessions.get(key);
    if (!s) {
      s = this.openSession(table, label, n);
      this.sessions.set(key, s);
      s.catch(() => this.sessions.delete(key));
    }
    return s;
  }

  private async openSession(table: TableMapping, label: string, n: number): Promise<BaseSession> {
    const index = (await this.store.getPlan())?.tables.findIndex((p) => p.table === label) ?? -1;
    if (index < 0) throw new FcDtsError('STATE_INVALID', `${label} is not in the full-load plan`, 'start the task from scratch (remove its state)');
    const name = baseTable(table);
    for (;;) {
      const record = await this.store.getBucketRecord(RECORD, index);
      const load = record ? parseRecord(record.value) : { table: name, uploadIds: {}, committed: false };
      const known = load.uploadIds[n];
      if (known !== undefined || load.committed) return { table: load.table, uploadId: known ?? '', committed: load.committed };
      const created = await this.client.tunnel.createUpload({ table: name });
      const next: BaseSessions = { ...load, uploadIds: { ...load.uploadIds, [n]: created.uploadId } };
      // Lost to another worker: its session is used and ours expires unused.
      if (await this.store.putBucketRecord(RECORD, index, record?.version, JSON.stringify(next))) return { table: name, uploadId: created.uploadId, committed: false };
    }
  }

  private commit(table: string, uploadId: string): Promise<void> {
    return commitOnce(this.client.tunnel, { table }, uploadId, 'start the task from scratch (remove its state and the _base table) to load the table again');
  }
}

/** A record as written now, or by a version that kept a single `uploadId`. */
function parseRecord(value: string): BaseSessions {
  const r = JSON.parse(value) as BaseSessions | { table: string; uploadId: string; committed: boolean };
  return 'uploadId' in r ? { table: r.table, uploadIds: { 0: r.uploadId }, committed: r.committed } : r;
}

/** How many of the plan's tables have their `_base` upload sessions committed (a table with no chunks has nothing to commit and is not counted). */
export async function committedBaseTables(store: BucketRecords, plan: FullLoadPlan): Promise<number> {
  let committed = 0;
  for (const [index, table] of plan.tables.entries()) {
    if (table.chunks.length === 0) continue;
    const record = await store.getBucketRecord(RECORD, index);
    if (record && parseRecord(record.value).committed) committed++;
  }
  return committed;
}
