import { describe, expect, it } from 'vitest';
import { parseType, type MaxComputeRow } from '../shared/maxcompute/maxcompute-types.ts';
import {
  decodeRecords,
  decodeRecordStream,
  encodeRecords,
  encodeRecordStream,
  MaxComputeValueError,
  TunnelRecordDecoder,
  TunnelRecordEncoder,
  TunnelStreamError,
  type TunnelColumn,
} from '../shared/maxcompute/tunnel-record-codec.ts';
import { RecordChecksum, WireReader, WireWriter } from '../shared/maxcompute/tunnel-wire.ts';

const cols = (spec: Array<[string, string]>): TunnelColumn[] => spec.map(([name, t]) => ({ name, type: parseType(t) }));

// Golden vectors: aliyun-odps-go-sdk odps/tunnel/protoc_writer_test.go (simpleTypeProtocEncodedData, complexTypeProtocEncodedData).
const GO_SIMPLE = Buffer.from([
  0x08, 0x02, 0x10, 0xfe, 0xff, 0x03, 0x18, 0xc8, 0x01, 0x20, 0x80, 0xa0, 0xb7, 0x87, 0xe9, 0x05,
  0x2a, 0x06, 0x62, 0x69, 0x6e, 0x61, 0x72, 0x79, 0x35, 0xc3, 0xf5, 0x48, 0x40,
  0x39, 0x4a, 0xd8, 0x12, 0x4d, 0xfb, 0x21, 0x09, 0x40,
  0x42, 0x09, 0x33, 0x2e, 0x31, 0x34, 0x31, 0x35, 0x39, 0x32, 0x36,
  0x4a, 0x07, 0x76, 0x61, 0x72, 0x63, 0x68, 0x61, 0x72, 0x52, 0x04, 0x63, 0x68, 0x61, 0x72,
  0x5a, 0x07, 0x61, 0x6c, 0x69, 0x62, 0x61, 0x62, 0x61, 0x60, 0xa8, 0xad, 0x02,
  0x68, 0x80, 0xca, 0xc4, 0xf7, 0xfd, 0x60, 0x72, 0xa0, 0xf2, 0xfd, 0xb4, 0x0c, 0x00, 0x78, 0x01,
  0x82, 0x01, 0x00, 0x02, 0x00, 0x01, 0x61, 0x00, 0x01, 0x62, 0x00, 0x03, 0x74, 0x6f, 0x6d,
  0x80, 0xc0, 0xff, 0x7f, 0xcc, 0x90, 0xbd, 0xa1,
  0x01, 0xf0, 0xff, 0xff, 0x7f, 0x02, 0xf8, 0xff, 0xff, 0x7f, 0xa6, 0x83, 0x95, 0xf5, 0x0d,
]);
const GO_SIMPLE_COLUMNS = cols([
  ['ti', 'TINYINT'], ['si', 'SMALLINT'], ['i', 'INT'], ['bi', 'BIGINT'], ['b', 'BINARY'], ['f', 'FLOAT'],
  ['d', 'DOUBLE'], ['dc', 'DECIMAL(38,18)'], ['vc', 'VARCHAR(1000)'], ['c', 'CHAR(100)'], ['s', 'STRING'],
  ['da', 'DATE'], ['dat', 'DATETIME'], ['t', 'TIMESTAMP'], ['bl', 'BOOLEAN'], ['st', 'STRUCT<arr:ARRAY<STRING>, name:STRING> '],
]);
// The Go test's DATETIME/TIMESTAMP "2022-10-19 17:00:00" are Asia/Shanghai wall times: 2022-10-19T09:00:00Z.
const GO_SIMPLE_ROW: MaxComputeRow = [
  1, 32767, 100, 100000000000n, Buffer.from('binary'), 3.14, 3.1415926, '3.1415926', 'varchar', 'char', 'alibaba',
  '2022-10-19', 1666170000000, { seconds: 1666170000, nanos: 0 }, true, { arr: ['a', 'b'], name: 'tom' },
];

