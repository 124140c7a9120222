/** The source's current binlog position: where incremental sync starts after a full load. */
import type { Connection, RowDataPacket } from 'mysql2/promise';
import type { BinlogCoordinates } from '../change/position.ts';
import { FcDtsError } from '../errors.ts';

export async function currentBinlogCoordinates(conn: Connection): Promise<BinlogCoordinates> {
  const [[version]] = await conn.query<RowDataPacket[]>('SELECT VERSION() AS v');
  const flavor = /mariadb/i.test(String(version?.v)) ? 'mariadb' : 'mysql';
  let rows: RowDataPacket[];
  try {
    [rows] = await conn.query<RowDataPacket[]>('SHOW MASTER STATUS');
  } catch {
    [rows] = await conn.query<RowDataPacket[]>('SHOW BINARY LOG STATUS'); // MySQL 8.4 removed SHOW MASTER STATUS
  }
  const row = rows[0];
  if (!row) {
    throw new FcDtsError('PRECHECK_FAILED', 'the source has no binary log (SHOW MASTER STATUS is empty)', 'enable log_bin on the source and restart it');
  }
  const [[g]] = await conn.query<RowDataPacket[]>(flavor === 'mariadb' ? 'SELECT @@gtid_binlog_pos AS g' : 'SELECT @@gtid_executed AS g');
  return { file: String(row.File), offset: Number(row.Position), gtid: String(g?.g ?? '').replace(/\s+/g, ''), flavor, at: new Date().toISOString() };
}
