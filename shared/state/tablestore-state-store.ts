/**
 * The DistributedStateStore of the serverless pipeline, in one Tablestore table shared by every task:
 * primary key [task STRING, item STRING], default name fc_dts_state. Items of a task:
 *
 *   state                              TaskState (document)
 *   plan                               FullLoadPlan (document)
 *   checkpoint                         ReaderCheckpoint (document)
 *   schema-history                     SerializedHistory (document; part rows when over 4 MB)
 *   chunk/<table>/<chunk, 10 digits>   ChunkDone: table STRING, chunk, rows, bytes INTEGER; one row per chunk
 *   dirty/<ms, 15 digits>/<writer>/<seq, 10 digits>   DirtyRecord (document); the key orders them by time
 *   lease                              owner STRING, token INTEGER, expiresAt INTEGER (ms since the epoch),
 *                                      position STRING (ReaderPosition JSON, ≤ 2 MB)
 *   watermark/<destination>/<bucket>   position STRING, `file:offset#row` (formatPosition)
 *   record/<name>/<bucket>             version INTEGER, value STRING (≤ 2 MB): BucketRecords
 *   payload/<id>                       claim-check payload (document)
 *   part/<item>/<gen>/<n, 6 digits>    d0, d1 BINARY: part n of a document too large for its head row
 *
 * A document is bytes (JSON as UTF-8 for the typed items). Its head row `<item>` has bytes INTEGER,
 * sha256 STRING and parts INTEGER; up to 4,000,000 bytes sit inline in d0/d1 (≤ 2,000,000 each: an
 * attribute holds 2 MB, a row 4 MB), larger ones in part rows named by a fresh `gen`. Parts are written
 * first and the head last, so the head is the commit point and a reader never sees a torn document; the
 * previous generation's parts are deleted afterwards. Reads check the size and the SHA-256.
 *
 * Every call is retried on transient failures for `retryMs` (tablestore-errors.ts). A conditional write
 * whose earlier attempt may have landed (the answer was lost) and whose retry then fails its condition is
 * checked against the row: if the row holds what this call wrote, the call succeeded.
 *
 * `new TablestoreStateStore(options)` does no I/O; `TablestoreStateStore.open(options)` also creates the
 * table when missing and waits until it answers (ensureTable).
 */
import { createHash, randomBytes } from 'node:crypto';
import TableStore from 'tablestore';
import { formatPosition, type BinlogPosition, type ReaderCheckpoint, type ReaderPosition } from '../change/position.ts';
import { FcDtsError, TaskFileError } from '../errors.ts';
import { LeaseLost, type DistributedStateStore, type ReaderLease } from './distributed-state.ts';
import type { BucketRecords, ChunkDone, DirtyRecord, FullLoadPlan, TaskState, VersionedRecord } from './state-store.ts';
import type { SerializedHistory } from '../schema-history/schema-history.ts';
import { ensureTable, formatKeySchema, openTablestoreClient, type KeySchemaColumn } from '../tablestore/tablestore-client.ts';
import { retryTransient, type RetryFailure } from '../tablestore/tablestore-errors.ts';

export interface TablestoreStateStoreOptions {
  /** `https://<instance>.<region>.ots.aliyuncs.com` (or the VPC endpoint), or a stand-in's URL. */
  readonly endpoint: string;
  readonly instance: string;
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  /** STS token of temporary credentials (Function Compute's context.credentials). */
  readonly securityToken?: string;
  /** Default fc_dts_state. */
  readonly table?: string;
  /** The task whose rows this store reads and writes. */
  readonly task: string;
  /** How long transient failures are retried per call; default 60 000. */
  readonly retryMs?: number;
  /** HTTP timeout of one attempt; default 30 000. */
  readonly requestTimeoutMs?: number;
}

export const DEFAULT_STATE_TABLE = 'fc_dts_state';

const { Long, Condition, RowExistenceExpectation: Expect, SingleColumnCondition, CompositeCondition, ComparatorType, LogicalOperator } = TableStore;
const IGNORE = new Condition(Expect.IGNORE, null);
const MUST_EXIST = new Condition(Expect.EXPECT_EXIST, null);
const MUST_NOT_EXIST = new Condition(Expect.EXPECT_NOT_EXIST, null);

