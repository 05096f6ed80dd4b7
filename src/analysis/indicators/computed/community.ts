import { arealAreaM2, bboxOf, pointInAreal } from '../../../model/geo.js';
import { categoryById } from '../../../model/taxonomy.js';
import type { Areal } from '../../../model/geometry.js';
import { areasOf, fmt, minDistance, pct, residentsMethod, round } from '../common.js';
import { PolygonIndex } from '../units.js';
import type { AreaValue, CheckContext, Indicator } from '../types.js';
import type { AreaLevel } from '../units.js';

/**
 * Community provision (G*): counts of residential compounds (小区) that fail a provision rule,
 * approximated from walking distances: a compound is served when at least `provision_share` of
 * its residents reach a facility of the category within the radius (the 5-minute living circle,
 * 300 m); public activity space also counts when a green space, pitch or playground of at least
 * 150 m² lies inside the compound.
 */
const ALL: AreaLevel[] = ['city', 'district', 'street', 'community'];

export interface UnitProvision {
  /** area index of the unit (compound / community / grid cell) */
  unit: number;
  residents: number;
  buildings: number;
  /** share of residents within the radius */
  reached: number;
  /** median walking distance of its buildings to the nearest facility, metres (null: none within the cut-off) */
  median_m: number | null;
  inside?: string;
  fails: boolean;
}

/** Area (per level) each provision unit belongs to: the one holding most of its residents. */
export function unitHomes(ctx: CheckContext): Record<AreaLevel, Map<number, number>> {
  return ctx.memo('unitHomes', () => {
    const o = ctx.data.places.origins;
    const nA = ctx.units.areas.length;
    const out = {} as Record<AreaLevel, Map<number, number>>;
    for (const lv of ALL) {
      // most units lie in one area: note the first, and vote only where a unit spans several
      const first = new Int32Array(nA).fill(-2);
      const mixed = new Uint8Array(nA);
      for (let i = 0; i < o.count; i++) {
        const u = ctx.units.provisionOf[i], a = ctx.units.of[lv][i];
        if (u < 0 || a < 0) continue;
        if (first[u] === -2) first[u] = a; else if (first[u] !== a) mixed[u] = 1;
      }
      const votes = new Map<number, Map<number, number>>();
      for (let i = 0; i < o.count; i++) {
        const u = ctx.units.provisionOf[i], a = ctx.units.of[lv][i];
        if (u < 0 || a < 0 || !mixed[u]) continue;
        let m = votes.get(u);
        if (!m) votes.set(u, (m = new Map()));
        m.set(a, (m.get(a) ?? 0) + o.residents[i] + 1e-9);
      }
      const home = new Map<number, number>();
      for (const u of ctx.units.provision) {
        if (first[u] === -2) continue;
        const m = votes.get(u);
        if (!m) { home.set(u, first[u]); continue; }
        let best = -1, bw = -1;
        for (const [a, wt] of m) if (wt > bw) { bw = wt; best = a; }
        home.set(u, best);
      }
      out[lv] = home;
    }
    return out;
  });
}

/** Evaluate one provision rule on every unit (memoised per rule id). */
export function provision(ctx: CheckContext, ruleId: string): UnitProvision[] {
  return ctx.memo(`provision:${ruleId}`, () => {
    const rule = ctx.params.provision_rules[ruleId];
    // a data gap (no facility of the rule's categories at all) judges no unit
    if (rule.categories.every((c) => !(ctx.data.places.facilities.get(c)?.length))) return [];
    const cats = rule.categories.map((c) => ctx.cat(c)).filter((c) => c >= 0);
    const o = ctx.data.places.origins;
    const per = new Map<number, { r: number; rHit: number; b: number; d: number[] }>();
    for (const u of ctx.units.provision) per.set(u, { r: 0, rHit: 0, b: 0, d: [] });
    for (let i = 0; i < o.count; i++) {
      const u = ctx.units.provisionOf[i];
      if (u < 0) continue;
      const e = per.get(u)!;
      const d = minDistance(ctx, cats, i);
      e.b++; e.r += o.residents[i]; e.d.push(d);
      if (d <= rule.radius_m) e.rHit += o.residents[i];
    }
    const inside = rule.inside_min_m2 !== undefined ? insideSpaces(ctx, rule.inside_min_m2) : null;
    const out: UnitProvision[] = [];
    for (const [u, e] of per) {
      if (!e.b) continue;
      e.d.sort((a, b) => a - b);
      const med = e.d[Math.floor((e.d.length - 1) / 2)];
      const reached = e.r > 0 ? e.rHit / e.r : e.d.filter((d) => d <= rule.radius_m).length / e.b;
      const inn = inside?.get(u);
      out.push({ unit: u, residents: e.r, buildings: e.b, reached, median_m: Number.isFinite(med) ? Math.round(med) : null, ...(inn ? { inside: inn } : {}), fails: reached < ctx.params.provision_share && !inn });
    }
    return out;
  });
}

