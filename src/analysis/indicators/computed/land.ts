import { distanceM, metresPerDegree } from '../../../model/geo.js';
import { fmt, pct, ratio, residentsMethod, round } from '../common.js';
import { INTERNAL_LANDUSE } from '../data.js';
import { PolygonIndex } from '../units.js';
import type { AreaValue, CheckContext, Indicator } from '../types.js';
import type { AreaLevel } from '../units.js';

/** Land-based indicators: road network density, park green per capita, population density. */
const LEVELS: AreaLevel[] = ['city', 'district', 'street'];

/** Cells of a mask per area (city, districts, streets), in m². */
function maskArea(ctx: CheckContext, mask: Uint8Array): Map<number, number> {
  const r = ctx.raster();
  const out = new Map<number, number>();
  const city = ctx.units.level.city[0];
  const ca = r.grid.cellArea;
  for (const lv of LEVELS) for (const a of ctx.units.level[lv]) out.set(a, 0);
  for (let k = 0; k < mask.length; k++) {
    if (!mask[k]) continue;
    out.set(city, out.get(city)! + ca);
    for (const lv of ['district', 'street'] as const) { const a = r.label(lv, k); if (a >= 0) out.set(a, (out.get(a) ?? 0) + ca); }
  }
  return out;
}

/** Built-up land per area, m² (memoised). */
export function builtUpArea(ctx: CheckContext): Map<number, number> {
  return ctx.memo('builtUpArea', () => maskArea(ctx, ctx.raster().builtUp));
}

function residentsByArea(ctx: CheckContext): Map<number, number> {
  const out = new Map<number, number>();
  for (const lv of LEVELS) for (const a of ctx.units.level[lv]) out.set(a, ctx.units.areas[a].residents);
  return out;
}

/**
 * One-way ways that are one carriageway of a dual carriageway: another one-way way of the same name
 * and class runs within `pairM` of its midpoint. Each of the pair then counts half (the road once).
 */
export function pairedCarriageways(roads: CheckContext['data']['roads'], pairM: number): Uint8Array {
  const out = new Uint8Array(roads.count);
  const groups = new Map<string, number[]>();
  for (let e = 0; e < roads.count; e++) {
    const nm = roads.name[e];
    if (!roads.oneway[e] || !nm) continue;
    const k = `${roads.highway[e].replace(/_link$/, '')}\u0000${nm}`;
    const g = groups.get(k);
    if (g) g.push(e); else groups.set(k, [e]);
  }
  for (const g of groups.values()) {
    if (g.length < 2) continue;
    for (const a of g) {
      if (out[a]) continue;
      const [kx, ky] = metresPerDegree(roads.midLat[a]);
      const ax = roads.midLon[a] * kx, ay = roads.midLat[a] * ky;
      for (const b of g) {
        if (a === b) continue;
        const c = roads.coords[b];
        let best = Infinity;
        for (let i = 1; i < c.length && best > pairM; i++) {
          best = Math.min(best, segDist(ax, ay, c[i - 1][0] * kx, c[i - 1][1] * ky, c[i][0] * kx, c[i][1] * ky));
        }
        if (best <= pairM) { out[a] = 1; out[b] = 1; break; }
      }
    }
  }
  return out;
}

function segDist(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax, dy = by - ay, L = dx * dx + dy * dy;
  const t = L > 0 ? Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / L)) : 0;
  return Math.hypot(px - ax - t * dx, py - ay - t * dy);
}

/** How built-up land is defined, in words. */
export function builtUpText(ctx: CheckContext): string {
  return `built-up land = land within ${ctx.params.built_up_buffer_m} m of a building's centroid (not of its footprint)${ctx.data.compounds.length ? ' or inside residential land (landuse=residential)' : ''}, on a ${ctx.raster().describe}: ` +
    'a morphological stand-in for 城市建设用地 (GB 50137-2011) that does not depend on a grid origin (issue 10 §3)';
}

