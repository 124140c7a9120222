/**
 * The HTTP face of the stand-in: one server for the service (REST) and tunnel paths, each with or without
 * the `/api` prefix (the service endpoint has it, the tunnel endpoint that `?service` hands out does not).
 * Every request is authenticated as the service does it (shared/maxcompute/odps-signature.ts: `ODPS ak:sig`
 * over the canonical string, the `/api` prefix not signed), its Date must be within 15 minutes, and the project
 * must be the served one. REST errors are XML, tunnel errors JSON; every answer carries `x-odps-request-id`.
 * Bodies may come chunked or with Content-Length, and `Content-Encoding: deflate`.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import zlib from 'node:zlib';
import { signablePathAndQuery, verifyAuthorization } from '../../shared/maxcompute/odps-signature.ts';
import { parsePartitionSpec, partitionPredicate, specKey, type Catalog, type PartitionValues, type TableDef } from './catalog.ts';
import { ident, type Database } from './database.ts';
import { McError, restErrors, tunnelErrors } from './errors.ts';
import type { FaultInjector } from './fault-injector.ts';
import type { Instances } from './instances.ts';
import { LIMITS } from './limits.ts';
import { cdata, el, elAttrs, parseInstanceSubmission, renderXml, rfc1123, type XmlNode } from './rest-xml.ts';
import type { Tunnel } from './tunnel.ts';

export interface ServerContext {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  readonly project: string;
  readonly owner: string;
  readonly timeZone: string;
  readonly createdAt: number;
  readonly db: Database;
  readonly catalog: Catalog;
  readonly instances: Instances;
  readonly tunnel: Tunnel;
  readonly faults: FaultInjector;
  /** Requests that reached their operation (authenticated), per operation. */
  readonly requests: Record<string, number>;
}

interface Reply {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
  readonly contentType?: string;
  /** Close the connection instead of answering (fault injection). */
  readonly drop?: boolean;
}

interface Request {
  readonly method: string;
  readonly prefix: string;
  readonly segments: readonly string[];
  readonly query: URLSearchParams;
  readonly body: Buffer;
  readonly host: string;
}

export function createMaxComputeServer(ctx: ServerContext): http.Server {
  const server = http.createServer((req, res) => {
    void serve(ctx, req, res);
  });
  server.keepAliveTimeout = 60_000;
  return server;
}

async function serve(ctx: ServerContext, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const requestId = `${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}${randomBytes(8).toString('hex')}`;
  let tunnel = false;
  let reply: Reply;
  try {
    const request = await readRequest(req);
    tunnel = isTunnelRequest(request);
    authenticate(ctx, req, request);
    reply = await route(ctx, request);
  } catch (e) {
    // The client went away mid-request: nobody to answer.
    if (req.destroyed && (e as NodeJS.ErrnoException).code === 'ECONNRESET') return;
    reply = errorReply(e, tunnel, requestId);
  }
  if (res.destroyed) return;
  if (reply.drop) {
    req.socket.destroy();
    return;
  }
  const body = reply.body ?? '';
  res.writeHead(reply.status, {
    'x-odps-request-id': requestId,
    Date: new Date().toUTCString(),
    'Content-Type': reply.contentType ?? 'application/xml',
    'Content-Length': String(Buffer.byteLength(body)),
    ...reply.headers,
  });
  res.end(body);
}

