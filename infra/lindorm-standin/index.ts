/**
 * A local, protocol-faithful stand-in of Lindorm's wide-table engine (LindormTable) over the MySQL protocol,
 * as the official Node.js guide uses it (`mysql2.createConnection({ host, port, user, password, database:
 * 'default' })`): its own store of namespaces, tables and rows in primary-key order, a parser of the Lindorm SQL
 * subset fc-dts and a user need, Lindorm's limits and rules answered with MySQL ERR packets, and with `dir` a
 * journal that survives a restart.
 *
 * For tests it counts statements and rows (`counters`) and misbehaves on request (`faults`): a connection
 * dropped in the middle of a multi-row write, transient errors for the next statements of a kind.
 */
import { Counters, type LindormCounters } from './counters.ts';
import { Executor } from './executor.ts';
import { FaultInjector, type LindormFaults } from './fault-injector.ts';
import { Journal } from './journal.ts';
import { LIMITS, type LindormLimits } from './limits.ts';
import { Accounts, type StandInUser } from './privileges.ts';
import { LindormProtocolServer } from './server.ts';
import { LindormStore, type ChangeLog } from './table-store.ts';

export type { LindormCounters, CountedKind } from './counters.ts';
export type { LindormFaults } from './fault-injector.ts';
export type { LindormLimits } from './limits.ts';
export type { StatementKind } from './sql-ast.ts';
export type { LindormPrivilege, StandInUser } from './privileges.ts';

export interface LindormStandInOptions {
  /** Directory to persist to; without it everything lives in memory. */
  dir?: string;
  /** Port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number;
  /** The main account, holding every privilege; default user 'root' and a password that must then be given. */
  user?: string;
  password: string;
  /** Extra accounts with the privileges given them per namespace (the main account holds them all). */
  users?: readonly StandInUser[];
  /** Lindorm's limits, some lowered for a test (idleMs: idle connections are closed after it, default 10 min). */
  limits?: Partial<LindormLimits>;
}

export interface LindormStandIn {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly faults: LindormFaults;
  readonly counters: LindormCounters;
  close(): Promise<void>;
}

const IN_MEMORY: ChangeLog = {
  createNamespace() {},
  dropNamespace() {},
  createTable() {},
  updateTable() {},
  dropTable() {},
  putRow() {},
  deleteRow() {},
};

export async function startLindormStandIn(options: LindormStandInOptions): Promise<LindormStandIn> {
  const limits: LindormLimits = { ...LIMITS, ...options.limits };
  const user = options.user ?? 'root';
  const { store, journal } = openStore(options.dir);
  const faults = new FaultInjector();
  const counters = new Counters();
  const accounts = new Accounts({ user, password: options.password }, options.users ?? []);
  const executor = new Executor(store, limits, faults, counters, accounts);
  const server = new LindormProtocolServer({
    password: (name) => accounts.password(name),
    idleMs: limits.idleMs,
    execute: (sql, session) => executor.execute(sql, session),
    hasNamespace: (name) => store.hasNamespace(name),
    onAuthenticated: () => counters.connections++,
  });
  const port = await server.listen(options.port ?? 0).catch((e: unknown) => {
    journal?.close(store.state());
    throw e;
  });
  let closing: Promise<void> | undefined;
  return {
    host: '127.0.0.1',
    port,
    user,
    password: options.password,
    faults,
    counters,
    close: () => (closing ??= server.close().finally(() => journal?.close(store.state()))),
  };
}

function openStore(dir: string | undefined): { store: LindormStore; journal: Journal | undefined } {
  if (!dir) return { store: new LindormStore(IN_MEMORY), journal: undefined };
  const { journal, state } = Journal.open(dir);
  const store = new LindormStore(journal);
  store.restore(state.namespaces, state.tables.values());
  return { store, journal };
}
