export function dijkstra4(
  offsets: Uint32Array, adj: Uint32Array, adjW: Float64Array, n: number,
  seedNode: Uint32Array, seedDist: Float64Array, nSeeds: number, cutoff: number,
  dist: Float64Array, heap: Int32Array, hpos: Int32Array,
): number {
  dist.fill(Infinity, 0, n);
  hpos.fill(-1, 0, n);
  let size = 0;
  for (let s = 0; s < nSeeds; s++) {
    const v = seedNode[s];
    const nd = seedDist[s];
    if (!(nd <= cutoff) || !(nd < dist[v])) continue;
    dist[v] = nd;
    let i = hpos[v];
    if (i === -1) i = size++;
    while (i > 0) {
      const p = (i - 1) >> 2;
      const pn = heap[p];
      if (dist[pn] <= nd) break;
      heap[i] = pn; hpos[pn] = i; i = p;
    }
    heap[i] = v; hpos[v] = i;
  }
  let settled = 0;
  while (size > 0) {
    const u = heap[0];
    hpos[u] = -2;
    settled++;
    size--;
    if (size > 0) {
      const x = heap[size];
      const dx = dist[x];
      let i = 0;
      for (;;) {
        const c0 = 4 * i + 1;
        if (c0 >= size) break;
        let c = c0, dc = dist[heap[c0]];
        const cEnd = c0 + 4 < size ? c0 + 4 : size;
        for (let cc = c0 + 1; cc < cEnd; cc++) { const d2 = dist[heap[cc]]; if (d2 < dc) { dc = d2; c = cc; } }
        if (dc >= dx) break;
        const cn = heap[c];
        heap[i] = cn; hpos[cn] = i; i = c;
      }
      heap[i] = x; hpos[x] = i;
    }
    const du = dist[u];
    const end = offsets[u + 1];
    for (let p = offsets[u]; p < end; p++) {
      const v = adj[p];
      const nd = du + adjW[p];
      if (nd >= dist[v] || nd > cutoff) continue;
      dist[v] = nd;
      let i = hpos[v];
      if (i === -1) i = size++;
      while (i > 0) {
        const q = (i - 1) >> 2;
        const qn = heap[q];
        if (dist[qn] <= nd) break;
        heap[i] = qn; hpos[qn] = i; i = q;
      }
      heap[i] = v; hpos[v] = i;
    }
  }
  return settled;
}