/** Bytes per data column (the attribute limit is 2 MB = 2,097,152) and data columns per row (the row limit is 4 MB). */
const COLUMN_BYTES = 2_000_000;
const DATA_COLUMNS = ['d0', 'd1'] as const;
const ROW_BYTES = COLUMN_BYTES * DATA_COLUMNS.length;
/** Part rows a read of a document has in flight. */
const PARTS_READ_AT_ONCE = 4;
const ATTRIBUTE_BYTES = 2 * 1024 * 1024;
/** A primary-key STRING holds 1 KB. */
const KEY_BYTES = 1024;

const ITEM_STATE = 'state';
const ITEM_PLAN = 'plan';
const ITEM_CHECKPOINT = 'checkpoint';
const ITEM_SCHEMA_HISTORY = 'schema-history';
const ITEM_LEASE = 'lease';
const CHUNK = 'chunk/';
const DIRTY = 'dirty/';
const WATERMARK = 'watermark/';
const RECORD = 'record/';
const PAYLOAD = 'payload/';
const PART = 'part/';

const STATE_KEY: readonly KeySchemaColumn[] = [
  { name: 'task', type: 'STRING' },
  { name: 'item', type: 'STRING' },
];

type Columns = Map<string, TableStore.ColumnValue>;

interface Head {
  readonly bytes: number;
  readonly sha256: string;
  readonly parts: number;
  readonly gen: string | undefined;
  readonly inline: Buffer;
}

export class TablestoreStateStore implements DistributedStateStore, BucketRecords {
  /** A store whose table exists and answers. */
  static async open(options: TablestoreStateStoreOptions): Promise<TablestoreStateStore> {
    const store = new TablestoreStateStore(options);
    await store.ensureTable();
    return store;
  }

  readonly table: string;
  readonly task: string;
  private readonly client: TableStore.Client;
  private readonly retryMs: number;
  private readonly endpoint: string;
  private readonly instance: string;
  private readonly accessKeyId: string;
  /** Names this store's dirty records apart from those other processes write in the same millisecond. */
  private readonly writer = randomBytes(4).toString('hex');
  private dirtySeq = 0;

