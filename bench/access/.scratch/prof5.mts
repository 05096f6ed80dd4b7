import { synthCity } from '/work/main/bench/access/synth.js';
import { SegmentIndex, snapSources } from '/work/main/src/network/snap.js';
import { dijkstraKernel, seedKernel } from '/work/main/src/network/kernels.js';
import { bucketKernel, bucketKernel2 } from './bucket.ts';
const c = synthCity(Number(process.argv[2] ?? 100000));
const g = c.graph;
const idx = new SegmentIndex(g);
const n = g.nodeCount;
const dist = new Float64Array(n), heap = new Int32Array(n), hpos = new Int32Array(n), d2 = new Float64Array(n), done = new Float64Array(n);
for (const cat of ['kindergarten', 'hospital', 'fire_station']) {
  const s = snapSources(idx, c.facilities.get(cat)!);
  const sn = new Uint32Array(2 * s.count), sd = new Float64Array(2 * s.count);
  const k = seedKernel(g.edgeU, g.edgeV, g.edgeLen, s.edge, s.pos0, s.pos1, s.cost, s.count, sn, sd);
  const best: Record<string, number> = {};
  for (let rep = 0; rep < 5; rep++) {
    let t = performance.now();
    dijkstraKernel(g.offsets, g.adj, g.adjW, n, sn, sd, k, 3000, dist, heap, hpos);
    best.heap = Math.min(best.heap ?? Infinity, performance.now() - t);
    for (const delta of [5, 10]) { t = performance.now(); bucketKernel2(g.offsets, g.adj, g.adjW, n, sn, sd, k, 3000, d2, delta); best['v2-' + delta] = Math.min(best['v2-' + delta] ?? Infinity, performance.now() - t); }
    for (const delta of [5, 10]) {
      t = performance.now();
      bucketKernel(g.offsets, g.adj, g.adjW, n, sn, sd, k, 3000, d2, done, delta);
      best['b' + delta] = Math.min(best['b' + delta] ?? Infinity, performance.now() - t);
    }
  }
  let maxd = 0; for (let i = 0; i < n; i++) { if (dist[i] !== d2[i] && Math.abs(dist[i] - d2[i]) > maxd) maxd = Math.abs(dist[i] - d2[i]); }
  console.log(cat, n, Object.entries(best).map(([k, v]) => `${k} ${v.toFixed(1)}`).join('  '), 'maxdiff', maxd);
}
