/**
 * A DOUBLE as MySQL prints it: my_gcvt(x, MY_GCVT_ARG_DOUBLE, MY_GCVT_MAX_FIELD_WIDTH) of
 * mysql-server strings/dtoa.cc, the routine behind a DOUBLE's text and JSON doubles
 * (sql-common/json_dom.cc wrapper_to_string).
 *
 * my_gcvt takes the shortest digits that read back as the same double (dtoa mode 4 with a width of
 * 34 digits never has to cut them) — the digits JavaScript's own conversion picks — and lays them out
 * in plain notation when the decimal point falls within -14..15 digits of the first digit (or the
 * number has a fraction), else as `d.ddde[-]N`: 1e15 → `1e15`, 1e14 → `100000000000000`,
 * 1.5e-7 → `0.00000015`, 1e-16 → `1e-16`. The exponent has no `+` and no leading zeros.
 */

/** MAX_DECPT_FOR_F_FORMAT in dtoa.cc: DBL_DIG. */
const MAX_DECPT_FOR_F_FORMAT = 15;

export function mysqlDoubleText(x: number): string {
  // dtoa.cc: infinity and NaN come out as "0" (with an error flag); a JSON document holds neither.
  if (!Number.isFinite(x)) return '0';
  // -0.0 keeps its sign: dtoa reports the sign bit, not x < 0.
  const sign = x < 0 || Object.is(x, -0) ? '-' : '';
  const [mantissa, exponent] = Math.abs(x).toExponential().split('e') as [string, string];
  const digits = mantissa.replace('.', '');
  /** Where the decimal point goes, counted from the first digit (dtoa's decpt). */
  const decpt = Number(exponent) + 1;
  const plain = decpt >= -MAX_DECPT_FOR_F_FORMAT + 1 && (decpt <= MAX_DECPT_FOR_F_FORMAT || digits.length > decpt);
  return sign + (plain ? plainNotation(digits, decpt) : exponentNotation(digits, decpt - 1));
}

function plainNotation(digits: string, decpt: number): string {
  if (decpt <= 0) return '0.' + '0'.repeat(-decpt) + digits;
  if (decpt < digits.length) return digits.slice(0, decpt) + '.' + digits.slice(decpt);
  return digits + '0'.repeat(decpt - digits.length);
}

function exponentNotation(digits: string, exponent: number): string {
  const mantissa = digits.length > 1 ? digits[0] + '.' + digits.slice(1) : digits;
  return `${mantissa}e${exponent}`;
}
