/**
 * Brute force, written independently of src/network: a vertex-level graph (every way vertex is a
 * node, no contraction), snapping by scanning every segment, places spliced into their segments as
 * extra nodes, and one plain O(n²) Dijkstra per origin.
 */
import { distanceM, metresPerDegree } from '../../src/model/geo.js';

export type Pos = [number, number];
export interface Way { coords: Pos[]; ids?: number[] }

export interface BruteSeg { a: number; b: number; len: number; ax: number; ay: number; bx: number; by: number }

export interface BruteGraph {
  n: number;
  x: number[]; y: number[];
  segs: BruteSeg[];
}

export function bruteGraph(ways: Way[]): BruteGraph {
  const key = new Map<string, number>();
  const x: number[] = [], y: number[] = [];
  const segs: BruteSeg[] = [];
  for (const w of ways) {
    let prev = -1;
    w.coords.forEach((c, i) => {
      const k = w.ids ? `id:${w.ids[i]}` : `xy:${c[0]},${c[1]}`;
      let v = key.get(k);
      if (v === undefined) { v = x.length; key.set(k, v); x.push(c[0]); y.push(c[1]); }
      if (prev >= 0 && prev !== v) {
        segs.push({ a: prev, b: v, len: distanceM(x[prev], y[prev], x[v], y[v]), ax: x[prev], ay: y[prev], bx: x[v], by: y[v] });
      }
      prev = v;
    });
  }
  return { n: x.length, x, y, segs };
}

export interface BruteSnap { seg: number; t: number; leg: number }

/** nearest segment by scanning all of them, local projection at the point */
export function bruteSnap(g: BruteGraph, lon: number, lat: number, limit: number): BruteSnap | null {
  const [kx, ky] = metresPerDegree(lat);
  let best: BruteSnap | null = null;
  g.segs.forEach((s, i) => {
    const ax = (s.ax - lon) * kx, ay = (s.ay - lat) * ky, bx = (s.bx - lon) * kx, by = (s.by - lat) * ky;
    const dx = bx - ax, dy = by - ay;
    const l2 = dx * dx + dy * dy;
    let t = l2 > 0 ? -(ax * dx + ay * dy) / l2 : 0;
    t = Math.max(0, Math.min(1, t));
    const d = Math.hypot(ax + t * dx, ay + t * dy);
    if (!best || d < best.leg) best = { seg: i, t, leg: d };
  });
  const b = best as BruteSnap | null;
  return b && b.leg <= limit ? b : null;
}

/** a source: a point on a segment (or a stretch t0..t1 of it, all of which is the facility) with an access cost */
export interface BruteSource { seg: number; t0: number; t1: number; cost: number }

/**
 * Distance from each origin (snapped) to the nearest source: per-origin Dijkstra on the graph with
 * all places spliced into their segments.
 */
