/**
 * The MaxCompute stand-in through real HTTP with signed requests (shared/maxcompute/odps-signature.ts) and real
 * record streams (shared/maxcompute/tunnel-record-codec.ts): authentication, project/table XML, asynchronous SQL
 * with polling, CSV results, the SQL subset and its limits, the reference merge SQL, upload sessions (blocks,
 * replacement, atomic commit, double commit, expiry, corruption), downloads, persistence and every fault.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseType, type MaxComputeValue } from '../shared/maxcompute/maxcompute-types.ts';
import { authorizationHeader, httpDate } from '../shared/maxcompute/odps-signature.ts';
import { decodeRecords, encodeRecords, type TunnelColumn } from '../shared/maxcompute/tunnel-record-codec.ts';
import { startMaxComputeStandIn, type MaxComputeStandIn, type MaxComputeStandInOptions } from '../infra/maxcompute-standin/index.ts';
import { MaxComputeClient } from '../shared/maxcompute/maxcompute-client.ts';
import { MaxComputeError } from '../shared/maxcompute/maxcompute-errors.ts';
import { tunnelColumns as sessionTunnelColumns } from '../shared/maxcompute/tunnel-client.ts';

const AK = 'LTAItestmaxcompute';
const SECRET = 'test-secret-maxcompute';

interface Sent {
  readonly method?: string;
  /** Path relative to the endpoint, e.g. `/projects/p/tables/t`. */
  readonly path: string;
  /** Parameters in order; '' for a bare name (`?uploads`). */
  readonly query?: ReadonlyArray<readonly [string, string]>;
  readonly body?: Buffer | string;
  readonly headers?: Record<string, string>;
  /** Base URL; the service endpoint (with /api) by default. */
  readonly base?: string;
  readonly secret?: string;
  readonly accessKeyId?: string;
  readonly date?: Date;
  /** Send the body with Transfer-Encoding: chunked, in pieces. */
  readonly chunked?: boolean;
}

interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
  readonly text: string;
}

/** One signed request over node:http; rejects when the connection closes without an answer. */
function send(standIn: MaxComputeStandIn, s: Sent): Promise<Answer> {
  const method = s.method ?? 'GET';
  const base = new URL(s.base ?? standIn.endpoint);
  const query = s.query ?? [];
  const search = query.map(([k, v]) => (v === '' ? encodeURIComponent(k) : `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)).join('&');
  const headers: Record<string, string> = { Date: httpDate(s.date ?? new Date()), ...s.headers };
  if (s.body !== undefined && headers['Content-Type'] === undefined) headers['Content-Type'] = 'application/octet-stream';
  headers['Authorization'] = authorizationHeader(
    { method, path: s.path, query, headers },
    { accessKeyId: s.accessKeyId ?? AK, accessKeySecret: s.secret ?? SECRET },
  );
  const body = s.body === undefined ? undefined : Buffer.from(s.body);
  if (body && !s.chunked) headers['Content-Length'] = String(body.length);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: base.hostname, port: base.port, method, path: `${base.pathname.replace(/\/$/, '')}${s.path}${search ? `?${search}` : ''}`, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const b = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: b, text: b.toString('utf8') });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (body && s.chunked) {
      const third = Math.ceil(body.length / 3);
      req.write(body.subarray(0, third));
      req.write(body.subarray(third, 2 * third));
      req.end(body.subarray(2 * third));
    } else req.end(body);
  });
}

function xmlText(xml: string, name: string): string | undefined {
  const m = new RegExp(`<${name}(?:\\s[^>]*)?>(?:<!\\[CDATA\\[([\\s\\S]*?)\\]\\]>|([\\s\\S]*?))</${name}>`).exec(xml);
  return m ? (m[1] ?? m[2]) : undefined;
}

const INSTANCE_XML = (query: string, settings: Record<string, string>) =>
  `<?xml version="1.0" encoding="utf-8"?>
<Instance><Job><Priority>9</Priority><Tasks><SQL><Name>AnonymousSQLTask</Name>
<Config><Property><Name>settings</Name><Value>${JSON.stringify(settings).replaceAll('"', '&quot;')}</Value></Property></Config>
<Query><![CDATA[${query}]]></Query></SQL></Tasks><DAG><RunMode>Sequence</RunMode></DAG></Job></Instance>`;

interface SqlOutcome {
  readonly taskStatus: string;
  readonly format: string | undefined;
  readonly result: string;
  readonly descriptor: { IsSelect?: boolean; SelectResultStatus?: string; Schema?: { Columns: Array<{ Name: string; Type: string }> } } | undefined;
  /** `?taskstatus` answers seen while polling, in order. */
  readonly polled: string[];
}

async function submitSql(standIn: MaxComputeStandIn, query: string, settings: Record<string, string> = {}): Promise<string> {
  const answer = await send(standIn, {
    method: 'POST',
    path: `/projects/${standIn.project}/instances`,
    body: INSTANCE_XML(query, settings),
    headers: { 'Content-Type': 'application/xml' },
  });
  expect(answer.status).toBe(201);
  const location = answer.headers.location ?? '';
  expect(location).toMatch(new RegExp(`/api/projects/${standIn.project}/instances/[0-9a-z]+$`));
  return location.slice(location.lastIndexOf('/') + 1);
}

async function waitSql(standIn: MaxComputeStandIn, id: string): Promise<SqlOutcome> {
  const polled: string[] = [];
  const resource = `/projects/${standIn.project}/instances/${id}`;
  for (;;) {
    const status = await send(standIn, { path: resource, query: [['taskstatus', '']] });
    expect(status.status).toBe(200);
    const instanceStatus = /<Instance><Status>(\w+)<\/Status>/.exec(status.text)?.[1] ?? '';
    polled.push(instanceStatus);
    if (instanceStatus === 'Terminated') break;
    await new Promise((r) => setTimeout(r, 10));
  }
  const result = await send(standIn, { path: resource, query: [['result', '']] });
  expect(result.status).toBe(200);
  const descriptor = xmlText(result.text, 'ResultDescriptor');
  return {
    taskStatus: xmlText(result.text, 'Status') ?? '',
    format: /<Result Format="(\w+)"/.exec(result.text)?.[1],
    result: xmlText(result.text, 'Result') ?? '',
    descriptor: descriptor ? (JSON.parse(descriptor) as SqlOutcome['descriptor']) : undefined,
    polled,
  };
}

async function sql(standIn: MaxComputeStandIn, query: string, settings: Record<string, string> = {}): Promise<SqlOutcome> {
  return waitSql(standIn, await submitSql(standIn, query, settings));
}

/** Runs SQL that must succeed; returns its result text. */
async function ok(standIn: MaxComputeStandIn, query: string, settings: Record<string, string> = {}): Promise<string> {
  const outcome = await sql(standIn, query, settings);
  if (outcome.taskStatus !== 'Success') throw new Error(`SQL failed: ${outcome.result}\n${query}`);
  return outcome.result;
}

/** The CSV of a query as rows of fields (no quoting in the values these tests read back). */
async function rows(standIn: MaxComputeStandIn, query: string, settings: Record<string, string> = {}): Promise<string[][]> {
  const csv = await ok(standIn, query, settings);
  return csv
    .split('\n')
    .filter((l) => l !== '')
    .slice(1)
    .map((l) => l.split(','));
}

const tablePath = (standIn: MaxComputeStandIn, table: string) => `/projects/${standIn.project}/tables/${table}`;

async function tunnelJson(standIn: MaxComputeStandIn, s: Sent): Promise<{ status: number; json: Record<string, unknown> }> {
  const answer = await send(standIn, { base: standIn.tunnelEndpoint, ...s });
  return { status: answer.status, json: answer.text === '' ? {} : (JSON.parse(answer.text) as Record<string, unknown>) };
}

async function createUpload(standIn: MaxComputeStandIn, table: string, extra: Array<[string, string]> = []): Promise<string> {
  const { status, json } = await tunnelJson(standIn, { method: 'POST', path: tablePath(standIn, table), query: [['uploads', ''], ...extra] });
  expect(status, JSON.stringify(json)).toBe(201);
  expect(json.Status).toBe('NORMAL');
  return json.UploadID as string;
}

function putBlock(standIn: MaxComputeStandIn, table: string, uploadId: string, blockId: number, body: Buffer, extra: Partial<Sent> = {}) {
  return tunnelJson(standIn, { method: 'PUT', path: tablePath(standIn, table), query: [['uploadid', uploadId], ['blockid', String(blockId)]], body, ...extra });
}

function commit(standIn: MaxComputeStandIn, table: string, uploadId: string) {
  return tunnelJson(standIn, { method: 'POST', path: tablePath(standIn, table), query: [['uploadid', uploadId]] });
}

function reload(standIn: MaxComputeStandIn, table: string, uploadId: string) {
  return tunnelJson(standIn, { path: tablePath(standIn, table), query: [['uploadid', uploadId]] });
}

const cols = (spec: Array<[string, string]>): TunnelColumn[] => spec.map(([name, type]) => ({ name, type: parseType(type) }));
const ID_NAME = cols([
  ['id', 'bigint'],
  ['name', 'string'],
]);

const standIns: MaxComputeStandIn[] = [];
const dirs: string[] = [];

async function start(options: Partial<MaxComputeStandInOptions> = {}): Promise<MaxComputeStandIn> {
  const s = await startMaxComputeStandIn({ accessKeyId: AK, accessKeySecret: SECRET, project: 'fcdts_test', sqlDelayMs: 5, ...options });
  standIns.push(s);
  return s;
}

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mc-standin-'));
  dirs.push(dir);
  return dir;
}

afterAll(async () => {
  await Promise.all(standIns.map((s) => s.close()));
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('authentication and routing', () => {
  let mc: MaxComputeStandIn;
  beforeAll(async () => {
    mc = await start();
  });

  it('answers a signed request with and without the /api prefix', async () => {
    const withApi = await send(mc, { path: `/projects/${mc.project}` });
    const without = await send(mc, { path: `/projects/${mc.project}`, base: mc.tunnelEndpoint });
    expect(withApi.status).toBe(200);
    expect(without.status).toBe(200);
    expect(xmlText(withApi.text, 'Name')).toBe(mc.project);
  });

  it('refuses a wrong secret with SignatureNotMatch and the service error XML', async () => {
    const answer = await send(mc, { path: `/projects/${mc.project}`, secret: 'not-the-secret' });
    expect(answer.status).toBe(403);
    expect(xmlText(answer.text, 'Code')).toBe('SignatureNotMatch');
    expect(xmlText(answer.text, 'Message')).toContain('ODPS-0410042');
    expect(xmlText(answer.text, 'RequestId')).toBe(answer.headers['x-odps-request-id']);
  });

  it('refuses an unknown AccessKey id, a missing Authorization and a Date 16 minutes off', async () => {
    const unknown = await send(mc, { path: `/projects/${mc.project}`, accessKeyId: 'LTAIother' });
    expect(xmlText(unknown.text, 'Code')).toBe('InvalidAccessKeyId');
    const skewed = await send(mc, { path: `/projects/${mc.project}`, date: new Date(Date.now() - 16 * 60_000) });
    expect(skewed.status).toBe(403);
    expect(xmlText(skewed.text, 'Code')).toBe('RequestTimeTooSkewed');
    const within = await send(mc, { path: `/projects/${mc.project}`, date: new Date(Date.now() - 14 * 60_000) });
    expect(within.status).toBe(200);
    const bare = await new Promise<number>((resolve, reject) => {
      const url = new URL(`${mc.endpoint}/projects/${mc.project}`);
      http.get({ host: url.hostname, port: url.port, path: url.pathname, agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on('error', reject);
    });
    expect(bare).toBe(401);
  });

  it('answers NoSuchProject for another project, after checking the signature', async () => {
    const answer = await send(mc, { path: '/projects/other_project' });
    expect(answer.status).toBe(404);
    expect(xmlText(answer.text, 'Code')).toBe('NoSuchProject');
  });

  it('serves the project XML with its time zone and the tunnel endpoint as host:port', async () => {
    const project = await send(mc, { path: `/projects/${mc.project}` });
    expect(project.headers['x-odps-owner']).toBe(xmlText(project.text, 'Owner'));
    expect(Date.parse(String(project.headers['x-odps-creation-time']))).not.toBeNaN();
    expect(project.text).toMatch(/<Property><Name>odps.sql.timezone<\/Name><Value>Asia\/Shanghai<\/Value><\/Property>/);
    const tunnel = await send(mc, { path: `/projects/${mc.project}/tunnel`, query: [['service', '']] });
    expect(tunnel.status).toBe(200);
    expect(`http://${tunnel.text}`).toBe(mc.tunnelEndpoint);
    expect(mc.requests.GetTunnelEndpoint).toBe(1);
  });
});

