import { describe, expect, it } from 'vitest';
import { metresPerDegree } from '../../src/model/geo.js';
import { buildGraph } from '../../src/analysis/network/graph.js';
import { bucketKernel, dijkstraKernel } from '../../src/analysis/network/kernels.js';
import { runCategories } from '../../src/analysis/network/parallel.js';
import { SNAP_ISLAND, SNAP_NONE, SNAP_OK, SegmentIndex, snapPoints, snapSources, type Place } from '../../src/analysis/network/snap.js';
import { bruteDistances, bruteGraph, bruteSnap, randomPoints, randomWays, rng, type BruteGraph, type BruteSource, type Pos, type Way } from './brute.js';

const lines = (ways: Way[]) => ways.map((w) => ({ coordinates: w.coords, nodeIds: w.ids }));

/** axis-aligned rectangle [w, s, e, n] as a polygon */
const rect = (w: number, s: number, e: number, n: number): Place['geometry'] =>
  ({ type: 'Polygon', coordinates: [[[w, s], [e, s], [e, n], [w, n], [w, s]]] });

/**
 * Independent polygon contacts for a lon/lat rectangle: Liang–Barsky clipping for the inside parts,
 * golden-section search of the (convex) point-to-rectangle distance along the segment for the gap.
 */
function bruteRectSources(g: BruteGraph, box: [number, number, number, number], reach: number, limit: number): BruteSource[] {
  const [w, s, e, n] = box;
  const cx = (w + e) / 2, cy = (s + n) / 2;
  const [kx, ky] = metresPerDegree(cy);
  const X0 = (w - cx) * kx, X1 = (e - cx) * kx, Y0 = (s - cy) * ky, Y1 = (n - cy) * ky;
  const out: BruteSource[] = [];
  let nearest: BruteSource | null = null;
  g.segs.forEach((sg, i) => {
    const ax = (sg.ax - cx) * kx, ay = (sg.ay - cy) * ky, bx = (sg.bx - cx) * kx, by = (sg.by - cy) * ky;
    const dx = bx - ax, dy = by - ay;
    let t0 = 0, t1 = 1, ok = true;
    for (const [p, q] of [[-dx, ax - X0], [dx, X1 - ax], [-dy, ay - Y0], [dy, Y1 - ay]]) {
      if (p === 0) { if (q < 0) ok = false; continue; }
      const r = q / p;
      if (p < 0) t0 = Math.max(t0, r); else t1 = Math.min(t1, r);
    }
    if (ok && t0 < t1) { out.push({ seg: i, t0, t1, cost: 0 }); return; }
    const d = (t: number) => {
      const x = ax + t * dx, y = ay + t * dy;
      return Math.hypot(Math.max(X0 - x, 0, x - X1), Math.max(Y0 - y, 0, y - Y1));
    };
    let lo = 0, hi = 1;
    const phi = (Math.sqrt(5) - 1) / 2;
    for (let k = 0; k < 200; k++) {
      const m1 = hi - phi * (hi - lo), m2 = lo + phi * (hi - lo);
      if (d(m1) <= d(m2)) hi = m2; else lo = m1;
    }
    const t = (lo + hi) / 2;
    const c = { seg: i, t0: t, t1: t, cost: d(t) };
    if (c.cost <= reach) out.push(c);
    else if (c.cost <= limit && (!nearest || c.cost < nearest.cost)) nearest = c;
  });
  return out.length ? out : nearest ? [nearest] : [];
}

describe('walk graph', () => {
  it('splits ways at shared OSM nodes and contracts shape vertices', () => {
    // a cross of two ways sharing node 2, plus a way that only shares coordinates (no ids): joined by coordinates
    const g = buildGraph([
      { coordinates: [[116.3, 39.9], [116.301, 39.9], [116.302, 39.9]], nodeIds: [1, 2, 3] },
      { coordinates: [[116.301, 39.899], [116.3011, 39.8995], [116.301, 39.9], [116.301, 39.901]], nodeIds: [4, 5, 2, 6] },
    ], { islandMaxM: 0 });
    expect(g.nodeCount).toBe(5); // 1, 2, 3, 4, 6 (5 is a shape vertex)
    expect(g.edgeCount).toBe(4);
    expect(g.componentCount).toBe(1);
    const total = Array.from(g.edgeLen).reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(0);
  });

  it('joins by identical coordinates when there are no node ids; ids at the same place are not joined', () => {
    const g = buildGraph([
      { coordinates: [[0, 0], [0.001, 0]] },
      { coordinates: [[0.001, 0], [0.001, 0.001]] },
      { coordinates: [[0.002, 0], [0.003, 0]], nodeIds: [1, 2] },
      { coordinates: [[0.003, 0], [0.004, 0]], nodeIds: [3, 4] }, // same place as node 2, different node: not joined
    ], { islandMaxM: 0 });
    expect(g.componentCount).toBe(3);
  });

  it('marks tiny islands', () => {
    const g = buildGraph([
      { coordinates: [[116.3, 39.9], [116.31, 39.9]] }, // ~850 m
      { coordinates: [[116.3, 39.91], [116.3005, 39.91]] }, // ~43 m island
    ], { islandMaxM: 100 });
    expect(g.componentCount).toBe(2);
    expect(g.tiny[g.component[g.edgeU[0]]]).toBe(0);
    expect(g.tiny[g.component[g.edgeU[1]]]).toBe(1);
  });
});

