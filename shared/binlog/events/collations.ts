/**
 * Collation id → character set, for the ids a TABLE_MAP's charset metadata carries. A file has no
 * server to ask (the live reader asks SHOW COLLATION), so the ids are listed here: the compiled-in
 * collations of MySQL 8.0 (INFORMATION_SCHEMA.COLLATIONS) and MariaDB 10.x
 * (https://mariadb.com/kb/en/supported-character-sets-and-collations/). An id not listed has no
 * known charset: its text values are given as bytes (column-values.ts).
 */
const RANGES: ReadonlyArray<readonly [first: number, last: number, charset: string]> = [
  [1, 1, 'big5'], [84, 84, 'big5'],
  [5, 5, 'latin1'], [8, 8, 'latin1'], [15, 15, 'latin1'], [31, 31, 'latin1'], [47, 49, 'latin1'], [94, 94, 'latin1'],
  [11, 11, 'ascii'], [65, 65, 'ascii'],
  [12, 12, 'ujis'], [91, 91, 'ujis'],
  [13, 13, 'sjis'], [88, 88, 'sjis'],
  [14, 14, 'cp1251'], [23, 23, 'cp1251'], [50, 52, 'cp1251'],
  [19, 19, 'euckr'], [85, 85, 'euckr'],
  [24, 24, 'gb2312'], [86, 86, 'gb2312'],
  [26, 26, 'cp1250'], [34, 34, 'cp1250'], [44, 44, 'cp1250'], [66, 66, 'cp1250'], [99, 99, 'cp1250'],
  [28, 28, 'gbk'], [87, 87, 'gbk'],
  [33, 33, 'utf8mb3'], [76, 76, 'utf8mb3'], [83, 83, 'utf8mb3'], [192, 215, 'utf8mb3'], [223, 223, 'utf8mb3'],
  [35, 35, 'ucs2'], [90, 90, 'ucs2'], [128, 151, 'ucs2'], [159, 159, 'ucs2'],
  [45, 46, 'utf8mb4'], [224, 247, 'utf8mb4'], [255, 323, 'utf8mb4'],
  [54, 55, 'utf16'], [101, 124, 'utf16'],
  [56, 56, 'utf16le'], [62, 62, 'utf16le'],
  [57, 57, 'cp1256'], [67, 67, 'cp1256'],
  [59, 59, 'cp1257'], [29, 29, 'cp1257'], [58, 58, 'cp1257'],
  [60, 61, 'utf32'], [160, 183, 'utf32'],
  [63, 63, 'binary'],
  [95, 96, 'cp932'],
  [248, 250, 'gb18030'],
];

/** The character set of a collation id, undefined when the id is not a known one. */
export function charsetOfCollation(id: number): string | undefined {
  for (const [first, last, charset] of RANGES) if (id >= first && id <= last) return charset;
  return undefined;
}
