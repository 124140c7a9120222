/**
 * MySQL protocol packets the stand-in writes itself: mysql2's server writers hard-code the SQLSTATE of an
 * ERR packet and cannot write a binary cell in a text row, so OK, ERR (infra/lib), EOF, column definitions
 * and text rows are built here and handed to `writePacket`, which adds the header.
 */
import { errPacket as mysqlErrPacket, RawPacket, SERVER_STATUS_AUTOCOMMIT, UTF8MB4_GENERAL_CI } from '../lib/mysql2-server.ts';
import type { ColumnType } from './column-types.ts';
import type { LindormError } from './errors.ts';
import type { ResultColumn, WireCell } from './result.ts';

const BINARY = 63;
const BINARY_FLAG = 0x80;

/** MySQL column type codes (include/field_types.h) per Lindorm type, with the display length. */
const WIRE: Record<ColumnType['name'], [code: number, length: number]> = {
  BOOLEAN: [1, 1],
  TINYINT: [1, 4],
  SMALLINT: [2, 6],
  INTEGER: [3, 11],
  BIGINT: [8, 20],
  FLOAT: [4, 12],
  DOUBLE: [5, 22],
  DECIMAL: [246, 40],
  VARCHAR: [253, 262140],
  CHAR: [254, 1020],
  BINARY: [254, 255],
  VARBINARY: [253, 65535],
  DATE: [10, 10],
  TIME: [11, 8],
  TIMESTAMP: [12, 23],
};

function packet(payload: Buffer): RawPacket {
  return new RawPacket(payload);
}

export function okPacket(affectedRows: number): RawPacket {
  return packet(Buffer.concat([Buffer.from([0]), lenenc(affectedRows), lenenc(0), u16(SERVER_STATUS_AUTOCOMMIT), u16(0)]));
}

export function errPacket(e: LindormError): RawPacket {
  return mysqlErrPacket(e.errno, e.sqlState, e.message);
}

export function eofPacket(): RawPacket {
  return packet(Buffer.concat([Buffer.from([0xfe]), u16(0), u16(SERVER_STATUS_AUTOCOMMIT)]));
}

export function columnCountPacket(n: number): RawPacket {
  return packet(lenenc(n));
}

export function columnDefinitionPacket(c: ResultColumn): RawPacket {
  const [code, length] = WIRE[c.type.name];
  const binary = c.type.name === 'BINARY' || c.type.name === 'VARBINARY';
  const numeric = code <= 8 || code === 246;
  const decimals = c.type.name === 'DECIMAL' ? (c.type.scale ?? 0) : c.type.name === 'TIMESTAMP' ? 3 : c.type.name === 'FLOAT' || c.type.name === 'DOUBLE' ? 31 : 0;
  const strings = ['def', c.namespace ?? '', c.table ?? '', c.table ?? '', c.name, c.orgName ?? c.name].map((s) => lenencString(Buffer.from(s, 'utf8')));
  const fixed = Buffer.alloc(13);
  fixed[0] = 0x0c;
  fixed.writeUInt16LE(binary || numeric ? BINARY : UTF8MB4_GENERAL_CI, 1);
  fixed.writeUInt32LE(c.type.length ?? length, 3);
  fixed[7] = code;
  fixed.writeUInt16LE((binary ? BINARY_FLAG : 0) | (numeric ? 0x8000 /* NUM_FLAG */ : 0), 8);
  fixed[10] = decimals;
  return packet(Buffer.concat([...strings, fixed]));
}

export function rowPacket(cells: readonly WireCell[]): RawPacket {
  return packet(Buffer.concat(cells.map((v) => (v === null ? Buffer.from([0xfb]) : lenencString(typeof v === 'string' ? Buffer.from(v, 'utf8') : v)))));
}

function lenencString(b: Buffer): Buffer {
  return Buffer.concat([lenenc(b.length), b]);
}

function lenenc(n: number): Buffer {
  if (n < 251) return Buffer.from([n]);
  if (n < 0x10000) return Buffer.concat([Buffer.from([0xfc]), u16(n)]);
  if (n < 0x1000000) {
    const b = Buffer.alloc(4);
    b[0] = 0xfd;
    b.writeUIntLE(n, 1, 3);
    return b;
  }
  const b = Buffer.alloc(9);
  b[0] = 0xfe;
  b.writeBigUInt64LE(BigInt(n), 1);
  return b;
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
}