/** Compounds holding a green space or sports area of at least `minM2` (by its centroid): unit area index → name of the space. */
function insideSpaces(ctx: CheckContext, minM2: number): Map<number, string> {
  const out = new Map<number, string>();
  const units = ctx.units.provision.filter((u) => ctx.units.areas[u].geometry);
  if (!units.length) return out;
  const idx = new PolygonIndex(units.map((u) => { const a = ctx.units.areas[u]; const g = a.geometry!; return { id: a.id, geometry: g, area_m2: a.area_m2, bbox: bboxOfAreal(g) }; }));
  const mark = (lon: number, lat: number, what: string) => { const k = idx.locate(lon, lat); if (k >= 0 && !out.has(units[k])) out.set(units[k], what); };
  for (const g of ctx.data.greens) if (g.area_m2 >= minM2) mark(g.lon, g.lat, `${g.kind} ${g.id} (${fmt(g.area_m2)} m²)`);
  for (const p of ctx.data.places.facilities.get('sports') ?? []) {
    if (p.geometry.type === 'Point') continue;
    const poly = p.geometry;
    const ring = poly.type === 'Polygon' ? poly.coordinates[0] : poly.coordinates[0][0];
    const a = areaOf(poly);
    if (a < minM2 || !ring?.length) continue;
    let x = 0, y = 0;
    for (const q of ring) { x += q[0]; y += q[1]; }
    x /= ring.length; y /= ring.length;
    if (pointInAreal(x, y, poly)) mark(x, y, `sports ${p.id} (${fmt(a)} m²)`);
  }
  return out;
}

const areaOf = (g: Areal) => arealAreaM2(g);
const bboxOfAreal = (g: Areal) => bboxOf(g) as [number, number, number, number];

function shortfall(id: string, what: string): Indicator {
  return {
    id,
    inputs: ['access:' + what, 'land_use:residential (compounds)', 'buildings:residential (population estimate)'],
    unit: 'count',
    levels: ALL,
    explain(ctx) {
      const rule = ctx.params.provision_rules[id];
      return `Counting units: ${ctx.units.source.provision}. A unit fails when fewer than ${pct(ctx.params.provision_share, 0)} of its residents live within ${rule.radius_m} m walk of ${rule.categories.join(' or ')}` +
        `${rule.inside_min_m2 !== undefined ? ` and it holds no green space, pitch or playground of ≥ ${rule.inside_min_m2} m² (by centroid)` : ''}. ` +
        `Per area: the failing units located there (by the area holding most of their residents). G* approximation from OSM: the official rule is provision to standard for the compound's size. ${residentsMethod(ctx)}.`;
    },
    compute(ctx) {
      if (ctx.units.provisionKind === 'none') return areasOf(ctx, ALL).map((a) => ({ area: a, value: null, reason: 'no residential compounds or communities to count', reason_zh: '没有可计数的居住小区或社区' }));
      const rule = ctx.params.provision_rules[id];
      // no facility of the category at all: a data gap, not a shortfall of every compound
      if (rule.categories.every((c) => !(ctx.data.places.facilities.get(c)?.length))) {
        return areasOf(ctx, ALL).map((a) => ({ area: a, value: null, gap: rule.categories, reason: `data gap (无数据): no ${rule.categories.join('/')} at all in the data, so no compound can be judged; check the data's completeness or enter the official count with --manual`,
          reason_zh: `数据缺口：数据中完全没有${rule.categories.map((c) => categoryById.get(c)?.name_zh ?? c).join('或')}，无法判断任何小区；请检查数据完整性，或用 --manual 录入官方数值` }));
      }
      const res = provision(ctx, id);
      const homes = unitHomes(ctx);
      const out: AreaValue[] = [];
      for (const lv of ALL) {
        const agg = new Map<number, { units: number; fail: number; res: number; resFail: number }>();
        for (const a of ctx.units.level[lv]) agg.set(a, { units: 0, fail: 0, res: 0, resFail: 0 });
        for (const p of res) {
          const a = lv === 'city' ? ctx.units.level.city[0] : homes[lv].get(p.unit);
          if (a === undefined || a < 0) continue;
          const e = agg.get(a);
          if (!e) continue;
          e.units++; e.res += p.residents;
          if (p.fails) { e.fail++; e.resFail += p.residents; }
        }
        for (const [a, e] of agg) {
          if (!e.units) { out.push({ area: a, value: null, reason: 'no counting unit (compound) in this area' }); continue; }
          out.push({
            area: a, value: e.fail,
            note: `${e.fail} of ${e.units} ${ctx.units.provisionKind === 'compound' ? 'compounds' : 'units'} fail (${fmt(e.resFail)} of ${fmt(e.res)} residents).`,
            details: { units: e.units, failing: e.fail, residents_in_failing: Math.round(e.resFail), share_failing: round(e.fail / e.units) },
          });
        }
      }
      return out;
    },
  };
}

export const kindergartenShortfall = shortfall('community_kindergarten_shortfall', 'kindergarten');
export const childcareShortfall = shortfall('community_childcare_shortfall', 'childcare');
export const elderlyShortfall = shortfall('community_elderly_shortfall', 'elderly_care');
export const activitySpaceShortfall = shortfall('community_activity_space_shortfall', 'park, sports');
