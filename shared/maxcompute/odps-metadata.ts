/**
 * Project and table metadata over REST (PyODPS odps/models/project.py, table.py, partitions.py): `GET /projects/{p}` (also the credential probe),
 * `GET /projects/{p}/tables/{t}`, whose `<Schema>` CDATA holds the table's JSON schema, and the table's partitions
 * page by page (`?partitions&expectmarker=true[&marker=M][&maxitems=N]`).
 * Sources: py odps/models/project.py, odps/models/table.py (TableSchema), odps/models/partitions.py; java odps/Table.java.
 */
import { FcDtsError } from '../errors.ts';
import { MaxComputeError } from './maxcompute-errors.ts';
import { tryParseType, type MaxComputeType } from './maxcompute-types.ts';
import type { OdpsRestClient } from './odps-rest.ts';
import { child, childText, parseXml, type XmlElement } from './odps-xml.ts';

export interface ProjectInfo {
  readonly name: string;
  readonly owner: string | undefined;
  readonly state: string | undefined;
  /** Project properties such as `odps.sql.timezone`. */
  readonly properties: Readonly<Record<string, string>>;
}

export interface TableColumn {
  readonly name: string;
  /** The type as the service spells it, e.g. `decimal(38,18)`. */
  readonly typeText: string;
  /** The parsed type; undefined when fc-dts does not support it (INTERVAL_*, GEOGRAPHY, …). */
  readonly type: MaxComputeType | undefined;
  readonly comment: string;
  readonly nullable: boolean;
}

export interface TableInfo {
  readonly name: string;
  readonly columns: readonly TableColumn[];
  readonly partitionKeys: readonly TableColumn[];
  readonly comment: string;
  /** Days; undefined when the table has none. */
  readonly lifecycle: number | undefined;
  /** `MANAGED_TABLE`, `VIRTUAL_VIEW`, `EXTERNAL_TABLE`, … */
  readonly tableType: string | undefined;
  readonly transactional: boolean;
  readonly primaryKey: readonly string[];
}

export interface PartitionInfo {
  /** Partition key → value, in the table's key order. */
  readonly spec: Readonly<Record<string, string>>;
  /** Epoch seconds, as the service gives them; undefined when absent. */
  readonly createTime: number | undefined;
  readonly lastModifiedTime: number | undefined;
  /** Bytes; undefined when absent. */
  readonly size: number | undefined;
}

export interface PartitionPage {
  readonly partitions: readonly PartitionInfo[];
  /** Pass to the next call; undefined when this was the last page. */
  readonly marker: string | undefined;
}

export interface ListPartitionsOptions {
  /** Partitions a page; the service's default when absent. */
  readonly maxItems?: number;
}

export async function projectInfo(rest: OdpsRestClient, project: string): Promise<ProjectInfo> {
  const res = await rest.request({ method: 'GET', path: `/projects/${project}`, what: `project ${project}` });
  return parseProjectXml(res.body.toString('utf8'));
}

export async function getTable(rest: OdpsRestClient, project: string, table: string): Promise<TableInfo> {
  const res = await rest.request({ method: 'GET', path: `/projects/${project}/tables/${table}`, what: `table ${project}.${table}` });
  return parseTableXml(res.body.toString('utf8'), `${project}.${table}`);
}

/** The table, or undefined when it does not exist. */
export async function findTable(rest: OdpsRestClient, project: string, table: string): Promise<TableInfo | undefined> {
  try {
    return await getTable(rest, project, table);
  } catch (e) {
    if (e instanceof MaxComputeError && e.code === 'OBJECT_NOT_FOUND' && e.serviceCode !== 'NoSuchProject') return undefined;
    throw e;
  }
}

/** One page of a table's partitions, from `marker` (undefined: the first page). A missing table fails as getTable does. */
export async function partitionPage(rest: OdpsRestClient, project: string, table: string, marker: string | undefined, options: ListPartitionsOptions = {}): Promise<PartitionPage> {
  const query: Array<[string, string]> = [
    ['partitions', ''],
    ['expectmarker', 'true'],
  ];
  if (marker !== undefined) query.push(['marker', marker]);
  if (options.maxItems !== undefined) query.push(['maxitems', String(options.maxItems)]);
  const res = await rest.request({ method: 'GET', path: `/projects/${project}/tables/${table}`, query, what: `table ${project}.${table}` });
  return parsePartitionsXml(res.body.toString('utf8'));
}