describe('snapping', () => {
  it('finds the nearest segment like a full scan does', () => {
    for (let seed = 1; seed <= 5; seed++) {
      const ways = randomWays(seed, { junctions: 60, ways: 50 });
      const g = buildGraph(lines(ways), { islandMaxM: 0 });
      const bg = bruteGraph(ways);
      const idx = new SegmentIndex(g);
      const pts = randomPoints(seed + 100, 200);
      const snaps = snapPoints(idx, Float64Array.from(pts, (p) => p[0]), Float64Array.from(pts, (p) => p[1]), 150);
      pts.forEach((p, i) => {
        const b = bruteSnap(bg, p[0], p[1], 150);
        if (!b) { expect(snaps.status[i]).toBe(SNAP_NONE); return; }
        expect(snaps.status[i]).toBe(SNAP_OK);
        expect(Math.abs(snaps.leg[i] - b.leg)).toBeLessThan(1e-6);
      });
    }
  });

  it('reports places beyond the limit and places that only reach a tiny island', () => {
    const g = buildGraph([
      { coordinates: [[116.3, 39.9], [116.31, 39.9]] },
      { coordinates: [[116.3, 39.9035], [116.3005, 39.9035]] }, // island 390 m north
    ], { islandMaxM: 100 });
    const idx = new SegmentIndex(g);
    const s = snapPoints(idx, [116.305, 116.3002, 116.305, 116.3002], [39.9001, 39.9036, 39.95, 39.9020], 300);
    expect(Array.from(s.status)).toEqual([SNAP_OK, SNAP_ISLAND, SNAP_NONE, SNAP_OK]);
    expect(s.passedIsland).toBe(1); // the last one is nearer to the island, snapped to the main network
    expect(s.leg[0]).toBeCloseTo(metresPerDegree(39.9001)[1] * 0.0001, 3);
  });
});

