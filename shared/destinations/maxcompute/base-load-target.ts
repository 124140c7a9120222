/**
 * The full load into `<table>_base`, exactly once: one upload session per table, each chunk its own
 * block (block id = chunk index), the session committed once every chunk of the table is loaded. A
 * chunk loaded again (a retry, a restarted run) writes its block again, which replaces it; nothing is
 * visible before the commit, and the commit makes every block visible at once. The session id is kept
 * in the state store (BucketRecords) so a restarted run goes on with the same session.
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
import type { BucketRecords, StateStore } from '../../state/state-store.ts';
import { loadColumns, tableLabel, type TableMapping } from '../../task/object-mapper.ts';
import { baseTable } from './maxcompute-schema.ts';
import { maxComputeType } from './maxcompute-table.ts';
import { sourceCell, sourceSelect } from './source-text.ts';
import { UnwritableValue, valueWriter } from './maxcompute-values.ts';
import { dirtyRowJson } from '../../state/dirty-row.ts';
import type { DirtyDataPolicy } from '../../task/task.ts';

interface BaseSession {
  readonly table: string;
  readonly uploadId: string;
  readonly committed: boolean;
}

const RECORD = 'maxcompute-base';

export class BaseLoadTarget implements LoadTarget {
  /** Sessions by source table ("db.table"), once known in this process. */
  private readonly sessions = new Map<string, Promise<BaseSession>>();

  constructor(
    private readonly client: MaxComputeClient,
    private readonly store: StateStore & BucketRecords,
    private readonly timeZone: string,
    private readonly dirtyData: DirtyDataPolicy,
    private readonly options: LoadTargetOptions,
  ) {}

  async worker(): Promise<ChunkTarget> {
    return {
      load: (source, table, chunk) => this.load(source, table, chunk),
      destroy: () => {},
      close: async () => {},
    };
  }

  async close(): Promise<void> {}

  /** Commits the session of every table whose chunks are all loaded (a table still loading waits for a later run). */
  async finish(): Promise<void> {
    const plan = await this.store.getPlan();
    if (!plan) return;
    const ledger = await ChunkLedger.load(this.store);
    for (const [index, p] of plan.tables.entries()) {
      if (ledger.chunksDone(p.table) < p.chunks.length) continue;
      const record = await this.store.getBucketRecord(RECORD, index);
      if (!record) continue;
      const session = JSON.parse(record.value) as BaseSession;
      if (session.committed) continue;
      await this.commit(session);
      await this.store.putBucketRecord(RECORD, index, record.version, JSON.stringify({ ...session, committed: true }));
      this.options.log?.(`MaxCompute table ${session.table}: ${p.chunks.length} chunks committed`);
    }
  }

  private async load(source: Connection, table: TableMapping, chunk: Chunk): Promise<ChunkLoadResult> {
    if (chunk.index > MAX_BLOCK_ID) {
      throw new FcDtsError('LOAD_FAILED', `${tableLabel(table)}: chunk ${chunk.index} is past the ${MAX_BLOCK_ID + 1} blocks of a MaxCompute upload session`, 'raise advanced.fullLoad.chunkRows so the table has fewer chunks');
    }
    const session = await this.session(table);
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
    await this.options.throttle.beforeQuery();
    await this.client.tunnel.putBlock({ table: session.table }, session.uploadId, chunk.index, tunnelColumns, () => {
      counted = { rows: 0, bytes: 0 };
      const refused = (raw: Array<Buffer | null>, e: UnwritableValue) => this.refused(table, chunk, columns.map((c) => c.target), raw, e);
      return this.rows(source, sql, convert, refused, (bytes) => (counted = { rows: counted.rows + 1, bytes: counted.bytes + bytes }));
    });
    await this.options.throttle.beforeWrite(counted.rows, counted.bytes);
    return counted;
  }

  /** The chunk's rows as MaxCompute values, streamed from the source (paused while the consumer is busy); a row MaxCompute cannot hold goes to `refused`. */
  private async *rows(
    source: Connection,
    sql: string,
    convert: (raw: Array<Buffer | null>) => MaxComputeRow,
    refused: (raw: Array<Buffer | null>, e: UnwritableValue) => Promise<void>,
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
          await refused(raw, e);
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

  /** The dirty-data policy for a row MaxCompute cannot hold: recorded and left out (skip), or the load stops naming it (block). */
  private async refused(table: TableMapping, chunk: Chunk, names: readonly string[], raw: Array<Buffer | null>, e: UnwritableValue): Promise<void> {
    const reason = `${tableLabel(table)} chunk ${chunk.index}: ${e.message}`;
    if (this.dirtyData === 'block') throw new FcDtsError('LOAD_FAILED', `MaxCompute cannot hold a row of ${reason}`, 'set sync.dirtyData: skip to record such rows and go on, or leave the column out of the task');
    const row = Object.fromEntries(names.map((n, i) => [n, raw[i] === null ? null : raw[i]!.toString('utf8')]));
    await this.store.recordDirty({ table: tableLabel(table), phase: 'full-load', position: `chunk ${chunk.index}`, reason: e.message, row: dirtyRowJson(row), at: new Date().toISOString() });
    this.options.onDirty();
  }

  /** The table's upload session: the recorded one, else a new one recorded (of two workers creating one, the first recorded wins). */
  private session(table: TableMapping): Promise<BaseSession> {
    const label = `${table.source.database}.${table.source.name}`;
    let s = this.sessions.get(label);
    if (!s) {
      s = this.openSession(table, label);
      this.sessions.set(label, s);
      s.catch(() => this.sessions.delete(label));
    }
    return s;
  }

  private async openSession(table: TableMapping, label: string): Promise<BaseSession> {
    const index = (await this.store.getPlan())?.tables.findIndex((p) => p.table === label) ?? -1;
    if (index < 0) throw new FcDtsError('STATE_INVALID', `${label} is not in the full-load plan`, 'start the task from scratch (remove its state)');
    for (;;) {
      const record = await this.store.getBucketRecord(RECORD, index);
      if (record) return JSON.parse(record.value) as BaseSession;
      const name = baseTable(table);
      const created = await this.client.tunnel.createUpload({ table: name });
      const session: BaseSession = { table: name, uploadId: created.uploadId, committed: false };
      if (await this.store.putBucketRecord(RECORD, index, undefined, JSON.stringify(session))) return session;
    }
  }

  private commit(session: BaseSession): Promise<void> {
    return commitOnce(this.client.tunnel, { table: session.table }, session.uploadId, 'start the task from scratch (remove its state and the _base table) to load the table again');
  }
}

/** How many of the plan's `tables` tables have their `_base` upload session committed. */
export async function committedBaseTables(store: BucketRecords, tables: number): Promise<number> {
  let committed = 0;
  for (let index = 0; index < tables; index++) {
    const record = await store.getBucketRecord(RECORD, index);
    if (record && (JSON.parse(record.value) as BaseSession).committed) committed++;
  }
  return committed;
}
