export function bucketKernel(
  offsets: Uint32Array, adj: Uint32Array, adjW: Float64Array, n: number,
  seedNode: Uint32Array, seedDist: Float64Array, nSeeds: number, cutoff: number,
  dist: Float64Array, done: Float64Array, delta: number,
): number {
  dist.fill(Infinity, 0, n);
  done.fill(-1, 0, n);
  const nb = Math.floor(cutoff / delta) + 2;
  const head = new Int32Array(nb).fill(-1);
  let cap = Math.max(1024, nSeeds * 2, n);
  let enode = new Int32Array(cap), enext = new Int32Array(cap);
  let ne = 0;
  for (let s = 0; s < nSeeds; s++) {
    const v = seedNode[s], nd = seedDist[s];
    if (!(nd <= cutoff) || !(nd < dist[v])) continue;
    dist[v] = nd;
    const b = Math.floor(nd / delta);
    if (ne === cap) { cap *= 2; const a = new Int32Array(cap); a.set(enode); enode = a; const c = new Int32Array(cap); c.set(enext); enext = c; }
    enode[ne] = v; enext[ne] = head[b]; head[b] = ne++;
  }
  let settled = 0;
  for (let b = 0; b < nb; b++) {
    while (head[b] >= 0) {
      const e = head[b];
      head[b] = enext[e];
      const u = enode[e];
      const du = dist[u];
      if (du === done[u] || Math.floor(du / delta) !== b) continue;
      if (done[u] < 0) settled++;
      done[u] = du;
      const end = offsets[u + 1];
      for (let p = offsets[u]; p < end; p++) {
        const v = adj[p];
        const nd = du + adjW[p];
        if (nd >= dist[v] || nd > cutoff) continue;
        dist[v] = nd;
        const bv = Math.floor(nd / delta);
        if (ne === cap) { cap *= 2; const a = new Int32Array(cap); a.set(enode); enode = a; const c = new Int32Array(cap); c.set(enext); enext = c; }
        enode[ne] = v; enext[ne] = head[bv]; head[bv] = ne++;
      }
    }
  }
  return settled;
}

export function bucketKernel2(
  offsets: Uint32Array, adj: Uint32Array, adjW: Float64Array, n: number,
  seedNode: Uint32Array, seedDist: Float64Array, nSeeds: number, cutoff: number,
  dist: Float64Array, delta: number,
): number {
  dist.fill(Infinity, 0, n);
  const inv = 1 / delta;
  const nb = ((cutoff * inv) | 0) + 2;
  const head = new Int32Array(nb).fill(-1);
  let cap = Math.max(1024, nSeeds * 2, n) * 2;
  let ent = new Int32Array(cap);
  let ne = 0;
  for (let s = 0; s < nSeeds; s++) {
    const v = seedNode[s], nd = seedDist[s];
    if (!(nd <= cutoff) || !(nd < dist[v])) continue;
    dist[v] = nd;
    const b = (nd * inv) | 0;
    if (ne === cap) { cap *= 2; const a = new Int32Array(cap); a.set(ent); ent = a; }
    ent[ne] = v; ent[ne + 1] = head[b]; head[b] = ne; ne += 2;
  }
  let settled = 0;
  for (let b = 0; b < nb; b++) {
    let e = head[b];
    while (e >= 0) {
      head[b] = ent[e + 1];
      const u = ent[e];
      const du = dist[u];
      if (((du * inv) | 0) === b) {
        settled++;
        const end = offsets[u + 1];
        for (let p = offsets[u]; p < end; p++) {
          const v = adj[p];
          const nd = du + adjW[p];
          if (nd >= dist[v] || nd > cutoff) continue;
          dist[v] = nd;
          const bv = (nd * inv) | 0;
          if (ne === cap) { cap *= 2; const a = new Int32Array(cap); a.set(ent); ent = a; }
          ent[ne] = v; ent[ne + 1] = head[bv]; head[bv] = ne; ne += 2;
        }
      }
      e = head[b];
    }
  }
  return settled;
}
