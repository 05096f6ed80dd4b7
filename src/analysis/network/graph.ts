import type { Position } from '../../model/geometry.js';
import { distanceM } from '../../model/geo.js';

/**
 * The walk graph in compressed sparse row form, on typed arrays.
 *
 * Nodes are the places where ways meet (a shared OSM node, or for sources without node ids an
 * identical coordinate), where a way ends, and where a way passes the same node twice. An edge is
 * the stretch of one way between two consecutive nodes; its geometry is a run of vertices
 * `edgeFirst[e] ..= edgeLast[e]` in the vertex arrays, and `vPos` is the geodesic distance (metres,
 * `distanceM` per segment) from the start of the way, so the position of vertex k along edge e is
 * `vPos[k] - vPos[edgeFirst[e]]` and `edgeLen[e] = vPos[edgeLast[e]] - vPos[edgeFirst[e]]`.
 * Every edge is two-way (pedestrians). The arrays the searches read live on SharedArrayBuffers so
 * worker threads use them without a copy.
 */
export interface WalkGraph {
  nodeCount: number;
  edgeCount: number;
  /** edge end nodes and length in metres */
  edgeU: Uint32Array;
  edgeV: Uint32Array;
  edgeLen: Float64Array;
  /** edge geometry: first and last (inclusive) vertex index */
  edgeFirst: Uint32Array;
  edgeLast: Uint32Array;
  /** vertices: lon/lat in degrees, cumulative metres from the start of their way */
  vLon: Float64Array;
  vLat: Float64Array;
  vPos: Float64Array;
  nodeLon: Float64Array;
  nodeLat: Float64Array;
  /** CSR adjacency, both directions, self-loops left out: arcs of node i are offsets[i] .. offsets[i+1]-1 */
  offsets: Uint32Array;
  adj: Uint32Array;
  adjW: Float64Array;
  /** connected components: id per node, total edge length per component */
  component: Uint32Array;
  componentCount: number;
  componentLength: Float64Array;
  componentNodes: Uint32Array;
  /** the component with the most edge length */
  largestComponent: number;
  /** 1 where a component is a tiny island (not the largest and shorter than `islandMaxM`) */
  tiny: Uint8Array;
  /** number of ways read, and how many were dropped (fewer than 2 distinct vertices) */
  lines: number;
  droppedLines: number;
  bbox: [number, number, number, number];
}

export interface GraphOptions {
  /**
   * Components (other than the largest) with less edge length than this are tiny islands: places
   * are not snapped onto them when the main network is within reach, and places that only reach
   * an island are reported. Default 1000 m; 0 turns it off.
   */
  islandMaxM?: number;
}

export const DEFAULT_ISLAND_MAX_M = 1000;

/** Growable typed array. */
class Grow<T extends Float64Array | Uint32Array | Int32Array> {
  arr: T;
  n = 0;
  constructor(private make: (n: number) => T, cap = 1024) { this.arr = make(cap); }
  push(v: number): void {
    if (this.n === this.arr.length) {
      const a = this.make(this.arr.length * 2);
      a.set(this.arr);
      this.arr = a;
    }
    this.arr[this.n++] = v;
  }
  trim(shared = false): T {
    const a = shared ? sharedLike(this.make, this.n) : this.make(this.n);
    a.set(this.arr.subarray(0, this.n) as never);
    return a;
  }
}

function sharedLike<T extends Float64Array | Uint32Array | Int32Array>(make: (n: number) => T, n: number): T {
  const probe = make(0);
  const C = probe.constructor as new (b: SharedArrayBuffer) => T;
  return new C(new SharedArrayBuffer(Math.max(1, n) * probe.BYTES_PER_ELEMENT)).subarray(0, n) as T;
}

export function sharedF64(n: number): Float64Array { return new Float64Array(new SharedArrayBuffer(Math.max(8, n * 8)), 0, n); }
export function sharedU32(n: number): Uint32Array { return new Uint32Array(new SharedArrayBuffer(Math.max(4, n * 4)), 0, n); }
export function sharedI32(n: number): Int32Array { return new Int32Array(new SharedArrayBuffer(Math.max(4, n * 4)), 0, n); }

const F64 = (n: number) => new Float64Array(n);
const U32 = (n: number) => new Uint32Array(n);

const scratch = new Float64Array(1);
const scratchU = new Uint32Array(scratch.buffer);

