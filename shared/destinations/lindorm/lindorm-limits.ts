/**
 * LindormTable's documented limits fc-dts enforces before sending (Lindorm "Quotas and limits",
 * alibabacloud.com/help/en/lindorm/product-overview/quotas-and-limits; reference 004: "Data in the Lindorm
 * instance must meet the requirements in Limits on data requests. Otherwise, the task fails"), and its
 * naming rules.
 */
export const LINDORM_LIMITS = {
  primaryKeyColumns: 5,
  /** Total length of a row's primary-key values. */
  primaryKeyBytes: 2 * 1024,
  /** Total length of a row's non-key values. */
  nonKeyBytes: 2 * 1024 * 1024,
  writeRows: 2000,
  writeBytes: 64 * 1024 * 1024,
  deleteRows: 2000,
  decimalPrecision: 38,
  nameLength: 255,
  /** Reference 004: a task that renames tables or columns selects at most 1,000 tables. */
  renamedTaskTables: 1000,
} as const;

/** Rows and SQL bytes of one multi-row UPSERT fc-dts sends unless told otherwise (well inside the limits above). */
export const DEFAULT_STATEMENT_LIMITS = { rows: 500, bytes: 4 * 1024 * 1024 } as const;

const TABLE_NAME = /^[0-9A-Za-z_][0-9A-Za-z_.-]*$/;
const NAMESPACE_NAME = /^[0-9A-Za-z_-]{4,16}$/;
const RESERVED_NAMESPACES = new Set(['lindorm', 'global', 'default']);

/** 1–255 of `[0-9A-Za-z_.-]`, not starting with `.` or `-` (CREATE TABLE page). */
export function isLindormTableName(name: string): boolean {
  return name.length <= LINDORM_LIMITS.nameLength && TABLE_NAME.test(name);
}

/** 1–255 bytes: the Chinese page counts bytes, the English one characters; bytes is the stricter reading. */
export function isLindormColumnName(name: string): boolean {
  return name.length > 0 && Buffer.byteLength(name, 'utf8') <= LINDORM_LIMITS.nameLength;
}

/** `default`, which every instance has, or a namespace a user may create: 4–16 of `[0-9A-Za-z_-]`, not lindorm or global. */
export function isLindormNamespace(name: string): boolean {
  return name === 'default' || (NAMESPACE_NAME.test(name) && !RESERVED_NAMESPACES.has(name.toLowerCase()));
}
