/**
 * Table tunnel sessions (PyODPS odps/tunnel/tabletunnel.py) on the endpoint TunnelEndpointResolver finds.
 *
 * Upload (batch, INSERT INTO semantics unless overwrite): create → PUT blocks (a block id written again replaces
 * the earlier block) → commit, which makes every block visible at once. A reload tells the session's status and
 * blocks, which is how a caller resolves a commit whose answer was lost.
 * Download: create → read row ranges as record streams.
 * Sources: go odps/tunnel/upload_session.go, download_session.go; py odps/tunnel/tabletunnel.py; java tunnel/TableTunnel.java.
 */
import { FcDtsError } from '../errors.ts';
import { tryParseType, type MaxComputeRow, type MaxComputeType, type MaxComputeValue } from './maxcompute-types.ts';
import type { OdpsRequest, OdpsRestClient } from './odps-rest.ts';
import { decodeRecordStream, encodeRecordStream, type TunnelColumn, type TunnelEncoderOptions } from './tunnel-record-codec.ts';
import type { TunnelEndpointResolver } from './tunnel-endpoint.ts';

/** A partition as ordered key → value pairs, or the spec text `k1=v1,k2=v2`. */
export type PartitionSpec = Readonly<Record<string, string>> | string;

export type UploadStatus = 'UNKNOWN' | 'NORMAL' | 'CLOSING' | 'CLOSED' | 'CANCELED' | 'EXPIRED' | 'CRITICAL' | 'COMMITTING';

export interface SessionColumn {
  readonly name: string;
  readonly typeText: string;
  /** undefined when fc-dts does not support the type. */
  readonly type: MaxComputeType | undefined;
  readonly nullable: boolean;
}

/** The table schema a session reports: data columns (the record stream's) and partition keys. */
export interface SessionSchema {
  readonly columns: readonly SessionColumn[];
  readonly partitionKeys: readonly SessionColumn[];
}

export interface UploadSessionInfo extends SessionSchema {
  readonly uploadId: string;
  readonly status: UploadStatus;
  readonly isOverwrite: boolean;
  readonly blocks: ReadonlyArray<{ readonly blockId: number; readonly recordCount: number }>;
}

export interface DownloadSessionInfo extends SessionSchema {
  readonly downloadId: string;
  readonly status: string;
  readonly recordCount: number;
}

export interface UploadTarget {
  readonly table: string;
  readonly partition?: PartitionSpec;
}

/** A block's whole upload must finish within this (the body streams while rows are produced). */
const BLOCK_TIMEOUT_MS = 30 * 60_000;

/** Block ids the service accepts. */
export const MAX_BLOCK_ID = 19_999;

/** Headers every tunnel request carries (py tabletunnel.py get_common_headers; java tunnel/HttpHeaders.java). */
const COMMON_HEADERS = {
  'x-odps-tunnel-version': '6',
  'odps-tunnel-date-transform': 'v1',
  'odps-tunnel-sdk-support-schema-evolution': 'true',
} as const;

export class TableTunnel {
  constructor(
    private readonly rest: OdpsRestClient,
    readonly project: string,
    private readonly endpoints: TunnelEndpointResolver,
  ) {}

  async createUpload(target: UploadTarget, options: { createPartition?: boolean; overwrite?: boolean } = {}): Promise<UploadSessionInfo> {
    const query: Array<[string, string]> = [['uploads', '']];
    this.addPartition(query, target.partition);
    if (options.createPartition === true) query.push(['create_partition', 'true']);
    if (options.overwrite === true) query.push(['overwrite', 'true']);
    const json = await this.json(target, { method: 'POST', query, what: this.what(target, 'new upload session') });
    return uploadInfo(json, this.what(target, 'upload session'));
  }

  async reloadUpload(target: UploadTarget, uploadId: string): Promise<UploadSessionInfo> {
    const query: Array<[string, string]> = [['uploadid', uploadId]];
    this.addPartition(query, target.partition);
    const json = await this.json(target, { method: 'GET', query, what: this.what(target, `upload session ${uploadId}`) });
    return uploadInfo(json, this.what(target, `upload session ${uploadId}`));
  }

