/**
 * Bytes in a MySQL character set → JS text. UTF-8 and latin1 (MySQL's latin1 is cp1252 with the
 * five undefined bytes kept, cell-encoder.ts) are decoded as row-decoder.ts does; other charsets go
 * through the WHATWG TextDecoder of Node's ICU where it knows an equivalent encoding
 * (https://encoding.spec.whatwg.org/#names-and-labels).
 */
import { latin1FromByteString } from '../cell-encoder.ts';

export type TextDecoding = (bytes: Buffer, start: number, end: number) => string;

const WHATWG: Readonly<Record<string, string>> = {
  big5: 'big5',
  gbk: 'gbk',
  gb2312: 'gbk',
  gb18030: 'gb18030',
  sjis: 'shift_jis',
  cp932: 'shift_jis',
  ujis: 'euc-jp',
  eucjpms: 'euc-jp',
  euckr: 'euc-kr',
  ucs2: 'utf-16be',
  utf16: 'utf-16be',
  utf16le: 'utf-16le',
  cp1250: 'windows-1250',
  cp1251: 'windows-1251',
  cp1256: 'windows-1256',
  cp1257: 'windows-1257',
  latin2: 'iso-8859-2',
  greek: 'iso-8859-7',
  hebrew: 'iso-8859-8',
  koi8r: 'koi8-r',
  koi8u: 'koi8-u',
  tis620: 'windows-874',
};

const utf8: TextDecoding = (b, s, e) => b.toString('utf8', s, e);

/** The decoder of a charset's text, undefined for `binary` and for charsets without one here. */
export function textDecoding(charset: string | undefined): TextDecoding | undefined {
  switch (charset) {
    case 'utf8mb4':
    case 'utf8mb3':
    case 'utf8':
    case 'ascii':
      return utf8;
    case 'latin1':
      return (b, s, e) => latin1FromByteString(b.toString('latin1', s, e));
    case undefined:
    case 'binary':
      return undefined;
    default: {
      const label = WHATWG[charset];
      if (!label) return undefined;
      const decoder = new TextDecoder(label);
      return (b, s, e) => decoder.decode(b.subarray(s, e));
    }
  }
}
