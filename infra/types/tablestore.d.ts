/**
 * Types for the `tablestore` npm client 5.6.5 (it ships none), covering the surface fc-dts uses: the
 * wide-column table and row operations, conditions, and the values they carry. Written from the SDK sources
 * (lib/client.js, lib/metadata.js, lib/filter.js, lib/long.js, lib/protocol/encoder.js and decoder.js).
 * `import TableStore from 'tablestore'` (CommonJS module; esModuleInterop).
 *
 * Shapes worth knowing (SDK behaviour, not typos here):
 * - A primary key or attribute list is an array of one-key objects: `[{ id: Long.fromNumber(1) }, { name: 'a' }]`.
 *   Rows read back use other shapes: `{ name, value }` for key columns, `{ columnName, columnValue, timestamp }`
 *   for attributes — including GetRange's `nextStartPrimaryKey`, which must be converted before reuse as a start key.
 * - A JS number is written as DOUBLE; integers must be `Long.fromNumber/fromString` (int64-buffer Int64LE) and read
 *   back as Int64LE.
 * - putRow/updateRow/deleteRow and every BatchWriteRow row need a `condition` (the encoder throws without one).
 * - A failed call rejects with `code` = the HTTP status and `message` = the raw protobuf Error body (so the
 *   error name, e.g. OTSConditionCheckFail, appears inside the message) + " requestId:<id>".
 */
declare module 'tablestore' {
  namespace TableStore {
    /** int64-buffer's Int64LE: what `Long` creates and what INTEGER values and timestamps read back as. */
    interface Int64LE {
      toNumber(): number;
      toString(radix?: number): string;
      toBuffer(raw?: boolean): Buffer;
      toArray(raw?: boolean): number[];
      toJSON(): number;
    }

    const Long: {
      fromNumber(value: number): Int64LE;
      /** Decimal digits, optionally negative; exact over the whole int64 range. */
      fromString(value: string): Int64LE;
    };

    /**
     * INF_MIN, INF_MAX and PK_AUTO_INCR are empty objects compared by identity; the brand exists only for the
     * type checker.
     */
    interface PrimaryKeySentinel {
      readonly __tablestoreSentinel: 'INF_MIN' | 'INF_MAX' | 'PK_AUTO_INCR';
    }
    const INF_MIN: PrimaryKeySentinel;
    const INF_MAX: PrimaryKeySentinel;
    const PK_AUTO_INCR: PrimaryKeySentinel;

    type PrimaryKeyValue = Int64LE | string | Buffer;
    /** Integer (Int64LE), double (number), boolean, string (UTF-8) or binary (Buffer). */
    type ColumnValue = Int64LE | number | boolean | string | Buffer;

    /** `[{ pk1: value }, { pk2: value }]`, in the table's primary-key order. */
    type PrimaryKey = Array<Record<string, PrimaryKeyValue>>;
    /** A GetRange bound: a primary key whose columns may also be INF_MIN or INF_MAX. */
    type RangeKey = Array<Record<string, PrimaryKeyValue | PrimaryKeySentinel>>;
    /**
     * `[{ col: value }, ...]`, one column per entry; an entry may add `timestamp` (ms, a number) as the cell's
     * version: `{ col: value, timestamp: 1700000000000 }`.
     */
    type AttributeColumns = Array<Record<string, ColumnValue>>;

    /** One entry per operation: `[{ PUT: [{ a: 1.5 }] }, { DELETE: [{ b: ts }] }, { DELETE_ALL: ['c'] }]`. */
    type UpdateOfAttributeColumns = Array<
      | { PUT: AttributeColumns }
      /** Deletes the version with this timestamp (ms, a number). */
      | { DELETE: Array<Record<string, number>> }
      /** Deletes all versions of the named columns. */
      | { DELETE_ALL: string[] }
      | { INCREMENT: Array<Record<string, Int64LE>> }
    >;

    const RowExistenceExpectation: { readonly IGNORE: 0; readonly EXPECT_EXIST: 1; readonly EXPECT_NOT_EXIST: 2 };
    type RowExistenceExpectation = (typeof RowExistenceExpectation)[keyof typeof RowExistenceExpectation];

    const ComparatorType: {
      readonly EQUAL: 1;
      readonly NOT_EQUAL: 2;
      readonly GREATER_THAN: 3;
      readonly GREATER_EQUAL: 4;
      readonly LESS_THAN: 5;
      readonly LESS_EQUAL: 6;
    };
    type ComparatorType = (typeof ComparatorType)[keyof typeof ComparatorType];

    const LogicalOperator: { readonly NOT: 1; readonly AND: 2; readonly OR: 3 };
    type LogicalOperator = (typeof LogicalOperator)[keyof typeof LogicalOperator];

    const Direction: { readonly FORWARD: 'FORWARD'; readonly BACKWARD: 'BACKWARD' };
    type Direction = (typeof Direction)[keyof typeof Direction];

    /** Sic: `Primarykey` returns the row's primary key, `AfterModify` the named columns after an update. */
    const ReturnType: { readonly NONE: 0; readonly Primarykey: 1; readonly AfterModify: 2 };
    type ReturnType = (typeof ReturnType)[keyof typeof ReturnType];

