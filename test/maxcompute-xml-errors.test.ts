import { describe, expect, it } from 'vitest';
import { MaxComputeError, odpsCodeOf, parseErrorBody } from '../shared/maxcompute/maxcompute-errors.ts';
import { parseProjectXml, parseTableXml } from '../shared/maxcompute/odps-metadata.ts';
import { sqlInstanceXml } from '../shared/maxcompute/odps-sql.ts';
import { cdata, child, childText, parseXml, XmlParseError } from '../shared/maxcompute/odps-xml.ts';

describe('ODPS XML', () => {
  it('reads elements, attributes, entities and CDATA after a declaration', () => {
    const root = parseXml(
      '\ufeff<?xml version="1.0" encoding="UTF-8"?>\n<!-- c --><Instance>\n  <Tasks><Task Type="SQL" note=\'a &amp; b\'>' +
        '<Name>AnonymousSQLTask</Name><Result Format="csv"><![CDATA[a,b\n1,<x>&amp;\n]]></Result><Empty/></Task></Tasks></Instance>',
    );
    const task = child(child(root, 'Tasks'), 'Task');
    expect(task?.attributes).toEqual({ Type: 'SQL', note: 'a & b' });
    expect(childText(task, 'Name')).toBe('AnonymousSQLTask');
    expect(childText(task, 'Result')).toBe('a,b\n1,<x>&amp;\n');
    expect(child(task, 'Empty')).toEqual({ name: 'Empty', attributes: {}, children: [], text: '' });
    expect(parseXml('<A>x &lt;&#65;&#x42;&gt; y</A>').text).toBe('x <AB> y');
  });

  it('keeps "]]>" inside CDATA it builds', () => {
    const text = 'select "]]>" from t;';
    expect(parseXml(`<Q>${cdata(text)}</Q>`).text).toBe(text);
  });

  it.each(['<A><B></A>', '<A>', '<A></A><B/>', 'not xml', '<A x=1/>'])('refuses malformed %s', (xml) => {
    expect(() => parseXml(xml)).toThrow(XmlParseError);
  });

  it('builds the SQL instance job the SDKs send, with settings JSON and the query in CDATA', () => {
    const xml = sqlInstanceXml("select 'a<b' from t where s = ']]>'", { settings: { 'odps.sql.allow.fullscan': 'true' } });
    const root = parseXml(xml);
    const sql = child(child(child(root, 'Job'), 'Tasks'), 'SQL');
    expect(childText(root, 'Job', 'Priority')).toBe('9');
    expect(childText(sql, 'Name')).toBe('AnonymousSQLTask');
    expect(childText(sql, 'Config', 'Property', 'Name')).toBe('settings');
    expect(JSON.parse(childText(sql, 'Config', 'Property', 'Value')!)).toEqual({ 'odps.sql.allow.fullscan': 'true' });
    expect(childText(sql, 'Query')).toBe("select 'a<b' from t where s = ']]>';");
    expect(childText(root, 'Job', 'DAG', 'RunMode')).toBe('Sequence');
  });
});

