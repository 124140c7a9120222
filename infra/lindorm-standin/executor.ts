/** Runs one query text for a session: parse, the injected faults, the statement, the counters. */
import { CatalogStatements } from './catalog-statements.ts';
import type { Counters, CountedKind } from './counters.ts';
import { Ddl } from './ddl.ts';
import { errors } from './errors.ts';
import type { FaultInjector } from './fault-injector.ts';
import type { LindormLimits } from './limits.ts';
import type { Accounts } from './privileges.ts';
import { OK_NONE, type StatementResult } from './result.ts';
import { Selects } from './select.ts';
import type { Session } from './session.ts';
import type { Statement } from './sql-ast.ts';
import { parseStatement } from './sql-parser.ts';
import type { LindormStore } from './table-store.ts';
import { setVariable } from './variables.ts';
import { Writes } from './writes.ts';

export class Executor {
  private readonly ddl: Ddl;
  private readonly writes: Writes;
  private readonly selects: Selects;
  private readonly catalog: CatalogStatements;

  constructor(
    private readonly store: LindormStore,
    limits: LindormLimits,
    private readonly faults: FaultInjector,
    private readonly counters: Counters,
    private readonly accounts: Accounts,
  ) {
    this.ddl = new Ddl(store, limits);
    this.writes = new Writes(store, limits, {
      beforeRow: (i) => faults.beforeRow(i),
      rowDone: (kind) => counters.rows[kind]++,
    });
    this.selects = new Selects(store, limits);
    this.catalog = new CatalogStatements(store);
  }

  /** The answer to `sql`; throws LindormError for a refusal, DropConnection for an injected drop. */
  execute(sql: string, session: Session): StatementResult {
    let kind: CountedKind = 'unparsed';
    let failed = true;
    try {
      const statement = parseStatement(sql, session.sqlMode !== 'NO_BACKSLASH_ESCAPES');
      kind = statement.kind;
      this.accounts.check(statement, session);
      this.faults.checkStatement(statement.kind);
      const result = this.run(statement, session, sql);
      if (result.kind === 'rows' && statement.kind === 'select' && statement.from) this.counters.rows.select += result.rows.length;
      failed = false;
      return result;
    } finally {
      this.counters.answered(kind, failed);
    }
  }

  private run(s: Statement, session: Session, sql: string): StatementResult {
    const ns = (explicit?: string) => explicit ?? session.namespace;
    switch (s.kind) {
      case 'createTable': return this.ddl.createTable(s, ns(s.table.namespace));
      case 'alterTableAdd': return this.ddl.alterTableAdd(s, ns(s.table.namespace));
      case 'dropTable': return this.ddl.dropTable(s, ns(s.table.namespace));
      case 'createDatabase': return this.ddl.createDatabase(s);
      case 'dropDatabase': return this.ddl.dropDatabase(s);
      case 'upsert': return this.upsert(s, session);
      case 'delete': return this.writes.delete(s, ns(s.table.namespace), session.timeZone);
      case 'select': return this.selects.run(s, session, sql);
      case 'showDatabases': return this.catalog.showDatabases();
      case 'showTables': return this.catalog.showTables(this.namespace(ns(s.namespace)), s.like);
      case 'describe': return this.catalog.describe(s.table, ns(s.table.namespace));
      case 'showCreateTable': return this.catalog.showCreateTable(s.table, ns(s.table.namespace));
      case 'use': session.namespace = this.namespace(s.namespace); return OK_NONE;
      case 'set': setVariable(s.name, s.value, session); return OK_NONE;
    }
  }

  private upsert(s: Extract<Statement, { kind: 'upsert' }>, session: Session): StatementResult {
    this.faults.startUpsert(s.rows.length);
    const before = this.counters.rows.upsert;
    try {
      return this.writes.upsert(s, s.table.namespace ?? session.namespace, session.timeZone);
    } finally {
      const written = this.counters.rows.upsert - before;
      if (written > 0) this.counters.upsertBatches.push(written);
    }
  }

  private namespace(name: string): string {
    if (!this.store.hasNamespace(name)) throw errors.unknownDatabase(name);
    return name;
  }
}
