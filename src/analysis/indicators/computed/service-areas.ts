import type { AccessOptions } from '../../network/access.js';
import { runCategories } from '../../network/parallel.js';
import { snapSources, type Place, type SegmentIndex } from '../../network/snap.js';
import { fmt, pct, ratio, round, tally, type Tally } from '../common.js';
import { landShares, seedPlaces, type LandShare } from '../land-raster.js';
import type { AreaValue, CheckContext, Indicator } from '../types.js';
import type { AreaLevel } from '../units.js';
import { builtUpText } from './land.js';

/**
 * Official radius-coverage indicators (area-based, straight-line service areas): residential
 * land inside the union of the facilities' service areas ÷ residential land, per city, district
 * and street; the network form (residents within walking distance) is reported alongside.
 */
const LEVELS: AreaLevel[] = ['city', 'district', 'street'];
const km2 = (m2: number) => round(m2 / 1e6, 4);

function landText(ctx: CheckContext): string {
  return ctx.data.compounds.length
    ? `residential land = landuse=residential polygons (${ctx.data.compounds.length})`
    : 'residential land approximated by residential building footprints (no landuse=residential in the data)';
}

function areaValues(ctx: CheckContext, shares: Map<number, LandShare>, net: Map<number, Tally> | null, netLabel: string, extra?: (a: number) => Record<string, unknown>): AreaValue[] {
  return LEVELS.flatMap((lv) => ctx.units.level[lv]).map((a) => {
    const s = shares.get(a);
    const v = s ? ratio(s.covered_m2, s.total_m2) : null;
    const t = net?.get(a);
    const network = t ? { buildings_share: t.b ? round(t.bHit / t.b) : null, residents_share: t.r ? round(t.rHit / t.r) : null, buildings: t.b, residents: Math.round(t.r) } : null;
    if (v === null) return { area: a, value: null, reason: 'no residential land in this area', details: { [netLabel]: network } };
    return {
      area: a, value: round(v),
      note: `covered ${km2(s!.covered_m2)} of ${km2(s!.total_m2)} km² residential land${network ? `; ${netLabel}: ${pct(network.buildings_share)} of residential buildings, ${pct(network.residents_share)} of residents` : ''}.`,
      details: { covered_km2: km2(s!.covered_m2), residential_km2: km2(s!.total_m2), [netLabel]: network, ...extra?.(a) },
    };
  });
}

function noData(ctx: CheckContext, reason: string, reasonZh: string, gap?: string[]): AreaValue[] {
  return LEVELS.flatMap((lv) => ctx.units.level[lv]).map((a) => ({ area: a, value: null, reason, reason_zh: reasonZh, ...(gap ? { gap } : {}) }));
}

/**
 * Walking distances to subsets of places (e.g. parks by size class), with the main run's
 * parameters and its snapped origins: the engine's own snapping and multi-source search
 * (`snapSources`, `runCategories`), one search per subset. Returns one array per subset (origin order).
 */
export async function subsetDistances(ctx: CheckContext, sets: Place[][]): Promise<Float64Array[]> {
  const index = ctx.extra.get('segmentIndex') as SegmentIndex;
  const opts = (ctx.extra.get('accessOptions') ?? {}) as AccessOptions;
  const a = ctx.access;
  const sources = sets.map((p) => snapSources(index, p, { snapLimitM: a.params.snap_limit_m, polygonReachM: a.params.polygon_reach_m }));
  const { distances } = await runCategories(ctx.data.places.graph, a.snap, sources, a.params.cutoff_m, { workers: opts.workers, minParallelWork: opts.minParallelWork });
  const n = a.origins.count;
  return sets.map((_, k) => distances.subarray(k * n, (k + 1) * n));
}

