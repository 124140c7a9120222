/**
 * The table tunnel: batch upload sessions and download sessions (notes §2.6–2.7; py odps/tunnel/tabletunnel.py,
 * go odps/tunnel/upload_session.go).
 *
 * Upload: a session targets one table or one partition; blocks (ids in [0, 20000)) are record streams, checked
 * with the record codec (CRCs, count) when they arrive and kept in the database, a block id written again
 * replaces the earlier block; commit makes every block visible at once, in one DuckDB transaction that also
 * closes the session, so a commit is all or nothing. A second commit meets `StatusConflict`. A session not
 * committed within its TTL becomes EXPIRED. Sessions and blocks are persisted with the data.
 * Download: a session counts the rows of its table or partition; `rowrange=(start,count)` reads them in a stable
 * order (DuckDB rowid) as a record stream.
 */
import { randomBytes } from 'node:crypto';
import { DuckDBBlobValue } from '@duckdb/node-api';
import { decodeRecords, encodeRecords } from '../../shared/maxcompute/tunnel-record-codec.ts';
import { parsePartitionSpec, partitionPredicate, type Catalog, type ColumnDef, type PartitionValues, type TableDef } from './catalog.ts';
import { ident, type Database } from './database.ts';
import { McError, tunnelErrors } from './errors.ts';
import { LIMITS } from './limits.ts';
import { appendValue, readExpression, readValue, tunnelColumns } from './tunnel-values.ts';

type UploadStatus = 'NORMAL' | 'CLOSED' | 'EXPIRED';

interface UploadSession {
  readonly id: string;
  readonly table: string;
  readonly partition: PartitionValues | null;
  readonly overwrite: boolean;
  /** The table's data columns when the session was created: the blocks' schema. */
  readonly columns: readonly ColumnDef[];
  readonly partitionKeys: readonly ColumnDef[];
  readonly initiated: number;
  expiresAt: number;
  status: UploadStatus;
}

interface DownloadSession {
  readonly id: string;
  readonly table: string;
  readonly partition: PartitionValues | null;
  readonly columns: readonly ColumnDef[];
  readonly partitionKeys: readonly ColumnDef[];
  readonly recordCount: number;
  readonly initiated: number;
  readonly expiresAt: number;
}

export interface TunnelContext {
  readonly db: Database;
  readonly catalog: Catalog;
  readonly owner: string;
  readonly timeZone: string;
  readonly sessionTtlMs: () => number;
}

export interface BlockInfo {
  readonly blockId: number;
  readonly records: number;
  readonly created: number;
}

export class Tunnel {
  private readonly downloads = new Map<string, DownloadSession>();

  constructor(private readonly ctx: TunnelContext) {}

  // ---------- upload ----------

  async createUpload(tableName: string, partitionSpec: string | undefined, createPartition: boolean, overwrite: boolean): Promise<object> {
    const { db, catalog } = this.ctx;
    return db.exclusive(async () => {
      const table = this.table(tableName);
      const partition = this.partition(table, partitionSpec);
      if (partition && !catalog.hasPartition(table, partition)) {
        if (!createPartition) throw tunnelErrors.noSuchPartition();
        try {
          await db.transaction(() => catalog.addPartitions(table, [partition]));
        } catch (e) {
          await catalog.reload();
          throw e instanceof McError ? new McError('InvalidPartitionSpec', e.message, 400) : e;
        }
      }
      const now = Date.now();
      const session: UploadSession = {
        id: newId(),
        table: table.name,
        partition,
        overwrite,
        columns: table.columns,
        partitionKeys: table.partitionKeys,
        initiated: now,
        expiresAt: now + this.ctx.sessionTtlMs(),
        status: 'NORMAL',
      };
      await this.saveUpload(session);
      return this.uploadJson(session, []);
    });
  }

  async reloadUpload(id: string): Promise<object> {
    return this.ctx.db.exclusive(async () => {
      const session = await this.upload(id);
      return this.uploadJson(session, await this.blocks(id));
    });
  }

  /** Checks `body` (a complete record stream) and keeps it as block `blockId`, replacing an earlier one. */
  async writeBlock(id: string, blockIdText: string | undefined, body: Buffer): Promise<void> {
    const blockId = Number(blockIdText);
    if (blockIdText === undefined || !/^\d+$/.test(blockIdText) || blockId >= LIMITS.blockIds) throw tunnelErrors.invalidBlockId(blockIdText ?? '');
    const { db } = this.ctx;
    await db.exclusive(async () => {
      const session = await this.upload(id);
      this.requireNormal(session);
      let records: number;
      try {
        records = decodeRecords(tunnelColumns(session.columns), body).length;
      } catch (e) {
        throw tunnelErrors.corrupted(e instanceof Error ? e.message : String(e));
      }
      await db.transaction(async () => {
        await db.run('DELETE FROM __mc_blocks WHERE upload_id = $1 AND block_id = $2', [id, blockId]);
        await db.run('INSERT INTO __mc_blocks VALUES ($1, $2, $3, $4, $5)', [id, blockId, BigInt(records), new DuckDBBlobValue(body), BigInt(Date.now())]);
      });
    });
  }

