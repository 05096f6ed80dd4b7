import { categoryById } from '../../../model/taxonomy.js';
import { areasOf, cv, facilityCount, gini, pct, residentsMethod, round, shareValues, tally } from '../common.js';
import type { AreaValue, CheckContext, Indicator } from '../types.js';
import type { AreaLevel } from '../units.js';

/** Indicators read off the walking distances of every residential building (access engine). */
const ALL: AreaLevel[] = ['city', 'district', 'street', 'community'];

export const transitAccess: Indicator = {
  id: 'transit_access',
  inputs: ['access:bus_stop', 'access:metro_station', 'buildings:residential (population estimate)'],
  unit: 'ratio',
  levels: ALL,
  explain(ctx) {
    return `SDG 11.2.1: share of residents within ${ctx.params.transit_bus_m} m network walk of a bus stop or ${ctx.params.transit_metro_m} m of a metro/rail station ` +
      `(walking distance from each residential building, access legs included); ${residentsMethod(ctx)}.`;
  },
  compute(ctx) {
    const bus = ctx.cat('bus_stop'), metro = ctx.cat('metro_station');
    const { transit_bus_m: B, transit_metro_m: M } = ctx.params;
    const hit = (i: number) => ((bus >= 0 && ctx.dist(bus, i) <= B) || (metro >= 0 && ctx.dist(metro, i) <= M) ? 1 : 0);
    const t = tally(ctx, ALL, hit);
    const tb = tally(ctx, ALL, (i) => (bus >= 0 && ctx.dist(bus, i) <= B ? 1 : 0));
    const tm = tally(ctx, ALL, (i) => (metro >= 0 && ctx.dist(metro, i) <= M ? 1 : 0));
    const stops = ctx.data.places.facilities.get('bus_stop')?.length ?? 0, stations = ctx.data.places.facilities.get('metro_station')?.length ?? 0;
    if (!stops && !stations) return areasOf(ctx, ALL).map((a) => ({ area: a, value: null, gap: ['bus_stop', 'metro_station'], reason: 'data gap: no bus stop or metro station in the data', reason_zh: '数据缺口：数据中没有公交站或轨道交通站' }));
    return shareValues(ctx, ALL, t, (x) => `${pct(x.bHit / Math.max(1, x.b))} of ${x.b} residential buildings.`, (a) => ({
      bus_residents_share: round((tb.get(a)?.rHit ?? 0) / Math.max(1e-9, tb.get(a)?.r ?? 0)),
      metro_residents_share: round((tm.get(a)?.rHit ?? 0) / Math.max(1e-9, tm.get(a)?.r ?? 0)),
      ...(a === ctx.units.level.city[0] ? { bus_stops: stops, metro_stations: stations } : {}),
    }));
  },
};

export interface LivingCircleData {
  /** flat list of (category index in access, radius) checked per building */
  checks: { id: string; c: number; radius: number; minutes: number }[];
  /** per residential building: share of the checks met */
  completeness: Float32Array;
  /** per check: 1 where building i has the category within the radius (bit per check, up to 31 checks) */
  met: Int32Array;
  /** categories with no facility in the data (data gaps, left out of the checks) */
  gaps: string[];
}

/** Per-building living-circle completeness, shared by several indicators and the renewal ranking. */
export function livingCircle(ctx: CheckContext): LivingCircleData {
  return ctx.memo('livingCircle', () => {
    // a category with no facility in the data is a data gap: left out of the checks (not counted as missing)
    const all = ctx.params.living_circles.flatMap((lc) => lc.categories.map((id) => ({ id, c: ctx.cat(id), radius: lc.radius_m, minutes: lc.minutes })));
    const gaps = [...new Set(all.filter((ch) => !facilityCount(ctx, ch.id)).map((ch) => ch.id))];
    const checks = all.filter((ch) => facilityCount(ctx, ch.id) > 0).slice(0, 31);
    const n = ctx.data.places.origins.count;
    const completeness = new Float32Array(n);
    const met = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      let m = 0, k = 0;
      checks.forEach((ch, q) => { if (ch.c >= 0 && ctx.dist(ch.c, i) <= ch.radius) { m |= 1 << q; k++; } });
      met[i] = m;
      completeness[i] = checks.length ? k / checks.length : NaN;
    }
    return { checks, completeness, met, gaps };
  });
}

