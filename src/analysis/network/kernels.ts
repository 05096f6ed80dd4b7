/**
 * The hot kernels: multi-source Dijkstra and reading distances off snap points.
 *
 * These functions are self-contained (no imports, no closures, no inner functions): the worker
 * threads are built from their source text (`Function.prototype.toString`), so the exact same code
 * runs inline and in workers, from the TypeScript sources (tests) or from dist/.
 */

/**
 * Multi-source Dijkstra with a cut-off on an undirected CSR graph. Seeds are (node, initial
 * distance) pairs; on return `dist[i]` is the distance of node i to the nearest seed, or Infinity
 * when it is beyond `cutoff`. Indexed binary heap with decrease-key (`heap`, `hpos` are scratch of
 * length n). Returns the number of settled nodes.
 */
export function dijkstraKernel(
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
      const p = (i - 1) >> 1;
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
      // move the last item down from the root
      const x = heap[size];
      const dx = dist[x];
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= size) break;
        let dc = dist[heap[c]];
        const c2 = c + 1;
        if (c2 < size) {
          const d2 = dist[heap[c2]];
          if (d2 < dc) { c = c2; dc = d2; }
        }
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
        const q = (i - 1) >> 1;
        const qn = heap[q];
        if (dist[qn] <= nd) break;
        heap[i] = qn; hpos[qn] = i; i = q;
      }
      heap[i] = v; hpos[v] = i;
    }
  }
  return settled;
}

/**
 * The same search as `dijkstraKernel`, with a bucket queue in place of the heap (Dial's algorithm,
 * label-correcting inside a bucket): nodes are kept in buckets of `delta` metres of distance and
 * handled bucket by bucket; a node improved while its bucket is being handled is handled again.
 * The result is exact (every improvement is propagated), and with buckets narrower than most edges
 * almost every node is handled once: no log factor, sequential bucket scans. The cut-off bounds the
 * number of buckets. `ent` is scratch for the entries, 2 ints each (grown when needed; the grown
 * array is not returned, so pass one of ~4 × n: ~1.3 n entries are typical); `fresh` is scratch of n.
 * Returns the number of nodes handled (re-handled ones counted again).
 */
export function bucketKernel(
  offsets: Uint32Array, adj: Uint32Array, adjW: Float64Array, n: number,
  seedNode: Uint32Array, seedDist: Float64Array, nSeeds: number, cutoff: number, delta: number,
  dist: Float64Array, ent: Int32Array, fresh: Int32Array,
): number {
  dist.fill(Infinity, 0, n);
  // fresh[v] = 1 while v's distance has changed since v was last handled
  fresh.fill(0, 0, n);
  const inv = 1 / delta;
  const nb = ((cutoff * inv) | 0) + 2;
  const head = new Int32Array(nb).fill(-1);
  let cap = ent.length - (ent.length & 1);
  let ne = 0;
  for (let s = 0; s < nSeeds; s++) {
    const v = seedNode[s], nd = seedDist[s];
    if (!(nd <= cutoff) || !(nd < dist[v])) continue;
    dist[v] = nd;
    fresh[v] = 1;
    const b = (nd * inv) | 0;
    if (ne === cap) { cap = 2 * cap + 2; const a = new Int32Array(cap); a.set(ent); ent = a; }
    ent[ne] = v; ent[ne + 1] = head[b]; head[b] = ne; ne += 2;
  }
  let handled = 0;
  for (let b = 0; b < nb; b++) {
    let e = head[b];
    while (e >= 0) {
      head[b] = ent[e + 1];
      const u = ent[e];
      const du = dist[u];
      // entries left behind (the node moved to a nearer bucket, or was already handled at this distance) are skipped
      if (fresh[u] === 1 && ((du * inv) | 0) === b) {
        fresh[u] = 0;
        handled++;
        const end = offsets[u + 1];
        for (let p = offsets[u]; p < end; p++) {
          const v = adj[p];
          const nd = du + adjW[p];
          if (nd >= dist[v] || nd > cutoff) continue;
          dist[v] = nd;
          fresh[v] = 1;
          const bv = (nd * inv) | 0;
          if (ne === cap) { cap = 2 * cap + 2; const a = new Int32Array(cap); a.set(ent); ent = a; }
          ent[ne] = v; ent[ne + 1] = head[bv]; head[bv] = ne; ne += 2;
        }
      }
      e = head[b];
    }
  }
  return handled;
}

