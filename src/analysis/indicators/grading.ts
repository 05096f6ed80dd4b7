import { compare, type CatalogueEntry } from './catalogue.js';
import type { IndicatorResult, Status } from './types.js';

/** Status of a value against the catalogue target. */
export function gradeStatus(e: CatalogueEntry, value: number | null): Status {
  if (value === null || !Number.isFinite(value)) return 'no_data';
  if (!e.target) return 'no_target';
  return compare(value, e.target.op, e.target.value) ? 'pass' : 'fail';
}

/** The first band the value satisfies (bands are ordered best first). */
export function gradeBand(e: CatalogueEntry, value: number | null): { zh: string; en: string } | null {
  if (value === null || !e.bands?.length) return null;
  const b = e.bands.find((x) => compare(value, x.op, x.value));
  return b ? { zh: b.grade_zh, en: b.grade_en } : null;
}

/** How far a failing value is from its target, signed so that positive = how much is missing. */
export function gap(e: CatalogueEntry, value: number | null): number | null {
  if (value === null || !e.target) return null;
  const t = e.target.value;
  return e.target.op === '>=' || e.target.op === '>' ? Math.max(0, t - value) : e.target.op === '<=' || e.target.op === '<' ? Math.max(0, value - t) : Math.abs(value - t);
}

/** A previous indicators.json, read for --compare. */
export interface PreviousRun { generated_at?: string; indicators: { id: string; area_id: string; value: number | null }[] }

/** Year-on-year comparison: delta and whether it moved in the indicator's better direction. */
export function compareWith(results: IndicatorResult[], prev: PreviousRun): void {
  const old = new Map(prev.indicators.map((r) => [`${r.id}\u0000${r.area_id}`, r]));
  for (const r of results) {
    const p = old.get(`${r.id}\u0000${r.area_id}`);
    if (!p) { r.previous = { value: null, delta: null, change: 'new', ...(prev.generated_at ? { generated_at: prev.generated_at } : {}) }; continue; }
    const pv = typeof p.value === 'number' ? p.value : null;
    if (pv === null || r.value === null) { r.previous = { value: pv, delta: null, change: 'not_comparable', ...(prev.generated_at ? { generated_at: prev.generated_at } : {}) }; continue; }
    const delta = Math.round((r.value - pv) * 1e6) / 1e6;
    const eps = 1e-9 * Math.max(1, Math.abs(pv));
    const change = Math.abs(delta) <= eps ? 'unchanged' : r.direction === 'neutral' ? 'changed' : (delta > 0) === (r.direction === 'higher_better') ? 'improved' : 'worsened';
    r.previous = { value: pv, delta, change, ...(prev.generated_at ? { generated_at: prev.generated_at } : {}) };
  }
}