describe('SQL instances', () => {
  let mc: MaxComputeStandIn;
  beforeAll(async () => {
    mc = await start({ limits: { resultRows: 5, partitionsPerTable: 3 } });
  });

  it('runs asynchronously: Running until the SQL ran, then Terminated with the task Success', async () => {
    const release = mc.faults.holdSql();
    const id = await submitSql(mc, 'select 1 as one;');
    const early = await send(mc, { path: `/projects/${mc.project}/instances/${id}`, query: [['taskstatus', '']] });
    expect(early.text).toContain('<Instance><Status>Running</Status>');
    expect(early.text).toContain('<Task Type="SQL"><Name>AnonymousSQLTask</Name>');
    expect(xmlText(early.text.slice(early.text.indexOf('<Task ')), 'Status')).toBe('Running');
    const plain = await send(mc, { path: `/projects/${mc.project}/instances/${id}` });
    expect(xmlText(plain.text, 'Status')).toBe('Running');
    release();
    const outcome = await waitSql(mc, id);
    expect(outcome.taskStatus).toBe('Success');
    expect(outcome.result).toBe('one\n1\n');
    expect(outcome.descriptor).toEqual({ IsSelect: true, SelectResultStatus: 'FULL', Schema: { Columns: [{ Name: 'one', Type: 'int' }] } });
    // PyODPS reads the task names from the submitted job.
    const source = await send(mc, { path: `/projects/${mc.project}/instances/${id}`, query: [['source', '']] });
    expect(source.text).toContain('<Job><Priority>9</Priority><Tasks><SQL><Name>AnonymousSQLTask</Name>');
  });

  it('answers an unknown instance with NoSuchObject', async () => {
    const answer = await send(mc, { path: `/projects/${mc.project}/instances/20261204000000000gdeadbeef`, query: [['taskstatus', '']] });
    expect(answer.status).toBe(404);
    expect(xmlText(answer.text, 'Code')).toBe('NoSuchObject');
  });

  it('CREATE, ALTER ADD COLUMNS, INSERT, SELECT, SHOW TABLES, DESC, and the table XML with its Schema JSON', async () => {
    await ok(mc, 'CREATE TABLE IF NOT EXISTS `people` (`id` bigint NULL, `name` string COMMENT \'the name\', `born` datetime, `balance` decimal(38,18)) LIFECYCLE 30;');
    await ok(mc, 'create table if not exists people (id bigint);');
    const again = await sql(mc, 'create table people (id bigint);');
    expect(again.taskStatus).toBe('Failed');
    expect(again.result).toMatch(/^ODPS-0130071:.*already exists/);
    await ok(mc, "insert into table people values (1, 'ann', datetime '2019-08-16 08:41:18', 12345678901234567890.123456789012345678)");
    await ok(mc, 'alter table people add columns (email string, score double);');
    await ok(mc, "insert into people select 2, 'bob', null, 0.5BD, 'b@x', 1.5;");
    expect(await ok(mc, 'select * from people order by id limit 100;')).toBe(
      'id,name,born,balance,email,score\n1,ann,2019-08-16 08:41:18,12345678901234567890.123456789012345678,\\N,\\N\n2,bob,\\N,0.500000000000000000,b@x,1.5\n',
    );
    expect(await ok(mc, 'show tables;')).toContain(':people\n');
    const listed = await send(mc, { path: `/projects/${mc.project}/tables`, query: [['expectmarker', 'true'], ['name', 'peo']] });
    expect(listed.text).toMatch(/<Tables><Table><Name>people<\/Name>.*<\/Table><Marker><\/Marker>/);
    const desc = await ok(mc, 'desc people;');
    expect(desc).toMatch(/\| email +\| string/);
    expect(desc).toMatch(/\| name +\| string +\| the name/);
    const table = await send(mc, { path: tablePath(mc, 'PEOPLE') });
    expect(table.status).toBe(200);
    expect(xmlText(table.text, 'Type')).toBe('MANAGED_TABLE');
    const schema = JSON.parse(xmlText(table.text, 'Schema')!) as { columns: Array<{ name: string; type: string }>; partitionKeys: unknown[]; lifecycle: number; recordNum: number };
    expect(schema.columns.map((c) => `${c.name} ${c.type}`)).toEqual(['id bigint', 'name string', 'born datetime', 'balance decimal(38,18)', 'email string', 'score double']);
    expect(schema.partitionKeys).toEqual([]);
    expect(schema.lifecycle).toBe(30);
    expect(schema.recordNum).toBe(2);
    const missing = await send(mc, { path: tablePath(mc, 'nobody') });
    expect(missing.status).toBe(404);
    expect(xmlText(missing.text, 'Code')).toBe('NoSuchObject');
  });

  it('writes NULL as \\N and quotes commas, quotes and line breaks in the CSV; string escapes are decoded', async () => {
    const csv = await ok(mc, `select 'a,b' as c1, "say \\"hi\\"" as c2, 'line\\nbreak' as c3, cast(null as string) as c4, true as c5, cast('2020-02-29' as date) as c6;`);
    expect(csv).toBe('c1,c2,c3,c4,c5,c6\n"a,b","say ""hi""","line\nbreak",\\N,true,2020-02-29\n');
    expect(await ok(mc, 'select 1 + 1, nvl(null, 7) as n, count(*) from range(3) t(i);')).toBe('_c0,n,_c2\n2,7,3\n');
    // FLOOR and CEIL give BIGINTs, so their text has no fraction (a dynamic partition value made of one is "3").
    expect(await ok(mc, 'select floor(7 / 2) as f, ceil(7 / 2) as c, cast(floor(7.9) as string) as s;')).toBe('f,c,s\n3,4,7\n');
  });

  it('DROP TABLE [IF EXISTS]; an unknown table fails with ODPS-0130131; a parse error with ODPS-0130161', async () => {
    await ok(mc, 'create table to_drop (a bigint);');
    await ok(mc, 'drop table to_drop;');
    await ok(mc, 'drop table if exists to_drop;');
    const gone = await sql(mc, 'select * from to_drop;');
    expect(gone.taskStatus).toBe('Failed');
    expect(gone.result).toMatch(/^ODPS-0130131:\[0,0\] Table not found - table to_drop cannot be resolved/);
    const column = await sql(mc, 'select no_such_column from people;');
    expect(column.result).toMatch(/^ODPS-0130071:\[0,0\] Semantic analysis exception - .*no_such_column/);
    const drop = await sql(mc, 'drop table to_drop;');
    expect(drop.result).toMatch(/^ODPS-0130131:/);
    await ok(mc, 'create table typed (a bigint);');
    const badValue = await sql(mc, "insert into typed select 'abc';");
    expect(badValue.taskStatus).toBe('Failed');
    expect(badValue.result).toMatch(/^ODPS-0130071:\[0,0\] Semantic analysis exception - Conversion Error: .*'abc'/);
    expect(await rows(mc, 'select count(*) as n from typed;')).toEqual([['0']]);
    const parse = await sql(mc, "select 'unterminated;");
    expect(parse.taskStatus).toBe('Failed');
    expect(parse.result).toMatch(/^ODPS-0130161:\[1,8\] Parse exception/);
  });

  it('refuses a full scan of a partitioned table unless odps.sql.allow.fullscan=true (SET or settings) or a partition predicate', async () => {
    await ok(mc, "create table events (id bigint) partitioned by (ds string);");
    await ok(mc, "insert into table events partition (ds='20190816') values (1), (2);");
    const refused = await sql(mc, 'select count(*) as n from events where id > 0;');
    expect(refused.taskStatus).toBe('Failed');
    expect(refused.result).toBe(
      'ODPS-0130071:[0,0] Semantic analysis exception - physical plan generation failed: java.lang.RuntimeException: Table(fcdts_test,events) is full scan with all partitions, please specify partition predicates.',
    );
    expect(await rows(mc, "select count(*) as n from events where ds = '20190816';")).toEqual([['2']]);
    expect(await rows(mc, 'set odps.sql.allow.fullscan=true;\nselect count(*) as n from events;')).toEqual([['2']]);
    expect(await rows(mc, 'select count(*) as n from events;', { 'odps.sql.allow.fullscan': 'true' })).toEqual([['2']]);
    // A string that merely contains the key does not count as a predicate.
    const inString = await sql(mc, "select 'ds' as x from events where id = 1;");
    expect(inString.taskStatus).toBe('Failed');
  });

  it('refuses ORDER BY without LIMIT (not in a window) unless odps.sql.validate.orderby.limit=false', async () => {
    const refused = await sql(mc, 'select i\nfrom range(3) t(i) order by i;');
    expect(refused.taskStatus).toBe('Failed');
    expect(refused.result).toBe(
      'ODPS-0130071:[2,20] Semantic analysis exception - ORDER BY must be used with a LIMIT clause, please set odps.sql.validate.orderby.limit=false to use it.',
    );
    const inSubquery = await sql(mc, 'select * from (select i from range(3) t(i) order by i) s limit 2;');
    expect(inSubquery.result).toMatch(/^ODPS-0130071:\[1,44\] .*ORDER BY must be used with a LIMIT clause/);
    expect(await rows(mc, 'select i, row_number() over (order by i desc) as r from range(3) t(i) order by i limit 3;')).toEqual([
      ['0', '3'],
      ['1', '2'],
      ['2', '1'],
    ]);
    expect(await rows(mc, 'set odps.sql.validate.orderby.limit=false;\nselect i from range(2) t(i) order by i desc;')).toEqual([['1'], ['0']]);
  });

  it('refuses a query that would read more partitions of a table than one query may (2 here), counting what its partition predicates select', async () => {
    const small = await start({ limits: { partitionsPerQuery: 2 } });
    await ok(small, 'create table parts (id bigint, v string) partitioned by (y string, m string);');
    await ok(small, "insert into table parts partition (y, m) select 1, 'a', '2019', '08' union all select 2, 'b', '2019', '09' union all select 3, 'c', '2020', '01';");
    const all = await sql(small, 'select count(*) from parts;', { 'odps.sql.allow.fullscan': 'true' });
    expect(all.result).toMatch(/^ODPS-0130071:.*Table\(fcdts_test,parts\) would be read in 3 partitions, more than the 2 one query may read/);
    // A conjunct naming another column prunes nothing; one on the keys does, also through an alias and inside a subquery.
    const wide = await sql(small, "select count(*) from parts where id > 0 and y >= '2019';");
    expect(wide.result).toMatch(/would be read in 3 partitions/);
    expect(await rows(small, "select count(*) from parts p where id > 0 and p.y = '2019';")).toEqual([['2']]);
    expect(await rows(small, "select n from (select count(*) as n from parts where y = '2020' or (y = '2019' and m <= '08')) t;")).toEqual([['2']]);
    const merged = await sql(small, "insert overwrite table parts partition (y='2020', m='01') select id, v from parts where m between '08' and '09';");
    expect(merged.taskStatus).toBe('Success');
  });

  it('ADD PARTITION, SHOW PARTITIONS, dynamic partitions, and the per-table partition limit (3 here)', async () => {
    await ok(mc, 'create table logs (id bigint, v string) partitioned by (y string, m string);');
    await ok(mc, "alter table logs add if not exists partition (y='2019', m='08') partition (y='2019', m='09');");
    await ok(mc, "alter table logs add if not exists partition (y='2019', m='08');");
    const dup = await sql(mc, "alter table logs add partition (y='2019', m='08');");
    expect(dup.result).toMatch(/^ODPS-0130071:.*Partition already exists/);
    expect(await ok(mc, 'show partitions logs;')).toBe('y=2019/m=08\ny=2019/m=09\n');
    // REST: the partition listing, one partition (PyODPS writes values quoted), a missing one.
    const listing = await send(mc, { path: tablePath(mc, 'logs'), query: [['partitions', ''], ['expectmarker', 'true']] });
    expect(listing.text).toContain('<Partitions><Marker></Marker><MaxItems>1000</MaxItems><Partition><Column Name="y" Value="2019"></Column><Column Name="m" Value="08"></Column><Schema>');
    const one = await send(mc, { path: tablePath(mc, 'logs'), query: [['partition', "y='2019',m='09'"]] });
    expect(xmlText(one.text, 'PartitionRecordCount')).toBe('0');
    const none = await send(mc, { path: tablePath(mc, 'logs'), query: [['partition', 'y=2019,m=12']] });
    expect(none.status).toBe(404);
    expect(xmlText(none.text, 'Code')).toBe('NoSuchPartition');
    await ok(mc, "insert into table logs partition (y='2019', m) select 1, 'a', '10';");
    expect(await ok(mc, 'show partitions logs;')).toBe('y=2019/m=08\ny=2019/m=09\ny=2019/m=10\n');
    const over = await sql(mc, "alter table logs add partition (y='2020', m='01');");
    expect(over.taskStatus).toBe('Failed');
    expect(over.result).toMatch(/^ODPS-0110061:.*exceeds the limit 3/);
    expect(await ok(mc, 'show partitions logs;')).toBe('y=2019/m=08\ny=2019/m=09\ny=2019/m=10\n');
    const overByInsert = await sql(mc, "insert into table logs partition (y='2021', m='01') select 1, 'b';");
    expect(overByInsert.result).toMatch(/exceeds the limit 3/);
    expect(await rows(mc, "select count(*) as n from logs where y = '2021';")).toEqual([['0']]);
    const { status, json } = await tunnelJson(mc, { method: 'POST', path: tablePath(mc, 'logs'), query: [['uploads', ''], ['partition', 'y=2022,m=01'], ['create_partition', 'true']] });
    expect(status).toBe(400);
    expect(String(json.Message)).toContain('exceeds the limit 3');
  });

  it('cuts a SELECT result at the row cap (5 here) and says TRUNCATED in the ResultDescriptor', async () => {
    const outcome = await sql(mc, 'select * from range(7) t(i) order by i limit 7;');
    expect(outcome.taskStatus).toBe('Success');
    expect(outcome.result).toBe('i\n0\n1\n2\n3\n4\n');
    expect(outcome.descriptor?.SelectResultStatus).toBe('TRUNCATED');
    expect(outcome.descriptor?.Schema).toEqual({ Columns: [{ Name: 'i', Type: 'bigint' }] });
    const exact = await sql(mc, 'select * from range(5) t(i) order by i limit 5;');
    expect(exact.descriptor?.SelectResultStatus).toBe('FULL');
  });

  it('enforces the naming rule and the 1,200-column limit', async () => {
    const long = await sql(mc, `create table ${'t'.repeat(129)} (a bigint);`);
    expect(long.taskStatus).toBe('Failed');
    expect(long.result).toMatch(/^ODPS-0130161:.*invalid table name/);
    await ok(mc, `create table ${'t'.repeat(128)} (a bigint);`);
    const badColumn = await sql(mc, 'create table bad_col (`a-b` bigint);');
    expect(badColumn.result).toMatch(/invalid column name 'a-b'/);
    const columns = (n: number) => Array.from({ length: n }, (_, i) => `c${i} bigint`).join(', ');
    await ok(mc, `create table wide_ok (${columns(1200)});`);
    const wide = await sql(mc, `create table wide_bad (${columns(1201)});`);
    expect(wide.result).toMatch(/1201 columns, more than the limit of 1200/);
    const widen = await sql(mc, 'alter table wide_ok add columns (one_more bigint);');
    expect(widen.result).toMatch(/more than the limit of 1200/);
    // Names are case-insensitive.
    await ok(mc, 'create table CaseTable (A bigint);');
    expect(await rows(mc, 'select a from casetable;')).toEqual([]);
  });

  it('runs the reference merge SQL and produces the snapshot at the timestamp', async () => {
    await ok(mc, 'CREATE TABLE `customer_base` (`id` bigint NULL, `register_time` datetime NULL, `address` string);');
    await ok(
      mc,
      'CREATE TABLE customer_log (record_id bigint, operation_flag string, utc_timestamp bigint, before_flag string, after_flag string, id bigint, register_time datetime, address string) PARTITIONED BY (modifytime_year string, modifytime_month string, modifytime_day string, modifytime_hour string, modifytime_minute string);',
    );
    await ok(mc, "insert into table customer_base values (1, datetime '2019-08-01 10:00:00', 'old-1'), (2, null, 'old-2'), (3, null, 'old-3'), (6, null, 'old-6');");
    const p = "partition (modifytime_year='2019', modifytime_month='08', modifytime_day='16', modifytime_hour='08', modifytime_minute='40')";
    await ok(
      mc,
      `insert into table customer_log ${p} values
        (10, 'U', 1565944800, 'Y', 'N', 1, null, 'old-1'),
        (10, 'U', 1565944800, 'N', 'Y', 1, null, 'new-1'),
        (11, 'D', 1565944801, 'Y', 'N', 2, null, 'old-2'),
        (12, 'I', 1565944802, 'N', 'Y', 4, null, 'ins-4'),
        (12, 'I', 1565944802, 'N', 'Y', 4, null, 'ins-4'),
        (13, 'U', 1565944803, 'Y', 'N', 6, null, 'old-6'),
        (13, 'U', 1565944803, 'N', 'Y', 7, null, 'moved-6-to-7'),
        (14, 'I', 1565944999, 'N', 'Y', 5, null, 'after-the-timestamp');`,
    );
    await ok(mc, 'CREATE TABLE `customer_1565944878` (`id` bigint NULL, `register_time` datetime NULL, `address` string);');
    const merge = `set odps.sql.allow.fullscan=true;
insert overwrite table customer_1565944878
select id, register_time, address
  from(
select row_number() over(partition by t.id
 order by record_id desc, after_flag desc) as row_number, record_id, operation_flag, after_flag, id, register_time, address
  from(
select incr.record_id, incr.operation_flag, incr.after_flag, incr.id, incr.register_time, incr.address
  from customer_log incr
 where utc_timestamp< 1565944878
 union all
select 0 as record_id, 'I' as operation_flag, 'Y' as after_flag, base.id, base.register_time, base.address
  from customer_base base) t) gt
 where gt.row_number= 1
   and gt.after_flag= 'Y';`;
    const withoutFullScan = await sql(mc, merge.replace('set odps.sql.allow.fullscan=true;', ''));
    expect(withoutFullScan.result).toMatch(/Table\(fcdts_test,customer_log\) is full scan with all partitions/);
    await ok(mc, merge);
    expect(await rows(mc, 'select id, address from customer_1565944878 order by id limit 100;')).toEqual([
      ['1', 'new-1'],
      ['3', 'old-3'],
      ['4', 'ins-4'],
      ['7', 'moved-6-to-7'],
    ]);
    // Overwrite: running it again leaves the same snapshot, not twice the rows.
    await ok(mc, merge);
    expect(await rows(mc, 'select count(*) as n from customer_1565944878;')).toEqual([['4']]);
  });
});