describe('MaxCompute error bodies', () => {
  it('reads the REST XML error', () => {
    const body =
      '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchObject</Code><Message><![CDATA[The specified object is not found.]]></Message>' +
      '<RequestId>5F8A1C2B</RequestId><HostId>localhost</HostId></Error>';
    expect(parseErrorBody(body)).toEqual({ code: 'NoSuchObject', message: 'The specified object is not found.', requestId: '5F8A1C2B' });
  });

  it('reads the tunnel JSON error and keeps unknown text whole', () => {
    expect(parseErrorBody('{"Code":"StatusConflict","Message":"You cannot commit a closed session."}')).toEqual({
      code: 'StatusConflict',
      message: 'You cannot commit a closed session.',
      requestId: undefined,
    });
    expect(parseErrorBody('<html><body>502 Bad Gateway</body></html>')).toEqual({
      code: undefined,
      message: '<html><body>502 Bad Gateway</body></html>',
      requestId: undefined,
    });
  });

  it('finds the ODPS code of a failed task', () => {
    expect(
      odpsCodeOf('ODPS-0130071:[0,0] Semantic analysis exception - physical plan generation failed: Table(p,t) is full scan with all partitions'),
    ).toBe('ODPS-0130071');
    expect(odpsCodeOf('FAILED: something else')).toBeUndefined();
  });

  it.each([
    ['SignatureNotMatch', 403, 'AUTH_FAILED', /destination\.accessKeyId and destination\.accessKeySecret/, false],
    ['ODPS-0410051', 401, 'AUTH_FAILED', /destination\.accessKeyId/, false],
    ['RequestTimeTooSkewed', 403, 'AUTH_FAILED', /clock/, false],
    ['NoSuchProject', 404, 'OBJECT_NOT_FOUND', /destination\.project/, false],
    ['NoSuchObject', 404, 'OBJECT_NOT_FOUND', /table name/, false],
    ['NoPermission', 403, 'PRIVILEGE_MISSING', /grant/, false],
    ['InternalServerError', 500, 'CONNECTION_FAILED', /retry later/, true],
    ['StatusConflict', 409, 'LOAD_FAILED', /not retried/, false],
    [undefined, 502, 'CONNECTION_FAILED', /destination\.endpoint/, true],
    // A failed SQL task has no HTTP status: its ODPS-01 code says the statement is wrong, not the network.
    ['ODPS-0130071', undefined, 'LOAD_FAILED', /not retried/, false],
    [undefined, undefined, 'CONNECTION_FAILED', /destination\.endpoint/, true],
  ] as const)('maps %s (HTTP %i) to %s with a fix', (serviceCode, httpStatus, code, fix, transient) => {
    const e = new MaxComputeError({ what: 'table p1.orders_log', serviceCode, httpStatus, requestId: 'R1', serviceMessage: 'msg' });
    expect(e).toBeInstanceOf(MaxComputeError);
    expect(e.code).toBe(code);
    expect(e.fix).toMatch(fix);
    expect(e.transient).toBe(transient);
    expect(e.message).toContain('MaxCompute table p1.orders_log: ');
    expect(e.message).toContain('[request R1]');
  });
});

describe('MaxCompute metadata XML', () => {
  it('reads a table: columns with parsed types, partition keys, the transactional primary key', () => {
    const schema = {
      comment: 'orders',
      lifecycle: 30,
      columns: [
        { name: 'id', type: 'bigint', comment: '', isNullable: false },
        { name: 'amount', type: 'decimal(38,18)', comment: 'money', isNullable: true },
        { name: 'span', type: 'interval_day_time', comment: '' },
      ],
      partitionKeys: [{ name: 'modifytime_year', type: 'string', comment: '' }],
      Reserved: JSON.stringify({ Transactional: 'true', PrimaryKey: ['id'] }),
    };
    const xml =
      '<?xml version="1.0" encoding="UTF-8"?>\n<Table><Name>orders_log</Name><TableId>abc</TableId>' +
      `<Schema><![CDATA[${JSON.stringify(schema)}]]></Schema><Owner>ALIYUN$x</Owner><CreationTime>Thu, 03 Dec 2026 10:00:00 GMT</CreationTime>` +
      '<Type>MANAGED_TABLE</Type></Table>';
    const t = parseTableXml(xml, 'p1.orders_log');
    expect(t.name).toBe('orders_log');
    expect(t.columns.map((c) => [c.name, c.typeText, c.type?.kind, c.nullable])).toEqual([
      ['id', 'bigint', 'BIGINT', false],
      ['amount', 'decimal(38,18)', 'DECIMAL', true],
      ['span', 'interval_day_time', undefined, true],
    ]);
    expect(t.partitionKeys.map((c) => c.name)).toEqual(['modifytime_year']);
    expect([t.comment, t.lifecycle, t.tableType, t.transactional, t.primaryKey]).toEqual(['orders', 30, 'MANAGED_TABLE', true, ['id']]);
  });

  it('refuses a table whose schema is not JSON, naming the table', () => {
    expect(() => parseTableXml('<Table><Name>t</Name><Schema>oops</Schema></Table>', 'p1.t')).toThrow(/MaxCompute table p1\.t: the table's schema is not JSON/);
  });

  it('reads a project with its properties', () => {
    const xml =
      '<?xml version="1.0" encoding="UTF-8"?><Project><Name>p1</Name><Owner>ALIYUN$a@b</Owner><State>AVAILABLE</State>' +
      '<Properties><Property><Name>odps.sql.timezone</Name><Value>Asia/Shanghai</Value></Property></Properties></Project>';
    expect(parseProjectXml(xml)).toEqual({ name: 'p1', owner: 'ALIYUN$a@b', state: 'AVAILABLE', properties: { 'odps.sql.timezone': 'Asia/Shanghai' } });
  });
});