/** Every partition of a table, a page at a time (an empty or absent Marker ends the listing). */
export async function* listPartitions(rest: OdpsRestClient, project: string, table: string, options: ListPartitionsOptions = {}): AsyncGenerator<PartitionInfo> {
  let marker: string | undefined;
  do {
    const page = await partitionPage(rest, project, table, marker, options);
    yield* page.partitions;
    marker = page.marker;
  } while (marker !== undefined);
}

export function parsePartitionsXml(xml: string): PartitionPage {
  const root = parseXml(xml);
  const partitions = root.children.filter((c) => c.name === 'Partition').map(toPartition);
  const marker = childText(root, 'Marker');
  return { partitions, marker: marker === undefined || marker === '' ? undefined : marker };
}

interface PartitionSchemaJson {
  createTime?: unknown;
  lastModifiedTime?: unknown;
  partitionSize?: unknown;
}

function toPartition(el: XmlElement): PartitionInfo {
  const spec: Record<string, string> = {};
  for (const c of el.children) if (c.name === 'Column' && c.attributes.Name !== undefined) spec[c.attributes.Name] = c.attributes.Value ?? '';
  let meta: PartitionSchemaJson = {};
  try {
    meta = JSON.parse(childText(el, 'Schema') ?? '{}') as PartitionSchemaJson;
  } catch {
    // The times and size are extras: a partition without them is still listed.
  }
  return { spec, createTime: numberOrUndefined(meta.createTime), lastModifiedTime: numberOrUndefined(meta.lastModifiedTime), size: numberOrUndefined(meta.partitionSize) };
}

function numberOrUndefined(v: unknown): number | undefined {
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}

export function parseProjectXml(xml: string): ProjectInfo {
  const root = parseXml(xml);
  const properties: Record<string, string> = {};
  for (const p of child(root, 'Properties')?.children ?? []) {
    const name = childText(p, 'Name');
    if (name !== undefined) properties[name] = childText(p, 'Value') ?? '';
  }
  return { name: childText(root, 'Name') ?? '', owner: childText(root, 'Owner'), state: childText(root, 'State'), properties };
}

interface SchemaJson {
  columns?: ColumnJson[];
  partitionKeys?: ColumnJson[];
  comment?: string;
  lifecycle?: number;
  Reserved?: string;
  isVirtualView?: boolean;
}

interface ColumnJson {
  name?: string;
  type?: string;
  comment?: string;
  isNullable?: boolean;
  nullable?: boolean;
}

export function parseTableXml(xml: string, fullName: string): TableInfo {
  const root = parseXml(xml);
  const schemaText = childText(root, 'Schema') ?? '';
  let schema: SchemaJson;
  try {
    schema = JSON.parse(schemaText) as SchemaJson;
  } catch (e) {
    throw new FcDtsError('LOAD_FAILED', `MaxCompute table ${fullName}: the table's schema is not JSON`, 'report this response to the fc-dts maintainers', { cause: e });
  }
  const reserved = parseReserved(schema.Reserved);
  return {
    name: childText(root, 'Name') ?? fullName.split('.').pop()!,
    columns: (schema.columns ?? []).map(toColumn),
    partitionKeys: (schema.partitionKeys ?? []).map(toColumn),
    comment: schema.comment ?? '',
    lifecycle: typeof schema.lifecycle === 'number' && schema.lifecycle >= 0 ? schema.lifecycle : undefined,
    tableType: childText(root, 'Type'),
    transactional: String(reserved.Transactional).toLowerCase() === 'true',
    primaryKey: Array.isArray(reserved.PrimaryKey) ? reserved.PrimaryKey.map(String) : [],
  };
}

function toColumn(c: ColumnJson): TableColumn {
  const typeText = c.type ?? '';
  const type = tryParseType(typeText);
  return { name: c.name ?? '', typeText, type, comment: c.comment ?? '', nullable: c.isNullable ?? c.nullable ?? true };
}

function parseReserved(text: string | undefined): { Transactional?: unknown; PrimaryKey?: unknown[] } {
  if (text === undefined || text === '') return {};
  try {
    const parsed = JSON.parse(text) as { Transactional?: unknown; PrimaryKey?: unknown };
    return { Transactional: parsed.Transactional, PrimaryKey: Array.isArray(parsed.PrimaryKey) ? parsed.PrimaryKey : undefined };
  } catch {
    return {};
  }
}