export const roadNetworkDensity: Indicator = {
  id: 'road_network_density',
  inputs: ['walk_edges and roads (highway class, length, geometry, name, oneway)', 'land_use:residential, industrial, education (internal roads)', 'facilities: school and hospital grounds', 'buildings (built-up land)'],
  unit: 'km/km2',
  levels: LEVELS,
  explain(ctx) {
    return `城市道路网密度 per reference/urban-health-check.md §1d #37 and §5 (GB/T 51328-2018): length of arterial, secondary and branch road centrelines (highway=${ctx.params.road_highways.join('|')}) ` +
      `inside built-up land ÷ that built-up land, so that roads and land are measured over the same area; ${builtUpText(ctx)}. ` +
      `Left out: internal roads of residential compounds, campuses, schools, hospitals and industrial estates (way midpoint inside landuse=residential|${[...INTERNAL_LANDUSE].join('|')} or a school/hospital ground). ` +
      `A dual carriageway (two one-way ways of the same name and class within ${ctx.params.carriageway_pair_m} m) counts once. ` +
      'Roads closed to pedestrians (foot=no, access=no, tunnels and elevated roads so tagged) count too: the model keeps them as roads beside the walk network. Per area by the position of each piece of road.';
  },
  compute(ctx) {
    const roads = ctx.data.roads;
    const r = ctx.raster();
    if (r.builtUpMissing) return LEVELS.flatMap((lv) => ctx.units.level[lv]).map((a) => ({ area: a, value: null, reason: r.builtUpMissing!, reason_zh: r.builtUpMissingZh! }));
    const built = builtUpArea(ctx);
    const compounds = new PolygonIndex(ctx.data.compounds);
    const internal = new PolygonIndex(ctx.data.internal);
    const paired = pairedCarriageways(roads, ctx.params.carriageway_pair_m);
    const len = new Map<number, number>();
    const city = ctx.units.level.city[0];
    let inside = 0, insideKm = 0, intern = 0, internKm = 0, pairs = 0, pairKm = 0, outsideKm = 0, totalKm = 0;
    const byClass: Record<string, number> = {};
    const piece = Math.max(1, r.grid.cell);
    for (let e = 0; e < roads.count; e++) {
      const x = roads.midLon[e], y = roads.midLat[e], l = roads.length_m[e];
      if (ctx.data.compounds.length && compounds.locate(x, y) >= 0) { inside++; insideKm += l / 1000; continue; }
      if (ctx.data.internal.length && internal.locate(x, y) >= 0) { intern++; internKm += l / 1000; continue; }
      const w = paired[e] ? 0.5 : 1;
      if (paired[e]) { pairs++; pairKm += l / 2000; }
      totalKm += (w * l) / 1000;
      // clip to built-up land: pieces of about one raster cell, each placed by its midpoint
      const c = roads.coords[e];
      for (let i = 1; i < c.length; i++) {
        const d = distanceM(c[i - 1][0], c[i - 1][1], c[i][0], c[i][1]);
        const n = Math.max(1, Math.ceil(d / piece));
        for (let q = 0; q < n; q++) {
          const t = (q + 0.5) / n;
          const k = r.grid.at(c[i - 1][0] + (c[i][0] - c[i - 1][0]) * t, c[i - 1][1] + (c[i][1] - c[i - 1][1]) * t);
          const pl = (w * d) / n;
          if (k < 0 || !r.builtUp[k]) { outsideKm += pl / 1000; continue; }
          byClass[roads.highway[e]] = (byClass[roads.highway[e]] ?? 0) + pl / 1000;
          len.set(city, (len.get(city) ?? 0) + pl);
          for (const lv of ['district', 'street'] as const) { const a = r.label(lv, k); if (a >= 0) len.set(a, (len.get(a) ?? 0) + pl); }
        }
      }
    }
    return LEVELS.flatMap((lv) => ctx.units.level[lv]).map((a): AreaValue => {
      const b = built.get(a) ?? 0;
      const km = (len.get(a) ?? 0) / 1000;
      if (b <= 0) return { area: a, value: null, reason: 'no built-up land in this area' };
      return {
        area: a, value: round(km / (b / 1e6), 3), note: `${fmt(km, 2)} km of roads on ${fmt(b / 1e6, 3)} km² built-up land.`,
        details: {
          road_km: round(km, 3), built_up_km2: round(b / 1e6, 4),
          ...(a === city ? {
            by_class_km: Object.fromEntries(Object.entries(byClass).map(([k, v]) => [k, round(v, 3)])), road_km_before_clipping: round(totalKm, 3), outside_built_up_km: round(outsideKm, 3),
            dual_carriageways: { ways: pairs, km_counted_once: round(pairKm, 3) }, left_out_inside_compounds: { ways: inside, km: round(insideKm, 3) }, left_out_internal: { ways: intern, km: round(internKm, 3) },
          } : {}),
        },
      };
    });
  },
};

