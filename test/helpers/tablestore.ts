/**
 * A Tablestore stand-in for a test file (infra/tablestore-standin, spoken to by the real `tablestore`
 * client), the destination block of a task file pointing at it, reading a table back whole, and the
 * scaffolding of an end-to-end test through `fc-dts` into it.
 */
import TableStore from 'tablestore';
import { startTablestoreStandIn, type TablestoreStandIn } from '../../infra/tablestore-standin/index.ts';
import { newStandInKeys } from '../../scripts/lib/stand-ins.ts';
import { endToEnd, type EndToEnd } from './end-to-end.ts';

export interface TestTablestore {
  readonly standIn: TablestoreStandIn;
  readonly client: TableStore.Client;
  readonly keys: { readonly accessKeyId: string; readonly accessKeySecret: string };
  /** The task file's `destination:` for this stand-in, with extra keys merged in. */
  destination(extra?: Record<string, unknown>): Record<string, unknown>;
  close(): Promise<void>;
}

export async function startTestTablestore(options: { dir?: string; port?: number; maxTables?: number } = {}): Promise<TestTablestore> {
  const keys = newStandInKeys();
  const standIn = await startTablestoreStandIn({ ...keys, ...options });
  const client = new TableStore.Client({ endpoint: standIn.endpoint, instancename: standIn.instance, accessKeyId: keys.accessKeyId, secretAccessKey: keys.accessKeySecret });
  return {
    standIn,
    client,
    keys,
    destination: (extra = {}) => ({ type: 'tablestore', endpoint: standIn.endpoint, instance: standIn.instance, ...keys, ...extra }),
    close: () => standIn.close(),
  };
}

/** Call at the top level of a MySQL → Tablestore end-to-end test file (end-to-end.ts): a Tablestore stand-in per test as `ots`. */
export function tablestoreEndToEnd(name: string): EndToEnd<TestTablestore> & { readonly ots: TestTablestore } {
  const e2e = endToEnd(name, () => startTestTablestore());
  return Object.defineProperty(e2e, 'ots', { get: () => e2e.destination }) as EndToEnd<TestTablestore> & { readonly ots: TestTablestore };
}

/** A row read back: key and attribute columns by name; INTEGER as a decimal string, BINARY as a Buffer. */
export type ReadRow = Record<string, string | number | boolean | Buffer>;

/** Every row of a table in primary-key order, GetRange page by page. */
export async function readTable(client: TableStore.Client, table: string): Promise<ReadRow[]> {
  const described = await client.describeTable({ tableName: table });
  const key = described.tableMeta.primaryKey.map((c) => c.name);
  const out: ReadRow[] = [];
  let start: TableStore.RangeKey = key.map((k) => ({ [k]: TableStore.INF_MIN }));
  for (;;) {
    const page = await client.getRange({
      tableName: table,
      direction: TableStore.Direction.FORWARD,
      inclusiveStartPrimaryKey: start,
      exclusiveEndPrimaryKey: key.map((k) => ({ [k]: TableStore.INF_MAX })),
      limit: 5000,
    });
    for (const r of page.rows) {
      const row: ReadRow = {};
      for (const pk of r.primaryKey) row[pk.name] = plain(pk.value);
      for (const a of r.attributes) row[a.columnName] = plain(a.columnValue);
      out.push(row);
    }
    if (!page.nextStartPrimaryKey) return out;
    start = page.nextStartPrimaryKey.map((c) => ({ [c.name]: c.value }));
  }
}

function plain(v: TableStore.ColumnValue): string | number | boolean | Buffer {
  if (typeof v === 'object' && !Buffer.isBuffer(v)) return v.toString();
  return v;
}
