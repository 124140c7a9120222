/**
 * The table operations: CreateTable, DescribeTable, ListTable, UpdateTable (options and reserved throughput
 * only), DeleteTable. Each takes the protobuf request body and returns the protobuf response body.
 */
import { parameterInvalid, unsupported } from './errors.ts';
import { checkColumnName, checkTableName } from './limits.ts';
import type { PrimaryKeyType } from './model.ts';
import {
  decodeRequest,
  encode,
  int64ToBigInt,
  isSet,
  messages,
  PrimaryKeyTypeCode,
  TableStatus,
  type CapacityUnit,
  type DescribeTableResponse,
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

export function tableOperations(store: WideColumnStore): Record<string, OperationHandler> {
  return {
    CreateTable(body) {
      const req = decodeRequest(messages.CreateTableRequest, body);
      const meta = req.tableMeta;
      checkTableName(meta.tableName);
      if (req.indexMetas?.length || meta.indexMeta?.length) throw unsupported('Secondary index');
      if (req.streamSpec?.enableStream) throw unsupported('Stream');
      if (req.partitions?.length) throw unsupported('Pre-split partitions');
      const options = req.tableOptions;
      if (!options || !isSet(options, 'timeToLive')) throw parameterInvalid('Time-to-live is missing while creating table.');
      if (!isSet(options, 'maxVersions')) throw parameterInvalid('MaxVersions is missing while creating table.');
      const capacity = checkedCapacity(req.reservedThroughput.capacityUnit);
      const definition: TableDefinition = {
        name: meta.tableName,
        primaryKey: meta.primaryKey.map((pk) => {
          if (isSet(pk, 'option')) throw unsupported('AUTO_INCREMENT primary key');
          const type = PK_TYPES[pk.type];
          if (!type) throw parameterInvalid(`${pk.type} is an invalid type for the primary key.`);
          return { name: pk.name, type };
        }),
        definedColumns: (meta.definedColumn ?? []).map((column) => {
          checkColumnName(column.name);
          if (!DEFINED_COLUMN_TYPES.has(column.type)) throw parameterInvalid(`Invalid column type: ${column.type}.`);
          return { name: column.name, type: column.type };
        }),
        options: {
          timeToLive: options.timeToLive!,
          maxVersions: options.maxVersions!,
          deviationCellVersionInSec: isSet(options, 'deviationCellVersionInSec')
            ? Number(int64ToBigInt(options.deviationCellVersionInSec!))
            : DEFAULT_MAX_TIME_DEVIATION_SEC,
          allowUpdate: isSet(options, 'allowUpdate') ? options.allowUpdate! : true,
        },
        throughput: {
          read: capacity.read ?? 0,
          write: capacity.write ?? 0,
          lastIncreaseTime: Math.floor(Date.now() / 1000),
        },
      };
      checkTableDefinition(definition);
      store.createTable(definition);
      return encode(messages.CreateTableResponse, {});
    },

    ListTable(body) {
      decodeRequest(messages.ListTableRequest, body);
      return encode(messages.ListTableResponse, { tableNames: store.tableNames() });
    },

    DescribeTable(body) {
      const req = decodeRequest(messages.DescribeTableRequest, body);
      checkTableName(req.tableName);
      return encode(messages.DescribeTableResponse, describe(store.table(req.tableName).definition));
    },

    UpdateTable(body) {
      const req = decodeRequest(messages.UpdateTableRequest, body);
      checkTableName(req.tableName);
      if (req.streamSpec?.enableStream) throw unsupported('Stream');
      const options = req.tableOptions ? optionsPatch(req.tableOptions) : {};
      const capacity = req.reservedThroughput?.capacityUnit;
      if (Object.keys(options).length === 0 && !capacity) throw parameterInvalid('No parameter is specified in table options.');
      checkTableOptions(options);
      store.table(req.tableName);
      const definition = store.updateTable(req.tableName, {
        options,
        throughput: capacity ? checkedCapacity(capacity) : undefined,
      });
      const described = describe(definition);
      return encode(messages.UpdateTableResponse, {
        reservedThroughputDetails: described.reservedThroughputDetails,
        tableOptions: described.tableOptions,
      });
    },

    DeleteTable(body) {
      const req = decodeRequest(messages.DeleteTableRequest, body);
      checkTableName(req.tableName);
      store.deleteTable(req.tableName);
      return encode(messages.DeleteTableResponse, {});
    },
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