describe('tunnel', () => {
  let mc: MaxComputeStandIn;
  beforeAll(async () => {
    mc = await start();
    await ok(mc, 'create table up (id bigint, name string);');
    await ok(mc, 'create table up_part (id bigint, name string) partitioned by (ds string);');
  });

  it('uploads blocks, replaces a block written again, shows nothing before the commit and everything after it', async () => {
    const id = await createUpload(mc, 'up');
    expect((await putBlock(mc, 'up', id, 0, encodeRecords(ID_NAME, [[1n, 'first try']]))).status).toBe(200);
    expect((await putBlock(mc, 'up', id, 1, encodeRecords(ID_NAME, [[2n, 'b'], [3n, null]]))).status).toBe(200);
    expect((await putBlock(mc, 'up', id, 0, encodeRecords(ID_NAME, [[1n, 'a']]))).status).toBe(200);
    const reloaded = await reload(mc, 'up', id);
    expect(reloaded.json.Status).toBe('NORMAL');
    expect((reloaded.json.UploadedBlockList as Array<{ BlockID: number; RecordCount: number }>).map((b) => [b.BlockID, b.RecordCount])).toEqual([
      [0, 1],
      [1, 2],
    ]);
    expect(reloaded.json.Schema).toMatchObject({ columns: [{ name: 'id', type: 'bigint' }, { name: 'name', type: 'string' }] });
    expect(await rows(mc, 'select count(*) as n from up;')).toEqual([['0']]);
    const committed = await commit(mc, 'up', id);
    expect(committed.status).toBe(200);
    expect(committed.json.Status).toBe('CLOSED');
    expect(await rows(mc, 'select id, name from up order by id limit 100;')).toEqual([
      ['1', 'a'],
      ['2', 'b'],
      ['3', '\\N'],
    ]);
    expect((await reload(mc, 'up', id)).json.Status).toBe('CLOSED');
  });

  it('answers a second commit of a closed session with StatusConflict and adds nothing', async () => {
    await ok(mc, 'create table twice (id bigint, name string);');
    const id = await createUpload(mc, 'twice');
    await putBlock(mc, 'twice', id, 0, encodeRecords(ID_NAME, [[1n, 'x']]));
    expect((await commit(mc, 'twice', id)).status).toBe(200);
    const again = await commit(mc, 'twice', id);
    expect(again.status).toBe(409);
    expect(again.json.Code).toBe('StatusConflict');
    expect(again.json.Message).toBe('You cannot complete the specified operation under the current upload or download status.');
    const late = await putBlock(mc, 'twice', id, 1, encodeRecords(ID_NAME, [[2n, 'y']]));
    expect(late.json.Code).toBe('StatusConflict');
    expect(await rows(mc, 'select count(*) as n from twice;')).toEqual([['1']]);
  });

  it('commits all blocks of a session or none: a failing commit leaves nothing visible', async () => {
    await ok(mc, 'create table atomic (id bigint, name string) partitioned by (ds string);');
    const id = await createUpload(mc, 'atomic', [['partition', 'ds=a'], ['create_partition', 'true']]);
    await putBlock(mc, 'atomic', id, 0, encodeRecords(ID_NAME, [[1n, 'x'], [2n, 'y']]));
    await putBlock(mc, 'atomic', id, 1, encodeRecords(ID_NAME, [[3n, 'z']]));
    // The partition goes away before the commit: the commit fails as a whole.
    await ok(mc, "alter table atomic drop partition (ds='a');");
    const failed = await commit(mc, 'atomic', id);
    expect(failed.json.Code).toBe('NoSuchPartition');
    expect((await reload(mc, 'atomic', id)).json.Status).toBe('NORMAL');
    await ok(mc, "alter table atomic add partition (ds='a');");
    expect(await rows(mc, "select count(*) as n from atomic where ds = 'a';")).toEqual([['0']]);
    expect((await commit(mc, 'atomic', id)).json.Status).toBe('CLOSED');
    expect(await rows(mc, "select count(*) as n from atomic where ds = 'a';")).toEqual([['3']]);
  });

  it('rolls a commit back when a value fails while rows are being added: none of the blocks become visible', async () => {
    await ok(mc, 'create table atomic_values (id bigint, amount decimal(5,2));');
    const columns = cols([['id', 'bigint'], ['amount', 'decimal(5,2)']]);
    const id = await createUpload(mc, 'atomic_values');
    await putBlock(mc, 'atomic_values', id, 0, encodeRecords(columns, [[1n, '1.50'], [2n, '2.50']]));
    // The decimal text travels as bytes; 123456.78 does not fit DECIMAL(5,2), which only the commit finds out.
    const overflow = encodeRecords(cols([['id', 'bigint'], ['amount', 'string']]), [[3n, '123456.78']]);
    expect((await putBlock(mc, 'atomic_values', id, 1, overflow)).status).toBe(200);
    const failed = await commit(mc, 'atomic_values', id);
    expect(failed.status).toBe(400);
    expect(failed.json.Code).toBe('DataStoreError');
    expect(await rows(mc, 'select count(*) as n from atomic_values;')).toEqual([['0']]);
    expect((await reload(mc, 'atomic_values', id)).json.Status).toBe('NORMAL');
    await putBlock(mc, 'atomic_values', id, 1, encodeRecords(columns, [[3n, '3.50']]));
    expect((await commit(mc, 'atomic_values', id)).json.Status).toBe('CLOSED');
    expect(await rows(mc, 'select id, amount from atomic_values order by id limit 100;')).toEqual([
      ['1', '1.50'],
      ['2', '2.50'],
      ['3', '3.50'],
    ]);
  });

  it('needs an existing partition unless create_partition=true; overwrite=true replaces the partition', async () => {
    const missing = await tunnelJson(mc, { method: 'POST', path: tablePath(mc, 'up_part'), query: [['uploads', ''], ['partition', 'ds=20190816']] });
    expect(missing.status).toBe(404);
    expect(missing.json.Code).toBe('NoSuchPartition');
    const noSpec = await tunnelJson(mc, { method: 'POST', path: tablePath(mc, 'up_part'), query: [['uploads', '']] });
    expect(noSpec.json.Code).toBe('MissingPartitionSpec');
    const first = await createUpload(mc, 'up_part', [['partition', 'ds=20190816'], ['create_partition', 'true']]);
    await putBlock(mc, 'up_part', first, 0, encodeRecords(ID_NAME, [[1n, 'a'], [2n, 'b']]));
    await commit(mc, 'up_part', first);
    expect(await ok(mc, 'show partitions up_part;')).toBe('ds=20190816\n');
    const second = await createUpload(mc, 'up_part', [['partition', 'ds=20190816'], ['overwrite', 'true']]);
    await putBlock(mc, 'up_part', second, 0, encodeRecords(ID_NAME, [[9n, 'z']]));
    expect(await rows(mc, "select id from up_part where ds = '20190816' order by id limit 100;")).toEqual([['1'], ['2']]);
    await commit(mc, 'up_part', second);
    expect(await rows(mc, "select id, name, ds from up_part where ds = '20190816';")).toEqual([['9', 'z', '20190816']]);
  });

  it('refuses a block whose CRC does not match, and stores nothing of it', async () => {
    const id = await createUpload(mc, 'up');
    const good = encodeRecords(ID_NAME, [[7n, 'seven']]);
    const bad = Buffer.from(good);
    // The record's last value byte ('n' of 'seven') changes; the CRC then does not match.
    const at = bad.indexOf(Buffer.from('seven')) + 4;
    bad[at] = bad[at]! ^ 0x01;
    const refused = await putBlock(mc, 'up', id, 0, bad);
    expect(refused.status).toBe(400);
    expect(refused.json.Code).toBe('MalformedDataStream');
    expect(String(refused.json.Message)).toContain('checksum');
    expect((await reload(mc, 'up', id)).json.UploadedBlockList).toEqual([]);
    const truncated = await putBlock(mc, 'up', id, 0, good.subarray(0, good.length - 3));
    expect(truncated.json.Code).toBe('MalformedDataStream');
  });

  it('refuses block ids outside [0, 20000)', async () => {
    const id = await createUpload(mc, 'up');
    const body = encodeRecords(ID_NAME, [[1n, 'a']]);
    expect((await putBlock(mc, 'up', id, 20000, body)).json.Code).toBe('InvalidBlockID');
    expect((await putBlock(mc, 'up', id, 19999, body)).status).toBe(200);
    const negative = await tunnelJson(mc, { method: 'PUT', path: tablePath(mc, 'up'), query: [['uploadid', id], ['blockid', '-1']], body });
    expect(negative.json.Code).toBe('InvalidBlockID');
  });

  it('accepts chunked and deflate-compressed block bodies', async () => {
    await ok(mc, 'create table bodies (id bigint, name string);');
    const id = await createUpload(mc, 'bodies');
    const rowsIn: MaxComputeValue[][] = Array.from({ length: 500 }, (_, i) => [BigInt(i), `name-${i}`]);
    expect((await putBlock(mc, 'bodies', id, 0, encodeRecords(ID_NAME, rowsIn.slice(0, 250)), { chunked: true })).status).toBe(200);
    const deflated = zlib.deflateSync(encodeRecords(ID_NAME, rowsIn.slice(250)));
    expect((await putBlock(mc, 'bodies', id, 1, deflated, { headers: { 'Content-Encoding': 'deflate' }, chunked: true })).status).toBe(200);
    await commit(mc, 'bodies', id);
    expect(await rows(mc, 'select count(*) as n, sum(id) as s from bodies;')).toEqual([['500', String((499 * 500) / 2)]]);
  });

  it('answers EXPIRED on reload of an expired session and StatusConflict on its writes and commit', async () => {
    const id = await createUpload(mc, 'up');
    await putBlock(mc, 'up', id, 0, encodeRecords(ID_NAME, [[100n, 'never']]));
    await mc.faults.expireSession(id);
    expect((await reload(mc, 'up', id)).json.Status).toBe('EXPIRED');
    const write = await putBlock(mc, 'up', id, 1, encodeRecords(ID_NAME, [[101n, 'never']]));
    expect(write.status).toBe(409);
    expect(write.json).toMatchObject({ Code: 'StatusConflict', Message: 'The upload session is expired' });
    const late = await commit(mc, 'up', id);
    expect(late.json).toMatchObject({ Code: 'StatusConflict', Message: 'The upload session is expired' });
    expect(await rows(mc, 'select count(*) as n from up where id >= 100;')).toEqual([['0']]);
    expect((await reload(mc, 'up', 'no-such-upload')).json.Code).toBe('NoSuchUpload');
  });

  it('expires a session after its TTL', async () => {
    const short = await start({ limits: { sessionTtlMs: 1 } });
    await ok(short, 'create table t (id bigint, name string);');
    const id = await createUpload(short, 't');
    await new Promise((r) => setTimeout(r, 5));
    expect((await reload(short, 't', id)).json.Status).toBe('EXPIRED');
  });

  it('downloads a row range as a record stream, every type round-tripping, DATETIME an instant printed in the project zone', async () => {
    const columns = cols([
      ['t', 'tinyint'],
      ['s', 'smallint'],
      ['i', 'int'],
      ['b', 'bigint'],
      ['f', 'float'],
      ['d', 'double'],
      ['dec', 'decimal(38,18)'],
      ['str', 'string'],
      ['vc', 'varchar(10)'],
      ['bin', 'binary'],
      ['bo', 'boolean'],
      ['dt', 'datetime'],
      ['da', 'date'],
      ['ts', 'timestamp'],
    ]);
    await ok(
      mc,
      'create table all_types (t tinyint, s smallint, i int, b bigint, f float, d double, `dec` decimal(38,18), str string, vc varchar(10), bin binary, bo boolean, dt datetime, da date, ts timestamp);',
    );
    const row: MaxComputeValue[] = [
      -128,
      32767,
      -2147483648,
      -9223372036854775808n,
      1.5,
      -2.25e300,
      '-12345678901234567890.123456789012345678',
      'héllo, "world"',
      'short',
      Buffer.from([0, 255, 10]),
      true,
      1666170000123,
      '1969-12-31',
      { seconds: 1666170000, nanos: 123456789 },
    ];
    const nulls: MaxComputeValue[] = columns.map(() => null);
    const id = await createUpload(mc, 'all_types');
    await putBlock(mc, 'all_types', id, 0, encodeRecords(columns, [row, nulls, row]));
    await commit(mc, 'all_types', id);
    // 1666170000123 ms is 2022-10-19 17:00:00.123 in Asia/Shanghai.
    expect(await rows(mc, 'select dt, da from all_types where dt is not null limit 1;')).toEqual([['2022-10-19 17:00:00.123', '1969-12-31']]);
    const download = await tunnelJson(mc, { method: 'POST', path: tablePath(mc, 'all_types'), query: [['downloads', '']] });
    expect(download.status).toBe(201);
    expect(download.json.RecordCount).toBe(3);
    const downloadId = download.json.DownloadID as string;
    const data = await send(mc, {
      base: mc.tunnelEndpoint,
      path: tablePath(mc, 'all_types'),
      query: [['downloadid', downloadId], ['data', ''], ['rowrange', '(1,2)']],
    });
    expect(data.status).toBe(200);
    const back = decodeRecords(columns, data.body);
    // The stand-in keeps TIMESTAMP to microseconds (infra/README.md): the nanoseconds past them are dropped.
    const kept = (v: MaxComputeValue) => (v instanceof Buffer ? Buffer.from(v) : v !== null && typeof v === 'object' && 'nanos' in v ? { ...v, nanos: Math.floor(Number(v.nanos) / 1000) * 1000 } : v);
    expect(back).toEqual([nulls, row.map(kept)]);
    const some = await send(mc, {
      base: mc.tunnelEndpoint,
      path: tablePath(mc, 'all_types'),
      query: [['downloadid', downloadId], ['data', ''], ['rowrange', '(0,1)'], ['columns', 'str,b']],
    });
    expect(decodeRecords(cols([['str', 'string'], ['b', 'bigint']]), some.body)).toEqual([['héllo, "world"', -9223372036854775808n]]);
    const beyond = await tunnelJson(mc, {
      path: tablePath(mc, 'all_types'),
      query: [['downloadid', downloadId], ['data', ''], ['rowrange', '(2,2)']],
    });
    expect(beyond.json.Code).toBe('InvalidRowRange');
  });

  it('downloads one partition of a partitioned table, and wants a partition spec', async () => {
    await ok(mc, 'create table dl_part (id bigint, name string) partitioned by (ds string);');
    for (const ds of ['a', 'b']) {
      const id = await createUpload(mc, 'dl_part', [['partition', `ds=${ds}`], ['create_partition', 'true']]);
      await putBlock(mc, 'dl_part', id, 0, encodeRecords(ID_NAME, [[1n, ds], [2n, ds]]));
      await commit(mc, 'dl_part', id);
    }
    const noSpec = await tunnelJson(mc, { method: 'POST', path: tablePath(mc, 'dl_part'), query: [['downloads', '']] });
    expect(noSpec.json.Code).toBe('MissingPartitionSpec');
    const download = await tunnelJson(mc, { method: 'POST', path: tablePath(mc, 'dl_part'), query: [['downloads', ''], ['partition', 'ds=b']] });
    expect(download.json.RecordCount).toBe(2);
    const data = await send(mc, {
      base: mc.tunnelEndpoint,
      path: tablePath(mc, 'dl_part'),
      query: [['downloadid', download.json.DownloadID as string], ['data', ''], ['rowrange', '(0,2)']],
    });
    expect(decodeRecords(ID_NAME, data.body)).toEqual([
      [1n, 'b'],
      [2n, 'b'],
    ]);
  });
});

