/** The connectivity item of a MySQL-protocol endpoint (the source, or a MySQL-family destination). */
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { isFcDtsError } from '../errors.ts';
import { connect, connectionError, type Role } from '../mysql/connection.ts';
import type { MysqlEndpoint } from '../task/task.ts';
import type { CheckResult } from './check-result.ts';
import { toItem, type ItemMeta } from './source-checks.ts';

const CONNECTIVITY: Record<Role, ItemMeta> = {
  source: { id: 'source-connectivity', name: 'Source connectivity', side: 'source' },
  destination: { id: 'destination-connectivity', name: 'Destination connectivity', side: 'destination' },
};

export interface OpenedEndpoint {
  readonly item: CheckResult;
  /** Present when the connection works. */
  readonly conn?: Connection;
}

export async function openEndpoint(role: Role, ep: MysqlEndpoint): Promise<OpenedEndpoint> {
  let conn: Connection;
  try {
    conn = await connect(role, ep);
  } catch (e) {
    const err = isFcDtsError(e) ? e : connectionError(role, ep, e);
    return { item: toItem(CONNECTIVITY[role], { status: 'failed', reason: err.message, ...(err.fix !== undefined ? { fix: err.fix } : {}) }) };
  }
  try {
    const [[row]] = await conn.query<Array<RowDataPacket & { v?: unknown }>>('SELECT VERSION() AS v');
    return { item: toItem(CONNECTIVITY[role], { status: 'passed', reason: `connected to ${ep.host}:${ep.port} as ${ep.user} (server ${String(row?.v ?? 'unknown')})` }), conn };
  } catch (e) {
    await conn.end().catch(() => {});
    const err = connectionError(role, ep, e);
    return { item: toItem(CONNECTIVITY[role], { status: 'failed', reason: err.message, ...(err.fix !== undefined ? { fix: err.fix } : {}) }) };
  }
}