const GO_COMPLEX = Buffer.from([
  0x0a, 0x07, 0x61, 0x6c, 0x69, 0x62, 0x61, 0x62, 0x61, 0x10, 0x80, 0xa0, 0xb7, 0x87, 0xe9, 0x05,
  0x18, 0x80, 0xca, 0xc4, 0xf7, 0xfd, 0x60, 0x22, 0x00, 0x02, 0x00, 0x0b, 0x63, 0x6c, 0x6f, 0x75,
  0x64, 0x5f, 0x73, 0x69, 0x6c, 0x6c, 0x79, 0x00, 0x03, 0x65, 0x66, 0x63, 0x00, 0x0b, 0x70, 0x72,
  0x6f, 0x67, 0x72, 0x61, 0x6d, 0x6d, 0x69, 0x6e, 0x67, 0x80, 0xc0, 0xff, 0x7f, 0xb8, 0xb6, 0x94,
  0x8d, 0x07, 0xf0, 0xff, 0xff, 0x7f, 0x02, 0xf8, 0xff, 0xff, 0x7f, 0xf5, 0xf3, 0xb0, 0xc1, 0x07,
]);
const GO_COMPLEX_COLUMNS = cols([
  ['name', 'STRING'], ['score', 'BIGINT'], ['birthday', 'DATETIME'], ['extra', 'struct<address:array<string>,hobby:string>'],
]);
const GO_COMPLEX_ROW: MaxComputeRow = ['alibaba', 100000000000n, 1666170000000, { address: ['cloud_silly', 'efc'], hobby: 'programming' }];

describe('tunnel record codec: Go SDK golden vectors', () => {
  it('encodes the 16-type record byte for byte (simpleTypeProtocEncodedData)', () => {
    expect(encodeRecords(GO_SIMPLE_COLUMNS, [GO_SIMPLE_ROW]).toString('hex')).toBe(GO_SIMPLE.toString('hex'));
  });

  it('decodes the 16-type record, checking both CRCs', () => {
    const [row, ...rest] = decodeRecords(GO_SIMPLE_COLUMNS, GO_SIMPLE);
    expect(rest).toEqual([]);
    expect(row).toEqual(GO_SIMPLE_ROW.map((v, i) => (i === 5 ? Math.fround(3.14) : v)));
    expect(typeof row![3]).toBe('bigint');
    expect(Buffer.isBuffer(row![4])).toBe(true);
  });

  it('encodes and decodes the struct-of-array record byte for byte (complexTypeProtocEncodedData)', () => {
    expect(encodeRecords(GO_COMPLEX_COLUMNS, [GO_COMPLEX_ROW]).toString('hex')).toBe(GO_COMPLEX.toString('hex'));
    expect(decodeRecords(GO_COMPLEX_COLUMNS, GO_COMPLEX)).toEqual([GO_COMPLEX_ROW]);
  });
});

const ALL = cols([
  ['ti', 'tinyint'], ['si', 'smallint'], ['i', 'int'], ['bi', 'bigint'], ['f', 'float'], ['d', 'double'],
  ['dc', 'decimal(38,18)'], ['s', 'string'], ['vc', 'varchar(4)'], ['c', 'char(3)'], ['bin', 'binary'],
  ['bl', 'boolean'], ['dt', 'datetime'], ['da', 'date'], ['ts', 'timestamp'], ['j', 'json'], ['m', 'map<string,bigint>'],
]);

function roundTrip(columns: TunnelColumn[], rows: MaxComputeRow[]): unknown[][] {
  return decodeRecords(columns, encodeRecords(columns, rows));
}

