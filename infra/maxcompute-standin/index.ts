/**
 * A local, protocol-faithful stand-in of Alibaba Cloud MaxCompute (ODPS) on 127.0.0.1: the REST API for
 * projects, tables and SQL instances, and the table tunnel (batch upload and download sessions), on one port,
 * with or without the `/api` prefix. SQL runs on DuckDB through a tokenizer-based translator of the subset
 * fc-dts and its users need (infra/README.md lists it); the service's limits are enforced with its error codes.
 * With `dir` tables, partitions, data and open upload sessions survive a restart (`<dir>/maxcompute.duckdb`).
 *
 * For tests it counts requests per operation (`requests`) and misbehaves on request (`faults`): a commit whose
 * answer is lost, a block write failing once, a session expiring now, requests refused with 503.
 */
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Catalog } from './catalog.ts';
import { Database } from './database.ts';
import { FaultInjector, type MaxComputeFaults } from './fault-injector.ts';
import { Instances } from './instances.ts';
import { LIMITS } from './limits.ts';
import { createMaxComputeServer } from './server.ts';
import { runScript } from './sql-engine.ts';
import { Tunnel } from './tunnel.ts';

export type { MaxComputeFaults } from './fault-injector.ts';

export interface MaxComputeStandInOptions {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  /** The one project served; default 'fcdts'. Any other answers NoSuchProject. */
  readonly project?: string;
  /** Directory to persist to; without it everything lives in memory. */
  readonly dir?: string;
  /** Port on 127.0.0.1; 0 (the default) picks a free one. */
  readonly port?: number;
  /** The project's `odps.sql.timezone`: DATETIME prints and compares in it. Default Asia/Shanghai, as most projects. */
  readonly timeZone?: string;
  /** An instance stays Running at least this long, so clients really poll; default 50 ms. */
  readonly sqlDelayMs?: number;
  /** Lower limits for tests; the service's by default. */
  readonly limits?: {
    readonly partitionsPerTable?: number;
    readonly partitionsPerQuery?: number;
    readonly resultRows?: number;
    readonly sessionTtlMs?: number;
  };
}

export interface MaxComputeStandIn {
  /** `http://127.0.0.1:<port>/api`, the service endpoint. */
  readonly endpoint: string;
  /** `http://127.0.0.1:<port>`, what `GET /projects/{p}/tunnel?service` points at. */
  readonly tunnelEndpoint: string;
  readonly project: string;
  /** Requests that reached their operation (authenticated), per operation: GetProject, ListTables, GetTable, ListPartitions, GetPartition, CreateInstance, GetInstance, GetTaskStatus, GetResult, GetSource, GetTunnelEndpoint, CreateUpload, GetUpload, WriteBlock, CommitUpload, CreateDownload, GetDownload, ReadDownload. */
  readonly requests: Readonly<Record<string, number>>;
  readonly faults: MaxComputeFaults;
  /** Waits for running SQL, stops the server and closes the database. */
  close(): Promise<void>;
}

const OWNER = 'ALIYUN$fcdts-standin';

export async function startMaxComputeStandIn(options: MaxComputeStandInOptions): Promise<MaxComputeStandIn> {
  const project = options.project ?? 'fcdts';
  const timeZone = options.timeZone ?? 'Asia/Shanghai';
  const partitionsPerTable = options.limits?.partitionsPerTable ?? LIMITS.partitionsPerTable;
  const resultRows = options.limits?.resultRows ?? LIMITS.resultRows;
  const partitionsPerQuery = options.limits?.partitionsPerQuery ?? LIMITS.partitionsPerQuery;
  const sessionTtlMs = options.limits?.sessionTtlMs ?? LIMITS.sessionTtlMs;
  const db = await Database.open(options.dir);
  const catalog = await Catalog.load(db, project, partitionsPerTable);
  const sqlContext = { db, catalog, owner: OWNER, timeZone, resultRows, partitionsPerQuery };
  const tunnel = new Tunnel({ db, catalog, owner: OWNER, timeZone, sessionTtlMs: () => sessionTtlMs });
  const faults = new FaultInjector(tunnel);
  const instances = new Instances(
    OWNER,
    () => options.sqlDelayMs ?? 50,
    () => faults.sqlGate(),
    (sql) => db.exclusive(() => runScript(sqlContext, sql.query, sql.settings)),
  );
  const requests: Record<string, number> = {};
  const server = createMaxComputeServer({
    accessKeyId: options.accessKeyId,
    accessKeySecret: options.accessKeySecret,
    project,
    owner: OWNER,
    timeZone,
    createdAt: Date.now(),
    db,
    catalog,
    instances,
    tunnel,
    faults,
    requests,
  });
  let port: number;
  try {
    port = await listen(server, options.port ?? 0);
  } catch (e) {
    await db.close();
    throw e;
  }
  let closing: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}/api`,
    tunnelEndpoint: `http://127.0.0.1:${port}`,
    project,
    requests,
    faults,
    close: () =>
      (closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        faults.clear();
        await instances.settle();
        await db.close();
      })()),
  };
}

/** Listens on 127.0.0.1:`port` (0: a free one); resolves to the port (`once` rejects on 'error'). */
async function listen(server: Server, port: number): Promise<number> {
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}
