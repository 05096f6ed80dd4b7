import { closeSync, openSync, writeSync } from 'node:fs';
import type { AccessResult } from './access.js';

/**
 * The `access.csv` contract (DESIGN.md): `building_id,lon,lat,<category>...`, one row per
 * residential building, metres with one decimal, empty where nothing of the category is within the
 * cut-off (and for buildings with no snap point). Categories in taxonomy order.
 */
export function accessCsvHeader(categories: readonly string[]): string {
  return ['building_id', 'lon', 'lat', ...categories].join(',') + '\n';
}

function field(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 34 || c === 44 || c === 10 || c === 13) return `"${s.replace(/"/g, '""')}"`;
  }
  return s;
}

/**
 * Rows straight into bytes: number → text conversion through strings costs ~300 ns a cell, which
 * for 1M buildings × 21 categories is the slowest part of a run; digits written into a buffer are
 * ~20× cheaper. Prints what toFixed(7) / toFixed(1) print (round half away from zero on the
 * scaled value).
 */
class CsvBytes {
  buf = Buffer.allocUnsafe(1 << 20);
  pos = 0;
  constructor(private fd = -1) {}
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    if (this.fd >= 0) { this.flush(); if (n <= this.buf.length) return; }
    const b = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(b, 0, 0, this.pos);
    this.buf = b;
  }
  flush(): void {
    if (this.fd >= 0 && this.pos) { let o = 0; while (o < this.pos) o += writeSync(this.fd, this.buf, o, this.pos - o); this.pos = 0; }
  }
  text(s: string): void {
    this.ensure(3 * s.length);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }
  byte(c: number): void { this.ensure(1); this.buf[this.pos++] = c; }
  /** a non-negative integer */
  int(v: number): void {
    this.ensure(20);
    const b = this.buf;
    if (v < 10) { b[this.pos++] = 48 + v; return; }
    let n = 0;
    for (let x = v; x >= 1; x = Math.floor(x / 10)) n++;
    let p = this.pos + n;
    this.pos = p;
    for (let x = v; x >= 1; ) { const q = Math.floor(x / 10); b[--p] = 48 + (x - q * 10); x = q; }
  }
  /** x with `d` decimals */
  fixed(x: number, d: number, scale: number): void {
    const v = Math.round(Math.abs(x) * scale);
    if (x < 0 && v !== 0) this.byte(45);
    const i = Math.floor(v / scale);
    this.int(i);
    this.ensure(d + 1);
    const b = this.buf;
    b[this.pos++] = 46;
    let f = v - i * scale;
    for (let k = this.pos + d - 1; k >= this.pos; k--) { const q = Math.floor(f / 10); b[k] = 48 + (f - q * 10); f = q; }
    this.pos += d;
  }
}

function rows(out: CsvBytes, r: AccessResult, from: number, to: number): void {
  const n = r.origins.count, nc = r.categories.length;
  const { ids, lon, lat } = r.origins;
  const D = r.distances;
  for (let i = from; i < to; i++) {
    out.text(field(ids[i]));
    out.byte(44); out.fixed(lon[i], 7, 1e7);
    out.byte(44); out.fixed(lat[i], 7, 1e7);
    for (let c = 0, k = i; c < nc; c++, k += n) {
      out.byte(44);
      const d = D[k];
      if (d >= 0 && d !== Infinity) out.fixed(d, 1, 10);
    }
    out.byte(10);
  }
}

/** Rows [from, to) as CSV text. */
export function accessCsvRows(r: AccessResult, from = 0, to = r.origins.count): string {
  const out = new CsvBytes();
  rows(out, r, from, to);
  return out.buf.toString('utf8', 0, out.pos);
}

/** Write access.csv (`-` for stdout), streaming. */
export function writeAccessCsv(r: AccessResult, path: string): void {
  const fd = path === '-' ? 1 : openSync(path, 'w');
  try {
    const out = new CsvBytes(fd);
    out.text(accessCsvHeader(r.categories));
    rows(out, r, 0, r.origins.count);
    out.flush();
  } finally {
    if (fd !== 1) closeSync(fd);
  }
}
