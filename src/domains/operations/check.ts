/**
 * The health check's indicators that depend on city operations (城市体检 · 一网统管), computed from
 * the cases and the unit grids in the store, where the indicator catalogue allows a computed value
 * (`serious_waterlogging_points`: A/G; `illegal_parking_roads`: F, and cases reported by grid
 * workers and citizens are field reports; `city_operation_platform_coverage`: A, given as the
 * platform's own grid coverage). Without cases or grids in the store (a check from a file, or a
 * city not run on the platform), they stay no_data as before, and a manual value (`--manual`)
 * still replaces a computed one.
 *
 * Reading (`operationsForCheck`) is SQL at the edge; counting per unit (`OPERATIONS_INDICATORS`)
 * is pure. Both are documented in the explain of each value, which names the archive change set
 * the cases were read at and the latest SLA run.
 */
import type { Queryable } from '../../store/driver.js';
import type { AreaValue, CheckContext, Indicator } from '../../analysis/indicators/types.js';
import type { AreaLevel } from '../../analysis/indicators/units.js';

/** what the check reads of the operations domain */
export interface OpsCheckInput {
  /** the latest change set of the cases (the state read) */
  changeset: number | null;
  recorded_at: string | null;
  /** the latest SLA run (`operations.sla`), if any */
  sla_run: number | null;
  window_days: number;
  /** waterlogging points: cases of the class, clustered within `cluster_m` (linked duplicates are one report) */
  waterlogging: { cluster_m: number; cases: number; points: { lon: number; lat: number; cases: number; max_depth_cm: number | null }[] };
  /** roads (by name, else by way) nearest to an illegal-parking case within `road_m` */
  parking: { road_m: number; cases: number; unmatched: number; roads: { key: string; name: string | null; lon: number; lat: number; cases: number }[] };
  /** unit grids over the city's area (communities, else streets, else the data extent) */
  coverage: { grids: number; grid_m2: number; area_m2: number; basis: 'community' | 'street' | 'extent' };
}

export const OPS_CHECK = {
  windowDays: 365,
  /** a waterlogging point: reports within this many metres are one place (the duplicate radius of the catalogue) */
  clusterM: 50,
  /** a parking case belongs to the nearest road within this many metres */
  roadM: 30,
  waterloggingCodes: ['waterlogging'],
  parkingCodes: ['illegal_parking'],
  /** the road classes a car parks on (OSM highway=*) */
  roads: ['motorway', 'trunk', 'primary', 'secondary', 'tertiary', 'unclassified', 'residential', 'service', 'living_street',
    'motorway_link', 'trunk_link', 'primary_link', 'secondary_link', 'tertiary_link', 'road'],
} as const;

/** counted cases: not rejected, not a linked duplicate */
const COUNTED = `c.status <> 'rejected' AND c.duplicate_of IS NULL`;

