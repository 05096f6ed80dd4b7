import Flatbush from 'flatbush';
import type { Areal } from '../../model/geometry.js';
import { metresPerDegree } from '../../model/geo.js';
import { hilbertOrder, sharedF64, sharedI32, type WalkGraph } from './graph.js';

/**
 * Snapping: a place joins the network at the nearest point of the nearest walkable segment
 * (projection onto the segment, which splits its edge virtually), plus the straight access leg.
 * Distances are metres in a local equirectangular projection at the place (ellipsoidal scale
 * factors of `metresPerDegree`), which over a few hundred metres agrees with `distanceM` to ~1e-6.
 */
export const SNAP_OK = 0;
/** no walkable edge within the snap limit */
export const SNAP_NONE = 1;
/** only a tiny island component within the snap limit: reported, no distance given */
export const SNAP_ISLAND = 2;
export const SNAP_STATUS = ['ok', 'unsnapped', 'island'] as const;

export const DEFAULT_SNAP_LIMIT_M = 300;
export const DEFAULT_POLYGON_REACH_M = 25;

export interface SnapHit {
  status: number;
  /** edge and position along it (metres from its first node) */
  edge: number;
  pos: number;
  /** straight access leg, metres */
  leg: number;
  /** the nearest edge was on a tiny island, and the place was snapped to the main network instead */
  passedIsland: boolean;
}

/** Flatbush over every segment of the graph, in a metric projection centred on the graph. */
export class SegmentIndex {
  readonly index: Flatbush | null;
  /** start vertex and edge of each indexed segment */
  readonly segV: Uint32Array;
  readonly segEdge: Uint32Array;
  readonly lon0: number;
  readonly lat0: number;
  readonly kx0: number;
  readonly ky0: number;
  private readonly tinySeg: Uint8Array;

  constructor(readonly graph: WalkGraph) {
    const g = graph;
    let n = 0;
    for (let e = 0; e < g.edgeCount; e++) n += g.edgeLast[e] - g.edgeFirst[e];
    const segV = new Uint32Array(n), segEdge = new Uint32Array(n), tinySeg = new Uint8Array(n);
    this.lon0 = Number.isFinite(g.bbox[0]) ? (g.bbox[0] + g.bbox[2]) / 2 : 0;
    this.lat0 = Number.isFinite(g.bbox[1]) ? (g.bbox[1] + g.bbox[3]) / 2 : 0;
    [this.kx0, this.ky0] = metresPerDegree(this.lat0);
    const index = n > 0 ? new Flatbush(n, 16, Float32Array, SharedArrayBuffer as unknown as ArrayBufferConstructor) : null;
    let s = 0;
    const { vLon, vLat } = g;
    for (let e = 0; e < g.edgeCount; e++) {
      const tiny = g.tiny[g.component[g.edgeU[e]]];
      for (let k = g.edgeFirst[e]; k < g.edgeLast[e]; k++) {
        segV[s] = k; segEdge[s] = e; tinySeg[s] = tiny;
        const x0 = (vLon[k] - this.lon0) * this.kx0, x1 = (vLon[k + 1] - this.lon0) * this.kx0;
        const y0 = (vLat[k] - this.lat0) * this.ky0, y1 = (vLat[k + 1] - this.lat0) * this.ky0;
        // float32 boxes: pad outward so rounding never shrinks them
        index!.add(Math.min(x0, x1) - 0.02, Math.min(y0, y1) - 0.02, Math.max(x0, x1) + 0.02, Math.max(y0, y1) + 0.02);
        s++;
      }
    }
    index?.finish();
    this.index = index;
    this.segV = segV; this.segEdge = segEdge; this.tinySeg = tinySeg;
    this.filter = this.visit.bind(this);
  }

  // ---- nearest segment to a point ------------------------------------------------------------
  private qLon = 0; private qLat = 0; private qkx = 1; private qky = 1;
  private bestAll = Infinity; private bestAllSeg = -1; private bestAllT = 0;
  private bestMain = Infinity; private bestMainSeg = -1; private bestMainT = 0;
  private readonly filter: (i: number) => boolean;

