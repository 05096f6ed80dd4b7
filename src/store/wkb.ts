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
