import type { Areal, Position } from '../../model/geometry.js';
import { metresPerDegree } from '../../model/geo.js';

/**
 * A regular grid over the city in a local metric projection (equirectangular at the centre
 * latitude, ellipsoidal scale factors), for the official area-based coverage indicators:
 * residential land inside the union of service areas ÷ residential land. Polygons are filled by
 * cell centre (even-odd scanline), service areas are straight-line buffers measured with an exact
 * Euclidean distance transform (Felzenszwalb & Huttenlocher), so the answer is the vector one up
 * to about one cell along the edges.
 */
export class Grid {
  readonly W: number;
  readonly H: number;
  readonly cell: number;
  readonly lon0: number;
  readonly lat0: number;
  readonly kx: number;
  readonly ky: number;
  /** west and south edge of the grid, metres from (lon0, lat0) */
  readonly x0: number;
  readonly y0: number;

  constructor(bbox: [number, number, number, number], cellM: number, maxCells = 16_000_000) {
    const [w, s, e, n] = bbox;
    this.lon0 = (w + e) / 2;
    this.lat0 = (s + n) / 2;
    [this.kx, this.ky] = metresPerDegree(this.lat0);
    const width = Math.max(1, (e - w) * this.kx), height = Math.max(1, (n - s) * this.ky);
    let cell = cellM;
    while (Math.ceil(width / cell + 2) * Math.ceil(height / cell + 2) > maxCells) cell *= 1.25;
    this.cell = cell;
    this.W = Math.ceil(width / cell) + 2;
    this.H = Math.ceil(height / cell) + 2;
    this.x0 = (w - this.lon0) * this.kx - cell;
    this.y0 = (s - this.lat0) * this.ky - cell;
  }

  get size(): number { return this.W * this.H; }
  get cellArea(): number { return this.cell * this.cell; }
  x(lon: number): number { return (lon - this.lon0) * this.kx; }
  y(lat: number): number { return (lat - this.lat0) * this.ky; }
  /** cell index of a point, -1 outside */
  at(lon: number, lat: number): number {
    const i = Math.floor((this.x(lon) - this.x0) / this.cell), j = Math.floor((this.y(lat) - this.y0) / this.cell);
    return i >= 0 && j >= 0 && i < this.W && j < this.H ? j * this.W + i : -1;
  }
  /** lon/lat of a cell centre */
  centre(k: number): Position {
    const i = k % this.W, j = (k - i) / this.W;
    return [this.lon0 + (this.x0 + (i + 0.5) * this.cell) / this.kx, this.lat0 + (this.y0 + (j + 0.5) * this.cell) / this.ky];
  }

  /**
   * Calls `set(k)` for every cell whose centre lies inside the polygon (even-odd over all rings).
   * A polygon too small to hold a cell centre marks the cell of its first vertex, so that small
   * parks still count as places. Returns the number of cells visited.
   */
  fillPolygon(g: Areal, set: (k: number) => void): number {
    const polys = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
    const edges: number[] = [];
    let minY = Infinity, maxY = -Infinity;
    for (const p of polys) for (const ring of p) {
      for (let a = 0; a < ring.length; a++) {
        const b = (a + 1) % ring.length;
        const ax = this.x(ring[a][0]), ay = this.y(ring[a][1]), bx = this.x(ring[b][0]), by = this.y(ring[b][1]);
        if (ay === by) continue;
        edges.push(ax, ay, bx, by);
        if (ay < minY) minY = ay; if (ay > maxY) maxY = ay; if (by < minY) minY = by; if (by > maxY) maxY = by;
      }
    }
    let count = 0;
    if (edges.length) {
      const j0 = Math.max(0, Math.ceil((minY - this.y0) / this.cell - 0.5)), j1 = Math.min(this.H - 1, Math.floor((maxY - this.y0) / this.cell - 0.5));
      const xs: number[] = [];
      for (let j = j0; j <= j1; j++) {
        const yc = this.y0 + (j + 0.5) * this.cell;
        xs.length = 0;
        for (let e = 0; e < edges.length; e += 4) {
          const ay = edges[e + 1], by = edges[e + 3];
          if ((ay > yc) !== (by > yc)) xs.push(edges[e] + ((yc - ay) / (by - ay)) * (edges[e + 2] - edges[e]));
        }
        xs.sort((a, b) => a - b);
        for (let q = 0; q + 1 < xs.length; q += 2) {
          const i0 = Math.max(0, Math.ceil((xs[q] - this.x0) / this.cell - 0.5)), i1 = Math.min(this.W - 1, Math.floor((xs[q + 1] - this.x0) / this.cell - 0.5));
          for (let i = i0; i <= i1; i++) { set(j * this.W + i); count++; }
        }
      }
    }
    if (count === 0) {
      const first = polys[0]?.[0]?.[0];
      if (first) { const k = this.at(first[0], first[1]); if (k >= 0) { set(k); count = 1; } }
    }
    return count;
  }

