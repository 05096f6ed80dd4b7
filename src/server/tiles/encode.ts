/**
 * Mapbox Vector Tile 2.1 encoder for one layer, on `pbf`. Written here because it is the hot kernel
 * of app-cut tiles: vt-pbf spent most of a dense tile's time building a per-feature property cache
 * keyed by `type:value` strings; here keys are the layer's fixed columns (by index) and values are
 * deduplicated in typed maps, and geometry commands are written straight from integer rings.
 */
import Pbf from 'pbf';

export type Ring = number[]; // flat x0,y0,x1,y1,... in tile units
export interface EncFeature { type: 1 | 2 | 3; geometry: Ring[]; tags: number[] }

const zz = (n: number) => (n << 1) ^ (n >> 31);

export class MvtLayer {
  private features: EncFeature[] = [];
  private values: (string | number | boolean)[] = [];
  private strings = new Map<string, number>();
  private numbers = new Map<number, number>();
  private bools: [number, number] = [-1, -1];

  constructor(readonly name: string, readonly keys: readonly string[], readonly extent = 4096) {}

  get length(): number { return this.features.length; }

  /** index of a value in the layer's value table */
  value(v: string | number | boolean): number {
    if (typeof v === 'string') {
      let i = this.strings.get(v);
      if (i === undefined) { i = this.values.push(v) - 1; this.strings.set(v, i); }
      return i;
    }
    if (typeof v === 'number') {
      let i = this.numbers.get(v);
      if (i === undefined) { i = this.values.push(v) - 1; this.numbers.set(v, i); }
      return i;
    }
    const b = v ? 1 : 0;
    if (this.bools[b] < 0) this.bools[b] = this.values.push(v) - 1;
    return this.bools[b];
  }

  add(f: EncFeature): void { this.features.push(f); }

  /** the tile (one layer) as bytes */
  finish(): Uint8Array {
    const pbf = new Pbf();
    pbf.writeMessage(3, writeLayer, this);
    return pbf.finish();
  }

  /** @internal */ get _features() { return this.features; }
  /** @internal */ get _values() { return this.values; }
}

function writeLayer(l: MvtLayer, pbf: Pbf): void {
  pbf.writeVarintField(15, 2);
  pbf.writeStringField(1, l.name);
  for (const f of l._features) pbf.writeMessage(2, writeFeature, f);
  for (const k of l.keys) pbf.writeStringField(3, k);
  for (const v of l._values) pbf.writeMessage(4, writeValue, v);
  pbf.writeVarintField(5, l.extent);
}

function writeFeature(f: EncFeature, pbf: Pbf): void {
  if (f.tags.length) pbf.writePackedVarint(2, f.tags);
  pbf.writeVarintField(3, f.type);
  pbf.writePackedVarint(4, geometryCommands(f));
}

function geometryCommands(f: EncFeature): number[] {
  const out: number[] = [];
  let x = 0, y = 0;
  if (f.type === 1) {
    const pts = f.geometry[0];
    out.push((1 & 7) | ((pts.length >> 1) << 3));
    for (let i = 0; i < pts.length; i += 2) { out.push(zz(pts[i] - x), zz(pts[i + 1] - y)); x = pts[i]; y = pts[i + 1]; }
    return out;
  }
  for (const r of f.geometry) {
    // polygons: the closing point is not written, ClosePath stands for it
    const n = (f.type === 3 ? r.length - 2 : r.length) >> 1;
    out.push(1 | (1 << 3), zz(r[0] - x), zz(r[1] - y));
    x = r[0]; y = r[1];
    out.push(2 | ((n - 1) << 3));
    for (let i = 2; i < 2 * n; i += 2) { out.push(zz(r[i] - x), zz(r[i + 1] - y)); x = r[i]; y = r[i + 1]; }
    if (f.type === 3) out.push(7 | (1 << 3));
  }
  return out;
}

function writeValue(v: string | number | boolean, pbf: Pbf): void {
  if (typeof v === 'string') pbf.writeStringField(1, v);
  else if (typeof v === 'boolean') pbf.writeBooleanField(7, v);
  else if (Number.isInteger(v) && Math.abs(v) < 2 ** 53) {
    if (v >= 0) pbf.writeVarintField(5, v); else pbf.writeSVarintField(6, v);
  } else pbf.writeDoubleField(3, v);
}