async function readRequest(req: http.IncomingMessage): Promise<Request> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const prefix = url.pathname === '/api' || url.pathname.startsWith('/api/') ? '/api' : '';
  const { path } = signablePathAndQuery(url, prefix);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > LIMITS.requestBodyBytes) throw tunnelErrors.invalidArgument(`request body larger than ${LIMITS.requestBodyBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  let body: Buffer = Buffer.concat(chunks);
  const encoding = String(req.headers['content-encoding'] ?? '').toLowerCase();
  if (encoding === 'deflate') body = inflate(body);
  else if (encoding !== '' && encoding !== 'identity') throw tunnelErrors.invalidArgument(`Content-Encoding ${encoding} is not supported by the local MaxCompute stand-in (deflate is)`);
  return {
    method: req.method ?? 'GET',
    prefix,
    segments: path.split('/').filter((s) => s !== ''),
    query: url.searchParams,
    body,
    host: req.headers.host ?? '127.0.0.1',
  };
}

function inflate(body: Buffer): Buffer {
  try {
    return zlib.inflateSync(body);
  } catch {
    try {
      return zlib.inflateRawSync(body);
    } catch (e) {
      throw tunnelErrors.corrupted(`deflate body does not inflate: ${(e as Error).message}`);
    }
  }
}

function authenticate(ctx: ServerContext, req: http.IncomingMessage, request: Request): void {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
  const { path, query } = signablePathAndQuery(new URL(req.url ?? '/', 'http://localhost'), request.prefix);
  const check = verifyAuthorization({ method: request.method, path, query, headers }, (ak) => (ak === ctx.accessKeyId ? ctx.accessKeySecret : undefined));
  if (!check.ok) {
    if (check.reason === 'missing' || check.reason === 'malformed') throw restErrors.authorizationRequired();
    if (check.reason === 'unknown-access-key') throw restErrors.invalidAccessKey();
    throw restErrors.signatureNotMatch();
  }
  const date = headers['date'];
  if (date === undefined) throw restErrors.missingDate();
  const sent = Date.parse(date);
  if (Number.isNaN(sent) || Math.abs(Date.now() - sent) > LIMITS.clockSkewMs) throw restErrors.timeTooSkewed(date);
}

function isTunnelRequest(r: Request): boolean {
  return ['uploads', 'uploadid', 'downloads', 'downloadid'].some((k) => r.query.has(k));
}

async function route(ctx: ServerContext, r: Request): Promise<Reply> {
  const [root, project, collection, name, ...rest] = r.segments;
  if (root !== 'projects' || project === undefined) throw restErrors.invalidArgument(`unknown resource /${r.segments.join('/')}`);
  if (project !== ctx.project) throw restErrors.noSuchProject(project);
  if (collection === undefined) {
    // PyODPS's Project.reload reads the owner and times from these headers.
    const headers = { 'x-odps-owner': ctx.owner, 'x-odps-creation-time': rfc1123(ctx.createdAt), 'Last-Modified': rfc1123(ctx.createdAt) };
    return operation(ctx, 'GetProject', r, 'GET', () => ({ ...xml(projectXml(ctx)), headers }));
  }
  if (collection === 'tunnel' && name === undefined && r.query.has('service')) {
    return operation(ctx, 'GetTunnelEndpoint', r, 'GET', () => ({ status: 200, body: r.host, contentType: 'text/plain' }));
  }
  if (collection === 'instances') {
    if (name === undefined) return operation(ctx, 'CreateInstance', r, 'POST', () => submit(ctx, r));
    if (rest.length === 0) {
      if (r.query.has('taskstatus')) return operation(ctx, 'GetTaskStatus', r, 'GET', () => xml(ctx.instances.taskStatusXml(name)));
      if (r.query.has('result')) return operation(ctx, 'GetResult', r, 'GET', () => xml(ctx.instances.resultXml(name)));
      if (r.query.has('source')) return operation(ctx, 'GetSource', r, 'GET', () => xml(ctx.instances.sourceXml(name)));
      return operation(ctx, 'GetInstance', r, 'GET', () => xml(ctx.instances.statusXml(name)));
    }
  }
  if (collection === 'tables' && name === undefined) return operation(ctx, 'ListTables', r, 'GET', () => xml(tablesXml(ctx, r.query.get('name') ?? '')));
  // Tables: /projects/p/tables/t, or /projects/p/schemas/default/tables/t in schema mode.
  const table = collection === 'tables' && rest.length === 0 ? name : collection === 'schemas' && rest[0] === 'tables' && rest.length === 2 ? rest[1] : undefined;
  if (table !== undefined) return tableRoute(ctx, r, table);
  throw restErrors.invalidArgument(`unknown resource /${r.segments.join('/')}`);
}

async function tableRoute(ctx: ServerContext, r: Request, table: string): Promise<Reply> {
  const q = r.query;
  const partition = q.get('partition') ?? undefined;
  if (q.has('uploads')) {
    return operation(ctx, 'CreateUpload', r, 'POST', async () =>
      json(201, await ctx.tunnel.createUpload(table, partition, q.get('create_partition') === 'true', q.get('overwrite') === 'true')),
    );
  }
  const uploadId = q.get('uploadid');
  if (uploadId !== null) {
    if (r.method === 'PUT') {
      return operation(ctx, 'WriteBlock', r, 'PUT', async () => {
        ctx.faults.checkBlock(Number(q.get('blockid')));
        await ctx.tunnel.writeBlock(uploadId, q.get('blockid') ?? undefined, r.body);
        return { status: 200, body: '', contentType: 'application/json' };
      });
    }
    if (r.method === 'POST') {
      return operation(ctx, 'CommitUpload', r, 'POST', async () => {
        const answer = json(200, await ctx.tunnel.commit(uploadId));
        return ctx.faults.takeLostCommit() ? { ...answer, drop: true } : answer;
      });
    }
    return operation(ctx, 'GetUpload', r, 'GET', async () => json(200, await ctx.tunnel.reloadUpload(uploadId)));
  }
  if (q.has('downloads')) return operation(ctx, 'CreateDownload', r, 'POST', async () => json(201, await ctx.tunnel.createDownload(table, partition)));
  const downloadId = q.get('downloadid');
  if (downloadId !== null) {
    if (q.has('data')) {
      return operation(ctx, 'ReadDownload', r, 'GET', async () => ({
        status: 200,
        body: await ctx.tunnel.readDownload(downloadId, q.get('rowrange') ?? undefined, q.get('columns') ?? undefined),
        contentType: 'application/octet-stream',
      }));
    }
    return operation(ctx, 'GetDownload', r, 'GET', () => json(200, ctx.tunnel.reloadDownload(downloadId)));
  }
  if (q.has('partitions')) return operation(ctx, 'ListPartitions', r, 'GET', () => xml(partitionsXml(ctx, table, q.get('marker') ?? '', q.get('maxitems'))));
  if (partition !== undefined) return operation(ctx, 'GetPartition', r, 'GET', async () => xml(await partitionXml(ctx, table, partition)));
  return operation(ctx, 'GetTable', r, 'GET', async () => xml(await tableXml(ctx, table)));
}

/** Counts the request, applies injected refusals, checks the method, runs `work`. */
async function operation(ctx: ServerContext, name: string, r: Request, method: string, work: () => Reply | Promise<Reply>): Promise<Reply> {
  if (r.method !== method) throw restErrors.methodNotAllowed();
  ctx.requests[name] = (ctx.requests[name] ?? 0) + 1;
  ctx.faults.checkRequest(name);
  return work();
}

function submit(ctx: ServerContext, r: Request): Reply {
  const sql = parseInstanceSubmission(r.body.toString('utf8'));
  const id = ctx.instances.submit(sql);
  return { status: 201, headers: { Location: `http://${r.host}${r.prefix}/projects/${ctx.project}/instances/${id}` }, body: '' };
}