  private visit(i: number): boolean {
    const k = this.segV[i];
    const { vLon, vLat } = this.graph;
    const ax = (vLon[k] - this.qLon) * this.qkx, ay = (vLat[k] - this.qLat) * this.qky;
    const bx = (vLon[k + 1] - this.qLon) * this.qkx, by = (vLat[k + 1] - this.qLat) * this.qky;
    const dx = bx - ax, dy = by - ay;
    const l2 = dx * dx + dy * dy;
    let t = l2 > 0 ? -(ax * dx + ay * dy) / l2 : 0;
    if (t < 0) t = 0; else if (t > 1) t = 1;
    const px = ax + t * dx, py = ay + t * dy;
    const d2 = px * px + py * py;
    if (d2 < this.bestAll || (d2 === this.bestAll && i < this.bestAllSeg)) { this.bestAll = d2; this.bestAllSeg = i; this.bestAllT = t; }
    if (!this.tinySeg[i] && (d2 < this.bestMain || (d2 === this.bestMain && i < this.bestMainSeg))) { this.bestMain = d2; this.bestMainSeg = i; this.bestMainT = t; }
    return false;
  }

  /** position along the edge of the point at fraction t of segment s */
  segPos(s: number, t: number): number {
    const g = this.graph;
    const k = this.segV[s];
    return g.vPos[k] - g.vPos[g.edgeFirst[this.segEdge[s]]] + t * (g.vPos[k + 1] - g.vPos[k]);
  }

  /** global search radius (projected units) that covers `r` metres around latitude `lat` */
  private searchRadius(r: number, lat: number): number {
    const [kx, ky] = metresPerDegree(lat);
    return r * Math.max(1, this.kx0 / kx, this.ky0 / ky) * 1.000001 + 0.05;
  }

  /**
   * The nearest point of the network to (lon, lat), preferring the main network over tiny islands.
   * Searches growing radii (40 m, 120 m, then the limit); a radius is enough once the best exact
   * distance found is within it.
   */
  nearest(lon: number, lat: number, limitM: number, hit: SnapHit = emptyHit()): SnapHit {
    hit.status = SNAP_NONE; hit.edge = -1; hit.pos = 0; hit.leg = Infinity; hit.passedIsland = false;
    if (!this.index || !(Number.isFinite(lon) && Number.isFinite(lat))) return hit;
    this.qLon = lon; this.qLat = lat;
    [this.qkx, this.qky] = metresPerDegree(lat);
    this.bestAll = this.bestMain = Infinity; this.bestAllSeg = this.bestMainSeg = -1;
    const x = (lon - this.lon0) * this.kx0, y = (lat - this.lat0) * this.ky0;
    const limit2 = limitM * limitM;
    let r = Math.min(40, limitM);
    for (;;) {
      // every segment whose box meets the square around the disk of radius r is measured exactly by
      // the filter (which keeps nothing): a box query, ~2× cheaper than flatbush's `neighbors` here
      const R = this.searchRadius(r, lat);
      this.index.search(x - R, y - R, x + R, y + R, this.filter);
      if (this.bestMain <= r * r || r >= limitM) break;
      r = Math.min(limitM, r * 3);
    }
    if (this.bestMainSeg >= 0 && this.bestMain <= limit2) {
      hit.status = SNAP_OK;
      hit.edge = this.segEdge[this.bestMainSeg];
      hit.pos = this.segPos(this.bestMainSeg, this.bestMainT);
      hit.leg = Math.sqrt(this.bestMain);
      hit.passedIsland = this.bestAll < this.bestMain;
    } else if (this.bestAllSeg >= 0 && this.bestAll <= limit2) {
      hit.status = SNAP_ISLAND;
      hit.leg = Math.sqrt(this.bestAll);
    }
    return hit;
  }

  // ---- contacts of a polygon with the network ------------------------------------------------