export const parkServiceCoverage: Indicator = {
  id: 'park_service_coverage',
  inputs: ['facilities:park (public park polygons and their area)', 'land_use:residential', 'buildings:residential', 'access:park', 'walk network'],
  unit: 'ratio',
  levels: LEVELS,
  explain(ctx) {
    const cls = ctx.params.park_size_classes.map((c) => `parks ${fmt(c.min_m2)}${c.max_m2 ? `–${fmt(c.max_m2)}` : '+'} m² serve ${c.radius_m} m`).join(', ');
    return `Official area-based form (value): ${landText(ctx)} inside the union of straight-line park service areas (${cls}; ${ctx.params.park_size_classes_source ?? 'size classes are a catalogue parameter'}) ÷ residential land, on a ${ctx.raster().describe}. ` +
      `Network forms (details): share of residential buildings and of residents within ${ctx.params.park_network_m} m walk of any public park (entered at its boundary; the park column of access.csv), and within the size-class radii by walking.`;
  },
  async compute(ctx) {
    const r = ctx.raster();
    const classes = ctx.params.park_size_classes;
    if (!r.parks.length) return noData(ctx, 'data gap: no public park polygon (leisure=park|garden, landuse=recreation_ground, ...) in the data', '数据缺口：数据中没有公园绿地面（leisure=park|garden、landuse=recreation_ground 等）', ['park']);
    const covered = new Uint8Array(r.grid.size);
    const used: Record<string, number> = {};
    const byClass: Place[][] = classes.map(() => []);
    for (const p of r.parks) if (p.sizeClass >= 0) byClass[p.sizeClass].push({ id: p.id, geometry: p.geometry });
    classes.forEach((c, k) => {
      used[`${c.min_m2}${c.max_m2 ? '-' + c.max_m2 : '+'}`] = byClass[k].length;
      if (!byClass[k].length) return;
      const m = r.grid.within(seedPlaces(r.grid, byClass[k]), c.radius_m);
      for (let q = 0; q < m.length; q++) covered[q] |= m[q];
    });
    const shares = landShares(ctx, r.residential, covered, LEVELS);
    const pc = ctx.cat('park');
    const net = pc < 0 ? null : tally(ctx, LEVELS, (i) => (ctx.dist(pc, i) <= ctx.params.park_network_m ? 1 : 0));
    // network by size class: one search per class over that class's parks
    const n = ctx.data.places.origins.count;
    const hit = new Uint8Array(n);
    const ks = classes.map((_, k) => k).filter((k) => byClass[k].length);
    const ds = await subsetDistances(ctx, ks.map((k) => byClass[k]));
    ks.forEach((k, q) => { const d = ds[q]; for (let i = 0; i < n; i++) if (d[i] <= classes[k].radius_m) hit[i] = 1; });
    const netClass = tally(ctx, LEVELS, (i) => hit[i]);
    const small = r.parks.filter((p) => p.sizeClass < 0).length;
    return areaValues(ctx, shares, net, `network_within_${ctx.params.park_network_m}m`, (a) => {
      const t = netClass.get(a);
      return {
        network_by_size_class: t ? { buildings_share: t.b ? round(t.bHit / t.b) : null, residents_share: t.r ? round(t.rHit / t.r) : null } : null,
        ...(a === ctx.units.level.city[0] ? { parks_by_class: used, parks_below_smallest_class: small } : {}),
      };
    });
  },
};

export const middleSchoolCoverage: Indicator = {
  id: 'middle_school_coverage',
  inputs: ['facilities:middle_school', 'land_use:residential', 'buildings:residential', 'access:middle_school'],
  unit: 'ratio',
  levels: LEVELS,
  explain(ctx) {
    return `Official area-based form (value): ${landText(ctx)} within ${ctx.params.middle_school_radius_m} m straight-line of a middle school (amenity=school with isced:level 2/3, or named 中学/初中/高中) ÷ residential land, on a ${ctx.raster().describe}. ` +
      `Network form (details): residential buildings and residents within ${ctx.params.middle_school_radius_m} m walk (access.csv middle_school).`;
  },
  compute(ctx) {
    const places = ctx.data.places.facilities.get('middle_school') ?? [];
    if (!places.length) return noData(ctx, 'data gap: no middle school in the data (schools outside the extract are not seen): enter the official value with --manual', '数据缺口：数据中没有中学（数据范围外的学校看不到）：请用 --manual 录入官方数值', ['middle_school']);
    const r = ctx.raster();
    const covered = r.grid.within(seedPlaces(r.grid, places), ctx.params.middle_school_radius_m);
    const c = ctx.cat('middle_school');
    const net = c < 0 ? null : tally(ctx, LEVELS, (i) => (ctx.dist(c, i) <= ctx.params.middle_school_radius_m ? 1 : 0));
    return areaValues(ctx, landShares(ctx, r.residential, covered, LEVELS), net, `network_within_${ctx.params.middle_school_radius_m}m`,
      (a) => (a === ctx.units.level.city[0] ? { middle_schools: places.length } : {}));
  },
};