function xml(body: string): Reply {
  return { status: 200, body };
}

function json(status: number, value: object): Reply {
  return { status, body: JSON.stringify(value), contentType: 'application/json' };
}

function projectXml(ctx: ServerContext): string {
  const property = (name: string, value: string) => el('Property', el('Name', name), el('Value', value));
  return renderXml(
    el(
      'Project',
      el('Name', ctx.project),
      el('Type', 'managed'),
      el('Comment', 'local MaxCompute stand-in'),
      el('Owner', ctx.owner),
      el('State', 'AVAILABLE'),
      el('CreationTime', rfc1123(ctx.createdAt)),
      el('LastModifiedTime', rfc1123(ctx.createdAt)),
      el('ProjectGroupName', ''),
      el('Properties', property('odps.sql.timezone', ctx.timeZone), property('odps.schema.evolution.enable', 'true')),
    ),
  );
}

async function tableXml(ctx: ServerContext, name: string): Promise<string> {
  const def = requireTable(ctx, name);
  const [[count]] = (await ctx.db.exclusive(() => ctx.db.rows(`SELECT count(*) FROM ${ident(def.name)}`))) as [[bigint]];
  const seconds = (ms: number) => Math.floor(ms / 1000);
  const schema = {
    tableName: def.name,
    owner: ctx.owner,
    comment: def.comment,
    createTime: seconds(def.createTime),
    lastModifiedTime: seconds(def.lastModifiedTime),
    lastDDLTime: seconds(def.lastDdlTime),
    lifecycle: def.lifecycle,
    isVirtualView: false,
    size: 0,
    recordNum: Number(count),
    columns: def.columns.map((c) => ({ name: c.name, type: c.typeText, comment: c.comment, label: '', isNullable: c.nullable })),
    partitionKeys: def.partitionKeys.map((c) => ({ name: c.name, type: c.typeText, comment: c.comment, label: '' })),
    Reserved: JSON.stringify({ Transactional: 'false', PartitionNum: String(ctx.catalog.partitionsOf(def.name).length) }),
  };
  return renderXml(
    el(
      'Table',
      el('Name', def.name),
      el('TableId', Buffer.from(`${ctx.project}.${def.name}`).toString('hex').slice(0, 32)),
      cdata('Schema', JSON.stringify(schema)),
      el('Comment', def.comment),
      el('Owner', ctx.owner),
      el('CreationTime', rfc1123(def.createTime)),
      el('LastModifiedTime', rfc1123(def.lastModifiedTime)),
      el('Type', 'MANAGED_TABLE'),
    ),
  );
}

