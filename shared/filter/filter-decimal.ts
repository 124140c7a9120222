/** Exact decimals (m × 10^-s over bigint), as MySQL computes DECIMAL and integer values. */

export interface Dec {
  readonly m: bigint;
  readonly s: number;
}

const DEC_RE = /^\s*([+-]?)(\d*)(?:\.(\d*))?\s*$/;

export function parseDec(text: string): Dec | null {
  const m = DEC_RE.exec(text);
  if (!m) return null;
  const int = m[2] ?? '';
  const frac = m[3] ?? '';
  if (int === '' && frac === '') return null;
  const magnitude = BigInt(int + frac);
  return { m: m[1] === '-' ? -magnitude : magnitude, s: frac.length };
}

export function decToString(d: Dec): string {
  const negative = d.m < 0n;
  let digits = (negative ? -d.m : d.m).toString();
  if (d.s > 0) {
    digits = digits.padStart(d.s + 1, '0');
    digits = `${digits.slice(0, -d.s)}.${digits.slice(-d.s)}`;
  }
  return negative ? `-${digits}` : digits;
}

export const pow10 = (n: number): bigint => 10n ** BigInt(n);
export const rescale = (d: Dec, s: number): bigint => d.m * pow10(s - d.s);

export function decCompare(a: Dec, b: Dec): number {
  const s = Math.max(a.s, b.s);
  const x = rescale(a, s);
  const y = rescale(b, s);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Integer division rounding half away from zero. */
function divRound(n: bigint, d: bigint): bigint {
  const q = n / d;
  const r = n % d;
  const twice = (r < 0n ? -r : r) * 2n;
  if (twice < (d < 0n ? -d : d)) return q;
  return (n < 0n) !== (d < 0n) ? q - 1n : q + 1n;
}

export function decRound(d: Dec, places: number): Dec {
  if (places >= d.s) return d;
  const q = divRound(d.m, pow10(d.s - places));
  return places >= 0 ? { m: q, s: places } : { m: q * pow10(-places), s: 0 };
}

export function decFloor(d: Dec, ceil: boolean): Dec {
  if (d.s === 0) return d;
  const f = pow10(d.s);
  let q = d.m / f;
  if (d.m % f !== 0n) {
    if (!ceil && d.m < 0n) q -= 1n;
    if (ceil && d.m > 0n) q += 1n;
  }
  return { m: q, s: 0 };
}

export const decToNumber = (d: Dec): number => Number(decToString(d));
