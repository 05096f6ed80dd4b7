import { metresPerDegree } from '../../model/geo.js';
import type { Position } from '../../model/geometry.js';
import type { WalkGraph } from './graph.js';
import { dijkstraKernel } from './kernels.js';
import { DEFAULT_SNAP_LIMIT_M, SNAP_ISLAND, SNAP_OK, SegmentIndex } from './snap.js';

/**
 * Isochrones: the area reachable on foot from a point within each of a list of minutes, as GeoJSON
 * polygons. The reached part of the network (whole edges, and partial edges cut at the remaining
 * distance, plus the access leg from the point) is buffered by `bufferM` and outlined: a distance
 * field on a grid in a local metric projection, contoured by marching squares with linear
 * interpolation, so the polygons are the buffer's union up to a fraction of a cell, with holes.
 */
export interface IsochroneOptions {
  /** half-width of the area around reached streets, metres (default 40) */
  bufferM?: number;
  /** grid cell, metres (default bufferM / 2, enlarged to keep the grid under ~2M cells) */
  cellM?: number;
  snapLimitM?: number;
  /** a prebuilt segment index of the graph (else one is built and cached per graph) */
  index?: SegmentIndex;
}

export interface IsochroneFeature {
  type: 'Feature';
  properties: { minutes: number; distance_m: number; speed_m_per_min: number; buffer_m: number; area_m2: number };
  geometry: { type: 'MultiPolygon'; coordinates: Position[][][] };
}

export interface IsochroneCollection {
  type: 'FeatureCollection';
  /** the start and where it joined the network */
  properties: { lon: number; lat: number; status: 'ok' | 'unsnapped' | 'island'; access_leg_m: number | null };
  features: IsochroneFeature[];
}

export const DEFAULT_SPEED_M_PER_MIN = 80;

const indexes = new WeakMap<WalkGraph, SegmentIndex>();
const scratch = new WeakMap<WalkGraph, { dist: Float64Array; heap: Int32Array; hpos: Int32Array }>();

export function segmentIndexOf(g: WalkGraph): SegmentIndex {
  let i = indexes.get(g);
  if (!i) indexes.set(g, (i = new SegmentIndex(g)));
  return i;
}

export function isochrone(
  graph: WalkGraph, lon: number, lat: number, minutes: readonly number[], speed = DEFAULT_SPEED_M_PER_MIN, opts: IsochroneOptions = {},
): IsochroneCollection {
  const idx = opts.index ?? segmentIndexOf(graph);
  const hit = idx.nearest(lon, lat, opts.snapLimitM ?? DEFAULT_SNAP_LIMIT_M);
  const buffer = opts.bufferM ?? 40;
  const mins = [...minutes].filter((m) => Number.isFinite(m) && m >= 0).sort((a, b) => a - b);
  const status = hit.status === SNAP_OK ? 'ok' : hit.status === SNAP_ISLAND ? 'island' : 'unsnapped';
  const fc: IsochroneCollection = {
    type: 'FeatureCollection',
    properties: { lon, lat, status, access_leg_m: Number.isFinite(hit.leg) ? Math.round(hit.leg * 10) / 10 : null },
    features: [],
  };
  const empty = (m: number): IsochroneFeature => ({
    type: 'Feature', properties: { minutes: m, distance_m: m * speed, speed_m_per_min: speed, buffer_m: buffer, area_m2: 0 },
    geometry: { type: 'MultiPolygon', coordinates: [] },
  });
  if (hit.status !== SNAP_OK || !mins.length) { fc.features = mins.map(empty); return fc; }

  const g = graph;
  const rMax = mins[mins.length - 1] * speed;
  let s = scratch.get(g);
  if (!s) scratch.set(g, (s = { dist: new Float64Array(g.nodeCount), heap: new Int32Array(g.nodeCount), hpos: new Int32Array(g.nodeCount) }));
  const e0 = hit.edge, p0 = hit.pos, leg = hit.leg, len0 = g.edgeLen[e0];
  dijkstraKernel(g.offsets, g.adj, g.adjW, g.nodeCount, Uint32Array.of(g.edgeU[e0], g.edgeV[e0]), Float64Array.of(p0 + leg, len0 - p0 + leg), 2, rMax, s.dist, s.heap, s.hpos);
  const dist = s.dist;
  const [kx, ky] = metresPerDegree(lat);
  const X = (k: number) => (g.vLon[k] - lon) * kx;
  const Y = (k: number) => (g.vLat[k] - lat) * ky;

  for (const m of mins) {
    const R = m * speed;
    const segs: number[] = [];
    // the part of edge e between positions a and b
    const piece = (e: number, a: number, b: number) => {
      if (b < a) return;
      const first = g.edgeFirst[e], last = g.edgeLast[e], base = g.vPos[first];
      for (let k = first; k < last; k++) {
        const q0 = g.vPos[k] - base, q1 = g.vPos[k + 1] - base;
        if (q1 < a || q0 > b) continue;
        const l = q1 - q0;
        const t0 = l > 0 ? Math.max(0, (a - q0) / l) : 0, t1 = l > 0 ? Math.min(1, (b - q0) / l) : 1;
        const x0 = X(k), y0 = Y(k), x1 = X(k + 1), y1 = Y(k + 1);
        segs.push(x0 + (x1 - x0) * t0, y0 + (y1 - y0) * t0, x0 + (x1 - x0) * t1, y0 + (y1 - y0) * t1);
      }
    };
    // access leg from the point towards the network, then along its edge both ways
    const snapPt = pointAt(g, e0, p0);
    const sx = (snapPt[0] - lon) * kx, sy = (snapPt[1] - lat) * ky;
    const f = leg > 0 ? Math.min(1, R / leg) : 1;
    segs.push(0, 0, sx * f, sy * f);
    if (R > leg) piece(e0, Math.max(0, p0 - (R - leg)), Math.min(len0, p0 + (R - leg)));
    for (let e = 0; e < g.edgeCount; e++) {
      const du = dist[g.edgeU[e]], dv = dist[g.edgeV[e]], len = g.edgeLen[e];
      if (du < R && dv < R && du + len <= R + 1e-9 && dv + len <= R + 1e-9) { piece(e, 0, len); continue; }
      if (du < R) piece(e, 0, Math.min(len, R - du));
      if (dv < R) piece(e, Math.max(0, len - (R - dv)), len);
    }
    const rings = outline(segs, buffer, opts.cellM);
    const polys = assemble(rings);
    let area = 0;
    const coordinates = polys.map((p) => p.map((ring, i) => {
      const a = ringArea(ring);
      area += i === 0 ? a : -Math.abs(a);
      const out: Position[] = [];
      for (let k = 0; k < ring.length; k += 2) out.push([round7(lon + ring[k] / kx), round7(lat + ring[k + 1] / ky)]);
      out.push(out[0]);
      return out;
    }));
    fc.features.push({
      type: 'Feature',
      properties: { minutes: m, distance_m: R, speed_m_per_min: speed, buffer_m: buffer, area_m2: Math.round(area) },
      geometry: { type: 'MultiPolygon', coordinates },
    });
  }
  return fc;
}