describe('tunnel record codec: round trips', () => {
  it('keeps every supported type, extremes included', () => {
    const rows: MaxComputeRow[] = [
      [-128, -32768, -2147483648, -9223372036854775808n, -1.5, -Number.MAX_VALUE,
        '-12345678901234567890.123456789012345678', '', '', '', Buffer.alloc(0), false, -1, '0001-01-01',
        { seconds: -1, nanos: 999_999_999 }, '{}', new Map()],
      [127, 32767, 2147483647, 9223372036854775807n, 0.25, 5e-324,
        '99999999999999999999.999999999999999999', '😀 4-byte', 'ä😀bc', 'abc', Buffer.from([0, 255, 128]), true,
        8_640_000_000_000_000, '9999-12-31', { seconds: 253402300799, nanos: 123456789 }, '{"a":[1,2]}',
        new Map<string, bigint | null>([['k', 1n], ['n', null]])],
    ];
    expect(roundTrip(ALL, rows)).toEqual(rows);
  });

  it('writes NULLs as absent fields and reads them back as null, next to empty strings', () => {
    const rows: MaxComputeRow[] = [ALL.map(() => null), ALL.map((c) => (c.type.kind === 'STRING' ? '' : null))];
    const encoded = encodeRecords(ALL, rows);
    // An all-NULL record is just END_RECORD + the CRC of nothing (0).
    expect(encoded.subarray(0, 5).toString('hex')).toBe('80c0ff7f00');
    expect(decodeRecords(ALL, encoded)).toEqual(rows);
  });

  it('reads STRING bytes that are not UTF-8 back as a Buffer, and valid UTF-8 as a string', () => {
    const columns = cols([['s', 'string']]);
    const rows: MaxComputeRow[] = [[Buffer.from([0xc3, 0x28, 0xff])], [Buffer.from('plain ✓', 'utf8')]];
    expect(roundTrip(columns, rows)).toEqual([[Buffer.from([0xc3, 0x28, 0xff])], ['plain ✓']]);
  });

  it('keeps DATETIME instants before 1970 and DECIMAL text exactly as given', () => {
    const columns = cols([['dt', 'datetime'], ['dc', 'decimal(38,18)'], ['dc0', 'decimal']]);
    const rows: MaxComputeRow[] = [
      [Date.UTC(1900, 0, 1, 0, 0, 0, 1), '0.000000000000000001', '-123456789012345678901234567890123456.123456789012345678'],
      [-62135596800000, '-0.100000000000000000', '0'],
    ];
    expect(roundTrip(columns, rows)).toEqual(rows);
  });

  it('streams in chunks of the requested size and decodes from arbitrary pieces', async () => {
    const columns = cols([['id', 'bigint'], ['payload', 'string']]);
    const rows: MaxComputeRow[] = Array.from({ length: 300 }, (_, i) => [BigInt(i), 'x'.repeat(i * 7)]);
    const chunks: Buffer[] = [];
    for await (const c of encodeRecordStream(columns, rows, { chunkBytes: 1000 })) chunks.push(c);
    expect(chunks.length).toBeGreaterThan(100);
    expect(chunks.slice(0, -1).every((c) => c.length === 1000)).toBe(true);
    const whole = Buffer.concat(chunks);
    expect(whole.equals(encodeRecords(columns, rows))).toBe(true);

    async function* pieces(): AsyncGenerator<Uint8Array> {
      for (let at = 0, step = 1; at < whole.length; at += step, step = (step * 7 + 3) % 997 || 1) yield whole.subarray(at, at + step);
    }
    const decoded: unknown[] = [];
    for await (const row of decodeRecordStream(columns, pieces())) decoded.push(row);
    expect(decoded).toEqual(rows);
  });

  it('hands out full chunks while rows are written, before the end', () => {
    const encoder = new TunnelRecordEncoder(cols([['s', 'string']]), { chunkBytes: 64 });
    encoder.write(['a'.repeat(200)]);
    const early = encoder.takeChunks();
    expect(early.map((c) => c.length)).toEqual([64, 64, 64]);
    expect(encoder.takeChunks()).toEqual([]);
    const rest = encoder.end();
    expect(decodeRecords(cols([['s', 'string']]), Buffer.concat([...early, ...rest]))).toEqual([['a'.repeat(200)]]);
  });
});