/** `GET /projects/{p}/tables[?name=prefix]`: every table in one page (an empty Marker ends the listing). */
function tablesXml(ctx: ServerContext, prefix: string): string {
  const tables = ctx.catalog
    .names()
    .filter((n) => n.startsWith(prefix.toLowerCase()))
    .map((n) => ctx.catalog.get(n)!)
    .map((t) => el('Table', el('Name', t.name), el('Owner', ctx.owner), el('CreationTime', rfc1123(t.createTime)), el('LastModifiedTime', rfc1123(t.lastModifiedTime)), el('Type', 'MANAGED_TABLE')));
  return renderXml(el('Tables', ...tables, el('Marker', ''), el('MaxItems', '1000')));
}

function requireTable(ctx: ServerContext, name: string): TableDef {
  const def = ctx.catalog.get(name);
  if (!def) throw restErrors.noSuchTable(ctx.project, name.toLowerCase());
  return def;
}

function partitionColumns(def: TableDef, values: PartitionValues): XmlNode[] {
  return def.partitionKeys.map((k, i) => elAttrs('Column', { Name: k.name, Value: values[i]! }));
}

/**
 * `GET …/tables/{t}?partitions[&marker=M][&maxitems=N]`: a page of partitions in spec order with each one's times
 * (epoch s) in the `Schema` JSON. The marker is the last listed spec (opaque to clients), so a partition dropped
 * between pages does not shift the next one; an empty Marker ends the listing. A table without partition keys
 * answers an empty list (what the service answers there is not verified).
 */
function partitionsXml(ctx: ServerContext, name: string, marker: string, maxItemsText: string | null): string {
  const def = requireTable(ctx, name);
  const pageSize = pageSizeOf(maxItemsText);
  const after = marker === '' ? undefined : Buffer.from(marker, 'base64url').toString('utf8');
  const rest = ctx.catalog
    .partitionEntries(def.name)
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .filter((p) => after === undefined || p.key > after);
  const page = rest.slice(0, pageSize);
  const next = rest.length > pageSize ? Buffer.from(page.at(-1)!.key).toString('base64url') : '';
  const seconds = (ms: number) => Math.floor(ms / 1000);
  const partitions = page.map((p) => {
    const meta = { createTime: seconds(p.created), lastDDLTime: seconds(p.created), lastModifiedTime: seconds(Math.max(p.created, def.lastModifiedTime)), partitionSize: 0 };
    return el('Partition', ...partitionColumns(def, p.values), cdata('Schema', JSON.stringify(meta)));
  });
  return renderXml(el('Partitions', el('Marker', next), el('MaxItems', String(pageSize)), ...partitions));
}

function pageSizeOf(text: string | null): number {
  if (text === null) return LIMITS.partitionPageItems;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw restErrors.invalidArgument(`maxitems must be a positive integer, not '${text}'`);
  return Math.min(n, LIMITS.partitionPageItems);
}

/** `GET …/tables/{t}?partition=k=v,…`: one partition (times in epoch seconds, as the service gives them here). */
async function partitionXml(ctx: ServerContext, name: string, spec: string): Promise<string> {
  const def = requireTable(ctx, name);
  const values = parsePartitionSpec(def, spec, (detail) => new McError('InvalidPartitionSpec', `ODPS-0420061:Invalid parameter in HTTP request - invalid partition spec: ${detail}`, 400));
  if (!ctx.catalog.hasPartition(def, values)) throw new McError('NoSuchPartition', `ODPS-0130131:Partition not found - ${specKey(def, values)}`, 404);
  const [[count]] = (await ctx.db.exclusive(() => ctx.db.rows(`SELECT count(*) FROM ${ident(def.name)} WHERE ${partitionPredicate(def, values)}`))) as [[bigint]];
  const seconds = String(Math.floor(def.lastModifiedTime / 1000));
  const meta = { createTime: Math.floor(def.createTime / 1000), lastDDLTime: Math.floor(def.lastDdlTime / 1000), lastModifiedTime: Number(seconds), partitionSize: 0, partitionRecordNum: Number(count) };
  return renderXml(
    el(
      'Partition',
      ...partitionColumns(def, values),
      cdata('Schema', JSON.stringify(meta)),
      el('CreationTime', String(meta.createTime)),
      el('LastDDLTime', String(meta.lastDDLTime)),
      el('LastModifiedTime', seconds),
      el('PartitionSize', '0'),
      el('PartitionRecordCount', String(count)),
    ),
  );
}

function errorReply(e: unknown, tunnel: boolean, requestId: string): Reply {
  const error = e instanceof McError ? e : restErrors.internal(e instanceof Error ? e.message : String(e));
  if (!(e instanceof McError)) console.error('[maxcompute-standin]', e);
  if (tunnel) return { status: error.status, body: JSON.stringify({ Code: error.code, Message: error.message, RequestId: requestId }), contentType: 'application/json' };
  return {
    status: error.status,
    body: renderXml(el('Error', el('Code', error.code), cdata('Message', error.message), el('RequestId', requestId), el('HostId', 'localhost'))),
  };
}
