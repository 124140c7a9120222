/**
 * `destination:` of a Tablestore destination: the instance, its AccessKey pair, and the reference
 * product's write settings (write mode, queue size, threads, concurrency, buckets).
 */
import { TaskFileError } from '../../errors.ts';
import { allowKeys, num, oneOf, str, type Obj } from '../../task/task-file-reader.ts';
import type { ObjectSelection } from '../../task/task.ts';
import { TABLESTORE_LIMITS } from './tablestore-table.ts';

/** Tablestore's write modes: `overwrite` replaces the whole row (PutRow), `update` sets the changed columns (UpdateRow). */
export type TablestoreWriteMode = 'overwrite' | 'update';

export interface TablestoreDestinationConfig {
  readonly type: 'tablestore';
  /** `https://<instance>.<region>.ots.aliyuncs.com`, or the stand-in's `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  readonly instance: string;
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  readonly securityToken?: string;
  readonly writeMode: TablestoreWriteMode;
  /** Only BatchWriteRow: the task-file validator refuses bulkImport (README, "Tablestore"). */
  readonly batchWriteMode: 'batchWriteRow';
  /** Rows held waiting for a BatchWriteRow request before producers wait (the reference's "Queue Size"). */
  readonly queueSize: number;
  /** Workers applying change batches and handling their write results ("Thread Quantity"). */
  readonly threads: number;
  /** BatchWriteRow requests in flight at once per process ("Concurrency"). */
  readonly concurrency: number;
  /** Incremental buckets, written in order each ("Buckets"); at most `concurrency`. */
  readonly buckets: number;
  /** Tables the instance may hold (64 unless Tablestore support raised it). */
  readonly maxTables: number;
}

export function parseTablestoreDestination(d: Obj): TablestoreDestinationConfig {
  allowKeys(d, 'destination', ['type', 'endpoint', 'instance', 'accessKeyId', 'accessKeySecret', 'securityToken', 'writeMode', 'batchWriteMode', 'queueSize', 'threads', 'concurrency', 'buckets', 'maxTables']);
  const url = str(d, 'endpoint', 'destination');
  if (!/^https?:\/\/[^\s/]+\/?$/.test(url)) {
    throw new TaskFileError('destination.endpoint', `"${url}" is not an endpoint URL`, 'write the instance endpoint, e.g. https://myinstance.cn-hangzhou.ots.aliyuncs.com');
  }
  const instance = str(d, 'instance', 'destination');
  if (!/^[A-Za-z][A-Za-z0-9-]{2,15}$/.test(instance)) {
    throw new TaskFileError('destination.instance', `"${instance}" is not a Tablestore instance name (3–16 letters, digits or "-", starting with a letter)`, 'write the name of the instance as the Tablestore console shows it');
  }
  if (d.batchWriteMode === 'bulkImport') {
    throw new TaskFileError(
      'destination.batchWriteMode',
      'bulkImport is not supported: the Tablestore Node.js SDK (tablestore 5.6.5) has no BulkImport request, and fc-dts writes through BatchWriteRow only',
      'remove batchWriteMode or set batchWriteMode: batchWriteRow',
    );
  }
  const concurrency = num(d, 'concurrency', 'destination', 10, 1, 256);
  const buckets = num(d, 'buckets', 'destination', Math.min(8, concurrency), 1, 1024);
  if (buckets > concurrency) {
    throw new TaskFileError('destination.buckets', `(${buckets}) must not exceed concurrency (${concurrency}): each bucket needs a request slot to be written in order`, `lower buckets to ${concurrency} or raise concurrency to ${buckets}`);
  }
  const token = d.securityToken === undefined ? undefined : str(d, 'securityToken', 'destination');
  return {
    type: 'tablestore',
    endpoint: url.replace(/\/$/, ''),
    instance,
    accessKeyId: str(d, 'accessKeyId', 'destination'),
    accessKeySecret: str(d, 'accessKeySecret', 'destination'),
    ...(token ? { securityToken: token } : {}),
    writeMode: oneOf(d, 'writeMode', 'destination', ['overwrite', 'update'] as const, 'overwrite'),
    batchWriteMode: oneOf(d, 'batchWriteMode', 'destination', ['batchWriteRow'] as const, 'batchWriteRow'),
    queueSize: num(d, 'queueSize', 'destination', 1024, 200, 65536),
    threads: num(d, 'threads', 'destination', 4, 1, 64),
    concurrency,
    buckets,
    maxTables: num(d, 'maxTables', 'destination', 64, 1, 100_000),
  };
}

/** Tablestore has one flat namespace of tables and takes no DDL. */
export function checkTablestoreTask(objects: readonly ObjectSelection[], sync: { readonly ddl: boolean }): void {
  if (sync.ddl) {
    throw new TaskFileError('sync.ddl', 'Tablestore destinations take no DDL: only INSERT, UPDATE and DELETE are synchronized (new columns need no DDL, Tablestore columns are schemaless)', 'remove sync.ddl or set sync.ddl: false');
  }
  objects.forEach((o, i) => {
    if (o.as !== undefined) {
      throw new TaskFileError(`objects[${i}].as`, 'Tablestore has no databases: database name mapping is not supported (tables keep their own names, or the names given with tables[].as)', `remove objects[${i}].as`);
    }
    // primaryKey overrides only: a source key over the limit is known once the catalog is read (precheck, tablestoreKeysVerdict).
    o.tables?.forEach((t, j) => {
      const limit = TABLESTORE_LIMITS.primaryKeyColumns;
      if (t.primaryKey && t.primaryKey.length > limit) {
        throw new TaskFileError(
          `objects[${i}].tables[${j}].primaryKey`,
          `table "${o.database}.${t.name}": ${t.primaryKey.length} key columns (${t.primaryKey.join(', ')}), but a Tablestore primary key has at most ${limit}`,
          `keep at most ${limit} columns that still identify a row, e.g. primaryKey: [${t.primaryKey.slice(0, limit).join(', ')}] (the first is the partition key: one with many distinct values)`,
        );
      }
    });
  });
}

/** Buckets and apply workers: Tablestore's own settings (buckets, threads) stand for them. */
export function tablestoreParallelism(config: TablestoreDestinationConfig, inc: Obj): { buckets: number; workers: number } {
  for (const k of ['buckets', 'workers'] as const) {
    if (inc[k] !== undefined) {
      throw new TaskFileError(`advanced.incremental.${k}`, `is set by destination.${k === 'workers' ? 'threads' : 'buckets'} for Tablestore destinations`, `move the value to destination.${k === 'workers' ? 'threads' : 'buckets'}`);
    }
  }
  return { buckets: config.buckets, workers: config.threads };
}