/** The city's operations data for the check, or undefined when it has neither cases nor unit grids. */
export async function operationsForCheck(q: Queryable, city: string, o: { now?: Date } = {}): Promise<OpsCheckInput | undefined> {
  const has = async (t: string) => (await q.query<{ r: string | null }>('SELECT to_regclass($1)::text AS r', [t]))[0].r !== null;
  if (!(await has('cases_versions')) || !(await has('grids_versions'))) return undefined;
  const [st] = await q.query<{ cases: number; grids: number }>(
    `SELECT (SELECT count(*)::int FROM cases_current WHERE city_id = $1) AS cases,
            (SELECT count(*)::int FROM grids_current WHERE city_id = $1 AND level = 'unit') AS grids`, [city]);
  if (!st.cases && !st.grids) return undefined;
  const since = new Date((o.now ?? new Date()).getTime() - OPS_CHECK.windowDays * 86400_000).toISOString();
  const [head] = await q.query<{ cs: number | null; at: string | null }>(
    `SELECT c.changeset_id AS cs, to_char(c.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS at FROM changesets c
     WHERE c.city_id = $1 AND c.kind = 'cases' AND c.seq IS NOT NULL ORDER BY c.seq DESC LIMIT 1`, [city]);
  const [sla] = await q.query<{ id: number }>(`SELECT run_id AS id FROM runs WHERE city_id = $1 AND kind = 'operations.sla' AND status = 'succeeded' ORDER BY run_id DESC LIMIT 1`, [city]);

  // waterlogging: DBSCAN on Web Mercator metres (scaled by 1/cos of the cases' mean latitude), one cluster = one point
  const wlWhere = `c.city_id = $1 AND c.service_code = ANY($2) AND c.geom IS NOT NULL AND c.reported_at >= $3 AND ${COUNTED}`;
  const [{ lat: meanLat }] = await q.query<{ lat: number | null }>(`SELECT avg(ST_Y(c.geom))::float8 AS lat FROM cases_current c WHERE ${wlWhere}`, [city, OPS_CHECK.waterloggingCodes, since]);
  const wl = meanLat === null ? [] : await q.query<{ lon: number; lat: number; n: number; depth: number | null }>(
    `WITH w AS (SELECT c.geom, CASE WHEN c.attributes->>'depth_cm' ~ '^[0-9.]+$' THEN (c.attributes->>'depth_cm')::float8 END AS depth,
         ST_ClusterDBSCAN(ST_Transform(c.geom, 3857), eps := $4::float8, minpoints := 1) OVER () AS k
       FROM cases_current c WHERE ${wlWhere})
     SELECT ST_X(ST_Centroid(ST_Collect(geom))) AS lon, ST_Y(ST_Centroid(ST_Collect(geom))) AS lat, count(*)::int AS n, max(depth) AS depth
     FROM w GROUP BY k ORDER BY 1, 2`, [city, OPS_CHECK.waterloggingCodes, since, OPS_CHECK.clusterM / Math.cos((Number(meanLat) * Math.PI) / 180)]);

  // disorderly parking: each case to the nearest road within road_m; a road is its name (else its way)
  const pk = await q.query<{ id: string; key: string | null; name: string | null; lon: number; lat: number }>(
    `SELECT c.id, r.key, r.name, ST_X(c.geom) AS lon, ST_Y(c.geom) AS lat
     FROM cases_current c
     LEFT JOIN LATERAL (SELECT coalesce('name:' || w.name, 'way:' || w.id) AS key, w.name FROM walk_edges_current w
       WHERE w.city_id = c.city_id AND w.highway = ANY($3) AND w.geom && ST_Expand(c.geom, $4 / 90000.0)
         AND ST_DWithin(w.geom::geography, c.geom::geography, $4)
       ORDER BY ST_Distance(w.geom::geography, c.geom::geography), w.id LIMIT 1) r ON true
     WHERE c.city_id = $1 AND c.service_code = ANY($2) AND c.geom IS NOT NULL AND c.reported_at >= $5 AND ${COUNTED}`,
    [city, OPS_CHECK.parkingCodes, OPS_CHECK.roads, OPS_CHECK.roadM, since]);
  const roads = new Map<string, { key: string; name: string | null; lon: number; lat: number; cases: number }>();
  let unmatched = 0;
  for (const r of pk) {
    if (!r.key) { unmatched++; continue; }
    const x = roads.get(r.key);
    // a road is placed (for its street and community) at its first case
    if (x) x.cases++; else roads.set(r.key, { key: r.key, name: r.name, lon: Number(r.lon), lat: Number(r.lat), cases: 1 });
  }

  // coverage: unit grids are clipped cells (no overlaps), so their areas add up
  const [cov] = await q.query<{ grid_m2: number; comm_m2: number | null; street_m2: number | null; ext_m2: number | null }>(
    `SELECT (SELECT coalesce(sum(area_m2), 0)::float8 FROM grids_current WHERE city_id = $1 AND level = 'unit') AS grid_m2,
       (SELECT sum(ST_Area(geom::geography))::float8 FROM admin_areas_current WHERE city_id = $1 AND level = 'community') AS comm_m2,
       (SELECT sum(ST_Area(geom::geography))::float8 FROM admin_areas_current WHERE city_id = $1 AND level = 'street') AS street_m2,
       (SELECT ST_Area(ST_Envelope(ST_Extent(bbox))::geography)::float8 FROM sources WHERE city_id = $1) AS ext_m2`, [city]);
  const basis = cov.comm_m2 ? 'community' : cov.street_m2 ? 'street' : 'extent';
  return {
    changeset: head ? Number(head.cs) : null, recorded_at: head?.at ?? null, sla_run: sla ? Number(sla.id) : null, window_days: OPS_CHECK.windowDays,
    waterlogging: { cluster_m: OPS_CHECK.clusterM, cases: wl.reduce((a, r) => a + Number(r.n), 0),
      points: wl.map((r) => ({ lon: Number(r.lon), lat: Number(r.lat), cases: Number(r.n), max_depth_cm: r.depth === null ? null : Number(r.depth) })) },
    parking: { road_m: OPS_CHECK.roadM, cases: pk.length, unmatched, roads: [...roads.values()].sort((a, b) => (a.key < b.key ? -1 : 1)) },
    coverage: { grids: st.grids, grid_m2: Number(cov.grid_m2), area_m2: Number(cov.comm_m2 ?? cov.street_m2 ?? cov.ext_m2 ?? 0), basis },
  };
}

