import { synthCity } from '/work/main/bench/access/synth.js';
import { SegmentIndex, snapSources } from '/work/main/src/network/snap.js';
import { dijkstraKernel, seedKernel } from '/work/main/src/network/kernels.js';
import { dijkstra4 } from './dary.ts';
const c = synthCity(Number(process.argv[2] ?? 100000));
const g = c.graph;
const idx = new SegmentIndex(g);
const n = g.nodeCount;
const dist = new Float64Array(n), heap = new Int32Array(n), hpos = new Int32Array(n);
for (const cat of ['kindergarten', 'hospital']) {
const s = snapSources(idx, c.facilities.get(cat)!);
const sn = new Uint32Array(2 * s.count), sd = new Float64Array(2 * s.count);
const k = seedKernel(g.edgeU, g.edgeV, g.edgeLen, s.edge, s.pos0, s.pos1, s.cost, s.count, sn, sd);
const adjW32 = Float32Array.from(g.adjW);
const best = [Infinity, Infinity];
for (let rep = 0; rep < 5; rep++) {
  let t = performance.now();
  dijkstraKernel(g.offsets, g.adj, g.adjW, n, sn, sd, k, 3000, dist, heap, hpos);
  best[0] = Math.min(best[0], performance.now() - t); t = performance.now();
  dijkstra4(g.offsets, g.adj, g.adjW, n, sn, sd, k, 3000, dist, heap, hpos);
  best[1] = Math.min(best[1], performance.now() - t);
}
console.log(cat, n, 'binary', best[0].toFixed(1), '4-ary', best[1].toFixed(1));
}
