/** What a TABLE_MAP_EVENT says about a table: the shape row events are decoded with. */

/** MYSQL_TYPE_VECTOR (MySQL 9.0 include/field_types.h), which column-type.ts's ColumnType does not list. */
export const VECTOR_TYPE = 242;

/** The per-column metadata of the TABLE_MAP (row-decoder.ts reads these keys). */
export interface ColumnMetadata {
  /** NEWDECIMAL */
  readonly precision?: number;
  /** NEWDECIMAL scale; fractional-second digits of TIME2/DATETIME2/TIMESTAMP2 */
  readonly decimals?: number;
  /** VARCHAR / STRING: maximum length in bytes */
  readonly max_length?: number;
  /** BLOB family, GEOMETRY, JSON, VECTOR: bytes of the value's length prefix */
  readonly length_size?: number;
  /** BIT: number of bits */
  readonly bits?: number;
  /** FLOAT/DOUBLE: bytes; ENUM/SET: bytes of the stored index or bitmask */
  readonly size?: number;
}

export interface TableColumn {
  readonly index: number;
  /** Binlog type (ColumnType), the real type for ENUM/SET/CHAR (which the type list gives as STRING). */
  readonly type: number;
  /** The code in the TABLE_MAP's type list. */
  readonly rawType: number;
  readonly metadata: ColumnMetadata;
  readonly nullable: boolean;
  /** Absent unless the server wrote binlog_row_metadata=FULL (MySQL 8.0+, MariaDB 10.5+). */
  readonly name?: string;
  /** Numeric columns: absent when the TABLE_MAP has no SIGNEDNESS metadata (MySQL 5.7, old MariaDB). */
  readonly unsigned?: boolean;
  /** Text, ENUM and SET columns: the collation id, absent without charset metadata. */
  readonly collationId?: number;
  /** The character set of that collation (`binary` for bytes), absent when unknown. */
  readonly charset?: string;
  readonly enumValues?: readonly string[];
  readonly setValues?: readonly string[];
  /** GEOMETRY subtype (0 geometry, 1 point, 2 linestring, 3 polygon, …). */
  readonly geometryType?: number;
  /** False for an INVISIBLE column (MySQL 8.0.23+), absent without visibility metadata. */
  readonly visible?: boolean;
  /** VECTOR columns (MySQL 9): dimensions. */
  readonly dimensions?: number;
}

export interface PrimaryKeyPart {
  readonly column: number;
  /** Index prefix length in characters, 0 for the whole column. */
  readonly prefix: number;
}

export interface TableDefinition {
  readonly tableId: number;
  readonly database: string;
  readonly table: string;
  readonly flags: number;
  readonly columns: readonly TableColumn[];
  /** From SIMPLE_PRIMARY_KEY or PRIMARY_KEY_WITH_PREFIX; absent without FULL metadata. */
  readonly primaryKey?: readonly PrimaryKeyPart[];
  /** Optional-metadata field types present but not understood (newer servers), kept visible. */
  readonly unknownMetadata: readonly number[];
}