const ALL: AreaLevel[] = ['city', 'district', 'street', 'community'];
/** why there is no value (people read it in explain and explain_zh: Chinese, then English) */
const NONE = '库中没有案件和单元网格（本市未在城市运行管理平台上运行：先 `opencim grids generate`，再经 Open311 或 `opencim cases import` 接收案件），或用 --manual 录入官方数值 / ' +
  'no cases or unit grids in the store (the city is not run on the operations platform: `opencim grids generate`, Open311 / `opencim cases import`); or enter the official figure with --manual';
const fmt = (v: number) => v.toLocaleString('en');
const read = (o: OpsCheckInput) =>
  `the cases in the store (archive change set #${o.changeset ?? '—'}${o.recorded_at ? ` of ${o.recorded_at}` : ''}${o.sla_run !== null ? `; latest SLA run ${o.sla_run}` : ''}), the last ${o.window_days} days`;

const readZh = (o: OpsCheckInput) =>
  `库中的案件（档案变更集 #${o.changeset ?? '—'}${o.recorded_at ? `，${o.recorded_at}` : ''}${o.sla_run !== null ? `；最近一次时限检查第 ${o.sla_run} 次运行` : ''}），近 ${o.window_days} 天`;
const NONE_ZH = `未计算：${NONE.split(' / ')[0]}。`;

/** points counted per unit: the city, and the district / street / community each point lies in */
function perUnit(ctx: CheckContext, pts: { lon: number; lat: number }[], cityNote: Omit<AreaValue, 'area' | 'value'>): AreaValue[] {
  const areas = ALL.flatMap((lv) => ctx.units.level[lv]);
  const city = ctx.units.level.city[0];
  const counts = new Map<number, number>(areas.map((a) => [a, 0]));
  for (const p of pts) {
    counts.set(city, counts.get(city)! + 1);
    for (const lv of ['district', 'street', 'community'] as const) {
      const a = ctx.units.locate(lv, p.lon, p.lat);
      if (a >= 0 && counts.has(a)) counts.set(a, counts.get(a)! + 1);
    }
  }
  return areas.map((a) => ({ area: a, value: counts.get(a)!, ...(a === city ? cityNote : {}) }));
}

/** not run on the platform: one no_data entry for the city, as before (not one per unit) */
const absent = (ctx: CheckContext): AreaValue[] => [{ area: ctx.units.level.city[0], value: null, reason: NONE }];

export const waterloggingPoints: Indicator = {
  id: 'serious_waterlogging_points',
  inputs: ['cases of class waterlogging (积水) with their location and depth attribute', 'administrative units'],
  unit: 'count',
  levels: ALL,
  explain(ctx) {
    const o = ctx.data.operations;
    if (!o) return `Not computed: ${NONE}.`;
    return `Waterlogging points (积水点) from ${read(o)}: reports of class ${OPS_CHECK.waterloggingCodes.join(', ')} (not rejected, linked duplicates once) within ${o.waterlogging.cluster_m} m of each other are one point (DBSCAN). ` +
      `Every reported point is counted: the catalogue gives no depth that makes a point "serious" (严重), so none is left out by depth; the deepest reported depth of each point is in the details.`;
  },
  explainZh(ctx) {
    const o = ctx.data.operations;
    if (!o) return NONE_ZH;
    return `积水点按${readZh(o)}计算：类别为 ${OPS_CHECK.waterloggingCodes.join('、')} 的案件（不含已驳回的，关联的重复案件只计一次），彼此相距 ${o.waterlogging.cluster_m} 米以内的算作一个积水点（DBSCAN 聚类）。` +
      '所有上报的积水点都计入：案件目录没有规定多深的积水算“严重”，因此不按深度剔除；每个积水点上报的最大深度见明细（details）。';
  },
  compute(ctx) {
    const o = ctx.data.operations;
    if (!o) return absent(ctx);
    const w = o.waterlogging;
    return perUnit(ctx, w.points, {
      note: `${fmt(w.cases)} reports, ${fmt(w.points.length)} points.`,
      note_zh: `上报 ${fmt(w.cases)} 件，积水点 ${fmt(w.points.length)} 个。`,
      details: { changeset: o.changeset, sla_run: o.sla_run, reports: w.cases, points: w.points.map((p) => ({ lon: +p.lon.toFixed(6), lat: +p.lat.toFixed(6), reports: p.cases, max_depth_cm: p.max_depth_cm })) },
    });
  },
};