describe('faults', () => {
  let mc: MaxComputeStandIn;
  beforeAll(async () => {
    mc = await start();
    await ok(mc, 'create table f (id bigint, name string);');
  });

  it('loses the answer of a commit that succeeded: the connection closes, the data is there, reload says CLOSED', async () => {
    const id = await createUpload(mc, 'f');
    await putBlock(mc, 'f', id, 0, encodeRecords(ID_NAME, [[1n, 'a'], [2n, 'b']]));
    mc.faults.loseCommitResponse();
    expect(mc.faults.pending).toBe(1);
    await expect(commit(mc, 'f', id)).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(mc.faults.pending).toBe(0);
    expect((await reload(mc, 'f', id)).json.Status).toBe('CLOSED');
    expect(await rows(mc, 'select count(*) as n from f;')).toEqual([['2']]);
    expect((await commit(mc, 'f', id)).json.Code).toBe('StatusConflict');
  });

  it('fails block N once with a 5xx; the retry succeeds', async () => {
    const id = await createUpload(mc, 'f');
    mc.faults.failBlock(1);
    const body = encodeRecords(ID_NAME, [[10n, 'x']]);
    expect((await putBlock(mc, 'f', id, 0, body)).status).toBe(200);
    const failed = await putBlock(mc, 'f', id, 1, body);
    expect(failed.status).toBe(500);
    expect(failed.json.Code).toBe('InternalServerError');
    expect((await reload(mc, 'f', id)).json.UploadedBlockList).toHaveLength(1);
    expect((await putBlock(mc, 'f', id, 1, body)).status).toBe(200);
    expect((await reload(mc, 'f', id)).json.UploadedBlockList).toHaveLength(2);
  });

  it('refuses the next requests of an operation with 503', async () => {
    mc.faults.failRequests('GetProject', 2);
    const first = await send(mc, { path: `/projects/${mc.project}` });
    const second = await send(mc, { path: `/projects/${mc.project}` });
    const third = await send(mc, { path: `/projects/${mc.project}` });
    expect([first.status, second.status, third.status]).toEqual([503, 503, 200]);
    expect(xmlText(first.text, 'Code')).toBe('ServiceUnavailable');
  });
});

