import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { WalkGraph } from './graph.js';
import { bucketKernel, categoryKernel, dijkstraKernel, evaluateKernel, seedKernel } from './kernels.js';
import type { SnappedPoints, SourceSet } from './snap.js';

export interface CategoryRun {
  /** nodes settled by the search */
  settled: number;
  ms: number;
}

/**
 * Run one multi-source search per source set and read every origin's distance off its snap point.
 * Returns distances category-major: out[c * nOrigins + i]. With `workers` > 1 and enough work, the
 * categories are spread over worker threads that share the graph, the snap points and the output
 * through SharedArrayBuffers (nothing is copied).
 */
export async function runCategories(
  g: WalkGraph, origins: SnappedPoints, sets: readonly SourceSet[], cutoff: number,
  opts: { workers?: number; onCategory?: (c: number, run: CategoryRun) => void; /** nodes × categories below which workers are not worth starting */ minParallelWork?: number } = {},
): Promise<{ distances: Float64Array; runs: CategoryRun[]; workers: number }> {
  const nO = origins.count;
  const out = new Float64Array(new SharedArrayBuffer(Math.max(8, 8 * nO * sets.length)), 0, nO * sets.length);
  const runs: CategoryRun[] = new Array(sets.length);
  const want = opts.workers ?? Math.min(availableParallelism(), 4);
  const workers = Math.max(1, Math.min(want, sets.length));
  // a worker costs ~30 ms to start: only worth it for real work
  if (workers <= 1 || g.nodeCount * sets.length < (opts.minParallelWork ?? 8_000_000)) {
    const dist = new Float64Array(g.nodeCount), heap = new Int32Array(4 * g.nodeCount + 1024), hpos = new Int32Array(g.nodeCount);
    sets.forEach((s, c) => {
      const t0 = performance.now();
      const settled = categoryKernel(g.offsets, g.adj, g.adjW, g.nodeCount, g.edgeU, g.edgeV, g.edgeLen,
        s.edge, s.pos0, s.pos1, s.cost, s.count, origins.edge, origins.pos, origins.leg, origins.order, origins.order.length, nO, cutoff, dist, heap, hpos, out, c * nO);
      runs[c] = { settled, ms: performance.now() - t0 };
      opts.onCategory?.(c, runs[c]);
    });
    return { distances: out, runs, workers: 1 };
  }

  const shared = {
    n: g.nodeCount, offsets: g.offsets, adj: g.adj, adjW: g.adjW, edgeU: g.edgeU, edgeV: g.edgeV, edgeLen: g.edgeLen,
    oEdge: origins.edge, oPos: origins.pos, oLeg: origins.leg, order: origins.order, nO, cutoff, out,
  };
  const pool = Array.from({ length: workers }, () => new Worker(WORKER_SOURCE, { eval: true, workerData: shared }));
  let next = 0;
  try {
    await Promise.all(pool.map((w) => new Promise<void>((resolve, reject) => {
      const give = () => {
        if (next >= sets.length) { resolve(); return; }
        const c = next++;
        const s = sets[c];
        w.postMessage({ c, edge: s.edge, pos0: s.pos0, pos1: s.pos1, cost: s.cost, count: s.count });
      };
      w.on('message', (m: { c: number; settled: number; ms: number }) => {
        runs[m.c] = { settled: m.settled, ms: m.ms };
        opts.onCategory?.(m.c, runs[m.c]);
        give();
      });
      w.on('error', reject);
      w.on('exit', (code) => { if (next < sets.length || code !== 0) reject(new Error(`search worker exited with code ${code}`)); });
      give();
    })));
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
  return { distances: out, runs, workers };
}

const WORKER_SOURCE = `
'use strict';
const { parentPort, workerData: g } = require('node:worker_threads');
${dijkstraKernel.toString()}
${bucketKernel.toString()}
${seedKernel.toString()}
${evaluateKernel.toString()}
${categoryKernel.toString()}
const dist = new Float64Array(g.n), heap = new Int32Array(4 * g.n + 1024), hpos = new Int32Array(g.n);
parentPort.on('message', (m) => {
  const t0 = performance.now();
  const settled = categoryKernel(g.offsets, g.adj, g.adjW, g.n, g.edgeU, g.edgeV, g.edgeLen,
    m.edge, m.pos0, m.pos1, m.cost, m.count, g.oEdge, g.oPos, g.oLeg, g.order, g.order.length, g.nO, g.cutoff, dist, heap, hpos, g.out, m.c * g.nO);
  parentPort.postMessage({ c: m.c, settled, ms: performance.now() - t0 });
});
`;