export const disorderlyParkingRoads: Indicator = {
  id: 'illegal_parking_roads',
  inputs: ['cases of class illegal_parking (乱停乱放) with their location', 'walkable ways: roads (highway classes cars park on)', 'administrative units'],
  unit: 'count',
  levels: ALL,
  explain(ctx) {
    const o = ctx.data.operations;
    if (!o) return `Not computed: ${NONE}.`;
    return `Roads with disorderly parking from ${read(o)}: each report of class ${OPS_CHECK.parkingCodes.join(', ')} (not rejected, linked duplicates once) belongs to the nearest road within ${o.parking.road_m} m ` +
      `(OSM highway ${OPS_CHECK.roads.slice(0, 8).join(', ')}, ...); a road is counted once, by its name (else by its way), in the unit of its first report.`;
  },
  explainZh(ctx) {
    const o = ctx.data.operations;
    if (!o) return NONE_ZH;
    return `存在乱停乱放的道路按${readZh(o)}计算：每件类别为 ${OPS_CHECK.parkingCodes.join('、')} 的案件（不含已驳回的，关联的重复案件只计一次）归入 ${o.parking.road_m} 米内最近的道路` +
      `（OSM highway ${OPS_CHECK.roads.slice(0, 8).join('、')} 等）；一条道路按路名（无路名时按 OSM 路段）只计一次，计入其第一件案件所在的单元。`;
  },
  compute(ctx) {
    const o = ctx.data.operations;
    if (!o) return absent(ctx);
    const p = o.parking;
    return perUnit(ctx, p.roads, {
      note: `${fmt(p.cases)} reports on ${fmt(p.roads.length)} roads${p.unmatched ? `; ${fmt(p.unmatched)} reports had no road within ${p.road_m} m` : ''}.`,
      note_zh: `${fmt(p.roads.length)} 条道路上报 ${fmt(p.cases)} 件${p.unmatched ? `；${fmt(p.unmatched)} 件在 ${p.road_m} 米内没有道路` : ''}。`,
      details: { changeset: o.changeset, reports: p.cases, unmatched: p.unmatched, roads: p.roads.map((r) => ({ road: r.name ?? r.key, reports: r.cases })) },
    });
  },
};

export const platformCoverage: Indicator = {
  id: 'city_operation_platform_coverage',
  inputs: ['unit grids (单元网格) of the operations platform', 'communities (else streets, else the data extent)'],
  unit: 'ratio',
  levels: ['city'],
  explain(ctx) {
    const o = ctx.data.operations;
    if (!o) return `Not computed: ${NONE}.`;
    return `The platform's own coverage, from ${read(o)}: the area of the unit grids (GB/T 30428 网格化管理) ÷ the area of the city's ${o.coverage.basis === 'extent' ? 'data extent' : `${o.coverage.basis === 'community' ? 'communities' : 'streets'}`}. ` +
      'This is the share of the city OpenCIM manages in unit grids, not the departmental statistic (A); enter that with --manual where it differs.';
  },
  explainZh(ctx) {
    const o = ctx.data.operations;
    if (!o) return NONE_ZH;
    return `平台自身的覆盖率，按${readZh(o)}计算：单元网格（GB/T 30428 网格化管理）面积 ÷ 本市${o.coverage.basis === 'extent' ? '数据范围' : o.coverage.basis === 'community' ? '各社区' : '各街道'}的面积。` +
      '这是 OpenCIM 以单元网格管理的城市面积占比，不是部门统计数据（A）；两者不同时请用 --manual 录入部门数值。';
  },
  compute(ctx) {
    const o = ctx.data.operations;
    const city = ctx.units.level.city[0];
    if (!o) return [{ area: city, value: null, reason: NONE }];
    const c = o.coverage;
    if (!(c.area_m2 > 0)) return [{ area: city, value: null, reason: '本市没有可覆盖的面积（没有社区、街道，也没有数据范围）/ the city has no area to cover (no communities, streets or data extent)' }];
    const v = Math.min(1, c.grid_m2 / c.area_m2);
    return [{
      area: city, value: Math.round(v * 10000) / 10000, note: `${fmt(c.grids)} unit grids, ${fmt(Math.round(c.grid_m2))} m² of ${fmt(Math.round(c.area_m2))} m².`,
      note_zh: `单元网格 ${fmt(c.grids)} 个，${fmt(Math.round(c.grid_m2))} m²（共 ${fmt(Math.round(c.area_m2))} m²）。`,
      details: { grids: c.grids, grid_m2: Math.round(c.grid_m2), area_m2: Math.round(c.area_m2), basis: c.basis, changeset: o.changeset },
    }];
  },
};

export const OPERATIONS_INDICATORS: readonly Indicator[] = [waterloggingPoints, disorderlyParkingRoads, platformCoverage];
