/** Lindorm tasks and tables for tests: a task given the stand-in as its destination, and tables copied as the sink writes them. */
import type { Row } from '../../shared/change/change-event.ts';
import type { TaskOf } from '../../shared/destinations/destination.ts';
import { parseLindormDestination, type LindormDestinationConfig } from '../../shared/destinations/lindorm/config.ts';
import { createTableStatement } from '../../shared/destinations/lindorm/lindorm-ddl.ts';
import type { LindormSessions } from '../../shared/destinations/lindorm/lindorm-session.ts';
import { upsertStatements } from '../../shared/destinations/lindorm/lindorm-statements.ts';
import { lindormTable } from '../../shared/destinations/lindorm/lindorm-table.ts';
import { renderWhereSql } from '../../shared/filter/where-filter.ts';
import { connect } from '../../shared/mysql/connection.ts';
import { qualified, quoteIdent } from '../../shared/mysql/identifier.ts';
import { sourceCell, sourceSelect } from '../../shared/mysql/source-text.ts';
import type { TableMapping } from '../../shared/task/object-mapper.ts';
import type { Task } from '../../shared/task/task.ts';
import type { LindormStandIn } from '../../infra/lindorm-standin/index.ts';

/**
 * `task` with the stand-in as its destination. registry.ts does not list lindorm yet, so the task file
 * validator refuses `type: lindorm`: the task is parsed with another destination and given this one.
 */
export function withLindorm(task: Task, standIn: LindormStandIn, destination: Record<string, unknown> = {}): TaskOf<LindormDestinationConfig> {
  const config = parseLindormDestination({ type: 'lindorm', host: standIn.host, port: standIn.port, user: standIn.user, password: standIn.password, ...destination });
  return { ...task, destination: config };
}

/**
 * Creates the table in Lindorm and copies the source rows into it the way the sink writes: read over the
 * text protocol (the table's filter applied), each value rendered by lindorm-literals.ts in UPSERTs from upsertStatements.
 * Returns why rows were refused (not written), as the sink would record them as dirty.
 */
export async function copyTable(source: Task, t: TableMapping, sessions: LindormSessions): Promise<string[]> {
  const read = lindormTable(t);
  const ddl = createTableStatement(t);
  if ('refusals' in read || 'refusal' in ddl) throw new Error(`${t.source.name} cannot be created in Lindorm`);
  await sessions.query(ddl.sql);
  const conn = await connect('source', source.source);
  try {
    const columns = read.table.columns;
    const sql = `SELECT ${columns.map((c) => sourceSelect(c.source, quoteIdent(c.source.name))).join(', ')} FROM ${qualified(t.source.database, t.source.name)}${t.where ? ` WHERE ${renderWhereSql(t.where)}` : ''}`;
    const [raw] = (await conn.query({ sql, rowsAsArray: true, typeCast: false })) as unknown as [Array<Array<Buffer | null>>];
    const rows: Row[] = raw.map((r) => Object.fromEntries(columns.map((c, i) => [c.name, sourceCell(r[i] ?? null, c.source)])));
    const { statements, refused } = upsertStatements(read.table, rows, sessions.literals);
    for (const s of statements) await sessions.query(s);
    return refused.map((r) => r.reason);
  } finally {
    await conn.end();
  }
}