export const livingCircleCompleteness: Indicator = {
  id: 'living_circle_completeness',
  inputs: ['access:<living-circle categories>', 'buildings:residential (population estimate)', 'communities / compounds'],
  unit: 'ratio',
  levels: ALL,
  explain(ctx) {
    const circles = ctx.params.living_circles.map((lc) => `${lc.minutes}-min (${lc.radius_m} m): ${lc.categories.join(', ')}`).join('; ');
    return `Per residential building, the share of the GB 50180-2018 living-circle facility categories within their walking radius (${circles}); ` +
      `per area the residents-weighted mean (for a community: the share of categories present for its residents; city = population-weighted mean). ` +
      `A category counts as missing for a community when fewer than ${pct(ctx.params.provision_share, 0)} of its residents reach it. ${residentsMethod(ctx)}.`;
  },
  compute(ctx) {
    const lc = livingCircle(ctx);
    if (!lc.checks.length) return areasOf(ctx, ALL).map((a) => ({ area: a, value: null, gap: lc.gaps, reason: `data gap: no facility of any living-circle category in the data (${lc.gaps.join(', ')})`, reason_zh: `数据缺口：数据中没有任何生活圈类别的设施（${lc.gaps.map((c) => categoryName(c)).join('、')}）` }));
    const t = tally(ctx, ALL, (i) => lc.completeness[i]);
    const missingCats = lc.checks.filter((ch) => ch.c < 0).map((ch) => ch.id);
    // per category reach, for the missing list of each community
    const perCheck = lc.checks.map((_, q) => tally(ctx, ['community'], (i) => ((lc.met[i] >> q) & 1)));
    const perCircle = ctx.params.living_circles.map((circle) => {
      const qs = lc.checks.map((ch, q) => (ch.minutes === circle.minutes ? q : -1)).filter((q) => q >= 0);
      return { minutes: circle.minutes, t: tally(ctx, ALL, (i) => qs.reduce((s, q) => s + ((lc.met[i] >> q) & 1), 0) / Math.max(1, qs.length)) };
    });
    const gapText = lc.gaps.length ? ` Data gap (无数据), left out of the share: no ${lc.gaps.join(', ')} in the data.` : '';
    const vals = shareValues(ctx, ALL, t, (x) => `${Math.round(x.r)} residents in ${x.b} residential buildings.${missingCats.length ? ` Categories not computed: ${missingCats.join(', ')}.` : ''}${gapText}`, (a) => {
      const out: Record<string, unknown> = {
        by_circle: Object.fromEntries(perCircle.map((p) => { const x = p.t.get(a); return [`${p.minutes}min`, x && x.r ? round(x.rHit / x.r) : null]; })),
      };
      if (ctx.units.areas[a].level === 'community') {
        out.missing = lc.checks.filter((_, q) => { const x = perCheck[q].get(a); return !x || !x.r || x.rHit / x.r < ctx.params.provision_share; }).map((ch) => ch.id);
      }
      return out;
    });
    if (lc.gaps.length) for (const v of vals) v.gap = lc.gaps;
    return vals;
  },
};

export const serviceEquity: Indicator = {
  id: 'service_equity',
  inputs: ['living_circle_completeness', 'access:park', 'access:bus_stop', 'access:metro_station', 'districts / streets'],
  unit: 'index',
  levels: ['city'],
  explain(ctx) {
    const lv = equityLevel(ctx);
    return `Spatial equity of service: residents-weighted Gini coefficient of living-circle completeness across ${lv ? `the ${ctx.units.level[lv].length} ${lv} units (${ctx.units.source[lv]})` : 'sub-areas'} ` +
      `(0 = every area equally served, 1 = all service in one area); the coefficient of variation and the same measures for park access (${ctx.params.park_network_m} m walk) and transit access are in the details, with the ${ctx.params.equity_worst} worst-served areas.`;
  },
  compute(ctx) {
    const city = ctx.units.level.city[0];
    const lv = equityLevel(ctx);
    if (!lv) return [{ area: city, value: null, reason: 'fewer than two districts, streets or communities with residents: no dispersion to measure', reason_zh: '有居民的区、街道或社区不足两个：无法衡量均衡度' }];
    const lc = livingCircle(ctx);
    const comp = tally(ctx, [lv], (i) => lc.completeness[i]);
    const pc = ctx.cat('park');
    const park = tally(ctx, [lv], (i) => (pc >= 0 && ctx.dist(pc, i) <= ctx.params.park_network_m ? 1 : 0));
    const bus = ctx.cat('bus_stop'), metro = ctx.cat('metro_station');
    const transit = tally(ctx, [lv], (i) => ((bus >= 0 && ctx.dist(bus, i) <= ctx.params.transit_bus_m) || (metro >= 0 && ctx.dist(metro, i) <= ctx.params.transit_metro_m) ? 1 : 0));
    const ids = ctx.units.level[lv].filter((a) => (comp.get(a)?.r ?? 0) > 0);
    const w = ids.map((a) => comp.get(a)!.r);
    const val = (m: typeof comp) => ids.map((a) => m.get(a)!.rHit / m.get(a)!.r);
    const measures = { living_circle_completeness: val(comp), park_access: val(park), transit_access: val(transit) };
    const g = Object.fromEntries(Object.entries(measures).map(([k, v]) => [k, nullRound(gini(v, w))]));
    const c = Object.fromEntries(Object.entries(measures).map(([k, v]) => [k, nullRound(cv(v, w))]));
    const worst = ids.map((a, k) => ({ k, a })).sort((x, y) => measures.living_circle_completeness[x.k] - measures.living_circle_completeness[y.k]).slice(0, ctx.params.equity_worst)
      .map(({ k, a }) => ({ area_id: ctx.units.areas[a].id, name: ctx.units.areas[a].name ?? null, living_circle_completeness: round(measures.living_circle_completeness[k]), park_access: round(measures.park_access[k]), transit_access: round(measures.transit_access[k]), residents: Math.round(w[k]) }));
    const v = g.living_circle_completeness as number | null;
    const out: AreaValue = {
      area: city, value: v,
      note: `Over ${ids.length} ${lv} units: Gini ${v ?? '–'}, CV ${c.living_circle_completeness ?? '–'}; worst served: ${worst.slice(0, 3).map((x) => `${x.name ?? x.area_id} (${pct(x.living_circle_completeness, 0)})`).join(', ')}.`,
      details: { level: lv, areas: ids.length, gini: g, cv: c, worst },
    };
    if (v === null) { out.reason = 'dispersion undefined (no service anywhere)'; }
    return [out];
  },
};

const nullRound = (v: number | null) => (v === null ? null : round(v));

/** The coarsest level with at least two areas holding residents. */
export function equityLevel(ctx: CheckContext): AreaLevel | null {
  for (const lv of ['district', 'street', 'community'] as const) {
    if (ctx.units.level[lv].filter((a) => ctx.units.areas[a].residents > 0).length >= 2) return lv;
  }
  return null;
}

export const categoryName = (id: string, lang: 'zh' | 'en' = 'zh') => (lang === 'zh' ? categoryById.get(id)?.name_zh : categoryById.get(id)?.name_en) ?? id;
