/**
 * The Tablestore client every Tablestore user of fc-dts opens (the state store and the destination),
 * and the table set-up they share: create when missing (or accept an existing table with the same
 * primary key), then wait until the new table answers, which takes a moment after CreateTable.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import TableStore from 'tablestore';
import { FcDtsError } from '../errors.ts';
import { retryTransient, type RetryFailure } from './tablestore-errors.ts';

/** An instance and the identity that reaches it. */
export interface TablestoreAccess {
  /** `https://<instance>.<region>.ots.aliyuncs.com`, or a stand-in's `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  readonly instance: string;
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  readonly securityToken?: string;
}

/** The key column types Tablestore tables have. */
export type PrimaryKeyType = 'INTEGER' | 'STRING' | 'BINARY';

export function openTablestoreClient(access: TablestoreAccess, requestTimeoutMs = 30_000): TableStore.Client {
  // Not `maxRetries`: the SDK keeps it in a process-wide global (lib/request.js); calls are retried by us.
  return new TableStore.Client({
    endpoint: access.endpoint,
    instancename: access.instance,
    accessKeyId: access.accessKeyId,
    secretAccessKey: access.accessKeySecret,
    ...(access.securityToken ? { stsToken: access.securityToken } : {}),
    httpOptions: { timeout: requestTimeoutMs },
  });
}

const KEY_TYPE_NAMES: Readonly<Record<number, PrimaryKeyType>> = { 1: 'INTEGER', 2: 'STRING', 3: 'BINARY' };

export interface KeySchemaColumn {
  readonly name: string;
  readonly type: PrimaryKeyType;
}

export function formatKeySchema(key: readonly KeySchemaColumn[]): string {
  return key.map((c) => `${c.name} ${c.type}`).join(', ');
}

/** The primary key of an existing table; undefined when there is no such table. */
export async function describeKey(
  client: TableStore.Client,
  table: string,
  retryMs: number,
  errors: Pick<TableSetupErrors, 'failure'> = { failure: tablestoreFailure },
): Promise<KeySchemaColumn[] | undefined> {
  const described = await retryTransient(() => client.describeTable({ tableName: table }), { budgetMs: retryMs });
  if (!described.ok && described.failure.name === 'OTSObjectNotExist') return undefined;
  if (!described.ok) throw errors.failure(`describe table ${table}`, described);
  return described.value.tableMeta.primaryKey.map((c) => ({ name: c.name, type: KEY_TYPE_NAMES[c.type] ?? (String(c.type) as PrimaryKeyType) }));
}

/** How a table's owner words what can go wrong while setting it up. */
export interface TableSetupErrors {
  /** The table exists with another primary key. */
  keyMismatch(existing: readonly KeySchemaColumn[]): FcDtsError;
  /** A call failed: `what` is "describe table t", "create table t" or "read new table t". */
  failure(what: string, outcome: RetryFailure): FcDtsError;
}

/** A destination table's errors: the table is the task's to rename or re-key. */
function destinationTableErrors(table: string, key: readonly KeySchemaColumn[]): TableSetupErrors {
  return {
    keyMismatch: (existing) =>
      new FcDtsError(
        'SCHEMA_SYNC_FAILED',
        `Tablestore table ${table} exists with primary key (${formatKeySchema(existing)}), not (${formatKeySchema(key)})`,
        'rename the destination table with "as", set the table\'s primaryKey to match, or delete the existing table',
      ),
    failure: tablestoreFailure,
  };
}

/**
 * Creates the table when missing and waits until it answers reads. Resolves `created` or `existing`;
 * an existing table with another primary key is refused (its rows could not be addressed).
 */
export async function ensureTable(
  client: TableStore.Client,
  table: string,
  key: readonly KeySchemaColumn[],
  retryMs: number,
  errors: TableSetupErrors = destinationTableErrors(table, key),
): Promise<'created' | 'existing'> {
  const existing = await describeKey(client, table, retryMs, errors);
  if (existing) {
    if (formatKeySchema(existing) !== formatKeySchema(key)) throw errors.keyMismatch(existing);
    return 'existing';
  }
  const created = await retryTransient(
    () =>
      client.createTable({
        tableMeta: { tableName: table, primaryKey: key.map((c) => ({ name: c.name, type: c.type })) },
        reservedThroughput: { capacityUnit: { read: 0, write: 0 } },
        tableOptions: { timeToLive: -1, maxVersions: 1 },
      }),
    { budgetMs: retryMs },
  );
  // Another process creating it at the same moment is as good.
  if (!created.ok && created.failure.name !== 'OTSObjectAlreadyExist') throw errors.failure(`create table ${table}`, created);
  // Right after CreateTable the service may answer OTSObjectNotExist or OTSTableNotReady for a while.
  const deadline = Date.now() + Math.max(retryMs, 1000);
  const probe = () =>
    client.getRange({
      tableName: table,
      direction: TableStore.Direction.FORWARD,
      inclusiveStartPrimaryKey: key.map((c) => ({ [c.name]: TableStore.INF_MIN })),
      exclusiveEndPrimaryKey: key.map((c) => ({ [c.name]: TableStore.INF_MAX })),
      limit: 1,
    });
  for (let delay = 100; ; delay = Math.min(delay * 2, 2000)) {
    const ready = await retryTransient(probe, { budgetMs: Math.max(0, deadline - Date.now()) });
    if (ready.ok) return created.ok ? 'created' : 'existing';
    if (ready.failure.name !== 'OTSObjectNotExist' || Date.now() + delay > deadline) throw errors.failure(`read new table ${table}`, ready);
    await sleep(delay);
  }
}

/** A failed call as a person-facing error: credentials, reachability, or what the service said. */
export function tablestoreFailure(what: string, outcome: RetryFailure): FcDtsError {
  const f = outcome.failure;
  const options = { cause: outcome.error };
  if (f.name === 'OTSAuthFailed') {
    return new FcDtsError('AUTH_FAILED', `Tablestore: ${what} failed: ${f.description}`, 'check destination.accessKeyId, destination.accessKeySecret (and securityToken) and destination.instance', options);
  }
  if (outcome.exhausted || f.network) {
    const retried = outcome.exhausted ? ` (still failing after ${Math.round(outcome.elapsedMs / 1000)} s of retries)` : '';
    return new FcDtsError('CONNECTION_FAILED', `Tablestore: ${what} failed${retried}: ${f.description}`, 'check that destination.endpoint is reachable from here and the instance is not throttled', options);
  }
  return new FcDtsError('LOAD_FAILED', `Tablestore: ${what} failed: ${f.description}`, 'check the table and the task settings against the message', options);
}