  /**
   * Where a polygon meets the network: every part of a segment inside the polygon (cost 0, the
   * boundary is where the place begins), every segment touching it, and the nearest point of every
   * segment within `reachM` of its boundary (cost = the gap). When no segment is within reach, the
   * single nearest point within `limitM` (like a point place). Segments on tiny islands are used
   * only when nothing else is in reach, and then the polygon is reported as an island.
   */
  polygonContacts(g: Areal, reachM: number, limitM: number, sink: ContactSink): number {
    if (!this.index) return SNAP_NONE;
    const polys = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
    let minLon = Infinity, minLat = Infinity, maxLon = -Infinity, maxLat = -Infinity;
    for (let p = 0; p < polys.length; p++) for (let r = 0; r < polys[p].length; r++) {
      const ring = polys[p][r];
      for (let i = 0; i < ring.length; i++) {
        const x = ring[i][0], y = ring[i][1];
        if (x < minLon) minLon = x; if (x > maxLon) maxLon = x; if (y < minLat) minLat = y; if (y > maxLat) maxLat = y;
      }
    }
    if (!Number.isFinite(minLon)) return SNAP_NONE;
    const cLon = (minLon + maxLon) / 2, cLat = (minLat + maxLat) / 2;
    const [kx, ky] = metresPerDegree(cLat);
    const rings: Float64Array[] = [];
    for (let p = 0; p < polys.length; p++) for (let r = 0; r < polys[p].length; r++) {
      const ring = polys[p][r];
      if (ring.length < 3) continue;
      const closed = ring[0][0] === ring[ring.length - 1][0] && ring[0][1] === ring[ring.length - 1][1];
      const m = closed ? ring.length : ring.length + 1;
      const a = new Float64Array(2 * m);
      for (let i = 0; i < m; i++) {
        const q = ring[i % ring.length];
        a[2 * i] = (q[0] - cLon) * kx; a[2 * i + 1] = (q[1] - cLat) * ky;
      }
      rings.push(a);
    }
    if (!rings.length) return SNAP_NONE;
    const gx0 = (minLon - this.lon0) * this.kx0, gx1 = (maxLon - this.lon0) * this.kx0;
    const gy0 = (minLat - this.lat0) * this.ky0, gy1 = (maxLat - this.lat0) * this.ky0;
    const vLon = this.graph.vLon, vLat = this.graph.vLat;
    const c: Contact = { dist: 0, t: 0, intervals: [] };
    const px0 = (minLon - cLon) * kx, px1 = (maxLon - cLon) * kx, py0 = (minLat - cLat) * ky, py1 = (maxLat - cLat) * ky;

    let r = Math.min(reachM, limitM);
    let best = Infinity, bestSeg = -1, bestIv: number[] = [], islandBest = Infinity;
    for (;;) {
      const R = this.searchRadius(r, maxLat >= 0 ? maxLat : minLat);
      const cand = this.index.search(gx0 - R, gy0 - R, gx1 + R, gy1 + R);
      let emitted = 0;
      for (const s of cand) {
        const k = this.segV[s];
        const ax = (vLon[k] - cLon) * kx, ay = (vLat[k] - cLat) * ky, bx = (vLon[k + 1] - cLon) * kx, by = (vLat[k + 1] - cLat) * ky;
        // a lower bound first (box to box): most candidates of a wide search are pruned here
        const bdx = Math.max(0, Math.min(ax, bx) - px1, px0 - Math.max(ax, bx)), bdy = Math.max(0, Math.min(ay, by) - py1, py0 - Math.max(ay, by));
        const bd = Math.sqrt(bdx * bdx + bdy * bdy);
        if (bd > r || (r > reachM && bd > (this.tinySeg[s] ? islandBest : best))) continue;
        // a segment whose box misses the polygon's box can neither cross nor lie inside it
        segmentPolygonContact(ax, ay, bx, by, rings, c, bd > 0, r);
        if (c.dist > r) continue;
        if (this.tinySeg[s]) { if (c.dist < islandBest) islandBest = c.dist; continue; }
        if (r <= reachM) {
          const e = this.segEdge[s];
          for (let j = 0; j < c.intervals.length; j += 2) sink(e, this.segPos(s, c.intervals[j]), this.segPos(s, c.intervals[j + 1]), c.dist);
          emitted++;
        } else if (c.dist < best || (c.dist === best && s < bestSeg)) { best = c.dist; bestSeg = s; bestIv = c.intervals.slice(); }
      }
      if (emitted) return SNAP_OK;
      if (bestSeg >= 0) {
        for (let j = 0; j < bestIv.length; j += 2) sink(this.segEdge[bestSeg], this.segPos(bestSeg, bestIv[j]), this.segPos(bestSeg, bestIv[j + 1]), best);
        return SNAP_OK;
      }
      if (r >= limitM) break;
      r = Math.min(limitM, Math.max(r * 3, 40));
    }
    return islandBest <= limitM ? SNAP_ISLAND : SNAP_NONE;
  }
}

export type ContactSink = (edge: number, pos0: number, pos1: number, cost: number) => void;

function emptyHit(): SnapHit { return { status: SNAP_NONE, edge: -1, pos: 0, leg: Infinity, passedIsland: false }; }

interface Contact {
  /** distance between segment and polygon (0 when they meet) */
  dist: number;
  /** fraction along the segment of the (first) closest point */
  t: number;
  /** fractions [t0, t1, t0, t1, ...] of the segment inside the polygon (dist 0), or of its closest points */
  intervals: number[];
}