function mix(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}
function fmix(h: number): number {
  h ^= h >>> 16; h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/**
 * Builds a WalkGraph from ways, streaming: add each walkable way as it is read (its objects can be
 * dropped right after), then `finish()`.
 */
export class GraphBuilder {
  private lon = new Grow(F64, 4096);
  private lat = new Grow(F64, 4096);
  /** OSM node id per vertex, NaN when the way came without ids */
  private ids = new Grow(F64, 4096);
  private lineStart = new Grow(U32, 256);
  private dropped = 0;

  get vertexCount(): number { return this.lon.n; }
  get lineCount(): number { return this.lineStart.n; }

  /** Add one way from GeoJSON positions, with its OSM node ids when the source has them. */
  addPositions(coords: readonly Position[], nodeIds?: ArrayLike<number> | null): void {
    const n = coords.length;
    const ids = nodeIds && nodeIds.length === n ? nodeIds : undefined;
    this.addLine(n, (i) => coords[i][0], (i) => coords[i][1], ids);
  }

  /** Add one way from flat [lon, lat, lon, lat, ...] coordinates. */
  addFlat(flat: ArrayLike<number>, nodeIds?: ArrayLike<number> | null): void {
    const n = flat.length >> 1;
    const ids = nodeIds && nodeIds.length === n ? nodeIds : undefined;
    this.addLine(n, (i) => flat[2 * i], (i) => flat[2 * i + 1], ids);
  }

  private addLine(n: number, x: (i: number) => number, y: (i: number) => number, ids: ArrayLike<number> | undefined): void {
    // a way needs two distinct consecutive vertices
    let distinct = 0, px = NaN, py = NaN, pid = NaN;
    for (let i = 0; i < n && distinct < 2; i++) {
      const lo = x(i), la = y(i);
      if (!(lo >= -180 && lo <= 180 && la >= -90 && la <= 90)) continue;
      const id = ids ? Number(ids[i]) : NaN;
      if (distinct === 0 || (ids ? id !== pid : lo !== px || la !== py)) distinct++;
      px = lo; py = la; pid = id;
    }
    if (distinct < 2) { this.dropped++; return; }
    this.lineStart.push(this.lon.n);
    let any = false;
    for (let i = 0; i < n; i++) {
      const lo = x(i), la = y(i);
      if (!(lo >= -180 && lo <= 180 && la >= -90 && la <= 90)) continue;
      const id = ids ? Number(ids[i]) : NaN;
      if (any) {
        const j = this.lon.n - 1;
        if (ids ? this.ids.arr[j] === id : this.lon.arr[j] === lo && this.lat.arr[j] === la) continue;
      }
      this.lon.push(lo); this.lat.push(la); this.ids.push(id);
      any = true;
    }
  }

  finish(opts: GraphOptions = {}): WalkGraph {
    const nv = this.lon.n;
    const lon = this.lon.arr, lat = this.lat.arr, ids = this.ids.arr;
    const nl = this.lineStart.n;
    const lineStart = this.lineStart.arr;
    const lineEnd = (l: number) => (l + 1 < nl ? lineStart[l + 1] : nv); // exclusive

    // 1. one representative vertex per node key (OSM id, or exact coordinates), by open addressing
    let cap = 1024;
    while (cap < nv * 2) cap *= 2;
    const table = new Int32Array(cap).fill(-1);
    const mask = cap - 1;
    const rep = new Int32Array(nv);
    const count = new Uint32Array(nv);
    for (let i = 0; i < nv; i++) {
      const id = ids[i];
      const hasId = id === id;
      let h: number;
      if (hasId) {
        scratch[0] = id; h = fmix(mix(mix(0x9747b28c, scratchU[0]), scratchU[1]));
      } else {
        scratch[0] = lon[i]; let h0 = mix(0x1b873593, scratchU[0]); h0 = mix(h0, scratchU[1]);
        scratch[0] = lat[i]; h0 = mix(h0, scratchU[0]); h = fmix(mix(h0, scratchU[1]));
      }
      let s = h & mask;
      for (;;) {
        const j = table[s];
        if (j < 0) { table[s] = i; rep[i] = i; count[i] = 1; break; }
        const jid = ids[j];
        const same = hasId ? jid === id : jid !== jid && lon[j] === lon[i] && lat[j] === lat[i];
        if (same) { rep[i] = j; count[j]++; break; }
        s = (s + 1) & mask;
      }
    }

    // 2. nodes: shared vertices, way ends, repeated vertices
    const nodeOf = new Int32Array(nv).fill(-1);
    let nodeCount = 0;
    const nodeVertex = new Grow(U32, 1024);
    const markNode = (r: number) => { if (nodeOf[r] < 0) { nodeOf[r] = nodeCount++; nodeVertex.push(r); } };
    for (let l = 0; l < nl; l++) {
      markNode(rep[lineStart[l]]);
      markNode(rep[lineEnd(l) - 1]);
    }
    for (let i = 0; i < nv; i++) if (count[rep[i]] >= 2) markNode(rep[i]);
    // number the nodes along a Hilbert curve: neighbours in space sit near each other in memory,
    // which keeps the searches in cache on city-sized graphs
    {
      const order = hilbertOrder(nodeCount, (i) => lon[nodeVertex.arr[i]], (i) => lat[nodeVertex.arr[i]]);
      const newOf = new Int32Array(nodeCount);
      for (let k = 0; k < nodeCount; k++) newOf[order[k]] = k;
      const nvx = new Uint32Array(nodeCount);
      for (let i = 0; i < nodeCount; i++) nvx[newOf[i]] = nodeVertex.arr[i];
      for (let i = 0; i < nodeCount; i++) nodeOf[nvx[i]] = i;
      nodeVertex.arr = nvx;
      nodeVertex.n = nodeCount;
    }

    // 3. edges between consecutive nodes along each way; cumulative positions per way
    const vPos = sharedF64(nv);
    const eU = new Grow(U32), eV = new Grow(U32), eFirst = new Grow(U32), eLast = new Grow(U32), eLen = new Grow(F64);
    for (let l = 0; l < nl; l++) {
      const s = lineStart[l], t = lineEnd(l);
      vPos[s] = 0;
      let start = s;
      for (let k = s + 1; k < t; k++) {
        vPos[k] = vPos[k - 1] + distanceM(lon[k - 1], lat[k - 1], lon[k], lat[k]);
        const node = nodeOf[rep[k]];
        if (node >= 0) {
          eU.push(nodeOf[rep[start]]); eV.push(node); eFirst.push(start); eLast.push(k); eLen.push(vPos[k] - vPos[start]);
          start = k;
        }
      }
    }
    const edgeCount = eU.n;
    const edgeU = eU.trim(true), edgeV = eV.trim(true), edgeLen = eLen.trim(true);
    const edgeFirst = eFirst.trim(true), edgeLast = eLast.trim(true);

    // 4. CSR
    const offsets = sharedU32(nodeCount + 1);
    for (let e = 0; e < edgeCount; e++) {
      if (edgeU[e] === edgeV[e]) continue;
      offsets[edgeU[e] + 1]++; offsets[edgeV[e] + 1]++;
    }
    for (let i = 0; i < nodeCount; i++) offsets[i + 1] += offsets[i];
    const arcs = offsets[nodeCount];
    const adj = sharedU32(arcs), adjW = sharedF64(arcs);
    const fill = offsets.slice(0, nodeCount);
    for (let e = 0; e < edgeCount; e++) {
      const u = edgeU[e], v = edgeV[e];
      if (u === v) continue;
      let p = fill[u]++; adj[p] = v; adjW[p] = edgeLen[e];
      p = fill[v]++; adj[p] = u; adjW[p] = edgeLen[e];
    }

    // 5. node coordinates, components
    const nodeLon = sharedF64(nodeCount), nodeLat = sharedF64(nodeCount);
    const nv2 = nodeVertex.arr;
    for (let i = 0; i < nodeCount; i++) { nodeLon[i] = lon[nv2[i]]; nodeLat[i] = lat[nv2[i]]; }
    const comp = components(nodeCount, offsets, adj, edgeCount, edgeU, edgeLen, opts.islandMaxM ?? DEFAULT_ISLAND_MAX_M);

    const bbox: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity];
    for (let i = 0; i < nv; i++) {
      if (lon[i] < bbox[0]) bbox[0] = lon[i]; if (lat[i] < bbox[1]) bbox[1] = lat[i];
      if (lon[i] > bbox[2]) bbox[2] = lon[i]; if (lat[i] > bbox[3]) bbox[3] = lat[i];
    }
    const vLon = sharedF64(nv), vLat = sharedF64(nv);
    vLon.set(lon.subarray(0, nv)); vLat.set(lat.subarray(0, nv));
    const dropped = this.dropped;
    // the builder starts over (and lets go of its buffers)
    this.lon = new Grow(F64, 4096); this.lat = new Grow(F64, 4096); this.ids = new Grow(F64, 4096);
    this.lineStart = new Grow(U32, 256); this.dropped = 0;
    return {
      nodeCount, edgeCount, edgeU, edgeV, edgeLen, edgeFirst, edgeLast, vLon, vLat, vPos, nodeLon, nodeLat,
      offsets, adj, adjW, ...comp, lines: nl, droppedLines: dropped, bbox,
    };
  }
}

