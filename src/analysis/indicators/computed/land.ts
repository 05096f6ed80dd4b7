import { fmt, pct, ratio, residentsMethod, round } from '../common.js';
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

export const roadNetworkDensity: Indicator = {
  id: 'road_network_density',
  inputs: ['walk_edges (highway class, length)', 'land_use:residential (to leave out roads inside compounds)', 'buildings (built-up land)'],
  unit: 'km/km2',
  levels: LEVELS,
  explain(ctx) {
    return `Length of road centrelines of the classes ${ctx.params.road_highways.join(', ')} (arterial, secondary and branch roads), leaving out those whose midpoint lies inside a residential compound, ` +
      `÷ built-up land (${ctx.params.built_up_cell_m} m cells holding at least one building, on a ${ctx.raster().describe}). Roads come from the walk network the model keeps (foot=no / private roads and motorways are not in it); ` +
      'dual carriageways mapped as two ways count twice. Per area by road midpoint.';
  },
  compute(ctx) {
    const roads = ctx.data.roads;
    const built = builtUpArea(ctx);
    const compounds = new PolygonIndex(ctx.data.compounds);
    const len = new Map<number, number>();
    const city = ctx.units.level.city[0];
    let inside = 0, insideKm = 0;
    const byClass: Record<string, number> = {};
    for (let e = 0; e < roads.count; e++) {
      const x = roads.midLon[e], y = roads.midLat[e], l = roads.length_m[e];
      if (ctx.data.compounds.length && compounds.locate(x, y) >= 0) { inside++; insideKm += l / 1000; continue; }
      byClass[roads.highway[e]] = (byClass[roads.highway[e]] ?? 0) + l / 1000;
      len.set(city, (len.get(city) ?? 0) + l);
      for (const lv of ['district', 'street'] as const) { const a = ctx.units.locate(lv, x, y); if (a >= 0) len.set(a, (len.get(a) ?? 0) + l); }
    }
    return LEVELS.flatMap((lv) => ctx.units.level[lv]).map((a): AreaValue => {
      const b = built.get(a) ?? 0;
      const km = (len.get(a) ?? 0) / 1000;
      if (b <= 0) return { area: a, value: null, reason: 'no built-up land in this area' };
      return {
        area: a, value: round(km / (b / 1e6), 3), note: `${fmt(km, 2)} km of roads on ${fmt(b / 1e6, 3)} km² built-up land.`,
        details: { road_km: round(km, 3), built_up_km2: round(b / 1e6, 4), ...(a === city ? { by_class_km: Object.fromEntries(Object.entries(byClass).map(([k, v]) => [k, round(v, 3)])), left_out_inside_compounds: { ways: inside, km: round(insideKm, 3) } } : {}) },
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
    return `Public park land (union of park polygons, overlaps counted once, on a ${ctx.raster().describe}) ÷ estimated residents; per area the park land inside it. ${residentsMethod(ctx)}. ` +
      'Parks: leisure=park|garden|nature_reserve and landuse=recreation_ground not marked private.';
  },
  compute(ctx) {
    const r = ctx.raster();
    const park = maskArea(ctx, r.parkMask);
    const res = residentsByArea(ctx);
    return LEVELS.flatMap((lv) => ctx.units.level[lv]).map((a): AreaValue => {
      const p = park.get(a) ?? 0, n = res.get(a) ?? 0;
      const v = ratio(p, n);
      if (v === null) return { area: a, value: null, reason: 'no residents in this area' };
      return { area: a, value: round(v, 2), note: `${fmt(p / 1e4, 2)} ha of park for ${fmt(n)} residents.`, details: { park_m2: Math.round(p), residents: Math.round(n), ...(a === ctx.units.level.city[0] ? { parks: r.parks.length } : {}) } };
    });
  },
};

export const populationDensity: Indicator = {
  id: 'population_density',
  inputs: ['buildings (population estimate, built-up land)'],
  unit: 'persons/km2',
  levels: LEVELS,
  explain(ctx) {
    return `Estimated residents ÷ built-up land (${ctx.params.built_up_cell_m} m cells holding at least one building); areas above ${fmt(ctx.params.density_flag_per_km2)} people/km² are flagged (legacy health-check parameter). ${residentsMethod(ctx)}.`;
  },
  compute(ctx) {
    const built = builtUpArea(ctx);
    const res = residentsByArea(ctx);
    const flag = ctx.params.density_flag_per_km2;
    const vals = LEVELS.flatMap((lv) => ctx.units.level[lv]).map((a): AreaValue => {
      const b = built.get(a) ?? 0, n = res.get(a) ?? 0;
      if (b <= 0) return { area: a, value: null, reason: 'no built-up land in this area' };
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
