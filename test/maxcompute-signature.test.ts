import { describe, expect, it } from 'vitest';
import {
  authorizationHeader,
  canonicalResource,
  canonicalString,
  parseAuthorization,
  signablePathAndQuery,
  signCanonical,
  verifyAuthorization,
} from '../shared/maxcompute/odps-signature.ts';

// Golden vectors: aliyun-odps-java-sdk odps-sdk/odps-sdk-core/src/test/java/com/aliyun/odps/account/SecurityUtilsTest.java
const JAVA_HEADERS = {
  'x-odps-user-agent': 'JavaSDK/0.12.0;Linux',
  Date: 'Tue, 13 May 2014 09:22:20 GMT',
  'Content-Length': '369',
  'Content-MD5': '746a0402967096663daa8bd1a2ff5c7c',
  'User-Agent': 'JavaSDK/0.12.0;Linux',
  'Content-Type': 'application/xml',
};

describe('ODPS v2 signature', () => {
  it('builds the canonical string of the Java SDK golden vector (testBuildCanonicalizedResource)', () => {
    const canonical = canonicalString({
      method: 'POST',
      path: '/projects/odps_test_tunnel_project/instances',
      query: [],
      headers: JAVA_HEADERS,
    });
    expect(canonical).toBe(
      'POST\n746a0402967096663daa8bd1a2ff5c7c\napplication/xml\n' +
        'Tue, 13 May 2014 09:22:20 GMT\nx-odps-user-agent:JavaSDK/0.12.0;Linux\n' +
        '/projects/odps_test_tunnel_project/instances',
    );
  });

  it('computes the HMAC-SHA1 of the Java SDK golden vector (testHmacsha1Signature)', () => {
    const data =
      'POST\n6c2e10f17bb7385f2ac30811b5e8e46f\napplication/xml\nTue, 13 May 2014 09:51:17 GMT\n' +
      'x-odps-user-agent:JavaSDK/0.12.0;Linux\n/projects/odps_test_tunnel_project/instances';
    const expected = Buffer.from(
      [-5, 103, 5, -52, 28, -21, -38, -2, -26, 2, 83, -107, 26, 11, -91, 67, -18, 124, -98, -28].map((b) => b & 0xff),
    );
    expect(signCanonical(data, 'oRd30z7sV4hBX9aYtJgii5qnyhg=')).toBe(expected.toString('base64'));
    expect(expected.toString('base64')).toBe('+2cFzBzr2v7mAlOVGgulQ+58nuQ=');
  });

  it('leaves empty lines for absent content-md5 and content-type and signs no ordinary headers', () => {
    const canonical = canonicalString({
      method: 'get',
      path: '/projects/p',
      query: [],
      headers: { date: 'Thu, 03 Dec 2026 10:00:00 GMT', 'user-agent': 'x', accept: 'application/xml' },
    });
    expect(canonical).toBe('GET\n\n\nThu, 03 Dec 2026 10:00:00 GMT\n/projects/p');
  });

  it('sorts query parameters into the resource, bare names without "=", and x-odps-* parameters among the headers', () => {
    const query: Array<[string, string]> = [
      ['uploadid', 'U1'],
      ['blockid', '3'],
      ['uploads', ''],
      ['x-odps-b', 'two'],
      ['partition', 'ds=2026,hh=01'],
    ];
    const canonical = canonicalString({
      method: 'PUT',
      path: '/projects/p/tables/t',
      query,
      headers: { 'X-ODPS-Tunnel-Version': '6', 'x-odps-a': 'one', Date: 'D', 'Content-Type': 'application/octet-stream' },
    });
    expect(canonical.split('\n')).toEqual([
      'PUT',
      '',
      'application/octet-stream',
      'D',
      'x-odps-a:one',
      'x-odps-b:two',
      'x-odps-tunnel-version:6',
      '/projects/p/tables/t?blockid=3&partition=ds=2026,hh=01&uploadid=U1&uploads&x-odps-b=two',
    ]);
    expect(canonicalResource('/projects/p', [])).toBe('/projects/p');
  });

  it('signs the decoded path relative to the endpoint path', () => {
    const { path, query } = signablePathAndQuery(
      'http://127.0.0.1:9/api/projects/p/tables/t%20x?partition=ds%3D2026%2Chh%3D01&uploads',
      '/api',
    );
    expect(path).toBe('/projects/p/tables/t x');
    expect(query).toEqual([
      ['partition', 'ds=2026,hh=01'],
      ['uploads', ''],
    ]);
  });

  it('verifies what it signs and names why a request fails', () => {
    const creds = { accessKeyId: 'AK1', accessKeySecret: 'secret-1' };
    const base = { method: 'GET', path: '/projects/p', query: [['x', '1']] as Array<[string, string]> };
    const headers = { Date: 'Thu, 03 Dec 2026 10:00:00 GMT', 'x-odps-user-agent': 'fc-dts' };
    const auth = authorizationHeader({ ...base, headers }, creds);
    expect(parseAuthorization(auth)).toEqual({ accessKeyId: 'AK1', signature: auth.slice('ODPS AK1:'.length) });

    const secretOf = (ak: string) => (ak === 'AK1' ? 'secret-1' : undefined);
    expect(verifyAuthorization({ ...base, headers: { ...headers, Authorization: auth } }, secretOf)).toEqual({
      ok: true,
      accessKeyId: 'AK1',
    });
    const tampered = verifyAuthorization({ ...base, query: [['x', '2']], headers: { ...headers, Authorization: auth } }, secretOf);
    expect(tampered).toMatchObject({ ok: false, reason: 'mismatch' });
    const wrongSecret = authorizationHeader({ ...base, headers }, { accessKeyId: 'AK1', accessKeySecret: 'nope' });
    expect(verifyAuthorization({ ...base, headers: { ...headers, authorization: wrongSecret } }, secretOf)).toMatchObject({
      ok: false,
      reason: 'mismatch',
    });
    expect(verifyAuthorization({ ...base, headers: { ...headers, authorization: auth.replace('AK1', 'AK2') } }, secretOf)).toMatchObject({
      ok: false,
      reason: 'unknown-access-key',
    });
    expect(verifyAuthorization({ ...base, headers }, secretOf)).toMatchObject({ ok: false, reason: 'missing' });
    expect(verifyAuthorization({ ...base, headers: { ...headers, authorization: 'Bearer x' } }, secretOf)).toMatchObject({
      ok: false,
      reason: 'malformed',
    });
  });
});
