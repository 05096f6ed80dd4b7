import { synthCity } from '/work/main/bench/access/synth.js';
import { SegmentIndex, snapSources } from '/work/main/src/network/snap.js';
import { seedKernel } from '/work/main/src/network/kernels.js';
const c = synthCity(Number(process.argv[2]));
const g = c.graph; const n = g.nodeCount;
const idx = new SegmentIndex(g);
for (const cat of ['kindergarten', 'fire_station', 'supermarket']) {
  const s = snapSources(idx, c.facilities.get(cat)!);
  const sn = new Uint32Array(2 * s.count), sd = new Float64Array(2 * s.count);
  const k = seedKernel(g.edgeU, g.edgeV, g.edgeLen, s.edge, s.pos0, s.pos1, s.cost, s.count, sn, sd);
  // count pushes of the bucket algorithm
  const dist = new Float64Array(n).fill(Infinity); const inv = 0.1; const nb = 302; const heads: number[][] = Array.from({ length: nb }, () => []);
  let pushes = 0, handled = 0;
  for (let i = 0; i < k; i++) if (sd[i] <= 3000 && sd[i] < dist[sn[i]]) { dist[sn[i]] = sd[i]; heads[(sd[i] * inv) | 0].push(sn[i]); pushes++; }
  for (let b = 0; b < nb; b++) while (heads[b].length) { const u = heads[b].pop()!; const du = dist[u]; if (((du * inv) | 0) !== b) continue; handled++;
    for (let p = g.offsets[u]; p < g.offsets[u + 1]; p++) { const v = g.adj[p]; const nd = du + g.adjW[p]; if (nd >= dist[v] || nd > 3000) continue; dist[v] = nd; heads[(nd * inv) | 0].push(v); pushes++; } }
  console.log(cat, 'n', n, 'pushes', pushes, (pushes / n).toFixed(2), 'handled', handled, (handled / n).toFixed(3));
}
