/**
 * Loads one full-load chunk into a Lindorm table: streams the chunk's rows from the source in the text
 * protocol (the server's own text, so DECIMAL, BIGINT UNSIGNED and temporals stay exact), turns them into
 * the values the incremental path carries (source-text.ts) and writes them as multi-row UPSERTs through
 * the same statement builder as the sink, behind the reading (WriteBehind: at most three batches in
 * memory whatever the chunk size). An UPSERT replaces a row an interrupted attempt wrote, so a chunk
 * loaded again ends the same.
 */
import type { Connection } from 'mysql2/promise';
import type { Row } from '../../change/change-event.ts';
import type { Chunk } from '../../fullload/chunk-planner.ts';
import { chunkSelect, streamingConnection, WriteBehind, type ChunkLoadResult } from '../../fullload/chunk-query.ts';
import { quoteIdent } from '../../mysql/identifier.ts';
import { sourceCell, sourceSelect } from '../../mysql/source-text.ts';
import type { TableMapping } from '../../task/object-mapper.ts';
import type { Throttle } from '../../throttle.ts';
import type { LiteralSession } from './lindorm-literals.ts';
import { upsertStatements, type StatementLimits } from './lindorm-statements.ts';
import type { LindormTable } from './lindorm-table.ts';
import type { LindormWriter } from './lindorm-writer.ts';

export interface RefusedSourceRow {
  readonly row: Row;
  readonly reason: string;
}

export interface LindormChunkSettings {
  readonly limits: StatementLimits;
  readonly literals: LiteralSession;
  readonly throttle: Throttle;
  /** Rows Lindorm cannot take: returns (recorded), or throws to stop (dirty-data policy). */
  readonly onRefused: (rows: readonly RefusedSourceRow[]) => Promise<void>;
}

export async function loadChunkToLindorm(source: Connection, writer: LindormWriter, mapping: TableMapping, table: LindormTable, chunk: Chunk, settings: LindormChunkSettings): Promise<ChunkLoadResult> {
  const columns = table.columns;
  const sql = chunkSelect(mapping, chunk, columns.map((c) => sourceSelect(c.source, quoteIdent(c.source.name))).join(', '));
  await settings.throttle.beforeQuery();
  const raw = streamingConnection(source);
  let rows = 0;
  let bytes = 0;

  const write = async (batch: { rows: Row[]; size: number }): Promise<void> => {
    await settings.throttle.beforeWrite(batch.rows.length, batch.size);
    const refused = await writeRows(writer, table, batch.rows, settings);
    if (refused.length > 0) await settings.onRefused(refused);
    rows += batch.rows.length - refused.length;
    bytes += batch.size;
  };
  const behind = new WriteBehind(raw, write);

  await new Promise<void>((resolve, reject) => {
    let batch: Row[] = [];
    let size = 0;
    const query = raw.query({ sql, rowsAsArray: true, typeCast: false });
    query.on('result', (row: unknown) => {
      const values = row as Array<Buffer | null>;
      const image: Record<string, ReturnType<typeof sourceCell>> = {};
      for (let i = 0; i < columns.length; i++) {
        size += values[i]?.length ?? 0;
        image[columns[i]!.name] = sourceCell(values[i] ?? null, columns[i]!.source);
      }
      batch.push(image);
      if (batch.length >= settings.limits.rows) {
        behind.flush({ rows: batch, size });
        batch = [];
        size = 0;
      }
    });
    query.on('error', reject);
    query.on('end', () => {
      if (batch.length > 0) behind.flush({ rows: batch, size });
      resolve();
    });
  });
  await behind.done();
  return { rows, bytes };
}

/**
 * Writes `rows` as UPSERTs; returns the rows refused: by the checks before sending, or by Lindorm
 * (a statement refused is written again a row at a time to find its rows at fault).
 */
async function writeRows(writer: LindormWriter, table: LindormTable, rows: readonly Row[], settings: LindormChunkSettings): Promise<RefusedSourceRow[]> {
  const built = upsertStatements(table, rows, settings.literals, settings.limits);
  const refused: RefusedSourceRow[] = built.refused.map((r) => ({ row: rows[r.index]!, reason: r.reason }));
  if ((await writer.run(built.statements)) === undefined) return refused;
  const refusedAt = new Set(built.refused.map((r) => r.index));
  const sent = rows.filter((_, i) => !refusedAt.has(i));
  for (const row of sent) {
    const single = upsertStatements(table, [row], settings.literals, settings.limits);
    const failed = await writer.run(single.statements);
    if (failed) refused.push({ row, reason: (failed.error as Error).message });
  }
  return refused;
}