export function bruteDistances(g: BruteGraph, origins: (BruteSnap | null)[], sources: BruteSource[], cutoff: number): number[] {
  // splice points into segments
  const n0 = g.n;
  let n = n0;
  const splits = new Map<number, { t: number; node: number }[]>();
  const addSplit = (seg: number, t: number) => {
    const node = n++;
    let l = splits.get(seg);
    if (!l) splits.set(seg, (l = []));
    l.push({ t, node });
    return node;
  };
  const originNode = origins.map((o) => (o ? addSplit(o.seg, o.t) : -1));
  const zeroStretches: [number, number][] = [];
  const sourceNodes: { node: number; cost: number }[] = [];
  for (const s of sources) {
    const a = addSplit(s.seg, s.t0);
    sourceNodes.push({ node: a, cost: s.cost });
    if (s.t1 > s.t0) {
      const b = addSplit(s.seg, s.t1);
      sourceNodes.push({ node: b, cost: s.cost });
      zeroStretches.push([a, b]);
    }
  }
  const adj: [number, number][][] = Array.from({ length: n }, () => []);
  const link = (u: number, v: number, w: number) => { adj[u].push([v, w]); adj[v].push([u, w]); };
  const inStretch = new Set<string>();
  // a sub-segment lying inside a zero-cost stretch costs nothing
  g.segs.forEach((s, i) => {
    const l = (splits.get(i) ?? []).slice().sort((p, q) => p.t - q.t);
    const pts = [{ t: 0, node: s.a }, ...l, { t: 1, node: s.b }];
    const stretches = sources.filter((src) => src.seg === i && src.t1 > src.t0);
    for (let k = 0; k + 1 < pts.length; k++) {
      const tm = (pts[k].t + pts[k + 1].t) / 2;
      const free = stretches.some((st) => tm >= st.t0 && tm <= st.t1);
      link(pts[k].node, pts[k + 1].node, free ? 0 : (pts[k + 1].t - pts[k].t) * s.len);
      if (free) inStretch.add(`${i}:${k}`);
    }
  });
  void zeroStretches; void inStretch;
  const srcCost = new Map<number, number>();
  for (const s of sourceNodes) srcCost.set(s.node, Math.min(srcCost.get(s.node) ?? Infinity, s.cost));

  return origins.map((o, i) => {
    if (!o) return NaN;
    // plain Dijkstra, O(n²)
    const dist = new Array<number>(n).fill(Infinity);
    const done = new Uint8Array(n);
    dist[originNode[i]] = 0;
    let best = Infinity;
    for (;;) {
      let u = -1, du = Infinity;
      for (let v = 0; v < n; v++) if (!done[v] && dist[v] < du) { du = dist[v]; u = v; }
      if (u < 0) break;
      done[u] = 1;
      const c = srcCost.get(u);
      if (c !== undefined && du + c < best) best = du + c;
      for (const [v, w] of adj[u]) if (du + w < dist[v]) dist[v] = du + w;
    }
    const d = best + o.leg;
    return d <= cutoff ? d : Infinity;
  });
}

/** deterministic PRNG (mulberry32) */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A random street network in a ~1.2 km box: ways run through shared junction nodes (with OSM ids)
 * and carry private shape vertices in between; some ways loop back onto themselves.
 */
export function randomWays(seed: number, opts: { junctions?: number; ways?: number; withIds?: boolean } = {}): Way[] {
  const r = rng(seed);
  const J = opts.junctions ?? 40;
  const W = opts.ways ?? 30;
  const lon0 = 116.3, lat0 = 39.95, span = 0.012;
  const jx = Array.from({ length: J }, () => lon0 + r() * span);
  const jy = Array.from({ length: J }, () => lat0 + r() * span * 0.8);
  let shapeId = 1_000_000;
  const ways: Way[] = [];
  for (let w = 0; w < W; w++) {
    const k = 2 + Math.floor(r() * 4);
    const coords: Pos[] = [], ids: number[] = [];
    let prev = -1;
    for (let i = 0; i < k; i++) {
      let j = Math.floor(r() * J);
      if (r() < 0.15 && coords.length > 2) j = ids[0] - 1; // back to the start: a loop
      if (j === prev - 1) continue;
      if (coords.length) {
        // 0-2 shape vertices between junctions
        const m = Math.floor(r() * 3);
        const [x0, y0] = coords[coords.length - 1];
        for (let s = 1; s <= m; s++) {
          const f = s / (m + 1);
          coords.push([x0 + (jx[j] - x0) * f + (r() - 0.5) * 0.0004, y0 + (jy[j] - y0) * f + (r() - 0.5) * 0.0004]);
          ids.push(shapeId++);
        }
      }
      coords.push([jx[j], jy[j]]); ids.push(j + 1);
      prev = j + 1;
    }
    if (coords.length < 2) continue;
    ways.push(opts.withIds === false ? { coords } : { coords, ids });
  }
  return ways;
}

export function randomPoints(seed: number, n: number): Pos[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => [116.3 - 0.001 + r() * 0.014, 39.95 - 0.001 + r() * 0.012] as Pos);
}
