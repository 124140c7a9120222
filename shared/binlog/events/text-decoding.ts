/**
 * Bytes in a MySQL character set → JS text. UTF-8 and latin1 (MySQL's latin1 is cp1252 with the
 * five undefined bytes kept, below) are decoded as row-decoder.ts does; other charsets go
 * through the WHATWG TextDecoder of Node's ICU where it knows an equivalent encoding
 * (https://encoding.spec.whatwg.org/#names-and-labels).
 */

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

/**
 * MariaDB's latin1 is cp1252 except that the five bytes cp1252 leaves undefined (0x81, 0x8D, 0x8F,
 * 0x90, 0x9D) map to the C1 controls of the same code (strings/ctype-latin1.c, cs_to_uni). Only
 * 0x80–0x9F differ from ISO-8859-1, which is what a byte string already is.
 */
const LATIN1_80_9F = [
  0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008d, 0x017d, 0x008f,
  0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x009d, 0x017e, 0x0178,
];

/** A latin1 value delivered one char per byte (code points 0–255) → the text MariaDB means. */
export function latin1FromByteString(bytes: string): string {
  if (!/[\x80-\x9f]/.test(bytes)) return bytes;
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes.charCodeAt(i);
    out += c >= 0x80 && c <= 0x9f ? String.fromCharCode(LATIN1_80_9F[c - 0x80]!) : bytes[i];
  }
  return out;
}