  /** Makes every block visible in one transaction and closes the session. */
  async commit(id: string): Promise<object> {
    const { db, catalog } = this.ctx;
    return db.exclusive(async () => {
      const session = await this.upload(id);
      this.requireNormal(session);
      const table = catalog.get(session.table);
      if (!table) throw tunnelErrors.invalidArgument(`table ${session.table} was dropped`);
      if (session.partition && !catalog.hasPartition(table, session.partition)) throw tunnelErrors.noSuchPartition();
      const blocks = await this.blocks(id);
      try {
        await db.transaction(async () => {
          if (session.overwrite) {
            const where = session.partition ? ` WHERE ${partitionPredicate(table, session.partition)}` : '';
            await db.run(`DELETE FROM ${ident(table.name)}${where}`);
          }
          try {
            await this.appendBlocks(table, session, blocks);
          } catch (e) {
            if (e instanceof McError) throw e;
            throw new McError('DataStoreError', `DataStoreError: ${e instanceof Error ? e.message : String(e)}`, 400);
          }
          session.status = 'CLOSED';
          await this.saveUpload(session);
          await db.run('DELETE FROM __mc_blocks WHERE upload_id = $1', [id]);
          await catalog.touch(table);
        });
      } catch (e) {
        session.status = 'NORMAL';
        await catalog.reload();
        throw e;
      }
      return this.uploadJson(session, blocks);
    });
  }

  /** Fault injection: the session is forgotten (its committed rows stay in the table). */
  async purge(id: string): Promise<void> {
    await this.ctx.db.exclusive(async () => {
      await this.upload(id);
      await this.ctx.db.run('DELETE FROM __mc_uploads WHERE id = $1', [id]);
      await this.ctx.db.run('DELETE FROM __mc_blocks WHERE upload_id = $1', [id]);
    });
  }

  /** Fault injection: the session expires now. */
  async expire(id: string): Promise<void> {
    await this.ctx.db.exclusive(async () => {
      const session = await this.upload(id);
      session.expiresAt = Date.now() - 1;
      await this.saveUpload(session);
    });
  }

  // ---------- download ----------

  async createDownload(tableName: string, partitionSpec: string | undefined): Promise<object> {
    return this.ctx.db.exclusive(async () => {
      const table = this.table(tableName);
      const partition = this.partition(table, partitionSpec);
      if (partition && !this.ctx.catalog.hasPartition(table, partition)) throw tunnelErrors.noSuchPartition();
      const where = partition ? ` WHERE ${partitionPredicate(table, partition)}` : '';
      const [[count]] = (await this.ctx.db.rows(`SELECT count(*) FROM ${ident(table.name)}${where}`)) as [[bigint]];
      const now = Date.now();
      const session: DownloadSession = {
        id: newId(),
        table: table.name,
        partition,
        columns: table.columns,
        partitionKeys: table.partitionKeys,
        recordCount: Number(count),
        initiated: now,
        expiresAt: now + this.ctx.sessionTtlMs(),
      };
      this.downloads.set(session.id, session);
      return this.downloadJson(session);
    });
  }

  reloadDownload(id: string): object {
    return this.downloadJson(this.download(id));
  }

  /** `rowrange=(start,count)` of the session's rows, optionally only `columns`, as a record stream. */
  async readDownload(id: string, rowRange: string | undefined, columnList: string | undefined): Promise<Buffer> {
    const session = this.download(id);
    const m = /^\((\d+),(\d+)\)$/.exec((rowRange ?? '').replace(/\s/g, ''));
    if (!m) throw tunnelErrors.invalidRowRange();
    const start = Number(m[1]);
    const count = Number(m[2]);
    if (start + count > session.recordCount) throw tunnelErrors.invalidRowRange();
    let columns = tunnelColumns(session.columns);
    if (columnList) {
      columns = columnList.split(',').map((name) => {
        const c = columns.find((col) => col.name === name.trim().toLowerCase());
        if (!c) throw tunnelErrors.invalidArgument(`column ${name} does not exist`);
        return c;
      });
    }
    const table = { name: session.table, partitionKeys: session.partitionKeys } as TableDef;
    const where = session.partition ? ` WHERE ${partitionPredicate(table, session.partition)}` : '';
    const select = columns.length ? columns.map(readExpression).join(', ') : '1';
    const rows = await this.ctx.db.exclusive(() =>
      this.ctx.db.rows(`SELECT ${select} FROM ${ident(session.table)}${where} ORDER BY rowid LIMIT ${count} OFFSET ${start}`),
    );
    const zone = this.ctx.timeZone;
    return encodeRecords(
      columns,
      rows.map((row) => columns.map((c, i) => readValue(c, row[i] ?? null, zone))),
    );
  }

  // ---------- internals ----------

  private table(name: string): TableDef {
    const table = this.ctx.catalog.get(name);
    if (!table) throw new McError('NoSuchTable', `The specified table name does not exist: ${this.ctx.catalog.project}.${name.toLowerCase()}`, 404);
    return table;
  }