  /**
   * Uploads one block: the rows are encoded as they are sent. Idempotent (the block id replaces itself), so it is
   * retried; `rows` is therefore a function giving the rows afresh for each attempt.
   */
  async putBlock(
    target: UploadTarget,
    uploadId: string,
    blockId: number,
    columns: readonly TunnelColumn[],
    rows: () => Iterable<MaxComputeRow> | AsyncIterable<MaxComputeRow>,
    options: TunnelEncoderOptions & { readonly timeoutMs?: number } = {},
  ): Promise<void> {
    if (!Number.isInteger(blockId) || blockId < 0 || blockId > MAX_BLOCK_ID) {
      throw new FcDtsError('LOAD_FAILED', `MaxCompute ${this.what(target, `upload session ${uploadId}`)}: block id ${blockId} is outside 0–${MAX_BLOCK_ID}`, 'split the data over fewer blocks or more upload sessions');
    }
    const query: Array<[string, string]> = [['uploadid', uploadId], ['blockid', String(blockId)]];
    this.addPartition(query, target.partition);
    await this.rest.request({
      method: 'PUT',
      path: this.path(target.table),
      query,
      endpoint: await this.endpoints.endpoint(),
      headers: { ...COMMON_HEADERS, 'Content-Type': 'application/octet-stream' },
      body: () => encodeRecordStream(columns, rows(), options),
      idempotent: true,
      timeoutMs: options.timeoutMs ?? BLOCK_TIMEOUT_MS,
      what: this.what(target, `upload session ${uploadId}, block ${blockId}`),
    });
  }

  /**
   * Commits the session: all its blocks become visible at once. Not retried — after a lost answer, reload the
   * session: CLOSED means the commit happened.
   */
  async commitUpload(target: UploadTarget, uploadId: string): Promise<UploadSessionInfo> {
    const query: Array<[string, string]> = [['uploadid', uploadId]];
    this.addPartition(query, target.partition);
    const json = await this.json(target, { method: 'POST', query, what: this.what(target, `upload session ${uploadId} commit`) });
    return uploadInfo(json, this.what(target, `upload session ${uploadId}`));
  }

  async createDownload(target: UploadTarget): Promise<DownloadSessionInfo> {
    const query: Array<[string, string]> = [['downloads', '']];
    this.addPartition(query, target.partition);
    const json = await this.json(target, { method: 'POST', query, idempotent: true, what: this.what(target, 'new download session') });
    return downloadInfo(json);
  }

  async reloadDownload(target: UploadTarget, downloadId: string): Promise<DownloadSessionInfo> {
    const query: Array<[string, string]> = [['downloadid', downloadId]];
    this.addPartition(query, target.partition);
    return downloadInfo(await this.json(target, { method: 'GET', query, what: this.what(target, `download session ${downloadId}`) }));
  }

  /** Reads `count` records from `start`, decoded and CRC-checked as they arrive. */
  async *readRows(
    target: UploadTarget,
    downloadId: string,
    columns: readonly TunnelColumn[],
    start: number,
    count: number,
  ): AsyncGenerator<MaxComputeValue[]> {
    const query: Array<[string, string]> = [
      ['downloadid', downloadId],
      ['data', ''],
      ['rowrange', `(${start},${count})`],
      ['columns', columns.map((c) => c.name).join(',')],
    ];
    this.addPartition(query, target.partition);
    const res = await this.rest.stream({
      method: 'GET',
      path: this.path(target.table),
      query,
      endpoint: await this.endpoints.endpoint(),
      headers: COMMON_HEADERS,
      what: this.what(target, `download session ${downloadId}`),
    });
    yield* decodeRecordStream(columns, res.body);
  }

