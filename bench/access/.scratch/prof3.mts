import { synthCity } from '/work/main/bench/access/synth.js';
import { SegmentIndex, snapSources } from '/work/main/src/network/snap.js';
import { dijkstraKernel, seedKernel } from '/work/main/src/network/kernels.js';
import FlatQueue from '/work/main/node_modules/flatqueue/index.js';
const c = synthCity(Number(process.argv[2] ?? 100000));
const g = c.graph;
const idx = new SegmentIndex(g);
const n = g.nodeCount;
const dist = new Float64Array(n), heap = new Int32Array(n), hpos = new Int32Array(n);
const s = snapSources(idx, c.facilities.get('kindergarten')!);
const sn = new Uint32Array(2 * s.count), sd = new Float64Array(2 * s.count);
const k = seedKernel(g.edgeU, g.edgeV, g.edgeLen, s.edge, s.pos0, s.pos1, s.cost, s.count, sn, sd);
function lazy(offsets: Uint32Array, adj: Uint32Array, adjW: Float64Array, dist: Float64Array, q: FlatQueue<number>) {
  dist.fill(Infinity);
  for (let i = 0; i < k; i++) if (sd[i] < dist[sn[i]]) { dist[sn[i]] = sd[i]; q.push(sn[i], sd[i]); }
  let settled = 0;
  while (q.length) {
    const d = q.peekValue()!; const u = q.pop()!;
    if (d > dist[u]) continue;
    settled++;
    for (let p = offsets[u]; p < offsets[u + 1]; p++) { const v = adj[p]; const nd = d + adjW[p]; if (nd < dist[v] && nd <= 3000) { dist[v] = nd; q.push(v, nd); } }
  }
  return settled;
}
const best = [Infinity, Infinity, Infinity];
for (let rep = 0; rep < 7; rep++) {
  let t = performance.now();
  dijkstraKernel(g.offsets, g.adj, g.adjW, n, sn, sd, k, 3000, dist, heap, hpos);
  best[0] = Math.min(best[0], performance.now() - t); t = performance.now();
  lazy(g.offsets, g.adj, g.adjW, dist, new FlatQueue());
  best[1] = Math.min(best[1], performance.now() - t); t = performance.now();
  lazy(g.offsets, g.adj, g.adjW, dist, new FlatQueue(g.adj.length + k, Float64Array, Uint32Array));
  best[2] = Math.min(best[2], performance.now() - t);
}
console.log(n, 'indexed-heap', best[0].toFixed(1), 'flatqueue', best[1].toFixed(1), 'flatqueue-fixed', best[2].toFixed(1));
