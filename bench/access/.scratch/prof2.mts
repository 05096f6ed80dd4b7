import { synthCity } from '/work/main/bench/access/synth.js';
import { SegmentIndex, snapSources } from '/work/main/src/network/snap.js';
import { dijkstraKernel, seedKernel } from '/work/main/src/network/kernels.js';
import FlatQueue from '/work/main/node_modules/flatqueue/index.js';
const c = synthCity(100000);
const g = c.graph;
const idx = new SegmentIndex(g);
const n = g.nodeCount;
const dist = new Float64Array(n), heap = new Int32Array(n), hpos = new Int32Array(n);
const s = snapSources(idx, c.facilities.get('kindergarten')!);
const sn = new Uint32Array(2 * s.count), sd = new Float64Array(2 * s.count);
const k = seedKernel(g.edgeU, g.edgeV, g.edgeLen, s.edge, s.pos0, s.pos1, s.cost, s.count, sn, sd);
const off2 = Uint32Array.from(g.offsets), adj2 = Uint32Array.from(g.adj), w2 = Float64Array.from(g.adjW);
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
for (let rep = 0; rep < 3; rep++) {
  let t = performance.now();
  dijkstraKernel(g.offsets, g.adj, g.adjW, n, sn, sd, k, 3000, dist, heap, hpos);
  const a = performance.now() - t; t = performance.now();
  dijkstraKernel(off2, adj2, w2, n, sn, sd, k, 3000, dist, heap, hpos);
  const b = performance.now() - t; t = performance.now();
  lazy(off2, adj2, w2, dist, new FlatQueue());
  const cc = performance.now() - t;
  t = performance.now();
  lazy(g.offsets, g.adj, g.adjW, dist, new FlatQueue());
  const dd = performance.now() - t;
  console.log('indexed shared', a.toFixed(1), 'indexed plain', b.toFixed(1), 'flatqueue plain', cc.toFixed(1), 'flatqueue shared', dd.toFixed(1));
}
