/**
 * A MaxCompute stand-in for a test file (infra/maxcompute-standin, spoken to by fc-dts's own client),
 * with fresh AccessKeys and the destination block of a task file pointing at it.
 */
import { startMaxComputeStandIn, type MaxComputeStandIn } from '../../infra/maxcompute-standin/index.ts';
import { MaxComputeClient } from '../../shared/maxcompute/maxcompute-client.ts';
import { newStandInKeys } from '../../scripts/lib/stand-ins.ts';

export interface TestMaxCompute {
  readonly standIn: MaxComputeStandIn;
  readonly client: MaxComputeClient;
  /** The task file's `destination:` for this stand-in, with extra keys merged in. */
  destination(extra?: Record<string, unknown>): Record<string, unknown>;
  /** Runs a query (full scans allowed) and gives its rows as `a|b|c` lines. */
  rows(sql: string): Promise<string[]>;
  close(): Promise<void>;
}

export async function startTestMaxCompute(): Promise<TestMaxCompute> {
  const keys = newStandInKeys();
  const standIn = await startMaxComputeStandIn(keys);
  const client = new MaxComputeClient({ endpoint: standIn.endpoint, project: standIn.project, credentials: keys });
  return {
    standIn,
    client,
    destination: (extra = {}) => ({ type: 'maxcompute', endpoint: standIn.endpoint, project: standIn.project, ...keys, ...extra }),
    rows: async (sql) => (await client.sql.query(sql, { settings: { 'odps.sql.allow.fullscan': 'true' } })).rows.map((r) => r.join('|')),
    close: () => standIn.close(),
  };
}