/** Hilbert index (order 16) of x, y in [0, 65535] */
function hilbert(x: number, y: number): number {
  let d = 0;
  for (let s = 1 << 15; s > 0; s >>= 1) {
    const rx = (x & s) > 0 ? 1 : 0, ry = (y & s) > 0 ? 1 : 0;
    d += s * s * ((3 * rx) ^ ry);
    if (ry === 0) {
      if (rx === 1) { x = 65535 - x; y = 65535 - y; }
      const t = x; x = y; y = t;
    }
  }
  return d;
}

/** Indices 0..n-1 sorted along a Hilbert curve over their bounding box (two-pass radix sort). */
export function hilbertOrder(n: number, x: (i: number) => number, y: (i: number) => number): Uint32Array {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (let i = 0; i < n; i++) {
    const a = x(i), b = y(i);
    if (a < x0) x0 = a; if (a > x1) x1 = a; if (b < y0) y0 = b; if (b > y1) y1 = b;
  }
  const sx = 65535 / ((x1 - x0) || 1), sy = 65535 / ((y1 - y0) || 1);
  const key = new Uint32Array(n);
  for (let i = 0; i < n; i++) key[i] = hilbert(Math.floor((x(i) - x0) * sx), Math.floor((y(i) - y0) * sy));
  let idx = new Uint32Array(n), tmp = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  // few points: a comparison sort, in the same order (by key, ties by index: the radix sort is stable);
  // the radix passes walk 2 × 65,536 buckets whatever n is, which before the code is optimised is most of a small city's graph build
  if (n < 8192) return idx.sort((a, b) => key[a] - key[b] || a - b);
  for (const shift of [0, 16]) {
    const cnt = new Uint32Array(65537);
    for (let i = 0; i < n; i++) cnt[((key[idx[i]] >>> shift) & 0xffff) + 1]++;
    for (let b = 0; b < 65536; b++) cnt[b + 1] += cnt[b];
    for (let i = 0; i < n; i++) tmp[cnt[(key[idx[i]] >>> shift) & 0xffff]++] = idx[i];
    const t = idx; idx = tmp; tmp = t;
  }
  return idx;
}

