/**
 * The service's protobuf messages (lib/protocol/tablestore.proto and tablestore_filter.proto of the `tablestore`
 * npm package), reused from the SDK's precompiled protobufjs module and typed here for the fields the stand-in
 * reads and writes. Decoded messages carry camelCase fields; enums are numbers; int64 fields decode as `Long`
 * objects; a field the sender left out reads as the prototype default, so `isSet` tells presence.
 */
import { createRequire } from 'node:module';
import { parameterInvalid } from './errors.ts';

export interface LongLike {
  toString(): string;
}
export type Int64 = number | LongLike;

export interface Decoder<T> {
  decode(data: Uint8Array): T;
}
export interface Encoder<T> {
  encode(message: T): { finish(): Uint8Array };
}

export const RowExistence = { IGNORE: 0, EXPECT_EXIST: 1, EXPECT_NOT_EXIST: 2 } as const;
export const PrimaryKeyTypeCode = { INTEGER: 1, STRING: 2, BINARY: 3 } as const;
export const OperationType = { PUT: 1, UPDATE: 2, DELETE: 3 } as const;
export const Direction = { FORWARD: 0, BACKWARD: 1 } as const;
export const ReturnTypeCode = { RT_NONE: 0, RT_PK: 1, RT_AFTER_MODIFY: 2 } as const;
export const TableStatus = { ACTIVE: 1 } as const;
export const FilterType = { SINGLE_COLUMN_VALUE: 1, COMPOSITE_COLUMN_VALUE: 2, COLUMN_PAGINATION: 3 } as const;
export const Comparator = { EQUAL: 1, NOT_EQUAL: 2, GREATER_THAN: 3, GREATER_EQUAL: 4, LESS_THAN: 5, LESS_EQUAL: 6 } as const;
export const LogicalOperator = { NOT: 1, AND: 2, OR: 3 } as const;

export interface CapacityUnit {
  read?: number;
  write?: number;
}
export interface PrimaryKeySchema {
  name: string;
  type: number;
  option?: number;
}
export interface DefinedColumnSchema {
  name: string;
  type: number;
}
export interface TableMeta {
  tableName: string;
  primaryKey: PrimaryKeySchema[];
  definedColumn?: DefinedColumnSchema[];
  indexMeta?: unknown[];
}
export interface TableOptions {
  timeToLive?: number;
  maxVersions?: number;
  bloomFilterType?: number;
  blockSize?: number;
  deviationCellVersionInSec?: Int64;
  allowUpdate?: boolean;
}
export interface StreamSpecification {
  enableStream: boolean;
  expirationTime?: number;
}
export interface Condition {
  rowExistence: number;
  columnCondition?: Uint8Array;
}
export interface ReturnContent {
  returnType?: number;
  returnColumnNames?: string[];
}
export interface TimeRange {
  startTime?: Int64;
  endTime?: Int64;
  specificTime?: Int64;
}
export interface ConsumedCapacity {
  capacityUnit: CapacityUnit;
}
export interface ErrorMessage {
  code: string;
  message?: string;
}

export interface CreateTableRequest {
  tableMeta: TableMeta;
  reservedThroughput: { capacityUnit: CapacityUnit };
  tableOptions?: TableOptions;
  partitions?: unknown[];
  streamSpec?: StreamSpecification;
  indexMetas?: unknown[];
}
export interface TableNameRequest {
  tableName: string;
}
export interface UpdateTableRequest {
  tableName: string;
  reservedThroughput?: { capacityUnit: CapacityUnit };
  tableOptions?: TableOptions;
  streamSpec?: StreamSpecification;
}
export interface ReservedThroughputDetails {
  capacityUnit: CapacityUnit;
  lastIncreaseTime: number;
  lastDecreaseTime?: number;
}
export interface UpdateTableResponse {
  reservedThroughputDetails: ReservedThroughputDetails;
  tableOptions: TableOptions;
}
export interface DescribeTableResponse {
  tableMeta: TableMeta;
  reservedThroughputDetails: ReservedThroughputDetails;
  tableOptions: TableOptions;
  tableStatus: number;
  shardSplits?: Uint8Array[];
  indexMetas?: unknown[];
}
export interface ListTableResponse {
  tableNames: string[];
}

/** What to read of a row: the fields GetRow and BatchGetRow's tables share. */
export interface ReadFields {
  columnsToGet?: string[];
  timeRange?: TimeRange | null;
  maxVersions?: number;
  filter?: Uint8Array;
  startColumn?: string;
  endColumn?: string;
}
export interface GetRowRequest extends ReadFields {
  tableName: string;
  primaryKey: Uint8Array;
  transactionId?: string;
}
export interface RowResponse {
  consumed: ConsumedCapacity;
  row: Uint8Array;
  nextToken?: Uint8Array;
}
export interface PutRowRequest {
  tableName: string;
  row: Uint8Array;
  condition: Condition;
  returnContent?: ReturnContent | null;
  transactionId?: string;
}
export interface UpdateRowRequest {
  tableName: string;
  rowChange: Uint8Array;
  condition: Condition;
  returnContent?: ReturnContent | null;
  transactionId?: string;
}
export interface DeleteRowRequest {
  tableName: string;
  primaryKey: Uint8Array;
  condition: Condition;
  returnContent?: ReturnContent | null;
  transactionId?: string;
}