/**
 * Seeds of one category from its access intervals: facility i touches edge sEdge[i] over the
 * positions [sPos0[i], sPos1[i]] (metres from the edge's first node; a point facility has
 * sPos0 = sPos1) with an access cost sCost[i] (the straight leg; 0 where a polygon is entered).
 * The edge's first node is reached at sPos0 + cost, its last node at len - sPos1 + cost.
 * Writes 2 seeds per interval; returns the count.
 */
export function seedKernel(
  edgeU: Uint32Array, edgeV: Uint32Array, edgeLen: Float64Array,
  sEdge: Int32Array, sPos0: Float64Array, sPos1: Float64Array, sCost: Float64Array, nS: number,
  seedNode: Uint32Array, seedDist: Float64Array,
): number {
  let k = 0;
  for (let i = 0; i < nS; i++) {
    const e = sEdge[i];
    seedNode[k] = edgeU[e]; seedDist[k++] = sPos0[i] + sCost[i];
    seedNode[k] = edgeV[e]; seedDist[k++] = edgeLen[e] - sPos1[i] + sCost[i];
  }
  return k;
}

/**
 * Distance of every origin to the nearest source, read off its snap point: the origin sits on edge
 * oEdge[i] at oPos[i] with a straight access leg oLeg[i]; its distance is
 * min(dist[u] + pos, dist[v] + len - pos, directly along the edge to a source interval on the same
 * edge) + leg. Origins are visited in `order` (the snapped ones, sorted by edge: cache-friendly, and
 * the same-edge sources are found by a merge walk over `sEdge`, which must be sorted). Writes
 * out[outOff + i]: NaN when the origin has no snap point, Infinity when nothing is within `cutoff`.
 */
export function evaluateKernel(
  edgeU: Uint32Array, edgeV: Uint32Array, edgeLen: Float64Array, dist: Float64Array,
  oEdge: Int32Array, oPos: Float64Array, oLeg: Float64Array, order: Int32Array, nOrder: number, nO: number,
  sEdge: Int32Array, sPos0: Float64Array, sPos1: Float64Array, sCost: Float64Array, nS: number,
  cutoff: number, out: Float64Array, outOff: number,
): void {
  out.fill(NaN, outOff, outOff + nO);
  let j0 = 0;
  for (let k = 0; k < nOrder; k++) {
    const i = order[k];
    const e = oEdge[i];
    const p = oPos[i];
    let d = dist[edgeU[e]] + p;
    const d2 = dist[edgeV[e]] + edgeLen[e] - p;
    if (d2 < d) d = d2;
    while (j0 < nS && sEdge[j0] < e) j0++;
    for (let j = j0; j < nS && sEdge[j] === e; j++) {
      const a = sPos0[j], b = sPos1[j];
      const dd = (p < a ? a - p : p > b ? p - b : 0) + sCost[j];
      if (dd < d) d = dd;
    }
    d += oLeg[i];
    out[outOff + i] = d <= cutoff ? d : Infinity;
  }
}

/**
 * One category end to end: seeds, search (bucket queue with 10 m buckets when the cut-off bounds
 * their number, else the heap), read-off. Scratch arrays are the caller's (reused); `heap` doubles as the bucket
 * queue's entry pool.
 */
export function categoryKernel(
  offsets: Uint32Array, adj: Uint32Array, adjW: Float64Array, n: number,
  edgeU: Uint32Array, edgeV: Uint32Array, edgeLen: Float64Array,
  sEdge: Int32Array, sPos0: Float64Array, sPos1: Float64Array, sCost: Float64Array, nS: number,
  oEdge: Int32Array, oPos: Float64Array, oLeg: Float64Array, order: Int32Array, nOrder: number, nO: number,
  cutoff: number, dist: Float64Array, heap: Int32Array, hpos: Int32Array,
  out: Float64Array, outOff: number,
): number {
  const seedNode = new Uint32Array(2 * nS);
  const seedDist = new Float64Array(2 * nS);
  const k = seedKernel(edgeU, edgeV, edgeLen, sEdge, sPos0, sPos1, sCost, nS, seedNode, seedDist);
  const settled = cutoff / 10 < 1e7
    ? bucketKernel(offsets, adj, adjW, n, seedNode, seedDist, k, cutoff, 10, dist, heap, hpos)
    : dijkstraKernel(offsets, adj, adjW, n, seedNode, seedDist, k, cutoff, dist, heap, hpos);
  evaluateKernel(edgeU, edgeV, edgeLen, dist, oEdge, oPos, oLeg, order, nOrder, nO, sEdge, sPos0, sPos1, sCost, nS, cutoff, out, outOff);
  return settled;
}
