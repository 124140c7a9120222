/**
 * Accounts and their Lindorm privileges (Lindorm's user management: READ, WRITE, ADMIN and TRASH, granted
 * per namespace or on everything). The main account holds every privilege; extra accounts hold what their
 * options give them. Which statement needs which privilege follows Lindorm's permission page: DDL needs
 * ADMIN, DROP TABLE also TRASH, writes WRITE, reads and catalog statements READ.
 */
import { errors } from './errors.ts';
import type { Statement } from './sql-ast.ts';

export type LindormPrivilege = 'READ' | 'WRITE' | 'ADMIN' | 'TRASH';

export const ALL_PRIVILEGES: readonly LindormPrivilege[] = ['READ', 'WRITE', 'ADMIN', 'TRASH'];

/** An extra account: its privileges by namespace name, `*` for every namespace. */
export interface StandInUser {
  readonly user: string;
  readonly password: string;
  readonly privileges: Readonly<Record<string, readonly LindormPrivilege[]>>;
}

interface Need {
  readonly label: string;
  readonly namespace: string;
  readonly privileges: readonly LindormPrivilege[];
}

const DDL_LABELS = { createTable: 'CREATE TABLE', alterTableAdd: 'ALTER TABLE', dropTable: 'DROP TABLE' } as const;

/** What `s` needs, run in `current` (the session's namespace); undefined when it needs nothing. */
function needOf(s: Statement, current: string): Need | undefined {
  const ns = (explicit?: string) => explicit ?? current;
  switch (s.kind) {
    case 'createTable':
    case 'alterTableAdd':
      return { label: DDL_LABELS[s.kind], namespace: ns(s.table.namespace), privileges: ['ADMIN'] };
    case 'dropTable':
      return { label: DDL_LABELS[s.kind], namespace: ns(s.table.namespace), privileges: ['ADMIN', 'TRASH'] };
    case 'createDatabase':
      return { label: 'CREATE DATABASE', namespace: s.name, privileges: ['ADMIN'] };
    case 'dropDatabase':
      return { label: 'DROP DATABASE', namespace: s.name, privileges: ['ADMIN'] };
    case 'upsert':
      return { label: 'UPSERT', namespace: ns(s.table.namespace), privileges: ['WRITE'] };
    case 'delete':
      return { label: 'DELETE', namespace: ns(s.table.namespace), privileges: ['WRITE'] };
    case 'select':
      return s.from ? { label: 'SELECT', namespace: ns(s.from.namespace), privileges: ['READ'] } : undefined;
    case 'showTables':
      return { label: 'SHOW TABLES', namespace: ns(s.namespace), privileges: ['READ'] };
    case 'describe':
      return { label: 'DESCRIBE', namespace: ns(s.table.namespace), privileges: ['READ'] };
    case 'showCreateTable':
      return { label: 'SHOW CREATE TABLE', namespace: ns(s.table.namespace), privileges: ['READ'] };
    default:
      // SHOW DATABASES, USE, SET and SELECT without FROM need no privilege.
      return undefined;
  }
}

export class Accounts {
  private readonly users: ReadonlyMap<string, StandInUser>;

  constructor(main: { readonly user: string; readonly password: string }, extra: readonly StandInUser[]) {
    const all: StandInUser = { ...main, privileges: { '*': ALL_PRIVILEGES } };
    this.users = new Map([...extra.map((u): [string, StandInUser] => [u.user, u]), [main.user, all]]);
  }

  /** The password of `user`; undefined when there is no such account. */
  password(user: string): string | undefined {
    return this.users.get(user)?.password;
  }

  /** Throws the 1142 refusal when `user` lacks a privilege `s` needs. */
  check(s: Statement, session: { readonly user: string; readonly host: string; readonly namespace: string }): void {
    const need = needOf(s, session.namespace);
    if (!need) return;
    const granted = this.users.get(session.user)?.privileges ?? {};
    const held = new Set([...(granted['*'] ?? []), ...(granted[need.namespace] ?? [])]);
    const missing = need.privileges.filter((p) => !held.has(p));
    if (missing.length > 0) throw errors.commandDenied(need.label, session.user, session.host, need.namespace, missing);
  }
}