  private async json(target: UploadTarget, req: Pick<OdpsRequest, 'method' | 'query' | 'what' | 'idempotent'>): Promise<unknown> {
    const res = await this.rest.request({
      ...req,
      path: this.path(target.table),
      endpoint: await this.endpoints.endpoint(),
      headers: COMMON_HEADERS,
    });
    try {
      return JSON.parse(res.body.toString('utf8')) as unknown;
    } catch (e) {
      throw new FcDtsError('LOAD_FAILED', `MaxCompute ${req.what}: the tunnel answered with something other than JSON`, 'check destination.tunnelEndpoint', { cause: e });
    }
  }

  private path(table: string): string {
    return `/projects/${this.project}/tables/${table}`;
  }

  private addPartition(query: Array<[string, string]>, partition: PartitionSpec | undefined): void {
    const spec = partitionSpecText(partition);
    if (spec !== '') query.push(['partition', spec]);
  }

  private what(target: UploadTarget, session: string): string {
    const partition = partitionSpecText(target.partition);
    return `table ${this.project}.${target.table}${partition === '' ? '' : ` partition (${partition})`}, ${session}`;
  }
}

/** `k1=v1,k2=v2`, without quotes, as the tunnel wants it. */
export function partitionSpecText(partition: PartitionSpec | undefined): string {
  if (partition === undefined) return '';
  if (typeof partition === 'string') return partition.replace(/['"]/g, '');
  return Object.entries(partition)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

interface SessionJson {
  UploadID?: string;
  DownloadID?: string;
  Status?: string;
  IsOverwrite?: boolean;
  RecordCount?: number;
  Schema?: { columns?: ColumnJson[]; partitionKeys?: ColumnJson[] };
  UploadedBlockList?: Array<{ BlockID?: number; RecordCount?: number }>;
}

interface ColumnJson {
  name?: string;
  type?: string;
  nullable?: boolean;
}

const UPLOAD_STATUSES: readonly UploadStatus[] = ['UNKNOWN', 'NORMAL', 'CLOSING', 'CLOSED', 'CANCELED', 'EXPIRED', 'CRITICAL', 'COMMITTING'];

function uploadInfo(json: unknown, what: string): UploadSessionInfo {
  const j = json as SessionJson;
  if (typeof j.UploadID !== 'string') {
    throw new FcDtsError('LOAD_FAILED', `MaxCompute ${what}: the answer has no UploadID`, 'check destination.tunnelEndpoint');
  }
  const status = UPLOAD_STATUSES.find((s) => s === j.Status?.toUpperCase()) ?? 'UNKNOWN';
  return {
    uploadId: j.UploadID,
    status,
    isOverwrite: j.IsOverwrite === true,
    ...sessionSchema(j),
    blocks: (j.UploadedBlockList ?? []).map((b) => ({ blockId: b.BlockID ?? -1, recordCount: b.RecordCount ?? 0 })),
  };
}

function downloadInfo(json: unknown): DownloadSessionInfo {
  const j = json as SessionJson;
  return {
    downloadId: j.DownloadID ?? '',
    status: j.Status ?? 'UNKNOWN',
    recordCount: j.RecordCount ?? 0,
    ...sessionSchema(j),
  };
}

function sessionSchema(j: SessionJson): SessionSchema {
  return { columns: (j.Schema?.columns ?? []).map(sessionColumn), partitionKeys: (j.Schema?.partitionKeys ?? []).map(sessionColumn) };
}

function sessionColumn(c: ColumnJson): SessionColumn {
  const typeText = c.type ?? '';
  const type = tryParseType(typeText);
  return { name: c.name ?? '', typeText, type, nullable: c.nullable ?? true };
}

/** The session's columns as the codec needs them; throws when one has a type fc-dts does not support. */
export function tunnelColumns(columns: readonly SessionColumn[], what: string): TunnelColumn[] {
  return columns.map((c) => {
    if (c.type === undefined) {
      throw new FcDtsError('SCHEMA_MISMATCH', `MaxCompute ${what}: column ${c.name} has type ${c.typeText}, which fc-dts does not support`, 'leave the column out of the task or change its type');
    }
    return { name: c.name, type: c.type };
  });
}