export const parkGreenPerCapita: Indicator = {
  id: 'park_green_per_capita',
  inputs: ['facilities:park (public park polygons)', 'buildings:residential (population estimate)'],
  unit: 'm2/person',
  levels: LEVELS,
  explain(ctx) {
    return `人均公园绿地面积 (reference/urban-health-check.md §3: GB 55014-2021 > 8 m², eco-garden city ≥ 14.8 m²): public park land serving the urban area ÷ residents; ` +
      `park land = the union of park polygons (overlaps counted once) within ${ctx.params.park_network_m} m straight-line of a residential building, on a ${ctx.raster().describe}, so that parks far from any resident do not count (issue 10 §3); per area the park land inside it. ` +
      `${residentsMethod(ctx)}. Parks: leisure=park|garden and landuse=recreation_ground open to the public (not access=private/permissive/customers/..., not rooftop gardens); ` +
      'nature reserves are not park green space (issue 10 §3; reference/facility-taxonomy.md still lists them in the park category).';
  },
  compute(ctx) {
    const r = ctx.raster();
    if (!r.parks.length) return LEVELS.flatMap((lv) => ctx.units.level[lv]).map((a) => ({ area: a, value: null, gap: ['park'], reason: 'data gap: no public park polygon in the data', reason_zh: '数据缺口：数据中没有公园绿地面' }));
    const o = ctx.data.places.origins;
    const seed = new Uint8Array(r.grid.size);
    for (let i = 0; i < o.count; i++) { const k = r.grid.at(o.lon[i], o.lat[i]); if (k >= 0) seed[k] = 1; }
    const serving = r.grid.within(seed, ctx.params.park_network_m);
    let far = 0;
    for (let k = 0; k < serving.length; k++) { if (r.parkMask[k] && !serving[k]) far++; serving[k] &= r.parkMask[k]; }
    const park = maskArea(ctx, serving);
    const res = residentsByArea(ctx);
    return LEVELS.flatMap((lv) => ctx.units.level[lv]).map((a): AreaValue => {
      const p = park.get(a) ?? 0, n = res.get(a) ?? 0;
      const v = ratio(p, n);
      if (v === null) return { area: a, value: null, reason: 'no residents in this area' };
      return { area: a, value: round(v, 2), note: `${fmt(p / 1e4, 2)} ha of park for ${fmt(n)} residents.`, details: { park_m2: Math.round(p), residents: Math.round(n), ...(a === ctx.units.level.city[0] ? { parks: r.parks.length, park_m2_far_from_residents: Math.round(far * r.grid.cellArea) } : {}) } };
    });
  },
};

export const populationDensity: Indicator = {
  id: 'population_density',
  inputs: ['buildings (population estimate, built-up land)'],
  unit: 'persons/km2',
  levels: LEVELS,
  explain(ctx) {
    return `Residents ÷ built-up land (${builtUpText(ctx)}); areas above ${fmt(ctx.params.density_flag_per_km2)} people/km² are flagged (legacy health-check parameter, reference/urban-health-check.md §1). ${residentsMethod(ctx)}. No residents: no value (not 0).`;
  },
  compute(ctx) {
    const built = builtUpArea(ctx);
    const res = residentsByArea(ctx);
    const flag = ctx.params.density_flag_per_km2;
    const missing = ctx.raster().builtUpMissing;
    const vals = LEVELS.flatMap((lv) => ctx.units.level[lv]).map((a): AreaValue => {
      const b = built.get(a) ?? 0, n = res.get(a) ?? 0;
      if (missing) return { area: a, value: null, reason: missing, reason_zh: ctx.raster().builtUpMissingZh! };
      if (b <= 0) return { area: a, value: null, reason: 'no built-up land in this area' };
      if (!(n > 0)) return { area: a, value: null, reason: 'no residents (no residential building identified) in this area' };
      return { area: a, value: Math.round(n / (b / 1e6)), note: `${fmt(n)} residents on ${fmt(b / 1e6, 3)} km² built-up land.`, details: { residents: Math.round(n), built_up_km2: round(b / 1e6, 4) } };
    });
    const subs = vals.filter((v) => ctx.units.areas[v.area].level !== 'city' && v.value !== null);
    const over = subs.filter((v) => v.value! > flag);
    const city = vals.find((v) => v.area === ctx.units.level.city[0])!;
    if (city.value !== null) {
      city.note += ` ${over.length} of ${subs.length} districts/streets above ${fmt(flag)}/km² (${pct(subs.length ? over.length / subs.length : 0)}).`;
      city.details = { ...city.details, areas_over_flag: over.map((v) => ctx.units.areas[v.area].id).slice(0, 50) };
    }
    return vals;
  },
};
