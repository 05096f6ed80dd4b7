/** Node refs of every way by way id, kept for assembling relation areas at the end of the file. */
export class WayStore {
  private ids: number[] = [];
  private offsets: number[] = [0];
  private refs = new Float64Array(1 << 16);
  private nRefs = 0;
  private index: Map<number, number> | undefined;

  add(id: number, refs: Float64Array, from: number, to: number): void {
    const k = to - from;
    if (this.nRefs + k > this.refs.length) {
      let cap = this.refs.length;
      while (cap < this.nRefs + k) cap *= 2;
      const r = new Float64Array(cap); r.set(this.refs.subarray(0, this.nRefs)); this.refs = r;
    }
    this.refs.set(refs.subarray(from, to), this.nRefs);
    this.nRefs += k;
    this.ids.push(id);
    this.offsets.push(this.nRefs);
    this.index = undefined;
  }

  get(id: number): Float64Array | undefined {
    if (!this.index) {
      this.index = new Map();
      for (let i = 0; i < this.ids.length; i++) this.index.set(this.ids[i], i);
    }
    const i = this.index.get(id);
    return i === undefined ? undefined : this.refs.subarray(this.offsets[i], this.offsets[i + 1]);
  }
}