describe('persistence', () => {
  it('keeps tables, partitions, data and open upload sessions across a restart', async () => {
    const dir = tempDir();
    const first = await start({ dir });
    await ok(first, 'create table kept (id bigint, name string) partitioned by (ds string) lifecycle 7;');
    const done = await createUpload(first, 'kept', [['partition', 'ds=1'], ['create_partition', 'true']]);
    await putBlock(first, 'kept', done, 0, encodeRecords(ID_NAME, [[1n, 'one']]));
    await commit(first, 'kept', done);
    const open = await createUpload(first, 'kept', [['partition', 'ds=2'], ['create_partition', 'true']]);
    await putBlock(first, 'kept', open, 3, encodeRecords(ID_NAME, [[2n, 'two']]));
    await first.close();

    const second = await start({ dir });
    expect(await ok(second, 'show partitions kept;')).toBe('ds=1\nds=2\n');
    expect(await rows(second, "select id, name from kept where ds = '1';")).toEqual([['1', 'one']]);
    const reloaded = await reload(second, 'kept', open);
    expect(reloaded.json.Status).toBe('NORMAL');
    expect((reloaded.json.UploadedBlockList as Array<{ BlockID: number }>).map((b) => b.BlockID)).toEqual([3]);
    expect((await commit(second, 'kept', open)).json.Status).toBe('CLOSED');
    expect((await reload(second, 'kept', done)).json.Status).toBe('CLOSED');
    expect(await rows(second, "select id from kept where ds = '2';")).toEqual([['2']]);
    const table = await send(second, { path: tablePath(second, 'kept') });
    expect((JSON.parse(xmlText(table.text, 'Schema')!) as { lifecycle: number }).lifecycle).toBe(7);
  });
});

