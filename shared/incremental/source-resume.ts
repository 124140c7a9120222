/**
 * Where the reader resumes, and on which server. A checkpoint is a binlog file and offset of the server
 * it was taken on; after a primary/secondary switchover (RDS and PolarDB high availability) the source
 * endpoint reaches another server, whose binlog files are its own but whose GTIDs are the same. The
 * checkpoint names its server (@@server_uuid; MariaDB's @@server_id) and keeps the MySQL GTID set
 * before it, so the reader then resumes with COM_BINLOG_DUMP_GTID from that set, in a new epoch
 * (position.ts EPOCH_STRIDE), whose positions order after every position read before.
 */
import type { RowDataPacket } from 'mysql2/promise';
import type { BinlogStart, ResumePoint, SourceCheckpoint, SourceIdentity } from '../change/position.ts';
import { FcDtsError } from '../errors.ts';
import { connect } from '../mysql/connection.ts';
import type { MysqlEndpoint } from '../task/task.ts';
import type { TrackedSource } from './checkpoint-tracker.ts';

export interface ReadStart {
  /** What the reader asks the server for. */
  readonly from: BinlogStart;
  /** The epoch of the positions the reader will give. */
  readonly epoch: number;
  /** Where the checkpoint tracker starts, and the servers and GTIDs it tracks. */
  readonly resumePoint: ResumePoint;
  readonly source: TrackedSource;
  /** Set when the source is another server than the checkpoint's. */
  readonly switchover?: { readonly from: string; readonly to: string };
}

/** Decides how to resume from `checkpoint` on the server `endpoint` reaches now. */
export async function planRead(endpoint: MysqlEndpoint, checkpoint: SourceCheckpoint): Promise<ReadStart> {
  return readStartOn(await serverIdentityOf(endpoint), checkpoint, endpoint);
}

/** `server`: the identity of the server reached now (serverIdentityOf). */
export function readStartOn(server: string | undefined, cp: SourceCheckpoint, endpoint: MysqlEndpoint): ReadStart {
  const epoch = cp.epoch ?? 0;
  const origin: SourceIdentity = { ...(cp.server && { server: cp.server }), epoch };
  const resumePoint = { file: cp.file, offset: cp.offset };
  const gtids = cp.gtidExecuted === undefined ? {} : { gtidExecuted: cp.gtidExecuted };
  if (server === undefined || cp.server === undefined || server === cp.server) {
    const current = { ...origin, ...(server && { server }) };
    return { from: resumePoint, epoch, resumePoint, source: { origin, current, ...gtids } };
  }
  if (!cp.gtidExecuted) throw switchoverWithoutGtids(endpoint, cp.server, server);
  const current = { server, epoch: epoch + 1 };
  return { from: { gtid: cp.gtidExecuted }, epoch: epoch + 1, resumePoint, source: { origin, current, ...gtids }, switchover: { from: cp.server, to: server } };
}

const ER_UNKNOWN_SYSTEM_VARIABLE = 1193;

/**
 * MySQL's @@server_uuid; for MariaDB, which has none, its @@server_id (unique among the servers of a
 * replication topology, so a promoted replica has another).
 */
async function serverIdentityOf(endpoint: MysqlEndpoint): Promise<string | undefined> {
  const conn = await connect('source', endpoint);
  try {
    const [[row]] = await conn.query<RowDataPacket[]>('SELECT @@server_uuid AS u');
    return row?.u ? String(row.u).toLowerCase() : undefined;
  } catch (e) {
    if ((e as { errno?: number }).errno !== ER_UNKNOWN_SYSTEM_VARIABLE) throw e;
    const [[row]] = await conn.query<RowDataPacket[]>('SELECT @@server_id AS id');
    return row ? `server_id ${row.id}` : undefined;
  } finally {
    await conn.end().catch(() => {});
  }
}

function switchoverWithoutGtids(endpoint: MysqlEndpoint, was: string, now: string): FcDtsError {
  return new FcDtsError(
    'STATE_INVALID',
    `source ${endpoint.host}:${endpoint.port} is now server ${now}, but the checkpoint is a binlog position of server ${was} and the task recorded no GTID set (MariaDB, or MySQL with gtid_mode OFF), so it cannot tell where to resume there`,
    'delete the state directory and run again (a new full load); on MySQL, turn gtid_mode ON so a later switchover resumes by GTID',
  );
}