    const PrimaryKeyType: { readonly INTEGER: 1; readonly STRING: 2; readonly BINARY: 3 };
    type PrimaryKeyType = (typeof PrimaryKeyType)[keyof typeof PrimaryKeyType];
    type PrimaryKeyTypeName = keyof typeof PrimaryKeyType;

    /** Types of predefined (non-key) columns declared at CreateTable. */
    const DefinedColumnType: { readonly DCT_INTEGER: 1; readonly DCT_DOUBLE: 2; readonly DCT_BOOLEAN: 3; readonly DCT_STRING: 4 };
    type DefinedColumnType = (typeof DefinedColumnType)[keyof typeof DefinedColumnType];

    const UpdateType: { readonly PUT: 'PUT'; readonly DELETE: 'DELETE'; readonly DELETE_ALL: 'DELETE_ALL'; readonly INCREMENT: 'INCREMENT' };

    class ColumnCondition {
      getType(): number;
    }

    class SingleColumnCondition extends ColumnCondition {
      /** passIfMissing and latestVersionOnly default to true. */
      constructor(
        columnName: string,
        columnValue: ColumnValue,
        comparator: ComparatorType,
        passIfMissing?: boolean,
        latestVersionOnly?: boolean,
      );
    }

    class CompositeCondition extends ColumnCondition {
      constructor(combinator: LogicalOperator);
      addSubCondition(condition: ColumnCondition): void;
      clearSubCondition(): void;
    }

    class Condition {
      constructor(rowExistenceExpectation: RowExistenceExpectation, columnCondition?: ColumnCondition | null);
    }

    interface ClientConfig {
      accessKeyId: string;
      secretAccessKey?: string;
      /** Same as secretAccessKey. */
      accessKeySecret?: string;
      stsToken?: string;
      securityToken?: string;
      /** `https://<instance>.<region>.ots.aliyuncs.com`, or a stand-in's `http://127.0.0.1:<port>`. */
      endpoint: string;
      /** Sic, lowercase n: sent as x-ots-instancename. */
      instancename: string;
      /** Sets the SDK's retry count globally, for every client in the process. */
      maxRetries?: number;
      httpOptions?: { timeout?: number; maxSockets?: number };
      logger?: { log(message: string): void } | null;
    }

    interface CapacityUnit {
      read?: number;
      write?: number;
    }
    interface ConsumedCapacity {
      capacityUnit: CapacityUnit;
    }
    /** protobufjs decodes int64 fields of table metadata as `Long` objects. */
    interface LongLike {
      toNumber(): number;
      toString(): string;
    }

    interface ResponseBase {
      RequestId: string;
    }

    interface PrimaryKeyColumn {
      name: string;
      value: PrimaryKeyValue;
    }
    interface AttributeColumn {
      columnName: string;
      columnValue: ColumnValue;
      timestamp: Int64LE;
    }
    /** A row read back; `{}` (no keys) when the row does not exist. */
    interface Row {
      primaryKey?: PrimaryKeyColumn[];
      attributes?: AttributeColumn[];
    }

    interface ReturnContent {
      returnType: ReturnType;
      /** Columns to return with ReturnType.AfterModify (UpdateRow). */
      returnColumns?: string[];
    }

    interface TimeRange {
      startTime?: number;
      endTime?: number;
      specificTime?: number;
    }

    interface CreateTableParams {
      tableMeta: {
        tableName: string;
        primaryKey: Array<{ name: string; type: PrimaryKeyTypeName | PrimaryKeyType }>;
        definedColumn?: Array<{ name: string; type: DefinedColumnType }>;
      };
      reservedThroughput: { capacityUnit: { read: number; write: number } };
      /** Required by the SDK; timeToLive in seconds (-1 = forever). */
      tableOptions: { timeToLive: number; maxVersions: number; maxTimeDeviation?: number; allowUpdate?: boolean };
    }

    interface UpdateTableParams {
      tableName: string;
      /** Required by the SDK, even when only the reserved throughput changes. */
      tableOptions: { timeToLive?: number; maxVersions?: number; maxTimeDeviation?: number; allowUpdate?: boolean };
      reservedThroughput?: { capacityUnit: CapacityUnit };
    }

    interface TableParams {
      tableName: string;
    }

    interface DescribeTableResult extends ResponseBase {
      tableMeta: {
        tableName: string;
        primaryKey: Array<{ name: string; type: PrimaryKeyType; option?: number }>;
        definedColumn: Array<{ name: string; type: number }>;
      };
      reservedThroughputDetails: {
        capacityUnit: CapacityUnit;
        lastIncreaseTime: LongLike | number;
        lastDecreaseTime?: LongLike | number;
      };
      tableOptions: {
        timeToLive?: number;
        maxVersions?: number;
        deviationCellVersionInSec?: LongLike | number;
        allowUpdate?: boolean;
      };
      /** 1 = ACTIVE. */
      tableStatus: number;
    }

