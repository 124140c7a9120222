/**
 * What the demo needs of each destination kind on one machine: what to start (a stand-in, or nothing
 * beyond the MariaDB server), the task file's `destination` and `objects`, and the summary line.
 * Whether the demo's DDL is replayed comes from the kind's module (its DDL policy).
 */
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { startTablestoreStandIn } from '../../infra/tablestore-standin/index.ts';
import { startMaxComputeStandIn } from '../../infra/maxcompute-standin/index.ts';
import { startLindormStandIn } from '../../infra/lindorm-standin/index.ts';
import { randomBytes } from 'node:crypto';
import type { DestinationType } from '../../shared/task/task.ts';
import { newStandInKeys } from './stand-ins.ts';

export interface DemoServer {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
}

export interface DemoSetup {
  readonly taskName: string;
  /** The task file's `destination`, secrets as `${NAME}` references. */
  readonly destination: Record<string, unknown>;
  readonly objects: ReadonlyArray<Record<string, unknown>>;
  /** Values of the `${NAME}` references above. */
  readonly env: Readonly<Record<string, string>>;
  /** One line after the run: what was copied where. */
  summary(rows: number, tables: number): string;
  /**
   * A look back after the run, where the kind keeps history (MaxCompute: `fc-dts merge` of a table as it
   * was at `before`, a moment between the full load and the changes): the fc-dts arguments to run.
   */
  lookBack?(taskFile: string, before: number): string[];
  /** Where the kind takes ADD COLUMN: the definition of the column the demo adds to customers (and fills for a third of them). */
  readonly addedColumn?: string;
  close(): Promise<void>;
}

export type DemoDestination = (server: DemoServer, dir: string, log: (line: string) => void) => Promise<DemoSetup>;

const count = (n: number) => n.toLocaleString('en-US');

const mysqlDemo: DemoDestination = async (s) => ({
  taskName: 'demo-shop',
  destination: { type: 'mysql', host: s.host, port: s.port, user: s.user, password: '${DEMO_DB_PASSWORD}' },
  objects: [{ database: 'shop', as: 'shop_copy' }],
  env: {},
  summary: (rows, tables) => `copied ${count(rows)} rows of ${tables} tables, 2 views, a trigger and a procedure from shop to shop_copy`,
  addedColumn: 'loyalty_points INT NOT NULL DEFAULT 0',
  close: async () => {},
});

const tablestoreDemo: DemoDestination = async (_s, dir, log) => {
  const keys = newStandInKeys();
  const data = join(dir, 'tablestore');
  log('starting the Tablestore stand-in');
  const standIn = await startTablestoreStandIn({ ...keys, dir: data });
  console.log(`Tablestore instance ${standIn.instance} at ${standIn.endpoint}`);
  return {
    taskName: 'demo-shop-ots',
    destination: { type: 'tablestore', endpoint: standIn.endpoint, instance: standIn.instance, accessKeyId: keys.accessKeyId, accessKeySecret: '${DEMO_OTS_SECRET}', writeMode: 'update' },
    // Tablestore has no databases: the tables keep their names in the instance.
    objects: [{ database: 'shop' }],
    env: { DEMO_OTS_SECRET: keys.accessKeySecret },
    summary: (rows, tables) => `copied ${count(rows)} rows of ${tables} tables from shop to the Tablestore stand-in (data in ${data})`,
    close: () => standIn.close(),
  };
};

const maxComputeDemo: DemoDestination = async (_s, dir, log) => {
  const keys = newStandInKeys();
  const data = join(dir, 'maxcompute');
  rmSync(data, { recursive: true, force: true });
  log('starting the MaxCompute stand-in');
  const standIn = await startMaxComputeStandIn({ ...keys, dir: data });
  console.log(`MaxCompute project ${standIn.project} at ${standIn.endpoint}`);
  return {
    taskName: 'demo-shop-mc',
    destination: { type: 'maxcompute', endpoint: standIn.endpoint, project: standIn.project, accessKeyId: keys.accessKeyId, accessKeySecret: '${DEMO_MC_SECRET}', partitionFields: ['modifytime_year', 'modifytime_month', 'modifytime_day'] },
    // A project has no databases: the tables keep their names, as <table>_base and <table>_log.
    objects: [{ database: 'shop' }],
    env: { DEMO_MC_SECRET: keys.accessKeySecret },
    summary: (rows, tables) => `copied ${count(rows)} rows of ${tables} tables from shop into _base tables and every change into _log tables of the MaxCompute stand-in (data in ${data})`,
    lookBack: (taskFile, before) => ['merge', '-c', taskFile, '--table', 'orders', '--at', String(before), '--into', 'orders_before_changes'],
    // No DEFAULT: rows already in customers_base would have NULL where the source has it (README "DDL").
    addedColumn: 'loyalty_points INT',
    close: () => standIn.close(),
  };
};

const lindormDemo: DemoDestination = async (_s, dir, log) => {
  const data = join(dir, 'lindorm');
  rmSync(data, { recursive: true, force: true });
  log('starting the Lindorm stand-in');
  const standIn = await startLindormStandIn({ password: randomBytes(12).toString('base64url'), dir: data });
  console.log(`Lindorm (LindormTable, MySQL protocol) at ${standIn.host}:${standIn.port}, namespace default`);
  return {
    taskName: 'demo-shop-lindorm',
    destination: { type: 'lindorm', host: standIn.host, port: standIn.port, user: standIn.user, password: '${DEMO_LINDORM_PASSWORD}' },
    // One namespace holds the tables, under their source names. Columns no Lindorm type holds exactly are
    // left out: BIT (reference 004), DECIMAL(65,30) (38 digits at most) and TIME(3) with milliseconds (TIME
    // is whole seconds). A table selected by columns takes no DDL, so the demo has none.
    objects: [{
      database: 'shop',
      tables: [
        { name: 'customers', columns: ['id', 'email', 'name', 'country', 'birth_year', 'born', 'created_at', 'updated_at', 'profile', 'avatar'] },
        'products',
        { name: 'orders', columns: ['id', 'customer_id', 'status', 'placed_at', 'note'] },
        'order_items',
        'audit_log',
      ],
    }],
    env: { DEMO_LINDORM_PASSWORD: standIn.password },
    summary: (rows, tables) =>
      `copied ${count(rows)} rows of ${tables} tables from shop into namespace default of the Lindorm stand-in (data in ${data}); customers.vip and flags (BIT), orders.total (DECIMAL(65,30)) and customers.preferred_time (TIME(3)) left out`,
    close: () => standIn.close(),
  };
};

export const DEMO_DESTINATIONS: Readonly<Record<DestinationType, DemoDestination>> = {
  mysql: mysqlDemo,
  tablestore: tablestoreDemo,
  maxcompute: maxComputeDemo,
  lindorm: lindormDemo,
};