const round7 = (v: number) => Math.round(v * 1e7) / 1e7;

/** lon/lat of the point at `pos` metres along edge e */
export function pointAt(g: WalkGraph, e: number, pos: number): Position {
  const first = g.edgeFirst[e], last = g.edgeLast[e], base = g.vPos[first];
  for (let k = first; k < last; k++) {
    const q0 = g.vPos[k] - base, q1 = g.vPos[k + 1] - base;
    if (pos <= q1 || k === last - 1) {
      const t = q1 > q0 ? Math.min(1, Math.max(0, (pos - q0) / (q1 - q0))) : 0;
      return [g.vLon[k] + (g.vLon[k + 1] - g.vLon[k]) * t, g.vLat[k] + (g.vLat[k + 1] - g.vLat[k]) * t];
    }
  }
  return [g.vLon[first], g.vLat[first]];
}

function ringArea(r: number[]): number {
  let s = 0;
  const n = r.length / 2;
  for (let i = 0, j = n - 1; i < n; j = i++) s += r[2 * j] * r[2 * i + 1] - r[2 * i] * r[2 * j + 1];
  return s / 2;
}

/**
 * Rings (flat x,y in local metres, counter-clockwise around the inside) of the set of points within
 * `buffer` of the segments (flat x0,y0,x1,y1).
 */
