/**
 * The table operations: CreateTable, DescribeTable, ListTable, UpdateTable (options and reserved throughput
 * only), DeleteTable. Each takes the protobuf request body and returns the protobuf response body.
 */
import { parameterInvalid, unsupported } from './errors.ts';
import { checkColumnName, checkTableName } from './limits.ts';
import type { PrimaryKeySchemaColumn, PrimaryKeyType } from './model.ts';
import {
  decodeRequest,
  encode,
  int64ToBigInt,
  isSet,
  messages,
  PrimaryKeyTypeCode,
  TableStatus,
  type CapacityUnit,
  type CreateTableRequest,
  type DefinedColumnSchema,
  type DescribeTableResponse,
  type PrimaryKeySchema,
  type TableOptions as TableOptionsMessage,
} from './proto.ts';
import {
  checkTableDefinition,
  checkTableOptions,
  type TableDefinition,
  type TableOptions,
  type WideColumnStore,
} from './table-store.ts';

export type OperationHandler = (body: Uint8Array) => Uint8Array;

const PK_TYPES: Readonly<Record<number, PrimaryKeyType>> = {
  [PrimaryKeyTypeCode.INTEGER]: 'INTEGER',
  [PrimaryKeyTypeCode.STRING]: 'STRING',
  [PrimaryKeyTypeCode.BINARY]: 'BINARY',
};
const DEFINED_COLUMN_TYPES = new Set([1, 2, 3, 4, 7]);
const DEFAULT_MAX_TIME_DEVIATION_SEC = 86400;

/** The table operations over one store: one method per request, each taking and returning a protobuf body. */
export class TableOperations {
  constructor(private readonly store: WideColumnStore) {}

  /** The operations by request name, as the server dispatches them. */
  handlers(): Record<string, OperationHandler> {
    return {
      CreateTable: (body) => this.createTable(body),
      ListTable: (body) => this.listTable(body),
      DescribeTable: (body) => this.describeTable(body),
      UpdateTable: (body) => this.updateTable(body),
      DeleteTable: (body) => this.deleteTable(body),
    };
  }

  createTable(body: Uint8Array): Uint8Array {
    const req = decodeRequest(messages.CreateTableRequest, body);
    const definition = tableDefinition(req);
    checkTableDefinition(definition);
    this.store.createTable(definition);
    return encode(messages.CreateTableResponse, {});
  }

  listTable(body: Uint8Array): Uint8Array {
    decodeRequest(messages.ListTableRequest, body);
    return encode(messages.ListTableResponse, { tableNames: this.store.tableNames() });
  }

  describeTable(body: Uint8Array): Uint8Array {
    const req = decodeRequest(messages.DescribeTableRequest, body);
    checkTableName(req.tableName);
    return encode(messages.DescribeTableResponse, describe(this.store.table(req.tableName).definition));
  }

  updateTable(body: Uint8Array): Uint8Array {
    const req = decodeRequest(messages.UpdateTableRequest, body);
    checkTableName(req.tableName);
    if (req.streamSpec?.enableStream) throw unsupported('Stream');
    const options = req.tableOptions ? optionsPatch(req.tableOptions) : {};
    const capacity = req.reservedThroughput?.capacityUnit;
    if (Object.keys(options).length === 0 && !capacity) throw parameterInvalid('No parameter is specified in table options.');
    checkTableOptions(options);
    this.store.table(req.tableName);
    const definition = this.store.updateTable(req.tableName, {
      options,
      throughput: capacity ? checkedCapacity(capacity) : undefined,
    });
    const described = describe(definition);
    return encode(messages.UpdateTableResponse, {
      reservedThroughputDetails: described.reservedThroughputDetails,
      tableOptions: described.tableOptions,
    });
  }

  deleteTable(body: Uint8Array): Uint8Array {
    const req = decodeRequest(messages.DeleteTableRequest, body);
    checkTableName(req.tableName);
    this.store.deleteTable(req.tableName);
    return encode(messages.DeleteTableResponse, {});
  }
}

