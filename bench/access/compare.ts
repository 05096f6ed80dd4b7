/**
 * Side by side, one run, same graph and same sources: our multi-source Dijkstra vs
 * scipy.sparse.csgraph.dijkstra (min_only, limit) vs networkx.multi_source_dijkstra_path_length.
 *
 *   npx tsx bench/access/compare.ts synth 100000 [--nx 3]      synthetic dense city (~2 nodes per building)
 *   npx tsx bench/access/compare.ts file city.osm.pbf [--nx 3]  any city file (generated or real)
 *
 * What each timing includes: the search only, per category, graphs already built and sources
 * already turned into seeds — ours: `bucketKernel` (one thread; the binary-heap `dijkstraKernel`
 * is shown too); scipy: one `dijkstra(...)` call;
 * networkx: one `multi_source_dijkstra_path_length(...)` call (on the first --nx categories only:
 * it is slow). Also reported: our whole per-category step (seeds + search + reading every
 * building's distance) on one thread and on the worker pool. Distances of one category are checked
 * against scipy's.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { resolveCategories, type AccessPlaces } from '../../src/analysis/network/access.js';
import { bucketKernel, dijkstraKernel, seedKernel } from '../../src/analysis/network/kernels.js';
import { runCategories } from '../../src/analysis/network/parallel.js';
import { SegmentIndex, snapPoints, snapSources } from '../../src/analysis/network/snap.js';
import { synthCity } from './synth.js';

const { positionals, values: o } = parseArgs({ allowPositionals: true, options: { nx: { type: 'string', default: '2' }, repeat: { type: 'string', default: '3' }, cutoff: { type: 'string', default: '3000' }, keep: { type: 'boolean', default: false } } });
const [mode, arg] = positionals;
const cutoff = Number(o.cutoff);
let places: AccessPlaces;
let t = performance.now();
if (mode === 'synth') places = synthCity(Number(arg));
else {
  const { openSource } = await import('../../src/ingest/index.js');
  const { placesFromRecords } = await import('../../src/analysis/network/access.js');
  places = await placesFromRecords((await openSource(arg)).records);
}
const g = places.graph;
console.error(`graph: ${g.nodeCount.toLocaleString('en')} nodes, ${g.edgeCount.toLocaleString('en')} edges (${Math.round(performance.now() - t)} ms)`);
const idx = new SegmentIndex(g);
const origins = snapPoints(idx, places.origins.lon, places.origins.lat);
const cats = resolveCategories();
const sets = cats.map((c) => snapSources(idx, places.facilities.get(c) ?? []));
const seeds = sets.map((s) => {
  const node = new Uint32Array(2 * s.count), dist = new Float64Array(2 * s.count);
  const k = seedKernel(g.edgeU, g.edgeV, g.edgeLen, s.edge, s.pos0, s.pos1, s.cost, s.count, node, dist);
  return { node: node.subarray(0, k), dist: dist.subarray(0, k) };
});
const checkCat = cats[seeds.findIndex((s) => s.node.length > 0)];

// ours: the search alone, one thread
const n = g.nodeCount;
const dist = new Float64Array(n), heap = new Int32Array(4 * n + 1024), hpos = new Int32Array(n);
const ours: { category: string; ms: number; heapMs: number; settled: number }[] = [];
let check: Float64Array | null = null;
cats.forEach((c, i) => {
  if (!seeds[i].node.length) return;
  const s = seeds[i];
  t = performance.now();
  dijkstraKernel(g.offsets, g.adj, g.adjW, n, s.node, s.dist, s.node.length, cutoff, dist, heap, hpos);
  const heapMs = performance.now() - t;
  let ms = Infinity;
  for (let rep = 0; rep < Number(o.repeat); rep++) {
    t = performance.now();
    bucketKernel(g.offsets, g.adj, g.adjW, n, s.node, s.dist, s.node.length, cutoff, 10, dist, heap, hpos);
    ms = Math.min(ms, performance.now() - t);
  }
  let settled = 0;
  for (let k = 0; k < n; k++) if (dist[k] !== Infinity) settled++;
  ours.push({ category: c, ms, heapMs, settled });
  if (c === checkCat) check = dist.slice();
});
// ours: the whole per-category step for every building, one thread and the worker pool
t = performance.now();
await runCategories(g, origins, sets, cutoff, { workers: 1 });
const oneThread = performance.now() - t;
t = performance.now();
const pool = await runCategories(g, origins, sets, cutoff, {});
const pooled = performance.now() - t;

// the peers, on the same graph and seeds
const dir = mkdtempSync(join(tmpdir(), 'opencim-bench-access-'));
const buf = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
writeFileSync(join(dir, 'offsets.u32'), buf(g.offsets));
writeFileSync(join(dir, 'adj.u32'), buf(g.adj));
writeFileSync(join(dir, 'adjw.f64'), buf(g.adjW));
const total = seeds.reduce((a, s) => a + s.node.length, 0);
const sn = new Uint32Array(total), sd = new Float64Array(total);
let off = 0;
for (const s of seeds) { sn.set(s.node, off); sd.set(s.dist, off); off += s.node.length; }
writeFileSync(join(dir, 'seednode.u32'), buf(sn));
writeFileSync(join(dir, 'seeddist.f64'), buf(sd));
writeFileSync(join(dir, 'graph.json'), JSON.stringify({ n, cutoff, check: checkCat, categories: cats.map((c, i) => ({ id: c, seeds: seeds[i].node.length })) }));
console.error(`peers: scipy on ${cats.length} categories, networkx on ${o.nx} ...`);
const py = spawnSync('/usr/bin/python3', [resolve(import.meta.dirname, 'compare.py'), dir, o.nx!, o.repeat!], { encoding: 'utf8', maxBuffer: 1 << 28 });
if (!o.keep) rmSync(dir, { recursive: true, force: true });
if (py.status !== 0) throw new Error(py.stderr);
const peers = JSON.parse(py.stdout) as {
  scipy: { category: string; seconds: number; reached: number }[]; networkx: { category: string; seconds: number; reached: number }[];
  scipy_check: { sum: number; reached: number; sample: (number | null)[] }; scipy_build_seconds: number; networkx_build_seconds?: number;
};

// same answers?
const c0 = check as Float64Array | null;
let maxDiff = 0, reached = 0;
if (c0) {
  const step = Math.max(1, Math.floor(n / 1000));
  peers.scipy_check.sample.forEach((v, k) => {
    const a = c0[k * step];
    if (v === null) { if (Number.isFinite(a)) maxDiff = Infinity; } else maxDiff = Math.max(maxDiff, Math.abs(a - v));
  });
  for (let i = 0; i < n; i++) if (Number.isFinite(c0[i])) reached++;
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const oursMs = sum(ours.map((r) => r.ms));
const scipyMs = 1000 * sum(peers.scipy.map((r) => r.seconds));
const nxCats = new Set(peers.networkx.map((r) => r.category));
const oursNx = sum(ours.filter((r) => nxCats.has(r.category)).map((r) => r.ms));
const nxMs = 1000 * sum(peers.networkx.map((r) => r.seconds));
const rows = ours.map((r) => {
  const s = peers.scipy.find((p) => p.category === r.category);
  const x = peers.networkx.find((p) => p.category === r.category);
  return `${r.category.padEnd(18)} ${r.settled.toLocaleString('en').padStart(10)} ${r.ms.toFixed(1).padStart(9)} ${r.heapMs.toFixed(1).padStart(9)} ${s ? (1000 * s.seconds).toFixed(1).padStart(9) : ''.padStart(9)} ${x ? (1000 * x.seconds).toFixed(0).padStart(10) : ''.padStart(10)}`;
});
console.log([
  `walk graph: ${n.toLocaleString('en')} nodes, ${g.edgeCount.toLocaleString('en')} edges, ${g.adj.length.toLocaleString('en')} arcs; ${places.origins.count.toLocaleString('en')} buildings; cut-off ${cutoff} m; ${peers.scipy.length} categories`,
  `${'category'.padEnd(18)} ${'reached'.padStart(10)} ${'ours ms'.padStart(9)} ${'(heap) ms'.padStart(9)} ${'scipy ms'.padStart(9)} ${'networkx ms'.padStart(10)}`,
  ...rows,
  `search only, sum over categories: ours ${oursMs.toFixed(0)} ms (bucket queue; ${sum(ours.map((r) => r.heapMs)).toFixed(0)} ms with the binary heap), scipy ${scipyMs.toFixed(0)} ms → ours ${(scipyMs / oursMs).toFixed(2)}× faster`,
  nxMs > 0 ? `networkx on ${nxCats.size} categor${nxCats.size > 1 ? 'ies' : 'y'}: ${nxMs.toFixed(0)} ms vs ours ${oursNx.toFixed(0)} ms → ours ${(nxMs / oursNx).toFixed(0)}× faster` : 'networkx skipped',
  `ours, whole step (seeds + search + every building's distance), all categories: ${oneThread.toFixed(0)} ms on 1 thread, ${pooled.toFixed(0)} ms on ${pool.workers} worker(s)`,
  `check (${checkCat}): ${reached.toLocaleString('en')} nodes reached (scipy ${peers.scipy_check.reached.toLocaleString('en')}), max |ours - scipy| on 1000 sampled nodes ${maxDiff.toExponential(2)} m`,
  `graph construction (not timed above): scipy CSR ${peers.scipy_build_seconds.toFixed(1)} s${peers.networkx_build_seconds ? `, networkx Graph ${peers.networkx_build_seconds.toFixed(1)} s` : ''}`,
].join('\n'));