describe('multi-source search against per-origin brute force', () => {
  const cutoff = 700;
  for (const withIds of [true, false]) {
    it(`random graphs, point facilities (${withIds ? 'OSM node ids' : 'coordinates only'})`, async () => {
      for (let seed = 1; seed <= 8; seed++) {
        const ways = randomWays(seed * 7, { junctions: 35, ways: 28, withIds });
        const g = buildGraph(lines(ways), { islandMaxM: 0 });
        const bg = bruteGraph(ways);
        const idx = new SegmentIndex(g);
        const origins = randomPoints(seed, 40);
        const o = snapPoints(idx, Float64Array.from(origins, (p) => p[0]), Float64Array.from(origins, (p) => p[1]), 200);
        const cats = [3, 1, 8].map((k, c) => randomPoints(seed * 31 + c, k));
        const sets = cats.map((f) => snapSources(idx, f.map((p, i) => ({ id: `f${i}`, geometry: { type: 'Point' as const, coordinates: p } })), { snapLimitM: 200 }));
        const { distances } = await runCategories(g, o, sets, cutoff, { workers: 1 });
        const bo = origins.map((p) => bruteSnap(bg, p[0], p[1], 200));
        cats.forEach((f, c) => {
          const src: BruteSource[] = [];
          for (const p of f) { const s = bruteSnap(bg, p[0], p[1], 200); if (s) src.push({ seg: s.seg, t0: s.t, t1: s.t, cost: s.leg }); }
          const want = bruteDistances(bg, bo, src, cutoff);
          want.forEach((w, i) => {
            const got = distances[c * origins.length + i];
            if (Number.isNaN(w)) expect(got).toBeNaN();
            else if (w === Infinity) expect(got).toBe(Infinity);
            else expect(Math.abs(got - w)).toBeLessThan(1e-6);
          });
        });
      }
    });
  }

  it('random graphs, polygon facilities reached at their boundary', async () => {
    const reach = 25, limit = 200;
    for (let seed = 1; seed <= 8; seed++) {
      const ways = randomWays(seed * 13, { junctions: 35, ways: 28 });
      const g = buildGraph(lines(ways), { islandMaxM: 0 });
      const bg = bruteGraph(ways);
      const idx = new SegmentIndex(g);
      const origins = randomPoints(seed + 50, 30);
      const o = snapPoints(idx, Float64Array.from(origins, (p) => p[0]), Float64Array.from(origins, (p) => p[1]), limit);
      const r = rng(seed);
      const boxes: [number, number, number, number][] = Array.from({ length: 2 }, () => {
        const w = 116.3 + r() * 0.011, s = 39.95 + r() * 0.009;
        return [w, s, w + 0.0005 + r() * 0.002, s + 0.0004 + r() * 0.0015];
      });
      const set = snapSources(idx, boxes.map((b, i) => ({ id: `p${i}`, geometry: rect(...b) })), { snapLimitM: limit, polygonReachM: reach });
      const { distances } = await runCategories(g, o, [set], cutoff, { workers: 1 });
      const src = boxes.flatMap((b) => bruteRectSources(bg, b, reach, limit));
      const want = bruteDistances(bg, origins.map((p) => bruteSnap(bg, p[0], p[1], limit)), src, cutoff);
      want.forEach((w, i) => {
        const got = distances[i];
        if (Number.isNaN(w)) expect(got).toBeNaN();
        else if (w === Infinity) expect(got).toBe(Infinity);
        else expect(Math.abs(got - w), `seed ${seed} origin ${i}`).toBeLessThan(1e-6);
      });
    }
  });

  it('origin and facility on the same edge, and worker threads give the same answers', async () => {
    const ways: Way[] = randomWays(99, { junctions: 30, ways: 25 });
    const g = buildGraph(lines(ways), { islandMaxM: 0 });
    const idx = new SegmentIndex(g);
    // origins and facilities next to each other along the same segments
    const bg = bruteGraph(ways);
    const pts: Pos[] = [];
    for (const s of bg.segs.slice(0, 20)) {
      pts.push([s.ax + (s.bx - s.ax) * 0.3 + 0.00001, s.ay + (s.by - s.ay) * 0.3]);
      pts.push([s.ax + (s.bx - s.ax) * 0.6 - 0.00001, s.ay + (s.by - s.ay) * 0.6]);
    }
    const origins = pts.filter((_, i) => i % 2 === 0), facs = pts.filter((_, i) => i % 2 === 1);
    const o = snapPoints(idx, Float64Array.from(origins, (p) => p[0]), Float64Array.from(origins, (p) => p[1]), 200);
    const sets = [facs, facs.slice(0, 3), facs.slice(5, 6)].map((f) => snapSources(idx, f.map((p, i) => ({ id: `${i}`, geometry: { type: 'Point' as const, coordinates: p } }))));
    const one = await runCategories(g, o, sets, 2000, { workers: 1 });
    const two = await runCategories(g, o, sets, 2000, { workers: 2, minParallelWork: 0 });
    expect(two.workers).toBe(2);
    expect(Array.from(two.distances)).toEqual(Array.from(one.distances));
    const src = facs.map((p) => bruteSnap(bg, p[0], p[1], 200)!).map((s) => ({ seg: s.seg, t0: s.t, t1: s.t, cost: s.leg }));
    const want = bruteDistances(bg, origins.map((p) => bruteSnap(bg, p[0], p[1], 200)), src, 2000);
    want.forEach((w, i) => expect(Math.abs(one.distances[i] - w)).toBeLessThan(1e-6));
  });

  it('bucket queue and heap give identical distances, also with short and zero-length edges', () => {
    const r = rng(5);
    for (let trial = 0; trial < 20; trial++) {
      const n = 300;
      const adjL: [number, number][][] = Array.from({ length: n }, () => []);
      for (let i = 1; i < n; i++) {
        for (const j of [Math.floor(r() * i), Math.floor(r() * n)]) {
          if (j === i) continue;
          const w = r() < 0.2 ? 0 : r() < 0.5 ? r() * 3 : r() * 120; // many edges shorter than a bucket
          adjL[i].push([j, w]); adjL[j].push([i, w]);
        }
      }
      const offsets = new Uint32Array(n + 1);
      adjL.forEach((l, i) => { offsets[i + 1] = offsets[i] + l.length; });
      const adj = Uint32Array.from(adjL.flat().map(([v]) => v)), w = Float64Array.from(adjL.flat().map(([, x]) => x));
      const seeds = Uint32Array.from([0, 17, 17, 250]), sd = Float64Array.from([5, 0, 3, 40]);
      const a = new Float64Array(n), b = new Float64Array(n);
      dijkstraKernel(offsets, adj, w, n, seeds, sd, 4, 900, a, new Int32Array(n), new Int32Array(n));
      bucketKernel(offsets, adj, w, n, seeds, sd, 4, 900, 10, b, new Int32Array(8), new Int32Array(n));
      for (let i = 0; i < n; i++) {
        if (a[i] === Infinity) expect(b[i]).toBe(Infinity);
        else expect(Math.abs(a[i] - b[i])).toBeLessThan(1e-9);
      }
    }
  });

  it('dijkstra kernel: seeds with offsets, cut-off', () => {
    // path 0 - 1 - 2 - 3 with 100 m edges
    const offsets = Uint32Array.from([0, 1, 3, 5, 6]);
    const adj = Uint32Array.from([1, 0, 2, 1, 3, 2]);
    const w = Float64Array.from([100, 100, 100, 100, 100, 100]);
    const dist = new Float64Array(4), heap = new Int32Array(4), hpos = new Int32Array(4);
    dijkstraKernel(offsets, adj, w, 4, Uint32Array.from([0, 3]), Float64Array.from([50, 0]), 2, 180, dist, heap, hpos);
    expect(Array.from(dist)).toEqual([50, 150, 100, 0]);
    dijkstraKernel(offsets, adj, w, 4, Uint32Array.from([0]), Float64Array.from([10]), 1, 150, dist, heap, hpos);
    expect(Array.from(dist)).toEqual([10, 110, Infinity, Infinity]);
  });
});