    interface UpdateTableResult extends ResponseBase {
      reservedThroughputDetails: DescribeTableResult['reservedThroughputDetails'];
      tableOptions: DescribeTableResult['tableOptions'];
    }

    interface ListTableResult extends ResponseBase {
      tableNames: string[];
    }

    interface ReadOptions {
      /** Attribute (or key) columns to return; all when omitted. */
      columnsToGet?: string[];
      /** Versions to return; the SDK sends 1 when omitted. */
      maxVersions?: number;
      timeRange?: TimeRange;
      /** A row filter (SingleColumnCondition or CompositeCondition). */
      columnFilter?: ColumnCondition;
    }

    interface GetRowParams extends ReadOptions {
      tableName: string;
      primaryKey: PrimaryKey;
    }

    interface PutRowParams {
      tableName: string;
      primaryKey: PrimaryKey;
      /** Required; `[]` for a row with no attribute columns. */
      attributeColumns: AttributeColumns;
      condition: Condition;
      returnContent?: ReturnContent;
    }

    interface UpdateRowParams {
      tableName: string;
      primaryKey: PrimaryKey;
      updateOfAttributeColumns: UpdateOfAttributeColumns;
      condition: Condition;
      returnContent?: ReturnContent;
    }

    interface DeleteRowParams {
      tableName: string;
      primaryKey: PrimaryKey;
      condition: Condition;
      returnContent?: ReturnContent;
    }

    interface RowResult extends ResponseBase {
      consumed: ConsumedCapacity;
      row: Row;
    }

    interface GetRangeParams extends ReadOptions {
      tableName: string;
      direction: Direction;
      inclusiveStartPrimaryKey: RangeKey;
      exclusiveEndPrimaryKey: RangeKey;
      /** At most 5000 rows are returned per call whatever the limit. */
      limit?: number;
    }

    interface GetRangeResult extends ResponseBase {
      consumed: ConsumedCapacity;
      rows: Array<{ primaryKey: PrimaryKeyColumn[]; attributes: AttributeColumn[] }>;
      /** Where the next call starts, or null when the range is exhausted. */
      nextStartPrimaryKey: PrimaryKeyColumn[] | null;
    }

    interface BatchGetRowParams {
      tables: Array<ReadOptions & { tableName: string; primaryKey: PrimaryKey[] }>;
    }

    type BatchWriteRow =
      | { type: 'PUT'; primaryKey: PrimaryKey; attributeColumns: AttributeColumns; condition: Condition; returnContent?: ReturnContent }
      /** Note: `attributeColumns`, not `updateOfAttributeColumns` as in updateRow. */
      | { type: 'UPDATE'; primaryKey: PrimaryKey; attributeColumns: UpdateOfAttributeColumns; condition: Condition; returnContent?: ReturnContent }
      | { type: 'DELETE'; primaryKey: PrimaryKey; condition: Condition; returnContent?: ReturnContent };

    interface BatchWriteRowParams {
      tables: Array<{ tableName: string; rows: BatchWriteRow[] }>;
    }

    /** One row's outcome in a batch; a row can fail alone (isOk false) while the call succeeds. */
    interface BatchRowResult {
      isOk: boolean;
      errorCode: string | null;
      errorMessage: string | null;
      tableName: string;
      /** '' when the service sent no consumed capacity (failed rows). */
      capacityUnit: CapacityUnit | '';
      primaryKey: PrimaryKeyColumn[] | null;
      attributes: AttributeColumn[] | null;
    }

    interface BatchGetRowResult extends ResponseBase {
      /** Per requested table, its rows in request order. */
      tables: BatchRowResult[][];
    }

    interface BatchWriteRowResult extends ResponseBase {
      /** All rows of all tables in one flat list, in request order (unlike BatchGetRow). */
      tables: BatchRowResult[];
    }

    /** What a failed call rejects with. */
    interface TableStoreError extends Error {
      /** The HTTP status for a service error; a string such as 'NetworkingError' for a client-side one. */
      code: number | string;
      headers?: Record<string, string>;
      retryable?: boolean;
      time?: Date;
    }

    class Client {
      constructor(config: ClientConfig);
      createTable(params: CreateTableParams): Promise<ResponseBase>;
      describeTable(params: TableParams): Promise<DescribeTableResult>;
      listTable(params?: Record<string, never>): Promise<ListTableResult>;
      updateTable(params: UpdateTableParams): Promise<UpdateTableResult>;
      deleteTable(params: TableParams): Promise<ResponseBase>;
      getRow(params: GetRowParams): Promise<RowResult>;
      putRow(params: PutRowParams): Promise<RowResult>;
      updateRow(params: UpdateRowParams): Promise<RowResult>;
      deleteRow(params: DeleteRowParams): Promise<RowResult>;
      getRange(params: GetRangeParams): Promise<GetRangeResult>;
      batchGetRow(params: BatchGetRowParams): Promise<BatchGetRowResult>;
      batchWriteRow(params: BatchWriteRowParams): Promise<BatchWriteRowResult>;
    }
  }

  export = TableStore;
}