  /** `k1=v1,k2=v2` → values in key order; required exactly for a partitioned table, refused for another. */
  private partition(table: TableDef, spec: string | undefined): PartitionValues | null {
    if (spec === undefined || spec === '') {
      if (table.partitionKeys.length > 0) throw tunnelErrors.missingPartitionSpec();
      return null;
    }
    return parsePartitionSpec(table, spec, (detail) => tunnelErrors.invalidPartitionSpec(detail));
  }

  private async upload(id: string): Promise<UploadSession> {
    const rows = await this.ctx.db.rows('SELECT session FROM __mc_uploads WHERE id = $1', [id]);
    if (rows.length === 0) throw tunnelErrors.noSuchUpload(id);
    const session = JSON.parse(String(rows[0]![0])) as UploadSession;
    if (session.status === 'NORMAL' && Date.now() > session.expiresAt) session.status = 'EXPIRED';
    return session;
  }

  private requireNormal(session: UploadSession): void {
    if (session.status === 'EXPIRED') throw tunnelErrors.expired('upload');
    if (session.status !== 'NORMAL') throw tunnelErrors.statusConflict();
  }

  private async saveUpload(session: UploadSession): Promise<void> {
    await this.ctx.db.run('DELETE FROM __mc_uploads WHERE id = $1', [session.id]);
    await this.ctx.db.run('INSERT INTO __mc_uploads VALUES ($1, $2)', [session.id, JSON.stringify(session)]);
  }

  private async blocks(id: string): Promise<BlockInfo[]> {
    const rows = await this.ctx.db.rows('SELECT block_id, records, created FROM __mc_blocks WHERE upload_id = $1 ORDER BY block_id', [id]);
    return rows.map(([blockId, records, created]) => ({ blockId: Number(blockId), records: Number(records), created: Number(created) }));
  }

  private async appendBlocks(table: TableDef, session: UploadSession, blocks: readonly BlockInfo[]): Promise<void> {
    const { db } = this.ctx;
    const columns = tunnelColumns(session.columns);
    const zone = this.ctx.timeZone;
    // Columns added after the session began get NULL; partition keys get the session's partition.
    const added = table.columns.length - session.columns.length;
    const appender = await db.connection.createAppender(table.name);
    try {
      for (const block of blocks) {
        const [[body]] = (await db.rows('SELECT body FROM __mc_blocks WHERE upload_id = $1 AND block_id = $2', [session.id, block.blockId])) as [[{ bytes: Uint8Array }]];
        for (const row of decodeRecords(columns, body.bytes)) {
          columns.forEach((c, i) => appendValue(appender, c, row[i] ?? null, zone));
          for (let i = 0; i < added; i++) appender.appendNull();
          for (const value of session.partition ?? []) appender.appendVarchar(value);
          appender.endRow();
        }
        // Each block goes to the table as it is read (memory stays bounded); the transaction keeps it invisible.
        appender.flushSync();
      }
    } finally {
      appender.closeSync();
    }
  }

  private uploadJson(session: UploadSession, blocks: readonly BlockInfo[]): object {
    return {
      UploadID: session.id,
      Status: session.status,
      Initiated: new Date(session.initiated).toUTCString(),
      IsOverwrite: session.overwrite,
      MaxFieldSize: LIMITS.cellBytes,
      Owner: this.ctx.owner,
      QuotaName: '',
      Schema: schemaJson(session.columns, session.partitionKeys),
      UploadedBlockList: blocks.map((b) => ({
        BlockID: b.blockId,
        CreateTime: Math.floor(b.created / 1000),
        Date: new Date(b.created).toUTCString(),
        FileName: `${session.id}_${b.blockId}`,
        RecordCount: b.records,
        Version: 0,
      })),
    };
  }

  private download(id: string): DownloadSession {
    const session = this.downloads.get(id);
    if (!session) throw tunnelErrors.noSuchDownload(id);
    if (Date.now() > session.expiresAt) throw tunnelErrors.expired('download');
    return session;
  }

  private downloadJson(session: DownloadSession): object {
    return {
      DownloadID: session.id,
      Status: 'NORMAL',
      Initiated: new Date(session.initiated).toUTCString(),
      RecordCount: session.recordCount,
      Owner: this.ctx.owner,
      QuotaName: '',
      Schema: schemaJson(session.columns, session.partitionKeys),
    };
  }
}

export function schemaJson(columns: readonly ColumnDef[], partitionKeys: readonly ColumnDef[]): object {
  return {
    columns: columns.map((c, i) => ({ name: c.name, type: c.typeText, comment: c.comment, nullable: c.nullable, column_id: String(i) })),
    partitionKeys: partitionKeys.map((c) => ({ name: c.name, type: c.typeText, comment: c.comment })),
  };
}

/** Session ids as the service prints them: 32 hex digits in groups. */
function newId(): string {
  const hex = randomBytes(16).toString('hex');
  return `${hex.slice(0, 14)}${hex.slice(14, 32)}`;
}

