/**
 * Project and table metadata over REST (notes/maxcompute.md §2.3): `GET /projects/{p}` (also the credential probe)
 * and `GET /projects/{p}/tables/{t}`, whose `<Schema>` CDATA holds the table's JSON schema.
 * Sources: py odps/models/project.py, odps/models/table.py (TableSchema); java odps/Table.java.
 */
import { FcDtsError } from '../errors.ts';
import { MaxComputeError } from './maxcompute-errors.ts';
import { tryParseType, type MaxComputeType } from './maxcompute-types.ts';
import type { OdpsRestClient } from './odps-rest.ts';
import { child, childText, parseXml } from './odps-xml.ts';

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
