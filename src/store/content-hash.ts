/**
 * The archive's content hash computed in JavaScript, for records whose values are text, numbers,
 * booleans, dates (as YYYY-MM-DD text) and text arrays, without geometry. It is the same bytes as
 * the database's definition (`archive_content_sql`, migration 004):
 *
 *     sha256(convert_to(jsonb_strip_nulls(jsonb_build_object('col', value, ...))::text, 'UTF8'))
 *
 * i.e. jsonb's text form: keys ordered by length then bytes, `": "` and `", "` separators, nulls
 * left out, numbers in numeric's plain decimal form, strings escaped as `escape_json` does. The
 * database stays the truth: `opencim archive verify` recomputes every hash in SQL, and the
 * staged write (writeStaged with `hashed`) checks a sample of the staged rows against the SQL
 * expression before it writes anything.
 */
import * as crypto from 'node:crypto';

/** sha256 of a string or bytes, one call (crypto.hash where Node has it) */
export const sha256: (data: string | Buffer) => Buffer = typeof (crypto as { hash?: unknown }).hash === 'function'
  ? (data) => (crypto as unknown as { hash(a: string, d: string | Buffer, e: 'buffer'): Buffer }).hash('sha256', data, 'buffer')
  : (data) => crypto.createHash('sha256').update(data).digest();

export type HashValue = string | number | boolean | null | undefined | readonly string[];

/** jsonb's key order: shorter keys first, then by bytes (ASCII column names: by code unit) */
export function jsonbKeyOrder(keys: readonly string[]): string[] {
  return [...keys].sort((a, b) => (a.length - b.length) || (a < b ? -1 : a > b ? 1 : 0));
}

/** a finite number as PostgreSQL's numeric prints it (plain decimal, never an exponent) */
export function numericText(n: number): string {
  if (!Number.isFinite(n)) throw new RangeError(`not a finite number: ${n}`);
  const s = String(n);
  const e = s.indexOf('e');
  if (e < 0) return s;
  // JavaScript writes 1e21 and 1e-7 with an exponent: numeric writes every digit
  const neg = s[0] === '-';
  const mant = s.slice(neg ? 1 : 0, e);
  const exp = Number(s.slice(e + 1));
  const dot = mant.indexOf('.');
  const digits = mant.replace('.', '');
  const point = (dot < 0 ? mant.length : dot) + exp;
  let out: string;
  if (point <= 0) out = `0.${'0'.repeat(-point)}${digits}`;
  else if (point >= digits.length) out = digits + '0'.repeat(point - digits.length);
  else out = `${digits.slice(0, point)}.${digits.slice(point)}`;
  return neg ? `-${out}` : out;
}

/** a JSON string as PostgreSQL's escape_json writes it (the same set JSON.stringify escapes) */
const NEEDS_ESCAPE = /["\\\u0000-\u001f]/;
const jsonString = (s: string) => (NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`);

function valueText(v: Exclude<HashValue, null | undefined>): string {
  if (typeof v === 'string') return jsonString(v);
  if (typeof v === 'number') return numericText(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return `[${v.map(jsonString).join(', ')}]`;
}

/**
 * A hasher for one table's content columns (`columns` as the archive names them: key columns
 * included, envelope excluded): `text(row)` is the jsonb text, `digest(row)` its sha256 (`hex(row)` in hex).
 */
export function contentHasher(columns: readonly string[], /** column → the row's property when they differ */ props: Record<string, string> = {}) {
  const order = jsonbKeyOrder(columns);
  const keys = order.map((k) => `${jsonString(k)}: `);
  const fields = order.map((k) => props[k] ?? k);
  const text = (row: Record<string, HashValue>): string => {
    let out = '';
    for (let i = 0; i < order.length; i++) {
      const v = row[fields[i]];
      if (v === null || v === undefined) continue;
      out += (out ? ', ' : '') + keys[i] + valueText(v);
    }
    return `{${out}}`;
  };
  const digest = (row: Record<string, HashValue>) => sha256(text(row));
  return { text, digest, hex: (row: Record<string, HashValue>) => digest(row).toString('hex') };
}
