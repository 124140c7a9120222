/**
 * Whether the account may run the DDL fc-dts runs: schema synchronization creates tables (ADMIN), DDL
 * replay alters and drops them (ADMIN; DROP TABLE also TRASH). Lindorm has no statement showing an
 * account's own rights over the MySQL protocol, so they are probed: a uniquely named table is created,
 * written and dropped. ADMIN is independent of READ and WRITE (Lindorm's GRANT page).
 */
import { randomBytes } from 'node:crypto';
import type { Verdict } from '../../precheck/source-checks.ts';
import { lindormMessage, type LindormSessions } from './lindorm-session.ts';
import { quoteName } from './lindorm-literals.ts';

/** ER_TABLEACCESS_DENIED_ERROR and ER_SPECIFIC_ACCESS_DENIED_ERROR: a right the account lacks. */
const DENIED = new Set([1142, 1227]);

function isDenied(e: unknown): boolean {
  const errno = (e as { errno?: number }).errno;
  return (errno !== undefined && DENIED.has(errno)) || /\b(denied|permission|not authorized)\b/i.test(lindormMessage(e));
}

interface Step {
  readonly right: 'ADMIN' | 'WRITE' | 'TRASH';
  readonly statement: string;
  readonly sql: string;
}

function probeSteps(table: string): Step[] {
  const t = quoteName(table);
  return [
    { right: 'ADMIN', statement: 'CREATE TABLE', sql: `CREATE TABLE ${t} (${quoteName('k')} INTEGER NOT NULL, ${quoteName('v')} VARCHAR, PRIMARY KEY (${quoteName('k')}))` },
    { right: 'WRITE', statement: 'UPSERT', sql: `UPSERT INTO ${t} (${quoteName('k')}, ${quoteName('v')}) VALUES (1, 'probe')` },
    { right: 'TRASH', statement: 'DROP TABLE', sql: `DROP TABLE ${t}` },
  ];
}

/** Item: creates, writes and drops `fc_dts_probe_<random>`; each refused step names the right it needs. */
export async function ddlRightsVerdict(sessions: LindormSessions, why: string): Promise<Verdict> {
  const { user, database } = sessions.config;
  const table = `fc_dts_probe_${randomBytes(4).toString('hex')}`;
  const missing: Step[] = [];
  for (const step of probeSteps(table)) {
    try {
      await sessions.query(step.sql);
    } catch (e) {
      if (!isDenied(e)) return { status: 'failed', reason: `the rights probe could not run ${step.statement} on ${table}: ${lindormMessage(e)}`, fix: 'run the precheck again; if it keeps failing, check the namespace in the Lindorm console' };
      missing.push(step);
      if (step.right === 'ADMIN') break; // nothing to write to or drop
    }
  }
  if (missing.length === 0) return { status: 'passed', reason: `account "${user}" created, wrote and dropped a probe table in namespace ${database}: it holds ADMIN, WRITE and TRASH, which ${why} needs` };
  const rights = missing.map((s) => s.right);
  const left = missing.some((s) => s.right === 'TRASH') ? ` The probe table ${table} is left in the namespace: drop it as an account holding TRASH.` : '';
  return {
    status: 'failed',
    reason: `account "${user}" may not ${missing.map((s) => s.statement).join(' nor ')} in namespace ${database} (lacks ${rights.join(', ')}), and ${why} runs DDL there (CREATE TABLE and ALTER TABLE need ADMIN, DROP TABLE also TRASH).${left}`,
    fix: `grant the rights as a Lindorm administrator: ${rights.map((r) => `GRANT ${r} ON DATABASE ${database} TO ${user}`).join('; ')}; or take schema out of sync.types and set sync.ddl: false, and create the tables by hand (the lindorm-existing-tables item shows each CREATE TABLE)`,
    objects: [database],
  };
}