export function outline(segs: readonly number[], buffer: number, cellM?: number): number[][] {
  if (!segs.length) return [];
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (let i = 0; i < segs.length; i += 2) {
    if (segs[i] < minX) minX = segs[i]; if (segs[i] > maxX) maxX = segs[i];
    if (segs[i + 1] < minY) minY = segs[i + 1]; if (segs[i + 1] > maxY) maxY = segs[i + 1];
  }
  let cell = cellM ?? Math.max(1, buffer / 2);
  const span = Math.max(maxX - minX, maxY - minY) + 2 * buffer;
  while ((span / cell) ** 2 > 2_000_000) cell *= 1.5;
  const pad = buffer + 2 * cell;
  const x0 = minX - pad, y0 = minY - pad;
  const W = Math.ceil((maxX - minX + 2 * pad) / cell), H = Math.ceil((maxY - minY + 2 * pad) / cell);
  const W1 = W + 1;
  const f = new Float64Array(W1 * (H + 1)).fill(-pad);
  const reach = buffer + 1.5 * cell;
  for (let s = 0; s < segs.length; s += 4) {
    const ax = segs[s], ay = segs[s + 1], bx = segs[s + 2], by = segs[s + 3];
    const dx = bx - ax, dy = by - ay, l2 = dx * dx + dy * dy;
    const i0 = Math.max(0, Math.floor((Math.min(ax, bx) - reach - x0) / cell)), i1 = Math.min(W, Math.ceil((Math.max(ax, bx) + reach - x0) / cell));
    const j0 = Math.max(0, Math.floor((Math.min(ay, by) - reach - y0) / cell)), j1 = Math.min(H, Math.ceil((Math.max(ay, by) + reach - y0) / cell));
    for (let j = j0; j <= j1; j++) {
      const py = y0 + j * cell;
      for (let i = i0; i <= i1; i++) {
        const px = x0 + i * cell;
        let t = l2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / l2 : 0;
        if (t < 0) t = 0; else if (t > 1) t = 1;
        const qx = ax + t * dx - px, qy = ay + t * dy - py;
        const v = buffer - Math.sqrt(qx * qx + qy * qy);
        const k = j * W1 + i;
        if (v > f[k]) f[k] = v;
      }
    }
  }
  // marching squares: each crossing is on a grid edge; a segment runs from the crossing where the
  // cell boundary (walked counter-clockwise) leaves the inside to where it comes back, so the inside
  // is on the left and outer rings come out counter-clockwise, holes clockwise
  const next = new Int32Array(2 * W1 * (H + 1)).fill(-1);
  const hId = (i: number, j: number) => 2 * (j * W1 + i);
  const vId = (i: number, j: number) => 2 * (j * W1 + i) + 1;
  const ids = [0, 0, 0, 0], from = [0, 0, 0, 0];
  for (let j = 0; j < H; j++) {
    for (let i = 0; i < W; i++) {
      const fa = f[j * W1 + i], fb = f[j * W1 + i + 1], fc = f[(j + 1) * W1 + i + 1], fd = f[(j + 1) * W1 + i];
      const a = fa > 0, b = fb > 0, c = fc > 0, d = fd > 0;
      if (a === b && b === c && c === d) continue;
      let n = 0;
      // bottom a→b, right b→c, top c→d, left d→a
      if (a !== b) { ids[n] = hId(i, j); from[n++] = a ? 1 : 0; }
      if (b !== c) { ids[n] = vId(i + 1, j); from[n++] = b ? 1 : 0; }
      if (c !== d) { ids[n] = hId(i, j + 1); from[n++] = c ? 1 : 0; }
      if (d !== a) { ids[n] = vId(i, j); from[n++] = d ? 1 : 0; }
      if (n === 2) {
        if (from[0]) next[ids[0]] = ids[1]; else next[ids[1]] = ids[0];
      } else {
        const centreIn = fa + fb + fc + fd > 0;
        for (let k = 0; k < 4; k++) {
          if (!from[k]) continue;
          next[ids[k]] = ids[centreIn ? (k + 1) % 4 : (k + 3) % 4];
        }
      }
    }
  }
  const point = (id: number, out: number[]) => {
    const vert = id & 1, base = id >> 1;
    const i = base % W1, j = (base - i) / W1;
    const f0 = f[base], f1 = vert ? f[base + W1] : f[base + 1];
    const t = f0 / (f0 - f1);
    if (vert) out.push(x0 + i * cell, y0 + (j + t) * cell); else out.push(x0 + (i + t) * cell, y0 + j * cell);
  };
  const rings: number[][] = [];
  for (let start = 0; start < next.length; start++) {
    if (next[start] < 0) continue;
    const ring: number[] = [];
    let id = start;
    while (next[id] >= 0) {
      point(id, ring);
      const nx = next[id];
      next[id] = -1;
      id = nx;
    }
    if (ring.length >= 6) rings.push(simplifyCollinear(ring));
  }
  return rings;
}

function simplifyCollinear(r: number[]): number[] {
  const n = r.length / 2;
  if (n <= 4) return r;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const p = (i + n - 1) % n, q = (i + 1) % n;
    const cross = (r[2 * i] - r[2 * p]) * (r[2 * q + 1] - r[2 * p + 1]) - (r[2 * i + 1] - r[2 * p + 1]) * (r[2 * q] - r[2 * p]);
    if (Math.abs(cross) > 1e-9) out.push(r[2 * i], r[2 * i + 1]);
  }
  return out.length >= 6 ? out : r;
}

function pointInRing(x: number, y: number, r: number[]): boolean {
  let inside = false;
  const n = r.length / 2;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const xi = r[2 * i], yi = r[2 * i + 1], xj = r[2 * j], yj = r[2 * j + 1];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Outer rings (counter-clockwise) with the holes (clockwise) that lie directly in them. */
export function assemble(rings: number[][]): number[][][] {
  const outers: { ring: number[]; area: number; holes: number[][] }[] = [];
  const holes: number[][] = [];
  for (const r of rings) { const a = ringArea(r); if (a > 0) outers.push({ ring: r, area: a, holes: [] }); else if (a < 0) holes.push(r); }
  for (const h of holes) {
    let best: (typeof outers)[number] | undefined;
    for (const o of outers) if ((!best || o.area < best.area) && pointInRing(h[0], h[1], o.ring)) best = o;
    best?.holes.push(h);
  }
  return outers.sort((a, b) => b.area - a.area).map((o) => [o.ring, ...o.holes]);
}