  constructor(options: TablestoreStateStoreOptions) {
    this.table = options.table ?? DEFAULT_STATE_TABLE;
    this.task = options.task;
    this.retryMs = options.retryMs ?? 60_000;
    this.endpoint = options.endpoint;
    this.instance = options.instance;
    this.accessKeyId = options.accessKeyId;
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,254}$/.test(this.table)) {
      throw new FcDtsError('ENVIRONMENT', `Tablestore state table name '${this.table}' is invalid`, 'use 1-255 letters, digits and underscores, starting with a letter or underscore');
    }
    if (this.task.length === 0 || Buffer.byteLength(this.task) > 512) {
      throw new TaskFileError('name', 'must be 1-512 bytes to key the Tablestore state table', 'use a shorter task name');
    }
    if (!(this.retryMs >= 0)) throw new RangeError(`retryMs must be a non-negative number, not ${this.retryMs}`);
    this.client = openTablestoreClient(options, options.requestTimeoutMs);
  }

  /** Creates the state table when missing (checking the key of an existing one) and waits until it answers reads. */
  async ensureTable(): Promise<void> {
    await ensureTable(this.client, this.table, STATE_KEY, this.retryMs, {
      keyMismatch: (existing) =>
        new FcDtsError(
          'STATE_INVALID',
          `${this.where()}: the table exists with primary key (${formatKeySchema(existing)}), not (${formatKeySchema(STATE_KEY)})`,
          'it is not an fc-dts state table: name another table for the state, or delete this one',
        ),
      failure: (what, outcome) => this.failure(what.replace(` ${this.table}`, ''), '', outcome),
    });
  }

  // --- StateStore -------------------------------------------------------------------------------

  getTaskState(): Promise<TaskState | undefined> {
    return this.getJson<TaskState>(ITEM_STATE);
  }

  putTaskState(state: TaskState): Promise<void> {
    return this.putJson(ITEM_STATE, state);
  }

  getPlan(): Promise<FullLoadPlan | undefined> {
    return this.getJson<FullLoadPlan>(ITEM_PLAN);
  }

  putPlan(plan: FullLoadPlan): Promise<void> {
    return this.putJson(ITEM_PLAN, plan);
  }

  getCheckpoint(): Promise<ReaderCheckpoint | undefined> {
    return this.getJson<ReaderCheckpoint>(ITEM_CHECKPOINT);
  }

  putCheckpoint(checkpoint: ReaderCheckpoint): Promise<void> {
    return this.putJson(ITEM_CHECKPOINT, checkpoint);
  }

  getSchemaHistory(): Promise<SerializedHistory | undefined> {
    return this.getJson<SerializedHistory>(ITEM_SCHEMA_HISTORY);
  }

  putSchemaHistory(history: SerializedHistory): Promise<void> {
    return this.putJson(ITEM_SCHEMA_HISTORY, history);
  }

  /** One row per chunk: marking a chunk again overwrites its row. */
  async markChunkDone(done: ChunkDone): Promise<void> {
    const item = `${CHUNK}${done.table}/${String(done.chunk).padStart(10, '0')}`;
    const attributeColumns: TableStore.AttributeColumns = [
      { table: done.table },
      { chunk: Long.fromNumber(done.chunk) },
      { rows: Long.fromNumber(done.rows) },
      { bytes: Long.fromNumber(done.bytes) },
    ];
    await this.call('record a finished chunk', item, () =>
      this.client.putRow({ tableName: this.table, primaryKey: this.key(item), attributeColumns, condition: IGNORE }),
    );
  }

  async doneChunks(): Promise<ChunkDone[]> {
    const out: ChunkDone[] = [];
    for (const [item, columns] of await this.range(CHUNK)) {
      const table = columns.get('table');
      const [chunk, rows, bytes] = ['chunk', 'rows', 'bytes'].map((c) => int(columns.get(c)));
      if (typeof table !== 'string' || chunk === undefined || rows === undefined || bytes === undefined) throw this.damaged(item, 'a chunk row without table, chunk, rows or bytes');
      out.push({ table, chunk, rows, bytes });
    }
    return out;
  }

  async recordDirty(record: DirtyRecord): Promise<void> {
    const item = `${DIRTY}${String(Date.now()).padStart(15, '0')}/${this.writer}/${String(++this.dirtySeq).padStart(10, '0')}`;
    await this.writeDocument(item, Buffer.from(JSON.stringify(record)), true);
  }

  /** In the order they were recorded (by time; within a millisecond, by writer and then in its order). */
  async dirtyRecords(): Promise<DirtyRecord[]> {
    const out: DirtyRecord[] = [];
    for (const [item, columns] of await this.range(DIRTY)) {
      const data = await this.readDocument(item, columns);
      if (data) out.push(this.parse<DirtyRecord>(item, data));
    }
    return out;
  }

  // --- PayloadStore -----------------------------------------------------------------------------

  putPayload(id: string, data: Buffer): Promise<void> {
    return this.writeDocument(PAYLOAD + id, data);
  }

  getPayload(id: string): Promise<Buffer | undefined> {
    return this.readDocument(PAYLOAD + id);
  }

  async payloadIds(prefix: string): Promise<string[]> {
    // range() needs a prefix ending in '/'; narrower prefixes are filtered here.
    const dir = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    const items = await this.range(PAYLOAD + dir);
    return items.map(([item]) => item.slice(PAYLOAD.length)).filter((id) => id.startsWith(prefix));
  }

  async deletePayload(id: string): Promise<void> {
    const item = PAYLOAD + id;
    const head = await this.getRow(item, ['parts', 'gen']);
    if (!head) return;
    await this.call('delete', item, () => this.client.deleteRow({ tableName: this.table, primaryKey: this.key(item), condition: IGNORE }));
    const gen = head.get('gen');
    const parts = int(head.get('parts')) ?? 0;
    if (typeof gen === 'string' && parts > 0) await this.deleteParts(item, gen, parts);
  }

  // --- Reader lease and position ------------------------------------------------------------------

  async acquireLease(owner: string, ttlMs: number): Promise<ReaderLease | undefined> {
    const current = await this.readLease();
    const now = Date.now();
    if (current === undefined) {
      const lease: ReaderLease = { owner, token: 1, expiresAt: now + ttlMs };
      const taken = await this.conditionalWrite(
        'take the reader lease',
        ITEM_LEASE,
        () => this.client.putRow({ tableName: this.table, primaryKey: this.key(ITEM_LEASE), attributeColumns: leaseColumns(lease), condition: MUST_NOT_EXIST }),
        () => this.holds(lease),
      );
      return taken ? lease : undefined;
    }
    const mine = current.owner === owner;
    if (!mine && current.expiresAt > now) return undefined;
    const lease: ReaderLease = { owner, token: mine ? current.token : current.token + 1, expiresAt: now + ttlMs };
    // Conditional on the whole row as read: a holder renewing meanwhile keeps its lease.
    const unchanged = new Condition(Expect.EXPECT_EXIST, allEqual(leaseColumns(current)));
    const taken = await this.conditionalWrite(
      'take the reader lease',
      ITEM_LEASE,
      () => this.client.updateRow({ tableName: this.table, primaryKey: this.key(ITEM_LEASE), updateOfAttributeColumns: [{ PUT: leaseColumns(lease) }], condition: unchanged }),
      () => this.holds(lease),
    );
    return taken ? lease : undefined;
  }

  async renewLease(lease: ReaderLease, ttlMs: number): Promise<ReaderLease> {
    const renewed: ReaderLease = { ...lease, expiresAt: Date.now() + ttlMs };
    await this.whileHolding(lease, 'renew the reader lease', [{ expiresAt: Long.fromNumber(renewed.expiresAt) }]);
    return renewed;
  }

  /** Keeps owner and token, so the next holder's token is higher still. */
  async releaseLease(lease: ReaderLease): Promise<void> {
    await this.whileHolding(lease, 'release the reader lease', [{ expiresAt: Long.fromNumber(0) }]);
  }

  async getReaderPosition(): Promise<ReaderPosition | undefined> {
    const columns = await this.getRow(ITEM_LEASE, ['position']);
    const text = columns?.get('position');
    return typeof text === 'string' ? this.parse<ReaderPosition>(ITEM_LEASE, Buffer.from(text)) : undefined;
  }

  async putReaderPosition(lease: ReaderLease, position: ReaderPosition): Promise<void> {
    const text = JSON.stringify(position);
    if (Buffer.byteLength(text) > ATTRIBUTE_BYTES) {
      throw new FcDtsError(
        'STATE_INVALID',
        `${this.where()}: the reader position of task ${this.task} is ${Buffer.byteLength(text)} bytes, over the 2 MB a Tablestore column holds`,
        'use fewer buckets for the task',
      );
    }
    await this.whileHolding(lease, 'save the reader position', [{ position: text }]);
  }

  // --- Watermarks --------------------------------------------------------------------------------

  async getWatermark(destination: string, bucket: number): Promise<BinlogPosition | null> {
    const item = watermarkItem(destination, bucket);
    const text = (await this.getRow(item, ['position']))?.get('position');
    if (text === undefined) return null;
    const m = typeof text === 'string' ? /^(\d+):(\d+)#(\d+)$/.exec(text) : null;
    if (!m) throw this.damaged(item, `a watermark that is not file:offset#row (${String(text)})`);
    return { file: Number(m[1]), offset: Number(m[2]), row: Number(m[3]) };
  }

  async advanceWatermark(destination: string, bucket: number, from: BinlogPosition | null, to: BinlogPosition): Promise<boolean> {
    const item = watermarkItem(destination, bucket);
    const next = formatPosition(to);
    const primaryKey = this.key(item);
    return this.conditionalWrite(
      'advance the watermark',
      item,
      () =>
        from === null
          ? this.client.putRow({ tableName: this.table, primaryKey, attributeColumns: [{ position: next }], condition: MUST_NOT_EXIST })
          : this.client.updateRow({
              tableName: this.table,
              primaryKey,
              updateOfAttributeColumns: [{ PUT: [{ position: next }] }],
              condition: new Condition(Expect.EXPECT_EXIST, allEqual([{ position: formatPosition(from) }])),
            }),
      async () => (await this.getRow(item, ['position']))?.get('position') === next,
    );
  }

  // --- Bucket records -----------------------------------------------------------------------------

  async getBucketRecord(name: string, bucket: number): Promise<VersionedRecord | undefined> {
    const item = `${RECORD}${name}/${bucket}`;
    const columns = await this.getRow(item, ['version', 'value']);
    if (columns === undefined) return undefined;
    const version = int(columns.get('version'));
    const value = columns.get('value');
    if (version === undefined || typeof value !== 'string') throw this.damaged(item, 'a bucket record without version or value');
    return { version, value };
  }

  async putBucketRecord(name: string, bucket: number, expected: number | undefined, value: string): Promise<boolean> {
    const item = `${RECORD}${name}/${bucket}`;
    if (Buffer.byteLength(value) > ATTRIBUTE_BYTES) {
      throw new FcDtsError('STATE_INVALID', `${this.where()}: bucket record ${item} of task ${this.task} is ${Buffer.byteLength(value)} bytes, over the 2 MB a Tablestore column holds`, 'report this to the fc-dts maintainers: the record should stay small');
    }
    const version = (expected ?? 0) + 1;
    const attributes: TableStore.AttributeColumns = [{ version: Long.fromNumber(version) }, { value }];
    const primaryKey = this.key(item);
    return this.conditionalWrite(
      'write the bucket record',
      item,
      () =>
        expected === undefined
          ? this.client.putRow({ tableName: this.table, primaryKey, attributeColumns: attributes, condition: MUST_NOT_EXIST })
          : this.client.updateRow({
              tableName: this.table,
              primaryKey,
              updateOfAttributeColumns: [{ PUT: attributes }],
              condition: new Condition(Expect.EXPECT_EXIST, allEqual([{ version: Long.fromNumber(expected) }])),
            }),
      async () => {
        const now = await this.getBucketRecord(name, bucket);
        return now?.version === version && now.value === value;
      },
    );
  }

  // --- Lease helpers ------------------------------------------------------------------------------

  private async readLease(): Promise<ReaderLease | undefined> {
    const columns = await this.getRow(ITEM_LEASE, ['owner', 'token', 'expiresAt']);
    if (columns === undefined) return undefined;
    const owner = columns.get('owner');
    const token = int(columns.get('token'));
    const expiresAt = int(columns.get('expiresAt'));
    if (typeof owner !== 'string' || token === undefined || expiresAt === undefined) throw this.damaged(ITEM_LEASE, 'a lease row without owner, token or expiresAt');
    return { owner, token, expiresAt };
  }

  private async holds(lease: ReaderLease): Promise<boolean> {
    const current = await this.readLease();
    return current?.owner === lease.owner && current.token === lease.token && current.expiresAt === lease.expiresAt;
  }

  /** An update of the lease row that happens only while `lease`'s token is the current one; LeaseLost otherwise. */
  private async whileHolding(lease: ReaderLease, op: string, put: TableStore.AttributeColumns): Promise<void> {
    const held = new Condition(Expect.EXPECT_EXIST, allEqual([{ owner: lease.owner }, { token: Long.fromNumber(lease.token) }]));
    const done = await this.conditionalWrite(op, ITEM_LEASE, () =>
      this.client.updateRow({ tableName: this.table, primaryKey: this.key(ITEM_LEASE), updateOfAttributeColumns: [{ PUT: put }], condition: held }),
    );
    if (done) return;
    let now = 'the lease row is gone';
    try {
      const current = await this.readLease();
      if (current) now = `it is now ${current.owner}'s with token ${current.token}`;
    } catch {
      now = 'its current holder is unknown';
    }
    throw new LeaseLost(this.task, `${op}: lease token ${lease.token} of ${lease.owner} is no longer current; ${now}`);
  }

  // --- Documents ----------------------------------------------------------------------------------

  private async getJson<T>(item: string): Promise<T | undefined> {
    const data = await this.readDocument(item);
    return data === undefined ? undefined : this.parse<T>(item, data);
  }

  private putJson(item: string, value: unknown): Promise<void> {
    return this.writeDocument(item, Buffer.from(JSON.stringify(value)));
  }

  private parse<T>(item: string, data: Buffer): T {
    try {
      return JSON.parse(data.toString('utf8')) as T;
    } catch (e) {
      throw this.damaged(item, `not JSON (${(e as Error).message})`);
    }
  }

  /** `fresh`: the item is new (a unique key), so there are no earlier parts to delete. */
  private async writeDocument(item: string, data: Buffer, fresh = false): Promise<void> {
    const old = fresh ? undefined : await this.getRow(item, ['parts', 'gen']);
    const oldGen = old?.get('gen');
    const oldParts = int(old?.get('parts')) ?? 0;

    const head: TableStore.AttributeColumns = [{ bytes: Long.fromNumber(data.length) }, { sha256: sha256(data) }];
    if (data.length <= ROW_BYTES) {
      head.push({ parts: Long.fromNumber(0) }, ...dataColumns(data));
    } else {
      const gen = randomBytes(8).toString('hex');
      const parts = Math.ceil(data.length / ROW_BYTES);
      for (let i = 0; i < parts; i++) {
        const part = partItem(item, gen, i);
        const attributeColumns = dataColumns(data.subarray(i * ROW_BYTES, (i + 1) * ROW_BYTES));
        await this.call('write a part of', part, () => this.client.putRow({ tableName: this.table, primaryKey: this.key(part), attributeColumns, condition: IGNORE }));
      }
      head.push({ parts: Long.fromNumber(parts) }, { gen });
    }
    // PutRow replaces the whole row: no column of the previous version survives.
    await this.call('write', item, () => this.client.putRow({ tableName: this.table, primaryKey: this.key(item), attributeColumns: head, condition: IGNORE }));
    if (typeof oldGen === 'string' && oldParts > 0) await this.deleteParts(item, oldGen, oldParts);
  }

  /** The document's bytes, checked against its size and SHA-256; `first` is its head row when already read. */
  private async readDocument(item: string, first?: Columns): Promise<Buffer | undefined> {
    let columns = first ?? (await this.getRow(item));
    for (let attempt = 0; ; attempt++) {
      if (columns === undefined) return undefined;
      const head = this.head(item, columns);
      const data = head.parts > 0 ? await this.readParts(item, head) : head.inline;
      if (typeof data !== 'string' && data.length === head.bytes && sha256(data) === head.sha256) return data;
      // A writer may have replaced the document, and deleted the parts named here, since the head was read.
      columns = await this.getRow(item);
      const again = columns && this.head(item, columns);
      if (attempt >= 2 || (again?.sha256 === head.sha256 && again.gen === head.gen)) {
        const found = typeof data === 'string' ? data : `${data.length} bytes with another checksum`;
        throw this.damaged(item, `a document of ${head.bytes} bytes in ${head.parts || 1} row(s) of which ${found}`);
      }
    }
  }

  /**
   * A document's part rows, read a few at a time and copied into one buffer of its size (a claim-check
   * payload may be 100 MB: the parts as read and the document are not held side by side). When they
   * are not all there, or add up to more than `head.bytes`: what is wrong, for the error.
   */
  private async readParts(item: string, head: Head): Promise<Buffer | string> {
    if (head.bytes > head.parts * ROW_BYTES) return `more bytes than its ${head.parts} part(s) hold`;
    const data = Buffer.allocUnsafe(head.bytes);
    let bytes = 0;
    for (let from = 0; from < head.parts; from += PARTS_READ_AT_ONCE) {
      const indexes = Array.from({ length: Math.min(PARTS_READ_AT_ONCE, head.parts - from) }, (_, i) => from + i);
      for (const part of await Promise.all(indexes.map((i) => this.getRow(partItem(item, head.gen ?? '', i))))) {
        if (part === undefined) return 'parts are missing';
        for (const piece of dataPieces(part)) {
          if (bytes + piece.length <= data.length) piece.copy(data, bytes);
          bytes += piece.length;
        }
      }
    }
    return bytes <= data.length ? data.subarray(0, bytes) : `${bytes} bytes`;
  }

  private head(item: string, columns: Columns): Head {
    const bytes = int(columns.get('bytes'));
    const sha = columns.get('sha256');
    const parts = int(columns.get('parts'));
    const gen = columns.get('gen');
    if (bytes === undefined || typeof sha !== 'string' || parts === undefined || (parts > 0 && typeof gen !== 'string')) {
      throw this.damaged(item, 'a row without bytes, sha256, parts or gen');
    }
    return { bytes, sha256: sha, parts, gen: typeof gen === 'string' ? gen : undefined, inline: joinData(columns) };
  }

  /** Best effort: parts left behind by a failure here are unreferenced, and only cost storage. */
  private async deleteParts(item: string, gen: string, parts: number): Promise<void> {
    for (let from = 0; from < parts; from += 200) {
      const rows: TableStore.BatchWriteRow[] = [];
      for (let i = from; i < Math.min(parts, from + 200); i++) rows.push({ type: 'DELETE', primaryKey: this.key(partItem(item, gen, i)), condition: IGNORE });
      await retryTransient(() => this.client.batchWriteRow({ tables: [{ tableName: this.table, rows }] }), { budgetMs: this.retryMs });
    }
  }

  // --- Rows ---------------------------------------------------------------------------------------

  private key(item: string): TableStore.PrimaryKey {
    if (Buffer.byteLength(item) > KEY_BYTES) {
      throw new FcDtsError('STATE_INVALID', `${this.where()}: item name '${item.slice(0, 80)}…' of task ${this.task} is over the 1 KB of a primary key`, 'use a shorter table name or payload id');
    }
    return [{ task: this.task }, { item }];
  }

  private async getRow(item: string, columnsToGet?: string[]): Promise<Columns | undefined> {
    const primaryKey = this.key(item);
    const { row } = await this.call('read', item, () => this.client.getRow({ tableName: this.table, primaryKey, ...(columnsToGet ? { columnsToGet } : {}) }));
    return row.primaryKey ? columnsOf(row.attributes) : undefined;
  }

  /** Every row whose item starts with `prefix`, in key order, paging through GetRange's 5000-row / 4 MB pages. */
  private async range(prefix: string): Promise<Array<[string, Columns]>> {
    // Prefixes end in '/': every item with the prefix sorts before the prefix with '/' raised to '0'.
    const end = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
    const out: Array<[string, Columns]> = [];
    let start: TableStore.RangeKey = this.key(prefix);
    for (;;) {
      const page = await this.call('list', `${prefix}*`, () =>
        this.client.getRange({
          tableName: this.table,
          direction: TableStore.Direction.FORWARD,
          inclusiveStartPrimaryKey: start,
          exclusiveEndPrimaryKey: this.key(end),
        }),
      );
      for (const row of page.rows) out.push([String(row.primaryKey[1]?.value), columnsOf(row.attributes)]);
      if (!page.nextStartPrimaryKey) return out;
      // nextStartPrimaryKey comes back as [{ name, value }]; a start key is [{ [name]: value }].
      start = page.nextStartPrimaryKey.map((c) => ({ [c.name]: c.value }));
    }
  }

  private async call<T>(op: string, item: string, run: () => Promise<T>): Promise<T> {
    const outcome = await retryTransient(run, { budgetMs: this.retryMs });
    if (outcome.ok) return outcome.value;
    throw this.failure(op, item, outcome);
  }

  /**
   * A write with a condition: true when it was applied, false when the condition failed (a lost race).
   * `landed` tells whether the row already holds what this write would put, for when an earlier attempt
   * may have been applied before its answer was lost.
   */
  private async conditionalWrite(op: string, item: string, write: () => Promise<unknown>, landed?: () => Promise<boolean>): Promise<boolean> {
    const outcome = await retryTransient(write, { budgetMs: this.retryMs });
    if (outcome.ok) return true;
    if (outcome.failure.name === 'OTSConditionCheckFail') return outcome.earlierMaybeApplied && landed !== undefined ? landed() : false;
    throw this.failure(op, item, outcome);
  }

  // --- Errors -------------------------------------------------------------------------------------

  private where(): string {
    return `Tablestore state table ${this.table} (instance ${this.instance} at ${this.endpoint})`;
  }

  private failure(op: string, item: string, outcome: RetryFailure): FcDtsError {
    const f = outcome.failure;
    const what = `${this.where()}: ${op}${item ? ` item '${item}' of task ${this.task}` : ''} failed`;
    const options = { cause: outcome.error };
    if (f.name === 'OTSAuthFailed') {
      return new FcDtsError(
        'AUTH_FAILED',
        `${what}: ${f.description}`,
        `check the AccessKey pair (AccessKey ID ${this.accessKeyId}), the STS token if any, and the instance name ${this.instance}; the identity needs read and write access to the table`,
        options,
      );
    }
    if (outcome.exhausted || f.network) {
      const fix = f.network
        ? `check that ${this.endpoint} is reachable from here (from Function Compute: the instance's VPC endpoint, or internet access)`
        : 'the instance is busy or unavailable: retry later, or raise its reserved read/write throughput';
      const retried = outcome.exhausted ? `, still failing after ${Math.round(outcome.elapsedMs / 1000)} s of retries` : '';
      return new FcDtsError('CONNECTION_FAILED', `${what}${retried}: ${f.description}`, fix, options);
    }
    if (f.name === 'OTSObjectNotExist') {
      return new FcDtsError('STATE_INVALID', `${what}: ${f.description}`, `create the state table: TablestoreStateStore.open() creates ${this.table} when missing`, options);
    }
    return new FcDtsError('STATE_INVALID', `${what}: ${f.description}`, 'report this to the fc-dts maintainers with the message and request id', options);
  }

  private damaged(item: string, problem: string): FcDtsError {
    return new FcDtsError(
      'STATE_INVALID',
      `${this.where()}: item '${item}' of task ${this.task} is damaged: ${problem}`,
      `delete the rows of task ${this.task} from ${this.table} to start the task over (only fc-dts should write this table)`,
    );
  }
}

