/**
 * The signed HTTP client against a tiny canned server: signatures it sends verify, error bodies become
 * MaxComputeError, and only what is safe is retried. (Everything else is tested against the MaxCompute stand-in.)
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MaxComputeError } from '../shared/maxcompute/maxcompute-errors.ts';
import { OdpsRestClient } from '../shared/maxcompute/odps-rest.ts';
import { signablePathAndQuery, verifyAuthorization } from '../shared/maxcompute/odps-signature.ts';
import { OdpsSql } from '../shared/maxcompute/odps-sql.ts';
import { failure as failureOf } from './helpers/failure.ts';

type Handler = (req: IncomingMessage, body: Buffer, res: ServerResponse) => void;

let handler: Handler;
let requests: Array<{ method: string; url: string; signature: string }>;
let endpoint: string;
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const { path, query } = signablePathAndQuery(req.url ?? '', '/api');
    const check = verifyAuthorization(
      { method: req.method ?? '', path, query, headers: req.headers as Record<string, string> },
      (ak) => (ak === 'AK' ? 'SK' : undefined),
    );
    requests.push({ method: req.method ?? '', url: req.url ?? '', signature: check.ok ? 'ok' : check.reason });
    handler(req, Buffer.concat(chunks), res);
  });
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  requests = [];
});

const client = (secret = 'SK') =>
  new OdpsRestClient({ endpoint, credentials: { accessKeyId: 'AK', accessKeySecret: secret }, retry: { attempts: 3, firstDelayMs: 1 } });

function xmlError(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { 'Content-Type': 'application/xml', 'x-odps-request-id': 'REQ-1' });
  res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message><![CDATA[${message}]]></Message><RequestId>REQ-1</RequestId><HostId>h</HostId></Error>`);
}

const failure = (call: Promise<unknown>): Promise<MaxComputeError> => failureOf(call, MaxComputeError);

describe('OdpsRestClient', () => {
  it('signs requests (bare and encoded query parameters, a body) so that the server-side check passes', async () => {
    handler = (_req, body, res) => res.end(body);
    const res = await client().request({
      method: 'POST',
      path: '/projects/p1/tables/t 1',
      query: [['uploads', ''], ['partition', 'ds=2026-12-04,hh=01']],
      headers: { 'Content-Type': 'application/octet-stream', 'x-odps-tunnel-version': '6' },
      body: () => (async function* () { yield Buffer.from('ab'); yield Buffer.from('c'); })(),
      what: 'table p1.t 1',
    });
    expect(res.body.toString()).toBe('abc');
    expect(requests).toEqual([{ method: 'POST', url: '/api/projects/p1/tables/t%201?uploads&partition=ds%3D2026-12-04%2Chh%3D01', signature: 'ok' }]);
  });

  it('turns an XML error into MaxComputeError with the service code, status, request id, object and fix', async () => {
    handler = (_req, _body, res) => xmlError(res, 403, 'SignatureNotMatch', 'The request signature we calculated does not match.');
    const e = await failure(client('wrong').request({ method: 'GET', path: '/projects/p1', what: 'project p1' }));
    expect(requests[0]!.signature).toBe('mismatch');
    expect([e.code, e.serviceCode, e.httpStatus, e.requestId, e.transient]).toEqual(['AUTH_FAILED', 'SignatureNotMatch', 403, 'REQ-1', false]);
    expect(e.message).toBe('MaxCompute project p1: SignatureNotMatch (HTTP 403): The request signature we calculated does not match. [request REQ-1]');
    expect(e.fix).toMatch(/destination\.accessKeyId and destination\.accessKeySecret/);
    expect(requests).toHaveLength(1);
  });

  it('turns a tunnel JSON error into MaxComputeError', async () => {
    handler = (_req, _body, res) => {
      res.writeHead(404, { 'Content-Type': 'application/json', 'x-odps-request-id': 'T-9' });
      res.end('{"Code":"NoSuchPartition","Message":"The specified partition does not exist"}');
    };
    const e = await failure(client().request({ method: 'GET', path: '/projects/p1/tables/t', what: 'table p1.t partition (ds=1)' }));
    expect([e.code, e.serviceCode, e.httpStatus, e.requestId]).toEqual(['OBJECT_NOT_FOUND', 'NoSuchPartition', 404, 'T-9']);
    expect(e.message).toContain('table p1.t partition (ds=1)');
  });

  it('retries an idempotent call on 5xx and succeeds within the budget', async () => {
    let calls = 0;
    handler = (_req, _body, res) => (++calls < 3 ? xmlError(res, 503, 'ServiceUnavailable', 'busy') : res.end('<Project><Name>p1</Name></Project>'));
    const res = await client().request({ method: 'GET', path: '/projects/p1', what: 'project p1' });
    expect(res.status).toBe(200);
    expect(requests.map((r) => r.signature)).toEqual(['ok', 'ok', 'ok']);
  });

  it('gives up after the attempt budget with a transient error', async () => {
    handler = (_req, _body, res) => xmlError(res, 500, 'InternalServerError', 'boom');
    const e = await failure(client().request({ method: 'GET', path: '/projects/p1', what: 'project p1' }));
    expect([e.code, e.transient]).toEqual(['CONNECTION_FAILED', true]);
    expect(requests).toHaveLength(3);
  });

  it('does not retry a non-idempotent call on 5xx', async () => {
    handler = (_req, _body, res) => xmlError(res, 500, 'InternalServerError', 'boom');
    await failure(client().request({ method: 'POST', path: '/projects/p1/instances', body: '<Instance/>', what: 'project p1' }));
    expect(requests).toHaveLength(1);
  });

  it('retries an idempotent call whose connection was reset, re-creating a streamed body, but not a POST', async () => {
    let calls = 0;
    handler = (req, body, res) => {
      if (++calls === 1) return req.socket.destroy();
      res.end(body);
    };
    const put = await client().request({
      method: 'PUT',
      path: '/projects/p1/tables/t',
      body: () => (async function* () { yield Buffer.from('block'); })(),
      idempotent: true,
      what: 'table p1.t',
    });
    expect(put.body.toString()).toBe('block');
    expect(requests).toHaveLength(2);

    requests = [];
    calls = 0;
    const e = await failure(client().request({ method: 'POST', path: '/projects/p1/tables/t', query: [['uploadid', 'U']], what: 'table p1.t, commit' }));
    expect([e.code, e.serviceCode, e.transient]).toEqual(['CONNECTION_FAILED', undefined, true]);
    expect(requests).toHaveLength(1);
  });
  it('gives up on a server that never answers within timeoutMs, as a transient connection failure', async () => {
    handler = () => {}; // never answers
    const e = await failure(client().request({ method: 'GET', path: '/projects/p1', what: 'project p1', timeoutMs: 50 }));
    expect([e.code, e.transient]).toEqual(['CONNECTION_FAILED', true]);
    expect(e.message).toMatch(/^MaxCompute project p1: ETIMEDOUT/);
    expect(requests).toHaveLength(3);
  });
});

describe('OdpsSql failure', () => {
  it('reports a failed task as MaxComputeError with its ODPS code and the instance', async () => {
    const text = 'ODPS-0130071:[1,15] Semantic analysis exception - Table(p1,orders_log) is full scan with all partitions, please specify partition predicates.';
    handler = (req, _body, res) => {
      if (req.method === 'POST') {
        res.writeHead(201, { Location: `${endpoint}/projects/p1/instances/20261204ABC` });
        return res.end();
      }
      if (req.url?.endsWith('?taskstatus')) {
        return res.end('<Instance><Status>Terminated</Status><Tasks><Task Type="SQL"><Name>AnonymousSQLTask</Name><Status>Failed</Status></Task></Tasks></Instance>');
      }
      res.end(`<Instance><Tasks><Task Type="SQL"><Name>AnonymousSQLTask</Name><Result Format="text"><![CDATA[${text}]]></Result></Task></Tasks></Instance>`);
    };
    const e = await failure(new OdpsSql(client(), 'p1').run('select * from orders_log', { firstPollMs: 1 }));
    expect(e.serviceCode).toBe('ODPS-0130071');
    expect(e.message).toBe(`MaxCompute project p1, SQL instance 20261204ABC: ${text}`);
    expect(requests.map((r) => `${r.method} ${r.url} ${r.signature}`)).toEqual([
      'POST /api/projects/p1/instances ok',
      'GET /api/projects/p1/instances/20261204ABC?taskstatus ok',
      'GET /api/projects/p1/instances/20261204ABC?result ok',
    ]);
  });
});