function pointInRings(x: number, y: number, rings: Float64Array[]): boolean {
  let inside = false;
  for (let k = 0; k < rings.length; k++) {
    const r = rings[k];
    const m = r.length / 2;
    for (let i = 0, j = m - 1; i < m; j = i++) {
      const xi = r[2 * i], yi = r[2 * i + 1], xj = r[2 * j], yj = r[2 * j + 1];
      if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    }
  }
  return inside;
}

/**
 * Segment A→B against polygon rings (closed, local metres): inside parts, or touch, or gap.
 * `apart`: the caller knows the segment's box misses the rings' box (so it neither crosses nor
 * lies inside them, and only the gap is measured). `within`: the caller needs the gap only when it
 * is at most this; a larger one may be reported as any value above it. Ring edges whose boxes are
 * too far from the segment's box to cross it or to come within reach are passed over (a big park
 * has hundreds of edges, and most segments near it are close to a few). Allocation-free: it runs
 * once per segment near every facility polygon, mostly before the code is optimised.
 */
export function segmentPolygonContact(ax: number, ay: number, bx: number, by: number, rings: Float64Array[], out: Contact, apart = false, within = Infinity): void {
  const dx = bx - ax, dy = by - ay;
  out.intervals.length = 0;
  // the segment's box; an edge box farther than `far` on either axis can have no candidate within reach (or within the tolerance of the nearest)
  const sx0 = ax < bx ? ax : bx, sx1 = ax < bx ? bx : ax, sy0 = ay < by ? ay : by, sy1 = ay < by ? by : ay;
  const far = within + 1e-5;
  if (!apart) {
    let nt = 0;
    for (let k = 0; k < rings.length; k++) {
      const r = rings[k];
      const m = r.length / 2 - 1;
      if (ts.length < nt + m + 2) ts = grow(ts, nt + m + 2);
      for (let j = 0; j < m; j++) {
        const cx = r[2 * j], cy = r[2 * j + 1], x2 = r[2 * j + 2], y2 = r[2 * j + 3];
        // boxes apart (by more than rounding): the two cannot cross
        if ((cx < x2 ? x2 : cx) < sx0 - 1e-9 || (cx < x2 ? cx : x2) > sx1 + 1e-9 || (cy < y2 ? y2 : cy) < sy0 - 1e-9 || (cy < y2 ? cy : y2) > sy1 + 1e-9) continue;
        const ex = x2 - cx, ey = y2 - cy;
        const den = dx * ey - dy * ex;
        if (den === 0) continue;
        const wx = cx - ax, wy = cy - ay;
        const t = (wx * ey - wy * ex) / den;
        const u = (wx * dy - wy * dx) / den;
        if (t >= 0 && t <= 1 && u >= 0 && u <= 1) ts[nt++] = t;
      }
    }
    if (nt || pointInRings(ax, ay, rings)) {
      ts[nt++] = 0; ts[nt++] = 1;
      const sorted = ts.subarray(0, nt).sort();
      for (let i = 0; i + 1 < nt; i++) {
        const t0 = sorted[i], t1 = sorted[i + 1];
        if (t1 - t0 <= 1e-12) continue;
        const tm = (t0 + t1) / 2;
        if (!pointInRings(ax + tm * dx, ay + tm * dy, rings)) continue;
        const n = out.intervals.length;
        if (n && out.intervals[n - 1] === t0) out.intervals[n - 1] = t1;
        else out.intervals.push(t0, t1);
      }
      if (out.intervals.length) { out.dist = 0; out.t = out.intervals[0]; return; }
    }
  }
  // apart (or touching): the closest points. Where several points of the segment are equally close
  // (a segment parallel to the boundary), the whole stretch between them is, when its middle is too.
  let nc = 0;
  let best = Infinity;
  const l2 = dx * dx + dy * dy;
  for (let q = 0; q < rings.length; q++) {
    const r = rings[q];
    const m = r.length / 2 - 1;
    if (cand.length < 8 * (nc + m)) cand = grow(cand, 8 * (nc + m));
    for (let j = 0; j < m; j++) {
      const cx = r[2 * j], cy = r[2 * j + 1], ex = r[2 * j + 2], ey = r[2 * j + 3];
      if ((cx < ex ? ex : cx) < sx0 - far || (cx < ex ? cx : ex) > sx1 + far || (cy < ey ? ey : cy) < sy0 - far || (cy < ey ? cy : ey) > sy1 + far) continue;
      // segment ends against the ring edge, ring edge ends against the segment
      const fx = ex - cx, fy = ey - cy, f2 = fx * fx + fy * fy;
      for (let k = 0; k < 2; k++) {
        const px = k ? bx : ax, py = k ? by : ay;
        let u = f2 > 0 ? ((px - cx) * fx + (py - cy) * fy) / f2 : 0;
        if (u < 0) u = 0; else if (u > 1) u = 1;
        const qx = cx + u * fx - px, qy = cy + u * fy - py, d2 = qx * qx + qy * qy;
        cand[2 * nc] = k; cand[2 * nc + 1] = d2; nc++;
        if (d2 < best) best = d2;
      }
      for (let k = 0; k < 2; k++) {
        const px = k ? ex : cx, py = k ? ey : cy;
        let t = l2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / l2 : 0;
        if (t < 0) t = 0; else if (t > 1) t = 1;
        const qx = ax + t * dx - px, qy = ay + t * dy - py, d2 = qx * qx + qy * qy;
        cand[2 * nc] = t; cand[2 * nc + 1] = d2; nc++;
        if (d2 < best) best = d2;
      }
    }
  }
  // (no edge within reach: the gap is more than `within`)
  if (!nc) { out.dist = Infinity; out.t = 0; return; }
  const dist = Math.sqrt(best);
  const tol = dist + 1e-6;
  const tol2 = tol * tol;
  let n2 = 0;
  if (ts.length < nc) ts = grow(ts, nc);
  for (let i = 0; i < nc; i++) if (cand[2 * i + 1] <= tol2) ts[n2++] = cand[2 * i];
  const ts2 = n2 > 1 ? ts.subarray(0, n2).sort() : ts;
  out.dist = dist;
  out.t = ts2[0];
  let run0 = ts2[0], run1 = ts2[0];
  for (let i = 1; i <= n2; i++) {
    const t = ts2[i];
    if (i < n2 && (t - run1 <= 1e-12 || pointRingsDist(ax + dx * (run1 + t) / 2, ay + dy * (run1 + t) / 2, rings) <= tol)) { run1 = t; continue; }
    out.intervals.push(run0, run1);
    if (i < n2) run0 = run1 = t;
  }
}