describe('tunnel record codec: values that do not fit', () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['tinyint', 128, /out of the TINYINT range/],
    ['bigint', 2n ** 63n, /out of the BIGINT range/],
    ['bigint', 1.5, /not a valid BIGINT/],
    ['decimal(10,2)', '1.234', /does not fit DECIMAL\(10,2\)/],
    ['decimal(10,2)', '123456789.1', /does not fit DECIMAL\(10,2\)/],
    ['decimal(10,2)', '1e3', /not a valid DECIMAL/],
    ['varchar(3)', 'abcd', /4 characters do not fit VARCHAR\(3\)/],
    ['string', 'bad \ud800 surrogate', /unpaired UTF-16 surrogate/],
    ['date', '2023-02-29', /not a valid DATE/],
    ['timestamp', { seconds: 1, nanos: 1e9 }, /not a valid TIMESTAMP/],
    ['datetime', 1.5, /not a valid DATETIME/],
  ];
  it.each(cases)('%s rejects %s', (type, value, message) => {
    const encoder = new TunnelRecordEncoder(cols([['ok', 'int'], ['col_x', type]]));
    encoder.write([1, null]);
    const error = (() => {
      try {
        encoder.write([2, value as never]);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(MaxComputeValueError);
    expect((error as MaxComputeValueError).message).toMatch(message);
    expect((error as MaxComputeValueError).message).toContain('record 2, column col_x');
    // The rejected record left nothing behind: the stream holds exactly the first record.
    expect(decodeRecords(cols([['ok', 'int'], ['col_x', type]]), Buffer.concat(encoder.end()))).toEqual([[1, null]]);
  });
});

describe('tunnel record codec: corrupt streams', () => {
  const columns = cols([['id', 'bigint'], ['name', 'string']]);
  const good = encodeRecords(columns, [[1n, 'one'], [2n, 'two'], [3n, 'three']]);

  function decodeError(bytes: Buffer): TunnelStreamError {
    try {
      decodeRecords(columns, bytes);
    } catch (e) {
      expect(e).toBeInstanceOf(TunnelStreamError);
      return e as TunnelStreamError;
    }
    throw new Error('decoded a corrupt stream without an error');
  }

  it('names the record whose value bytes were changed', () => {
    const bad = Buffer.from(good);
    const at = good.indexOf('two') + 1;
    bad[at] = good[at]! ^ 0x01; // 'two' → 'tvo'
    const e = decodeError(bad);
    expect(e.recordNumber).toBe(2);
    expect(e.message).toMatch(/record 2: record checksum mismatch/);
  });

  it('finds a stream cut short, inside a record and before the trailer', () => {
    expect(decodeError(good.subarray(0, good.indexOf('three') + 2)).message).toMatch(/record 3: truncated stream/);
    const trailerAt = good.lastIndexOf(Buffer.from([0xf0, 0xff, 0xff, 0x7f])); // the META_COUNT tag
    expect(decodeError(good.subarray(0, trailerAt)).message).toMatch(/record 4: truncated stream: no end-of-stream trailer after 3 records/);
    expect(decodeError(good.subarray(0, good.length - 1)).message).toMatch(/truncated stream/);
  });

  it('checks the trailer: record count and crc-of-crc', () => {
    const decoder = new TunnelRecordDecoder(columns);
    decoder.push(good);
    decoder.end();
    const badCount = Buffer.from(good);
    const countAt = badCount.lastIndexOf(Buffer.from([0xf0, 0xff, 0xff, 0x7f])) + 4;
    badCount[countAt] = 0x04; // zigzag 2
    expect(decodeError(badCount).message).toMatch(/trailer counts 2 records, the stream holds 3/);
    const badCrc = Buffer.from(good);
    badCrc[badCrc.length - 2] = good[good.length - 2]! ^ 0x01;
    expect(decodeError(badCrc).message).toMatch(/stream checksum mismatch/);
  });

  it('rejects a tag for a column the table does not have, or with the wrong wire type', () => {
    const unknownColumn = Buffer.concat([Buffer.from([0x18, 0x02]), good]); // field 3, varint
    expect(decodeError(unknownColumn).message).toMatch(/record 1: unexpected tag 3/);
    const wrongWire = Buffer.concat([Buffer.from([0x0a, 0x00]), good]); // field 1 (BIGINT) as length-delimited
    expect(decodeError(wrongWire).message).toMatch(/column id: wire type 2/);
  });

  it('rejects a column that appears twice in a record', () => {
    const w = new WireWriter();
    w.tag(1, 0);
    w.sint64(1);
    w.tag(1, 0);
    w.sint64(2);
    expect(decodeError(Buffer.from(w.view())).message).toMatch(/record 1: column id appears twice/);
  });

  it('rejects data after the trailer', () => {
    expect(decodeError(Buffer.concat([good, Buffer.from([0x08, 0x02])])).message).toMatch(/data after the end-of-stream trailer/);
  });
});

describe('tunnel wire primitives: RecordChecksum', () => {
  it('is CRC32C (check value of "123456789", fed whole and in pieces)', () => {
    const whole = new RecordChecksum();
    whole.bytes(Buffer.from('123456789'));
    expect(whole.value()).toBe(0xe3069283);
    const pieces = new RecordChecksum();
    for (const p of ['1', '2345', '', '6789']) pieces.bytes(Buffer.from(p));
    expect(pieces.value()).toBe(0xe3069283);
  });

  it('feeds integers and floats as the CRC of their little-endian bytes', () => {
    const fed = new RecordChecksum();
    const image = Buffer.alloc(37);
    fed.int32(-2);
    image.writeInt32LE(-2, 0);
    fed.uint32(0xfedcba98);
    image.writeUInt32LE(0xfedcba98, 4);
    fed.int64(-1234567890123);
    image.writeBigInt64LE(-1234567890123n, 8);
    fed.int64(-9223372036854775808n);
    image.writeBigInt64LE(-9223372036854775808n, 16);
    fed.float32(3.14);
    image.writeFloatLE(3.14, 24);
    fed.float64(-0.1);
    image.writeDoubleLE(-0.1, 28);
    fed.bool(true);
    image[36] = 1;
    const bytes = new RecordChecksum();
    bytes.bytes(image);
    expect(fed.value()).toBe(bytes.value());
    fed.reset();
    bytes.reset();
    expect(fed.value()).toBe(0);
    fed.int32(7);
    bytes.bytes(Buffer.from([7, 0, 0, 0]));
    expect(fed.value()).toBe(bytes.value());
  });
});

describe('tunnel wire primitives: the number fast paths agree with the bigint ones', () => {
  const values = [0, 1, -1, 63, -64, 64, 2 ** 31, -(2 ** 31) - 1, 2 ** 32, -(2 ** 32), 2 ** 52 - 1, -(2 ** 52), 2 ** 53 - 1, -(2 ** 53 - 1), 1666170000000, -62135596800000];

  it.each(values)('%d: the same CRC input, zigzag bytes and decoded value', (n) => {
    const viaNumber = new RecordChecksum();
    const viaBigint = new RecordChecksum();
    viaNumber.int64(n);
    viaBigint.int64(BigInt(n));
    expect(viaNumber.value()).toBe(viaBigint.value());

    const a = new WireWriter();
    const b = new WireWriter();
    a.sint64(n);
    b.sint64(BigInt(n));
    expect(a.view().toString('hex')).toBe(b.view().toString('hex'));
    expect(new WireReader(Buffer.from(a.view())).sint64()).toBe(BigInt(n));
    expect(BigInt(new WireReader(Buffer.from(a.view())).sint64Small())).toBe(BigInt(n));
  });

  it('reads a uint32 varint of 5 bytes, or sign-extended to 10, as its low 32 bits', () => {
    const five = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]);
    const ten = Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    expect(new WireReader(five).uint32()).toBe(0xffffffff);
    expect(new WireReader(ten).uint32()).toBe(0xffffffff);
    expect(new WireReader(Buffer.from([0x80, 0x80, 0x80, 0x80, 0x10])).uint32()).toBe(0);
    expect(() => new WireReader(Buffer.from([...ten.subarray(0, 9), 0x81, 0x01])).uint32()).toThrow(/longer than 10 bytes/);
  });

  it('reads extreme int64 zigzag values as bigint through the small path', () => {
    for (const v of [9223372036854775807n, -9223372036854775808n]) {
      const w = new WireWriter();
      w.sint64(v);
      expect(new WireReader(Buffer.from(w.view())).sint64Small()).toBe(v);
    }
  });
});