/** The table a CreateTable request asks for, refusing what the stand-in does not support or the request lacks. */
function tableDefinition(req: CreateTableRequest): TableDefinition {
  const meta = req.tableMeta;
  checkTableName(meta.tableName);
  if (req.indexMetas?.length || meta.indexMeta?.length) throw unsupported('Secondary index');
  if (req.streamSpec?.enableStream) throw unsupported('Stream');
  if (req.partitions?.length) throw unsupported('Pre-split partitions');
  const options = req.tableOptions;
  if (!options || !isSet(options, 'timeToLive')) throw parameterInvalid('Time-to-live is missing while creating table.');
  if (!isSet(options, 'maxVersions')) throw parameterInvalid('MaxVersions is missing while creating table.');
  const capacity = checkedCapacity(req.reservedThroughput.capacityUnit);
  return {
    name: meta.tableName,
    primaryKey: meta.primaryKey.map(primaryKeyColumn),
    definedColumns: (meta.definedColumn ?? []).map(definedColumn),
    options: createOptions(options),
    throughput: {
      read: capacity.read ?? 0,
      write: capacity.write ?? 0,
      lastIncreaseTime: Math.floor(Date.now() / 1000),
    },
  };
}

function primaryKeyColumn(pk: PrimaryKeySchema): PrimaryKeySchemaColumn {
  if (isSet(pk, 'option')) throw unsupported('AUTO_INCREMENT primary key');
  const type = PK_TYPES[pk.type];
  if (!type) throw parameterInvalid(`${pk.type} is an invalid type for the primary key.`);
  return { name: pk.name, type };
}

function definedColumn(column: DefinedColumnSchema): DefinedColumnSchema {
  checkColumnName(column.name);
  if (!DEFINED_COLUMN_TYPES.has(column.type)) throw parameterInvalid(`Invalid column type: ${column.type}.`);
  return { name: column.name, type: column.type };
}

/** The options of a new table; time-to-live and max versions are checked to be set. */
function createOptions(options: TableOptionsMessage): TableOptions {
  return {
    timeToLive: options.timeToLive!,
    maxVersions: options.maxVersions!,
    deviationCellVersionInSec: isSet(options, 'deviationCellVersionInSec')
      ? Number(int64ToBigInt(options.deviationCellVersionInSec!))
      : DEFAULT_MAX_TIME_DEVIATION_SEC,
    allowUpdate: isSet(options, 'allowUpdate') ? options.allowUpdate! : true,
  };
}

function describe(definition: TableDefinition): DescribeTableResponse {
  const { throughput, options } = definition;
  return {
    tableMeta: {
      tableName: definition.name,
      primaryKey: definition.primaryKey.map((pk) => ({ name: pk.name, type: PrimaryKeyTypeCode[pk.type] })),
      definedColumn: definition.definedColumns.map((c) => ({ ...c })),
    },
    reservedThroughputDetails: {
      capacityUnit: { read: throughput.read, write: throughput.write },
      lastIncreaseTime: throughput.lastIncreaseTime,
      lastDecreaseTime: throughput.lastDecreaseTime,
    },
    tableOptions: {
      timeToLive: options.timeToLive,
      maxVersions: options.maxVersions,
      deviationCellVersionInSec: options.deviationCellVersionInSec,
      allowUpdate: options.allowUpdate,
    },
    tableStatus: TableStatus.ACTIVE,
  };
}

function optionsPatch(message: TableOptionsMessage): Partial<TableOptions> {
  const patch: { -readonly [K in keyof TableOptions]?: TableOptions[K] } = {};
  if (isSet(message, 'timeToLive')) patch.timeToLive = message.timeToLive!;
  if (isSet(message, 'maxVersions')) patch.maxVersions = message.maxVersions!;
  if (isSet(message, 'deviationCellVersionInSec')) {
    patch.deviationCellVersionInSec = Number(int64ToBigInt(message.deviationCellVersionInSec!));
  }
  if (isSet(message, 'allowUpdate')) patch.allowUpdate = message.allowUpdate!;
  return patch;
}

/** The capacity units the request sets (an unset one is 0 on create and unchanged on update). */
function checkedCapacity(capacity: CapacityUnit): { read?: number; write?: number } {
  const read = isSet(capacity, 'read') ? capacity.read : undefined;
  const write = isSet(capacity, 'write') ? capacity.write : undefined;
  for (const n of [read, write]) {
    if (n !== undefined && n < 0) throw parameterInvalid(`Invalid Capacity Unit:${n}. Capacity Unit must be nonnegative.`);
  }
  return { read, write };
}