export const greenwayCoverage: Indicator = {
  id: 'greenway_coverage',
  inputs: ['walk_edges (names, highway)', 'facilities:park', 'land_use:residential'],
  unit: 'ratio',
  levels: LEVELS,
  explain(ctx) {
    return `Area-based: ${landText(ctx)} within ${ctx.params.greenway_radius_m} m straight-line of a greenway ÷ residential land, on a ${ctx.raster().describe}. ` +
      `Greenways per the catalogue's definition (绿道服务半径覆盖率, reference/urban-health-check.md §1d #33; issue 10 §3): walkable ways named /${ctx.params.greenway_name_pattern}/ or tagged greenway=*, ` +
      'and designated greenway routes (OSM route relations for walking or cycling named as greenways, e.g. 广东绿道: their member ways present in the data); ' +
      'a path inside a park is not a greenway by itself. The km in the details may count a way twice when it is both named and a route member (the coverage does not). Limitation: cycle-only ways outside a route are not in the walk network.';
  },
  compute(ctx) {
    const gw = ctx.data.greenways;
    if (!gw.length) return noData(ctx, 'no greenway identified in the data (OSM rarely tags greenways): enter the official value with --manual', '数据中未识别出绿道（OSM 很少标注绿道）：请用 --manual 录入官方数值');
    const r = ctx.raster();
    const seed = new Uint8Array(r.grid.size);
    for (const g of gw) r.grid.traceLine(g.coordinates, (k) => { seed[k] = 1; });
    const covered = r.grid.within(seed, ctx.params.greenway_radius_m);
    const len = gw.reduce((s, g) => s + g.length_m, 0);
    return areaValues(ctx, landShares(ctx, r.residential, covered, LEVELS), null, 'network', (a) => (a === ctx.units.level.city[0]
      ? { greenway_ways: gw.length, greenway_km: round(len / 1000, 3), by_rule: { name: gw.filter((g) => g.rule === 'name').length, tag: gw.filter((g) => g.rule === 'tag').length, route: gw.filter((g) => g.rule === 'route').length } } : {}));
  },
};

export const fireStationCoverage: Indicator = {
  id: 'fire_station_coverage',
  inputs: ['facilities:fire_station', 'buildings (built-up land)'],
  unit: 'ratio',
  levels: LEVELS,
  explain(ctx) {
    const A = ctx.params.fire_station_service_area_km2;
    const R = Math.sqrt((A * 1e6) / Math.PI);
    return `Area-based: built-up land within the service area of a fire station (amenity=fire_station) ÷ built-up land. Official rule (reference/urban-health-check.md §1d #54): a 5-minute response, ≈ 7 km² for a standard station, 4 km² for a small one [M]; ` +
      `the standard-station class is applied to every station (the data does not tell small stations apart): ≤ ${A} km², taken as a straight-line circle of the same area (radius ${fmt(R)} m); ` +
      `${builtUpText(ctx)}.`;
  },
  compute(ctx) {
    const places = ctx.data.places.facilities.get('fire_station') ?? [];
    if (!places.length) return noData(ctx, 'data gap: no fire station in the data (stations outside the extract are not seen): enter the official value with --manual', '数据缺口：数据中没有消防站（数据范围外的消防站看不到）：请用 --manual 录入官方数值', ['fire_station']);
    const r = ctx.raster();
    if (r.builtUpMissing) return noData(ctx, r.builtUpMissing, r.builtUpMissingZh!);
    const R = Math.sqrt((ctx.params.fire_station_service_area_km2 * 1e6) / Math.PI);
    const covered = r.grid.within(seedPlaces(r.grid, places), R);
    const shares = landShares(ctx, r.builtUp, covered, LEVELS);
    return LEVELS.flatMap((lv) => ctx.units.level[lv]).map((a) => {
      const s = shares.get(a);
      const v = s ? ratio(s.covered_m2, s.total_m2) : null;
      if (v === null) return { area: a, value: null, reason: 'no built-up land in this area' };
      return { area: a, value: round(v), note: `covered ${km2(s!.covered_m2)} of ${km2(s!.total_m2)} km² built-up land.`, details: { covered_km2: km2(s!.covered_m2), built_up_km2: km2(s!.total_m2), ...(a === ctx.units.level.city[0] ? { fire_stations: places.length, radius_m: Math.round(R) } : {}) } };
    });
  },
};