/** scratch for segmentPolygonContact: crossing fractions, then closest fractions */
let ts = new Float64Array(256);
/** scratch for segmentPolygonContact: (t, squared distance) candidates */
let cand = new Float64Array(1024);
const grow = (a: Float64Array, n: number) => { const b = new Float64Array(Math.max(2 * a.length, n)); b.set(a); return b; };

function pointRingsDist(px: number, py: number, rings: Float64Array[]): number {
  let best = Infinity;
  for (let k = 0; k < rings.length; k++) {
    const r = rings[k];
    const m = r.length / 2 - 1;
    for (let j = 0; j < m; j++) {
      const ax = r[2 * j], ay = r[2 * j + 1], dx = r[2 * j + 2] - ax, dy = r[2 * j + 3] - ay;
      const l2 = dx * dx + dy * dy;
      let t = l2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / l2 : 0;
      if (t < 0) t = 0; else if (t > 1) t = 1;
      const qx = ax + t * dx - px, qy = ay + t * dy - py;
      const d2 = qx * qx + qy * qy;
      if (d2 < best) best = d2;
    }
  }
  return Math.sqrt(best);
}

// ---- batches -----------------------------------------------------------------------------------

/** Snapped places, columnar (on SharedArrayBuffers, read by the search workers). */
export interface SnappedPoints {
  count: number;
  edge: Int32Array;
  pos: Float64Array;
  leg: Float64Array;
  status: Uint8Array;
  passedIsland: number;
  /** the snapped places, sorted by edge */
  order: Int32Array;
}