function watermarkItem(destination: string, bucket: number): string {
  if (!Number.isInteger(bucket) || bucket < 0) throw new RangeError(`bucket must be a non-negative integer, not ${bucket}`);
  return `${WATERMARK}${destination}/${bucket}`;
}

function partItem(item: string, gen: string, index: number): string {
  return `${PART}${item}/${gen}/${String(index).padStart(6, '0')}`;
}

function leaseColumns(lease: ReaderLease): TableStore.AttributeColumns {
  return [{ owner: lease.owner }, { token: Long.fromNumber(lease.token) }, { expiresAt: Long.fromNumber(lease.expiresAt) }];
}

/** Every column equal to the given value; a missing column fails the condition. */
function allEqual(columns: TableStore.AttributeColumns): TableStore.ColumnCondition {
  const singles = columns.flatMap((c) => Object.entries(c).map(([name, value]) => new SingleColumnCondition(name, value, ComparatorType.EQUAL, false)));
  if (singles.length === 1) return singles[0]!;
  const and = new CompositeCondition(LogicalOperator.AND);
  for (const s of singles) and.addSubCondition(s);
  return and;
}

function dataColumns(data: Buffer): TableStore.AttributeColumns {
  const out: TableStore.AttributeColumns = [];
  for (let i = 0; i * COLUMN_BYTES < data.length; i++) out.push({ [DATA_COLUMNS[i]!]: data.subarray(i * COLUMN_BYTES, (i + 1) * COLUMN_BYTES) });
  return out;
}

function dataPieces(columns: Columns): Buffer[] {
  const pieces: Buffer[] = [];
  for (const name of DATA_COLUMNS) {
    const value = columns.get(name);
    if (Buffer.isBuffer(value)) pieces.push(value);
  }
  return pieces;
}

function joinData(columns: Columns): Buffer {
  const pieces = dataPieces(columns);
  return pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces);
}

function columnsOf(attributes: TableStore.AttributeColumn[] | undefined): Columns {
  return new Map((attributes ?? []).map((a) => [a.columnName, a.columnValue]));
}

/** INTEGER columns read back as int64-buffer objects; plain numbers are DOUBLE (tolerated). */
function int(value: TableStore.ColumnValue | undefined): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'object' && !Buffer.isBuffer(value)) return Number(value.toString());
  return undefined;
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