describe('persistence after SIGKILL', () => {
  it('keeps every acknowledged commit, partition and block of a stand-in process killed with SIGKILL', async () => {
    const dir = tempDir();
    const script = path.join(dir, 'standin.mts');
    const index = path.join(import.meta.dirname, '..', 'infra', 'maxcompute-standin', 'index.ts');
    fs.writeFileSync(
      script,
      `import { startMaxComputeStandIn } from ${JSON.stringify(index)};
const s = await startMaxComputeStandIn({ accessKeyId: ${JSON.stringify(AK)}, accessKeySecret: ${JSON.stringify(SECRET)}, project: 'fcdts_test', dir: ${JSON.stringify(path.join(dir, 'data'))}, sqlDelayMs: 5 });
console.log(JSON.stringify({ endpoint: s.endpoint, tunnelEndpoint: s.tunnelEndpoint, project: s.project }));
`,
    );
    let open = '';
    const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: path.join(import.meta.dirname, '..'), stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const [line] = (await once(child.stdout!, 'data')) as [Buffer];
      const remote = JSON.parse(line.toString('utf8')) as MaxComputeStandIn;
      await ok(remote, 'create table crash (id bigint, name string) partitioned by (ds string);');
      const committed = await createUpload(remote, 'crash', [['partition', 'ds=1'], ['create_partition', 'true']]);
      await putBlock(remote, 'crash', committed, 0, encodeRecords(ID_NAME, [[1n, 'kept']]));
      expect((await commit(remote, 'crash', committed)).json.Status).toBe('CLOSED');
      open = await createUpload(remote, 'crash', [['partition', 'ds=2'], ['create_partition', 'true']]);
      expect((await putBlock(remote, 'crash', open, 5, encodeRecords(ID_NAME, [[2n, 'pending']]))).status).toBe(200);
    } finally {
      child.kill('SIGKILL');
      if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
    }
    const after = await start({ dir: path.join(dir, 'data') });
    expect(await ok(after, 'show partitions crash;')).toBe('ds=1\nds=2\n');
    expect(await rows(after, "select id, name from crash where ds = '1';")).toEqual([['1', 'kept']]);
    expect(await rows(after, "select count(*) as n from crash where ds = '2';")).toEqual([['0']]);
    const pending = await reload(after, 'crash', open);
    expect(pending.json.Status).toBe('NORMAL');
    expect((pending.json.UploadedBlockList as Array<{ BlockID: number }>).map((b) => b.BlockID)).toEqual([5]);
    expect((await commit(after, 'crash', open)).json.Status).toBe('CLOSED');
    expect(await rows(after, "select id, name from crash where ds = '2';")).toEqual([['2', 'pending']]);
  });
});