export function snapPoints(index: SegmentIndex, lon: ArrayLike<number>, lat: ArrayLike<number>, limitM = DEFAULT_SNAP_LIMIT_M): SnappedPoints {
  const n = lon.length;
  const out: SnappedPoints = { count: n, edge: sharedI32(n), pos: sharedF64(n), leg: sharedF64(n), status: new Uint8Array(n), passedIsland: 0, order: sharedI32(0) };
  const hit = emptyHit();
  // visit the places along a Hilbert curve: consecutive queries touch the same parts of the tree
  // and of the vertex arrays (5× faster than input order on a megacity)
  const order = n > 1024 ? hilbertOrder(n, (i) => (Number.isFinite(lon[i]) ? lon[i] : 0), (i) => (Number.isFinite(lat[i]) ? lat[i] : 0)) : null;
  for (let k = 0; k < n; k++) {
    const i = order ? order[k] : k;
    index.nearest(lon[i], lat[i], limitM, hit);
    out.status[i] = hit.status;
    if (hit.status === SNAP_OK) {
      out.edge[i] = hit.edge; out.pos[i] = hit.pos; out.leg[i] = hit.leg;
      if (hit.passedIsland) out.passedIsland++;
    } else { out.edge[i] = -1; out.leg[i] = hit.leg; }
  }
  out.order = orderByEdge(out.edge, index.graph.edgeCount);
  return out;
}

/** indices of the entries with edge >= 0, sorted by edge (counting sort) */
export function orderByEdge(edge: Int32Array, edgeCount: number): Int32Array {
  const start = new Uint32Array(edgeCount + 1);
  let m = 0;
  for (let i = 0; i < edge.length; i++) if (edge[i] >= 0) { start[edge[i] + 1]++; m++; }
  for (let e = 0; e < edgeCount; e++) start[e + 1] += start[e];
  const order = sharedI32(m);
  for (let i = 0; i < edge.length; i++) if (edge[i] >= 0) order[start[edge[i]]++] = i;
  return order;
}

/** A facility as the search sees it. */
export interface Place {
  id: string;
  geometry: { type: 'Point'; coordinates: [number, number] } | Areal;
}

/** The access intervals of one category's facilities, sorted by edge (what the kernels read). */
export interface SourceSet {
  count: number;
  edge: Int32Array;
  pos0: Float64Array;
  pos1: Float64Array;
  cost: Float64Array;
  facilities: number;
  snapped: number;
  /** ids of facilities with no walkable edge within the snap limit */
  unsnapped: string[];
  /** ids of facilities that only reach a tiny island */
  island: string[];
}

export interface SourceOptions {
  snapLimitM?: number;
  polygonReachM?: number;
}

export function snapSources(index: SegmentIndex, places: readonly Place[], opts: SourceOptions = {}): SourceSet {
  const limit = opts.snapLimitM ?? DEFAULT_SNAP_LIMIT_M;
  const reach = opts.polygonReachM ?? DEFAULT_POLYGON_REACH_M;
  const e: number[] = [], p0: number[] = [], p1: number[] = [], cost: number[] = [];
  const unsnapped: string[] = [], island: string[] = [];
  const sink: ContactSink = (edge, a, b, c) => { e.push(edge); p0.push(a); p1.push(b); cost.push(c); };
  const hit = emptyHit();
  let snapped = 0;
  const first = (p: Place, k: 0 | 1) => {
    const g = p.geometry;
    const c = g.type === 'Point' ? g.coordinates : g.type === 'Polygon' ? g.coordinates[0]?.[0] : g.coordinates[0]?.[0]?.[0];
    return c && Number.isFinite(c[k]) ? c[k] : 0;
  };
  const order = places.length > 1024 ? hilbertOrder(places.length, (i) => first(places[i], 0), (i) => first(places[i], 1)) : null;
  for (let k = 0; k < places.length; k++) {
    const pl = places[order ? order[k] : k];
    let status: number;
    if (pl.geometry.type === 'Point') {
      const [x, y] = pl.geometry.coordinates;
      index.nearest(x, y, limit, hit);
      status = hit.status;
      if (status === SNAP_OK) sink(hit.edge, hit.pos, hit.pos, hit.leg);
    } else {
      status = index.polygonContacts(pl.geometry, reach, limit, sink);
    }
    if (status === SNAP_OK) snapped++;
    else if (status === SNAP_ISLAND) island.push(pl.id);
    else unsnapped.push(pl.id);
  }
  const n = e.length;
  const byEdge = Array.from({ length: n }, (_, i) => i).sort((a, b) => e[a] - e[b] || p0[a] - p0[b]);
  const set: SourceSet = {
    count: n, edge: sharedI32(n), pos0: sharedF64(n), pos1: sharedF64(n), cost: sharedF64(n),
    facilities: places.length, snapped, unsnapped, island,
  };
  byEdge.forEach((j, i) => { set.edge[i] = e[j]; set.pos0[i] = p0[j]; set.pos1[i] = p1[j]; set.cost[i] = cost[j]; });
  return set;
}