export interface TableInBatchGetRowRequest extends ReadFields {
  tableName: string;
  primaryKey: Uint8Array[];
}
export interface BatchGetRowRequest {
  tables: TableInBatchGetRowRequest[];
}
export interface RowInBatchResponse {
  isOk: boolean;
  error?: ErrorMessage;
  consumed?: ConsumedCapacity;
  row?: Uint8Array;
}
export interface BatchTableResponse {
  tableName: string;
  rows: RowInBatchResponse[];
}
export interface BatchResponse {
  tables: BatchTableResponse[];
}
export interface RowInBatchWriteRowRequest {
  type: number;
  rowChange: Uint8Array;
  condition: Condition;
  returnContent?: ReturnContent | null;
}
export interface BatchWriteRowRequest {
  tables: Array<{ tableName: string; rows: RowInBatchWriteRowRequest[] }>;
  transactionId?: string;
}

export interface GetRangeRequest {
  tableName: string;
  direction: number;
  columnsToGet?: string[];
  timeRange?: TimeRange | null;
  maxVersions?: number;
  limit?: number;
  inclusiveStartPrimaryKey: Uint8Array;
  exclusiveEndPrimaryKey: Uint8Array;
  filter?: Uint8Array;
  startColumn?: string;
  endColumn?: string;
  token?: Uint8Array;
  transactionId?: string;
}
export interface GetRangeResponse {
  consumed: ConsumedCapacity;
  rows: Uint8Array;
  nextStartPrimaryKey?: Uint8Array;
}

export interface Filter {
  type: number;
  filter: Uint8Array;
}
export interface SingleColumnValueFilter {
  comparator: number;
  columnName: string;
  columnValue: Uint8Array;
  filterIfMissing: boolean;
  latestVersionOnly: boolean;
}
export interface CompositeColumnValueFilter {
  combinator: number;
  subFilters: Filter[];
}

interface CompiledRoot {
  main: {
    proto: {
      Error: Encoder<ErrorMessage>;
      CreateTableRequest: Decoder<CreateTableRequest>;
      CreateTableResponse: Encoder<Record<string, never>>;
      ListTableRequest: Decoder<Record<string, never>>;
      ListTableResponse: Encoder<ListTableResponse>;
      DeleteTableRequest: Decoder<TableNameRequest>;
      DeleteTableResponse: Encoder<Record<string, never>>;
      DescribeTableRequest: Decoder<TableNameRequest>;
      DescribeTableResponse: Encoder<DescribeTableResponse>;
      UpdateTableRequest: Decoder<UpdateTableRequest>;
      UpdateTableResponse: Encoder<UpdateTableResponse>;
      GetRowRequest: Decoder<GetRowRequest>;
      GetRowResponse: Encoder<RowResponse>;
      PutRowRequest: Decoder<PutRowRequest>;
      PutRowResponse: Encoder<RowResponse>;
      UpdateRowRequest: Decoder<UpdateRowRequest>;
      UpdateRowResponse: Encoder<RowResponse>;
      DeleteRowRequest: Decoder<DeleteRowRequest>;
      DeleteRowResponse: Encoder<RowResponse>;
      BatchGetRowRequest: Decoder<BatchGetRowRequest>;
      BatchGetRowResponse: Encoder<BatchResponse>;
      BatchWriteRowRequest: Decoder<BatchWriteRowRequest>;
      BatchWriteRowResponse: Encoder<BatchResponse>;
      GetRangeRequest: Decoder<GetRangeRequest>;
      GetRangeResponse: Encoder<GetRangeResponse>;
    };
  };
  filter: {
    proto: {
      Filter: Decoder<Filter>;
      SingleColumnValueFilter: Decoder<SingleColumnValueFilter>;
      CompositeColumnValueFilter: Decoder<CompositeColumnValueFilter>;
    };
  };
}

const require = createRequire(import.meta.url);
const root = require('tablestore/lib/protocol/tablestore_compiled_proto.js') as CompiledRoot;

export const messages = root.main.proto;
export const filterMessages = root.filter.proto;

/** Whether the sender set an optional field (protobufjs puts defaults on the prototype). */
export function isSet<T extends object>(message: T, field: keyof T & string): boolean {
  return Object.prototype.hasOwnProperty.call(message, field);
}

export function int64ToBigInt(value: Int64): bigint {
  return BigInt(typeof value === 'number' ? Math.trunc(value) : value.toString());
}

/** Decodes a request body; a body that is not the operation's message is the service's parse error. */
export function decodeRequest<T>(decoder: Decoder<T>, body: Uint8Array): T {
  try {
    return decoder.decode(body);
  } catch {
    throw parameterInvalid('Parse PBMessage from RawString failed.');
  }
}

export function encode<T>(encoder: Encoder<T>, message: T): Uint8Array {
  return encoder.encode(message).finish();
}