  /** Calls `set(k)` for every cell a polyline passes through (sampled every half cell). */
  traceLine(c: readonly Position[], set: (k: number) => void): void {
    for (let a = 0; a < c.length; a++) {
      if (a === 0) { const k = this.at(c[0][0], c[0][1]); if (k >= 0) set(k); continue; }
      const ax = this.x(c[a - 1][0]), ay = this.y(c[a - 1][1]), bx = this.x(c[a][0]), by = this.y(c[a][1]);
      const steps = Math.max(1, Math.ceil(Math.hypot(bx - ax, by - ay) / (this.cell / 2)));
      for (let s = 1; s <= steps; s++) {
        const t = s / steps;
        const i = Math.floor((ax + (bx - ax) * t - this.x0) / this.cell), j = Math.floor((ay + (by - ay) * t - this.y0) / this.cell);
        if (i >= 0 && j >= 0 && i < this.W && j < this.H) set(j * this.W + i);
      }
    }
  }

  /** Squared distance (in cells²) from every cell centre to the nearest seed cell centre; Infinity with no seed. */
  distance2(seed: Uint8Array): Float32Array {
    return edt(seed, this.W, this.H);
  }

  /** Mask of the cells within `radiusM` of a seed cell (straight line, centre to centre). */
  within(seed: Uint8Array, radiusM: number): Uint8Array {
    const d2 = this.distance2(seed);
    const r = radiusM / this.cell;
    const r2 = r * r + 1e-9;
    const out = new Uint8Array(this.size);
    for (let k = 0; k < out.length; k++) out[k] = d2[k] <= r2 ? 1 : 0;
    return out;
  }
}

/** Exact squared Euclidean distance transform of a binary image (1 = seed), in cell units. */
export function edt(seed: Uint8Array, W: number, H: number): Float32Array {
  const INF = 1e20;
  const out = new Float32Array(W * H);
  const n = Math.max(W, H);
  const f = new Float64Array(n), d = new Float64Array(n), z = new Float64Array(n + 1);
  const v = new Int32Array(n);
  // columns
  for (let i = 0; i < W; i++) {
    for (let j = 0; j < H; j++) f[j] = seed[j * W + i] ? 0 : INF;
    transform1d(f, H, d, v, z);
    for (let j = 0; j < H; j++) out[j * W + i] = d[j];
  }
  // rows
  for (let j = 0; j < H; j++) {
    const base = j * W;
    for (let i = 0; i < W; i++) f[i] = out[base + i];
    transform1d(f, W, d, v, z);
    for (let i = 0; i < W; i++) out[base + i] = d[i] >= INF / 2 ? Infinity : d[i];
  }
  return out;
}

function transform1d(f: Float64Array, n: number, d: Float64Array, v: Int32Array, z: Float64Array): void {
  let k = 0;
  v[0] = 0; z[0] = -Infinity; z[1] = Infinity;
  for (let q = 1; q < n; q++) {
    let s = (f[q] + q * q - (f[v[k]] + v[k] * v[k])) / (2 * q - 2 * v[k]);
    while (s <= z[k]) { k--; s = (f[q] + q * q - (f[v[k]] + v[k] * v[k])) / (2 * q - 2 * v[k]); }
    k++; v[k] = q; z[k] = s; z[k + 1] = Infinity;
  }
  k = 0;
  for (let q = 0; q < n; q++) {
    while (z[k + 1] < q) k++;
    const dq = q - v[k];
    d[q] = dq * dq + f[v[k]];
  }
}
