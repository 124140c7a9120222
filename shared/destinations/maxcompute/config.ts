/**
 * `destination:` of a MaxCompute destination (reference 001): the project, its AccessKey pair, the
 * partitions of the incremental (`_log`) tables, the naming rule of the additional columns, and the
 * zone DATETIME values are read in. The log is committed per applied batch, so `advanced.incremental`
 * batch sizes set how often.
 */
import { TaskFileError } from '../../errors.ts';
import { allowKeys, oneOf, str, listOf, type Obj } from '../../task/task-file-reader.ts';

/** The partition key fields of a `_log` table, coarsest first (reference 001, "Partition Definition of Incremental Data Table"). */
export const PARTITION_FIELDS = ['modifytime_year', 'modifytime_month', 'modifytime_day', 'modifytime_hour', 'modifytime_minute'] as const;
export type PartitionField = (typeof PARTITION_FIELDS)[number];

/** `previous`: the additional columns as reference 001 names them; `new`: each prefixed `new_dts_sync_`. */
export type AdditionalColumnRule = 'previous' | 'new';

export interface MaxComputeDestinationConfig {
  readonly type: 'maxcompute';
  /** The service endpoint, `https://service.<region>.maxcompute.aliyun.com/api`, or the stand-in's. */
  readonly endpoint: string;
  readonly project: string;
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  /** The Tunnel endpoint; default: the one the service names (`GET /projects/{p}/tunnel?service`). */
  readonly tunnelEndpoint?: string;
  /** The `_log` tables' partition keys, in PARTITION_FIELDS order (the task file may list them in any order). */
  readonly partitionFields: readonly PartitionField[];
  readonly additionalColumnRule: AdditionalColumnRule;
  /**
   * The zone a MySQL DATETIME (a wall-clock time) is read in to become a MaxCompute DATETIME (an
   * instant, shown in the project's `odps.sql.timezone`): set both alike and the text is the same.
   */
  readonly timeZone: string;
}

const KEYS = ['type', 'endpoint', 'project', 'accessKeyId', 'accessKeySecret', 'tunnelEndpoint', 'partitionFields', 'additionalColumnRule', 'timeZone'];

export function parseMaxComputeDestination(d: Obj): MaxComputeDestinationConfig {
  allowKeys(d, 'destination', KEYS);
  const endpoint = url(d, 'endpoint', 'https://service.cn-hangzhou.maxcompute.aliyun.com/api');
  const project = str(d, 'project', 'destination');
  if (!/^[A-Za-z][A-Za-z0-9_]{2,27}$/.test(project)) {
    throw new TaskFileError('destination.project', `"${project}" is not a MaxCompute project name (3–28 letters, digits or "_", starting with a letter)`, 'write the project name as the MaxCompute console shows it');
  }
  const tunnel = d.tunnelEndpoint === undefined ? undefined : url(d, 'tunnelEndpoint', 'https://dt.cn-hangzhou.maxcompute.aliyun.com');
  const chosen = new Set(listOf(d.partitionFields, 'destination.partitionFields', PARTITION_FIELDS, PARTITION_FIELDS));
  return {
    type: 'maxcompute',
    endpoint,
    project,
    accessKeyId: str(d, 'accessKeyId', 'destination'),
    accessKeySecret: str(d, 'accessKeySecret', 'destination'),
    ...(tunnel ? { tunnelEndpoint: tunnel } : {}),
    partitionFields: PARTITION_FIELDS.filter((f) => chosen.has(f)),
    additionalColumnRule: oneOf(d, 'additionalColumnRule', 'destination', ['previous', 'new'] as const, 'previous'),
    timeZone: timeZone(str(d, 'timeZone', 'destination', 'Asia/Shanghai')),
  };
}

function url(d: Obj, key: string, example: string): string {
  const v = str(d, key, 'destination');
  if (!/^https?:\/\/[^\s/]+(\/[^\s]*)?$/.test(v)) throw new TaskFileError(`destination.${key}`, `"${v}" is not an endpoint URL`, `write it as a URL, e.g. ${example}`);
  return v.replace(/\/$/, '');
}

function timeZone(zone: string): string {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    throw new TaskFileError('destination.timeZone', `"${zone}" is not an IANA time zone`, "write it as the project's odps.sql.timezone, e.g. Asia/Shanghai or UTC");
  }
  return zone;
}
