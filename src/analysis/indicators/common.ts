import type { AreaValue, CheckContext } from './types.js';
import type { AreaLevel } from './units.js';
import { DEFAULT_LEVELS_TEXT } from '../network/population.js';

/** Per-area sums over residential buildings: count, hits, residents, residents hit. */
export interface Tally { b: number; bHit: number; r: number; rHit: number }

/**
 * For every residential building i with hit fraction h(i) in [0, 1], add to the city and to its
 * area at each of `levels`. Returns tallies by area index.
 */
export function tally(ctx: CheckContext, levels: AreaLevel[], h: (i: number) => number, only?: (i: number) => boolean): Map<number, Tally> {
  const o = ctx.data.places.origins;
  const nA = ctx.units.areas.length;
  const b = new Float64Array(nA), bHit = new Float64Array(nA), r = new Float64Array(nA), rHit = new Float64Array(nA);
  const arrays = levels.map((lv) => ctx.units.of[lv]);
  const res = o.residents;
  for (let i = 0; i < o.count; i++) {
    if (only && !only(i)) continue;
    const v = h(i);
    const ri = res[i];
    for (let l = 0; l < arrays.length; l++) {
      const a = arrays[l][i];
      if (a < 0) continue;
      b[a]++; bHit[a] += v; r[a] += ri; rHit[a] += v * ri;
    }
  }
  const out = new Map<number, Tally>();
  for (const lv of levels) for (const a of ctx.units.level[lv]) out.set(a, { b: b[a], bHit: bHit[a], r: r[a], rHit: rHit[a] });
  return out;
}

export const ratio = (a: number, b: number): number | null => (b > 0 ? a / b : null);
export const pct = (v: number | null | undefined, d = 1): string => (v === null || v === undefined || !Number.isFinite(v) ? '–' : `${(100 * v).toFixed(d)}%`);
export const round = (v: number, d = 4): number => Math.round(v * 10 ** d) / 10 ** d;
export const fmt = (v: number, d = 0): string => v.toLocaleString('en', { maximumFractionDigits: d, minimumFractionDigits: d });

/** Areas of the given levels in reporting order (city first). */
export function areasOf(ctx: CheckContext, levels: AreaLevel[]): number[] {
  return levels.flatMap((lv) => ctx.units.level[lv]);
}

/** The values of a residents-share indicator from tallies (null where an area has no residents). */
export function shareValues(ctx: CheckContext, levels: AreaLevel[], t: Map<number, Tally>, note: (t: Tally) => string, extra?: (a: number, t: Tally) => Record<string, unknown>): AreaValue[] {
  return areasOf(ctx, levels).map((a) => {
    const x = t.get(a) ?? { b: 0, bHit: 0, r: 0, rHit: 0 };
    const v = ratio(x.rHit, x.r);
    if (v === null) return { area: a, value: null, reason: 'no residential buildings (no residents) in this area' };
    return {
      area: a, value: round(v), note: note(x),
      details: { residents: Math.round(x.r), residents_share: round(v), buildings: x.b, buildings_share: round(x.bHit / Math.max(1, x.b)), ...extra?.(a, x) },
    };
  });
}

/** Distance of residential building i to the nearest facility of any of the categories (Infinity if none). */
export function minDistance(ctx: CheckContext, cats: number[], i: number): number {
  let best = Infinity;
  for (const c of cats) { const d = ctx.dist(c, i); if (d < best) best = d; }
  return best;
}

/** Facility count of a category in the data. */
export function facilityCount(ctx: CheckContext, category: string): number {
  return ctx.data.places.facilities.get(category)?.length ?? 0;
}

/** The population estimate, in words. */
export function residentsMethod(ctx: CheckContext): string {
  const p = ctx.data.population;
  const est = `floor area ÷ ${ctx.perCapitaM2} m² per person (floor area = footprint × building:levels, else height ÷ 3 m, else ${DEFAULT_LEVELS_TEXT})`;
  if (p.kind === 'estimate') return `residents estimated per building as ${est}: no population data imported (opencim import FILE --kind population)`;
  return `residents from the imported ${p.kind === 'census' ? 'census table' : 'population raster'} "${p.source}"${p.year ? ` (${p.year})` : ''}: ${fmt(p.total)} people in ${p.zones} ${p.kind === 'census' ? 'areas' : 'cells'}, ` +
    `each distributed onto its residential buildings by floor area (dasymetric); ${fmt(p.unallocated)} people in ${p.unallocated_zones} zones without a residential building are unallocated` +
    `${p.outside_buildings ? `; ${p.outside_buildings} residential buildings outside every ${p.kind === 'census' ? 'area' : 'cell'} ${p.kind === 'census' ? `keep the estimate (${fmt(p.outside_residents_estimated)} residents: ${est})` : 'get none'}` : ''}`;
}

/** Residents-weighted Gini coefficient (Lorenz trapezoids over areas sorted by value). */
export function gini(values: number[], weights: number[]): number | null {
  const idx = values.map((_, i) => i).filter((i) => weights[i] > 0 && Number.isFinite(values[i])).sort((a, b) => values[a] - values[b]);
  const W = idx.reduce((s, i) => s + weights[i], 0);
  const total = idx.reduce((s, i) => s + weights[i] * values[i], 0);
  if (idx.length < 2 || W <= 0) return null;
  if (total <= 0) return 0;
  let prev = 0, area = 0;
  for (const i of idx) {
    const cur = prev + weights[i] * values[i];
    area += (weights[i] / W) * (prev + cur) / total;
    prev = cur;
  }
  return Math.max(0, 1 - area);
}

/** Residents-weighted coefficient of variation. */
export function cv(values: number[], weights: number[]): number | null {
  let W = 0, m = 0;
  values.forEach((v, i) => { if (weights[i] > 0 && Number.isFinite(v)) { W += weights[i]; m += weights[i] * v; } });
  if (W <= 0) return null;
  m /= W;
  if (m === 0) return null;
  let s = 0;
  values.forEach((v, i) => { if (weights[i] > 0 && Number.isFinite(v)) s += weights[i] * (v - m) ** 2; });
  return Math.sqrt(s / W) / m;
}
