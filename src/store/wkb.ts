import type { Geometry, Position } from '../model/geometry.js';

/**
 * Hex EWKB (little-endian, SRID 4326) for COPY: the cheapest geometry text PostGIS parses.
 */
const TYPE = { Point: 1, LineString: 2, Polygon: 3, MultiPoint: 4, MultiLineString: 5, MultiPolygon: 6 } as const;
const SRID_FLAG = 0x20000000;

class Writer {
  buf = Buffer.allocUnsafe(1024);
  pos = 0;
  ensure(n: number) {
    if (this.pos + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.pos + n) cap *= 2;
    const b = Buffer.allocUnsafe(cap);
    this.buf.copy(b, 0, 0, this.pos);
    this.buf = b;
  }
  header(type: number, srid: boolean) {
    this.ensure(9);
    this.buf[this.pos++] = 1;
    this.buf.writeUInt32LE(srid ? type | SRID_FLAG : type, this.pos); this.pos += 4;
    if (srid) { this.buf.writeUInt32LE(4326, this.pos); this.pos += 4; }
  }
  u32(v: number) { this.ensure(4); this.buf.writeUInt32LE(v, this.pos); this.pos += 4; }
  points(ps: Position[]) {
    this.u32(ps.length);
    this.ensure(16 * ps.length);
    for (const p of ps) {
      this.buf.writeDoubleLE(p[0], this.pos); this.buf.writeDoubleLE(p[1], this.pos + 8); this.pos += 16;
    }
  }
}

const shared = new Writer();

function write(w: Writer, g: Geometry, srid: boolean): void {
  w.header(TYPE[g.type], srid);
  switch (g.type) {
    case 'Point': w.ensure(16); w.buf.writeDoubleLE(g.coordinates[0], w.pos); w.buf.writeDoubleLE(g.coordinates[1], w.pos + 8); w.pos += 16; break;
    case 'LineString': w.points(g.coordinates); break;
    case 'Polygon': w.u32(g.coordinates.length); for (const r of g.coordinates) w.points(r); break;
    case 'MultiPoint': w.u32(g.coordinates.length); for (const p of g.coordinates) write(w, { type: 'Point', coordinates: p }, false); break;
    case 'MultiLineString': w.u32(g.coordinates.length); for (const l of g.coordinates) write(w, { type: 'LineString', coordinates: l }, false); break;
    case 'MultiPolygon': w.u32(g.coordinates.length); for (const p of g.coordinates) write(w, { type: 'Polygon', coordinates: p }, false); break;
  }
}

export function toHexEwkb(g: Geometry): string {
  shared.pos = 0;
  write(shared, g, true);
  return shared.buf.toString('hex', 0, shared.pos);
}

// ---- reading: the one WKB decoder for what the store returns ----

/** a bytea value as the drivers return it (Uint8Array / Buffer, or '\x..' hex text) */
export function byteaOf(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (typeof v === 'string') return Buffer.from(v.replace(/^\\x/, ''), 'hex');
  throw new Error('unexpected bytea value');
}

/** (E)WKB LineString, either byte order, with Z/M dimensions skipped → flat lon/lat */
export function wkbLineString(b: Uint8Array): Float64Array {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const le = dv.getUint8(0) === 1;
  const type = dv.getUint32(1, le);
  let off = 5;
  if (type & SRID_FLAG) off += 4;
  const n = dv.getUint32(off, le); off += 4;
  const iso = Math.floor((type & 0x0fffffff) / 1000); // ISO WKB: 1 Z, 2 M, 3 ZM
  const dims = 2 + (type & 0x80000000 || iso === 1 || iso === 3 ? 1 : 0) + (type & 0x40000000 || iso === 2 || iso === 3 ? 1 : 0);
  const out = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    out[2 * i] = dv.getFloat64(off, le); out[2 * i + 1] = dv.getFloat64(off + 8, le);
    off += 8 * dims;
  }
  return out;
}