describe("fc-dts's own MaxCompute client (shared/maxcompute) against the stand-in", () => {
  let mc: MaxComputeStandIn;
  let client: MaxComputeClient;
  beforeAll(async () => {
    mc = await start();
    client = new MaxComputeClient({
      endpoint: mc.endpoint,
      project: mc.project,
      credentials: { accessKeyId: AK, accessKeySecret: SECRET },
      retry: { attempts: 1 },
    });
  });

  it('reads the project and tables, runs SQL and fails with the ODPS code', async () => {
    const project = await client.projectInfo();
    expect(project.name).toBe(mc.project);
    expect(project.properties['odps.sql.timezone']).toBe('Asia/Shanghai');
    await client.sql.run('create table c_log (record_id bigint, id bigint, v string) partitioned by (ds string) lifecycle 3');
    const table = await client.getTable('c_log');
    expect(table.columns.map((c) => c.typeText)).toEqual(['bigint', 'bigint', 'string']);
    expect(table.partitionKeys.map((c) => c.name)).toEqual(['ds']);
    expect(table.lifecycle).toBe(3);
    expect(await client.findTable('nothing_here')).toBeUndefined();
    const failure = await client.sql.run('select * from c_log').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(MaxComputeError);
    expect((failure as MaxComputeError).serviceCode).toBe('ODPS-0130071');
    expect((failure as MaxComputeError).message).toContain('is full scan with all partitions');
  });

  it('lists partitions a page at a time (maxitems 2), each with its spec and times, following the marker to the end', async () => {
    await client.sql.run('create table paged_log (id bigint) partitioned by (y string, m string)');
    const months = ['01', '02', '03', '04', '05'];
    await client.sql.run(`alter table paged_log add ${months.map((m) => `partition (y='2026', m='${m}')`).join(' ')}`);
    const before = mc.requests.ListPartitions ?? 0;
    const listed = [];
    for await (const p of client.listPartitions('paged_log', { maxItems: 2 })) listed.push(p);
    expect(listed.map((p) => p.spec)).toEqual(months.map((m) => ({ y: '2026', m })));
    expect(mc.requests.ListPartitions! - before).toBe(3);
    expect(listed.every((p) => typeof p.createTime === 'number' && p.lastModifiedTime! >= p.createTime! && p.size === 0)).toBe(true);

    const first = await client.partitionPage('paged_log', undefined, { maxItems: 3 });
    expect(first.partitions).toHaveLength(3);
    const second = await client.partitionPage('paged_log', first.marker, { maxItems: 3 });
    expect(second.partitions.map((p) => p.spec.m)).toEqual(['04', '05']);
    expect(second.marker).toBeUndefined();
    // A page as large as what is left ends the listing too; without maxitems one page holds up to 1,000.
    expect((await client.partitionPage('paged_log', undefined, { maxItems: 5 })).marker).toBeUndefined();
    expect((await client.partitionPage('paged_log', undefined)).partitions).toHaveLength(5);
  });

  it('lists no partitions of a table without partition keys, and fails for a missing table as getTable does', async () => {
    await client.sql.run('create table plain_base (id bigint)');
    expect((await client.partitionPage('plain_base', undefined)).partitions).toEqual([]);
    const listing = await (async () => {
      for await (const p of client.listPartitions('no_such_log')) return p;
      return undefined;
    })().then(
      () => undefined,
      (e: unknown) => e,
    );
    const get = await client.getTable('no_such_log').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(listing).toBeInstanceOf(MaxComputeError);
    expect(listing).toMatchObject({ code: 'OBJECT_NOT_FOUND', serviceCode: 'NoSuchObject', httpStatus: 404 });
    expect((listing as MaxComputeError).serviceCode).toBe((get as MaxComputeError).serviceCode);
    expect((listing as MaxComputeError).message).toContain(`MaxCompute table ${mc.project}.no_such_log: NoSuchObject (HTTP 404): ODPS-0130131:Table not found`);
  });

  it('uploads through a tunnel session, recovers a lost commit answer by reloading, and reads the rows back', async () => {
    const target = { table: 'c_log', partition: { ds: '20190816' } };
    const session = await client.tunnel.createUpload(target, { createPartition: true });
    const columns = sessionTunnelColumns(session.columns, 'c_log');
    await client.tunnel.putBlock(target, session.uploadId, 0, columns, () => [
      [1n, 10n, 'a'],
      [2n, 11n, null],
    ]);
    mc.faults.loseCommitResponse();
    await expect(client.tunnel.commitUpload(target, session.uploadId)).rejects.toThrow(MaxComputeError);
    const reloaded = await client.tunnel.reloadUpload(target, session.uploadId);
    expect(reloaded.status).toBe('CLOSED');
    const again = await client.tunnel.commitUpload(target, session.uploadId).then(
      () => undefined,
      (e: unknown) => e as MaxComputeError,
    );
    expect(again?.serviceCode).toBe('StatusConflict');
    const rowsBack = await client.sql.query("select record_id, v from c_log where ds = '20190816' order by record_id limit 10");
    expect(rowsBack).toEqual({ columns: ['record_id', 'v'], rows: [['1', 'a'], ['2', null]] });
    const download = await client.tunnel.createDownload(target);
    expect(download.recordCount).toBe(2);
    const read: MaxComputeValue[][] = [];
    for await (const row of client.tunnel.readRows(target, download.downloadId, columns, 0, 2)) read.push(row);
    expect(read.map((r) => [Number(r[0]), r[2]])).toEqual([
      [1, 'a'],
      [2, null],
    ]);
  });
});
