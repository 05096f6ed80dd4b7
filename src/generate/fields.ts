/**
 * Smooth fields over the block grid: the service level and the kind of each block.
 */
import { hashUnit } from './prng.js';
import { type BlockKind, type CityPlan, SALT_KIND, SALT_SVC } from './plan.js';

export function valueNoise(seed: number, salt: number, x: number, y: number, cell: number): number {
  const gx = x / cell;
  const gy = y / cell;
  const x0 = Math.floor(gx);
  const y0 = Math.floor(gy);
  const tx = gx - x0;
  const ty = gy - y0;
  const sx = tx * tx * (3 - 2 * tx);
  const sy = ty * ty * (3 - 2 * ty);
  const v00 = hashUnit(seed, salt, x0, y0);
  const v10 = hashUnit(seed, salt, x0 + 1, y0);
  const v01 = hashUnit(seed, salt, x0, y0 + 1);
  const v11 = hashUnit(seed, salt, x0 + 1, y0 + 1);
  return (v00 * (1 - sx) + v10 * sx) * (1 - sy) + (v01 * (1 - sx) + v11 * sx) * sy;
}

/** 0 at the centre, 1 at the far corner */
export function centreDistance(p: CityPlan, bx: number, by: number): number {
  const dx = (bx + 0.5 - p.nbx / 2) / (p.nbx / 2);
  const dy = (by + 0.5 - p.nby / 2) / (p.nby / 2);
  return Math.min(1, Math.sqrt((dx * dx + dy * dy) / 2));
}

/** service level in [0, 1]: how well an area is provided with facilities */
export function serviceLevel(p: CityPlan, bx: number, by: number): number {
  const n = valueNoise(p.seed, SALT_SVC, bx, by, 5);
  let v = 0.75 * n + 0.35 * (1 - centreDistance(p, bx, by)) - 0.1;
  // one area is always left behind (an old or fringe district): facilities there are rare
  if (Math.hypot(bx + 0.5 - p.gapX, by + 0.5 - p.gapY) < p.gapR) v *= 0.1;
  return Math.max(0, Math.min(1, v));
}

export function blockKind(p: CityPlan, bx: number, by: number): BlockKind {
  if (bx === p.civicBx && by === p.civicBy) return 'civic';
  if (by === p.riverRow) return 'river';
  const d = centreDistance(p, bx, by);
  const r = hashUnit(p.seed, SALT_KIND, bx, by);
  const table: [BlockKind, number][] = [
    ['commercial', 0.04 + 0.12 * (1 - d)],
    ['industrial', 0.01 + 0.1 * d * d],
    ['primary_school', 0.04],
    ['middle_school', 0.025],
    ['hospital', 0.012],
    ['public', 0.02],
    ['park', 0.02 + 0.06 * serviceLevel(p, bx, by)],
    ['construction', 0.012],
    ['village', d > 0.45 ? 0.05 : 0.015],
  ];
  let acc = 0;
  for (const [k, w] of table) {
    acc += w;
    if (r < acc) return k;
  }
  return 'compound';
}