function components(n: number, offsets: Uint32Array, adj: Uint32Array, m: number, edgeU: Uint32Array, edgeLen: Float64Array, islandMaxM: number) {
  const component = sharedU32(n);
  const seen = new Uint8Array(n);
  const queue = new Uint32Array(Math.max(1, n));
  const nodesPer = new Grow(U32, 64);
  let count = 0;
  for (let s = 0; s < n; s++) {
    if (seen[s]) continue;
    let head = 0, tail = 0;
    queue[tail++] = s; seen[s] = 1;
    while (head < tail) {
      const u = queue[head++];
      component[u] = count;
      for (let p = offsets[u]; p < offsets[u + 1]; p++) {
        const v = adj[p];
        if (!seen[v]) { seen[v] = 1; queue[tail++] = v; }
      }
    }
    nodesPer.push(tail);
    count++;
  }
  const componentLength = new Float64Array(count);
  for (let e = 0; e < m; e++) componentLength[component[edgeU[e]]] += edgeLen[e];
  let largest = 0;
  for (let c = 1; c < count; c++) if (componentLength[c] > componentLength[largest]) largest = c;
  const tiny = new Uint8Array(count);
  for (let c = 0; c < count; c++) tiny[c] = c !== largest && componentLength[c] < islandMaxM ? 1 : 0;
  return { component, componentCount: count, componentLength, componentNodes: nodesPer.trim(), largestComponent: largest, tiny };
}

/** Build a walk graph from GeoJSON-like lines (tests, small inputs). */
export function buildGraph(lines: Iterable<{ coordinates: readonly Position[]; nodeIds?: ArrayLike<number> | null }>, opts: GraphOptions = {}): WalkGraph {
  const b = new GraphBuilder();
  for (const l of lines) b.addPositions(l.coordinates, l.nodeIds);
  return b.finish(opts);
}

/** Position of vertex k along edge e, metres from the edge's first node. */
export function vertexPos(g: WalkGraph, e: number, k: number): number {
  return g.vPos[k] - g.vPos[g.edgeFirst[e]];
}

export function graphStats(g: WalkGraph) {
  let tinyComponents = 0, tinyNodes = 0;
  for (let c = 0; c < g.componentCount; c++) if (g.tiny[c]) { tinyComponents++; tinyNodes += g.componentNodes[c]; }
  let length = 0;
  for (let e = 0; e < g.edgeCount; e++) length += g.edgeLen[e];
  return {
    ways: g.lines, dropped_ways: g.droppedLines, nodes: g.nodeCount, edges: g.edgeCount, vertices: g.vLon.length,
    length_km: Math.round(length) / 1000, components: g.componentCount,
    largest_component_share: length > 0 ? g.componentLength[g.largestComponent] / length : 0,
    tiny_islands: tinyComponents, tiny_island_nodes: tinyNodes,
  };
}
