/**
 * Node locations by id, for building way geometry: growable typed arrays (16 bytes a node),
 * looked up by direct index when ids are dense, else by binary search over sorted ids.
 */
export class NodeStore {
  private ids = new Float64Array(1 << 16);
  private coords = new Int32Array(2 << 16); // lon, lat in 1e-7 degrees
  private n = 0;
  private sorted = true;
  private dense = true;

  get size(): number { return this.n; }

  add(id: Float64Array, lon: Float64Array, lat: Float64Array, count: number): void {
    if (this.n + count > this.ids.length) {
      let cap = this.ids.length;
      while (cap < this.n + count) cap *= 2;
      const ids = new Float64Array(cap); ids.set(this.ids.subarray(0, this.n)); this.ids = ids;
      const c = new Int32Array(2 * cap); c.set(this.coords.subarray(0, 2 * this.n)); this.coords = c;
    }
    const ids = this.ids, c = this.coords;
    let n = this.n;
    for (let i = 0; i < count; i++, n++) {
      ids[n] = id[i];
      c[2 * n] = Math.round(lon[i] * 1e7);
      c[2 * n + 1] = Math.round(lat[i] * 1e7);
      if (n > 0 && ids[n] <= ids[n - 1]) this.sorted = false;
    }
    this.n = n;
    this.dense = this.sorted && (n === 0 || ids[n - 1] - ids[0] === n - 1);
  }

  /** Sort by id when the input was not sorted (XML from some editors). */
  finish(): void {
    if (this.sorted) return;
    const order = new Uint32Array(this.n);
    for (let i = 0; i < this.n; i++) order[i] = i;
    const ids = this.ids;
    order.sort((a, b) => ids[a] - ids[b]);
    const nid = new Float64Array(this.n), nc = new Int32Array(2 * this.n);
    let m = 0;
    for (let k = 0; k < this.n; k++) {
      const i = order[k];
      if (m > 0 && nid[m - 1] === ids[i]) m--; // duplicate id: the later one wins
      nid[m] = ids[i]; nc[2 * m] = this.coords[2 * i]; nc[2 * m + 1] = this.coords[2 * i + 1]; m++;
    }
    this.ids = nid; this.coords = nc; this.n = m; this.sorted = true;
    this.dense = m === 0 || nid[m - 1] - nid[0] === m - 1;
  }

  indexOf(id: number): number {
    const n = this.n;
    if (n === 0) return -1;
    if (this.dense) {
      const i = id - this.ids[0];
      return i >= 0 && i < n ? i : -1;
    }
    let lo = 0, hi = n - 1;
    const ids = this.ids;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = ids[mid];
      if (v === id) return mid;
      if (v < id) lo = mid + 1; else hi = mid - 1;
    }
    return -1;
  }

  lon(i: number): number { return this.coords[2 * i] / 1e7; }
  /** the location as kept: 1e-7 degrees */
  lonE7(i: number): number { return this.coords[2 * i]; }
  latE7(i: number): number { return this.coords[2 * i + 1]; }
  lat(i: number): number { return this.coords[2 * i + 1] / 1e7; }
}
