/**
 * The synthetic Chinese city, generated procedurally from a block grid so that it can be
 * streamed: every piece of geometry is a pure function of (seed, indices), so the generator can
 * run once to emit nodes and again to emit ways (and collect the few relations) without holding
 * the city in memory.
 *
 * Layout: a grid of street lines (arterial/secondary/tertiary/residential by index) with an
 * intersection node at every crossing and one "gate" node on every street edge; each grid cell
 * is a block (小区 compound, urban village, commercial, school, hospital, park, industrial, public,
 * construction site, one civic centre). Inside a block, internal roads run from the four gates to
 * a centre node (a "+"), and buildings fill the four quadrants around it, so nothing overlaps and
 * the walk network is connected through shared nodes. Facilities are scattered with a smooth
 * "service level" field, so some areas are well served and others are left with real gaps.
 * One area is always left behind (few facilities, no park block), so indicators find gaps.
 * A river takes one row of blocks, crossed by bridges on the arterial and secondary lines only;
 * an elevated motorway runs over the central east-west arterial. Admin areas (district 6,
 * streets 8, communities 10) tile the grid along street centre lines.
 *
 * Coordinates inside the generator are metres in a local plane (x along the grid's columns,
 * y along its rows) from the grid's south-west corner; `lonOf`/`latOf` turn the grid by the
 * plan's rotation about its centre and convert to degrees (WGS84, local scale at the centre).
 *
 * Modules: plan.ts (the grid, names, rotation), fields.ts (service level, block kinds),
 * streets.ts (row nodes, street ways), block.ts (a block's environment and emit helpers),
 * blocks.ts (dispatch by kind; commercial, park, industrial, construction), compounds.ts
 * (小区 compounds, urban villages), facilities.ts (schools, hospitals, public, civic centre),
 * admin.ts (admin areas), geometry.ts (plan-metre geometry). This file sizes the plan and
 * is the entry point the writer (index.ts) uses.
 */
import { hash32, normaliseSeed } from './prng.js';
import { BUILDINGS_PER_BLOCK, planGrid, type CityPlan, type CitySink, type Tags } from './plan.js';
import { GridIds } from './streets.js';
import { emitBlock } from './blocks.js';

export { BUILDINGS_PER_BLOCK, latOf, lonOf, type BlockKind, type CityPlan, type CitySink, type FeatureInfo, type Tags } from './plan.js';
export { blockKind, serviceLevel } from './fields.js';
export { emitRowNodes, emitStreetWays, GridIds } from './streets.js';
export { emitBlock } from './blocks.js';
export { communityIndex, communityNameByIndex, emitAdmin, streetIndex, streetNameByIndex } from './admin.js';

/**
 * Plan a city of about `requestedBuildings` buildings: the grid is sized from an average per
 * block, then corrected from the buildings actually generated in the plan's blocks. Small cities
 * (up to 5,000 blocks) are counted exactly and the closest of the nearby grids wins; larger ones
 * use the mean of hashed samples of blocks (pooled over the plans tried, which are all of about
 * the right size), so the choice does not chase sampling noise.
 */
export function planCity(requestedBuildings: number, seedIn: number): CityPlan {
  if (!Number.isFinite(requestedBuildings) || requestedBuildings < 1) throw new Error(`buildings must be ≥ 1, got ${requestedBuildings}`);
  const N = requestedBuildings;
  const seed = normaliseSeed(seedIn);
  const dims = (blocks: number): [number, number] => {
    const nbx = Math.max(2, Math.round(Math.sqrt(blocks * 1.15)));
    return [nbx, Math.max(2, Math.round(blocks / nbx))];
  };
  const neighbours = (target: number): [number, number][] => {
    const out: [number, number][] = [];
    const [cx] = dims(target);
    for (let nbx = Math.max(2, cx - 1); nbx <= cx + 1; nbx++)
      for (const nby of new Set([Math.max(2, Math.floor(target / nbx)), Math.max(2, Math.ceil(target / nbx))])) out.push([nbx, nby]);
    return out;
  };
  let best = planGrid(N, seed, ...dims(N / BUILDINGS_PER_BLOCK));
  const first = estimateBuildings(best);
  if (!first.exact) {
    // pooled mean buildings per block, from this plan and one of the right size
    let count = first.count;
    let blocks = first.blocks;
    const again = planGrid(N, seed, ...dims((N * first.blocks) / Math.max(1, first.count)));
    const second = estimateBuildings(again);
    count += second.count;
    blocks += second.blocks;
    const mean = count / blocks;
    let bestErr = Infinity;
    for (const [nbx, nby] of neighbours(N / mean)) {
      const err = Math.abs(nbx * nby * mean - N);
      if (err < bestErr) {
        bestErr = err;
        best = planGrid(N, seed, nbx, nby);
      }
    }
    return best;
  }
  let bestEst = first.count;
  const tried = new Set<string>([`${best.nbx}x${best.nby}`]);
  for (let round = 0; round < 2; round++) {
    const target = (N * best.nbx * best.nby) / Math.max(1, bestEst);
    for (const [nbx, nby] of neighbours(target)) {
      const key = `${nbx}x${nby}`;
      if (tried.has(key)) continue;
      tried.add(key);
      const plan = planGrid(N, seed, nbx, nby);
      const est = estimateBuildings(plan);
      if (Math.abs(est.count - N) < Math.abs(bestEst - N)) {
        best = plan;
        bestEst = est.count;
      }
    }
    if (Math.abs(bestEst - N) <= 0.02 * N) break;
  }
  return best;
}

/**
 * Buildings the plan would generate: every block counted when there are at most 5,000 blocks
 * (`exact`), else a hashed sample of 5,000 (`count` over `blocks` sampled blocks).
 */
export function estimateBuildings(plan: CityPlan): { count: number; blocks: number; exact: boolean } {
  let count = 0;
  let id = 0;
  const sink: CitySink = {
    node: () => ++id,
    way(_refs, tags) {
      if (tags && hasKey(tags, 'building')) count++;
      return ++id;
    },
    relation(_m, tags) {
      if (hasKey(tags, 'building')) count++;
      return ++id;
    },
  };
  const ids = new GridIds(plan);
  const n = plan.nbx * plan.nby;
  const SAMPLE = 5000;
  if (n <= SAMPLE) {
    for (let by = 0; by < plan.nby; by++) for (let bx = 0; bx < plan.nbx; bx++) emitBlock(plan, bx, by, sink, ids);
    return { count, blocks: n, exact: true };
  }
  for (let s = 0; s < SAMPLE; s++) {
    const b = hash32(plan.seed, 0xb10c, s) % n;
    emitBlock(plan, b % plan.nbx, Math.floor(b / plan.nbx), sink, ids);
  }
  return { count, blocks: SAMPLE, exact: false };
}

function hasKey(kv: Tags, key: string): boolean {
  for (let k = 0; k < kv.length; k += 2) if (kv[k] === key) return true;
  return false;
}
