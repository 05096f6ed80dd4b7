import type { Areal, MultiPolygon, Position } from '../../model/geometry.js';
import type { AdminLevelName } from '../../model/types.js';
import { placesFromStore, writeAccessResults } from '../network/store.js';
import type { AccessOptions } from '../network/access.js';
import type { Queryable, Store } from '../../store/driver.js';
import { copyValue } from '../../store/driver.js';
import { pieces } from '../../model/pieces.js';
import { toHexEwkb } from '../../store/wkb.js';
import { analyzeStale } from '../../store/statistics.js';
import { TABLES } from '../../store/tables.js';
import type { CheckParameters } from './catalogue.js';
import { CheckCollector, INTERNAL_LANDUSE, polygonArea, type CheckData } from './data.js';
import { allocatePopulation, type PopulationZone } from './population.js';
import type { CheckResult } from './run.js';
import { safetyForCheck } from '../../domains/safety/store.js';
import { operationsForCheck } from '../../domains/operations/check.js';
import { succeedRun } from '../../store/runs.js';

/**
 * The health check's edges to the store: read the city model (the accessibility engine reads its
 * part through `placesFromStore`; the rest here, in keyset pages) and write a run's results
 * (migration 003) with its parameters and provenance, in one transaction.
 */
const PAGE = 50_000;

function areal(json: string): Areal | null {
  const g = JSON.parse(json) as { type: string; coordinates: unknown };
  return g.type === 'Polygon' || g.type === 'MultiPolygon' ? (g as Areal) : null;
}

export async function checkDataFromStore(
  db: Queryable, city: string, params: CheckParameters, opts: AccessOptions & { perCapitaM2?: number; onRows?: (what: string, n: number) => void } = {},
): Promise<CheckData> {
  // fresh planner statistics where they went stale: without them (PGlite has no autovacuum) the keyset
  // pages below are planned as sort-everything-per-page, which turns quadratic on a large city
  await analyzeStale(db, TABLES.map((t) => t.archive.table));
  const places = await placesFromStore(db, city, { ...opts, categories: undefined });
  const c = new CheckCollector(params, opts.perCapitaM2);
  // every building: centroid and what the housing indicators read
  let last = '';
  let n = 0;
  for (;;) {
    const rows = await db.query<{ id: string; lon: number; lat: number; area_m2: number; height: number | null; levels: number | null; year: number | null; residential: boolean }>(
      `SELECT id, ST_X(c) AS lon, ST_Y(c) AS lat, area_m2, height, levels, year, residential
       FROM (SELECT id, ST_Centroid(geom) AS c, area_m2, height, levels, year, residential FROM buildings_current WHERE city_id = $1 AND id > $2 ORDER BY id LIMIT ${PAGE}) b ORDER BY id`, [city, last]);
    for (const r of rows) c.addBuilding(r.id, Number(r.lon), Number(r.lat), Number(r.area_m2), r.height === null ? null : Number(r.height), r.levels === null ? null : Number(r.levels), r.year === null ? null : Number(r.year), r.residential);
    n += rows.length;
    opts.onRows?.('buildings', n);
    if (rows.length < PAGE) break;
    last = rows[rows.length - 1].id;
  }
  const lu = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM land_use_current WHERE city_id = $1', [city]);
  if (Number(lu[0].n) > 0) c.noteLanduseKnown();
  for (const r of await db.query<{ id: string; name: string | null; area_m2: number; g: string }>(
    `SELECT id, name, area_m2, ST_AsGeoJSON(geom) AS g FROM land_use_current WHERE city_id = $1 AND (landuse = 'residential' OR tags ? 'residential') AND coalesce(tags->>'residential', '') <> 'rural' ORDER BY id`, [city])) {
    const g = areal(r.g);
    if (g) c.addCompound(polygonArea(r.id, r.name ?? undefined, g, Number(r.area_m2)));
  }
  for (const r of await db.query<{ id: string; name: string | null; area_m2: number; g: string }>(
    `SELECT id, name, area_m2, ST_AsGeoJSON(geom) AS g FROM land_use_current WHERE city_id = $1 AND landuse = ANY($2) AND NOT (tags ? 'residential') ORDER BY id`, [city, [...INTERNAL_LANDUSE]])) {
    const g = areal(r.g);
    if (g) c.addInternal(polygonArea(r.id, r.name ?? undefined, g, Number(r.area_m2)));
  }
  for (const r of await db.query<{ id: string; name: string | null; admin_level: number; level: string; g: string }>(
    `SELECT id, name, admin_level, level, ST_AsGeoJSON(geom) AS g FROM admin_areas_current WHERE city_id = $1 AND level IN ('district', 'street', 'community') ORDER BY id`, [city])) {
    const g = areal(r.g);
    if (g) c.addAdmin({ ...polygonArea(r.id, r.name ?? undefined, g), admin_level: Number(r.admin_level), level: r.level as AdminLevelName });
  }
  for (const r of await db.query<{ id: string; green_kind: string; is_public: boolean; area_m2: number; lon: number; lat: number }>(
    `SELECT id, green_kind, is_public, area_m2, ST_X(c) AS lon, ST_Y(c) AS lat FROM (SELECT id, green_kind, is_public, area_m2, ST_Centroid(geom) AS c FROM green_spaces_current WHERE city_id = $1) g ORDER BY id`, [city])) {
    c.addGreen({ id: r.id, kind: r.green_kind, is_public: r.is_public, area_m2: Number(r.area_m2), lon: Number(r.lon), lat: Number(r.lat) });
  }
  // road centrelines of the counted classes, and greenway candidates (named, or tagged greenway=*), in keyset pages
  const lines = async (table: string, where: string, extra: unknown[], what: string, greenways: boolean) => {
    let after = '', count = 0;
    for (;;) {
      const rows = await db.query<{ id: string; highway: string; name: string | null; greenway: string | null; oneway: string | null; length_m: number; g: string }>(
        `SELECT id, highway, name, tags->>'greenway' AS greenway, tags->>'oneway' AS oneway, length_m, ST_AsGeoJSON(geom) AS g FROM ${table}
         WHERE city_id = $1 AND id > $2 AND (${where}) ORDER BY id LIMIT ${PAGE}`, [city, after, ...extra]);
      for (const r of rows) {
        const tags: Record<string, string> = {};
        if (greenways && r.greenway !== null) tags.greenway = r.greenway;
        if (r.oneway !== null) tags.oneway = r.oneway;
        c.addEdge(r.id, r.highway, r.name ?? undefined, tags, (JSON.parse(r.g) as { coordinates: Position[] }).coordinates, Number(r.length_m));
      }
      opts.onRows?.(what, (count += rows.length));
      if (rows.length < PAGE) break;
      after = rows[rows.length - 1].id;
    }
  };
  await lines('walk_edges_current', "highway = ANY($3) OR name ~* $4 OR tags ? 'greenway'", [params.road_highways, params.greenway_name_pattern], 'walk_edges (roads, paths)', true);
  // roads closed to pedestrians (migration 012): roads of the city all the same (not greenways: nobody walks them)
  await lines('roads_current', 'highway = ANY($3)', [params.road_highways], 'roads (not walkable)', false);
  // designated greenway routes (migration 014)
  for (const r of await db.query<{ id: string; name: string | null; g: string }>(
    'SELECT id, name, ST_AsGeoJSON(geom) AS g FROM greenway_routes_current WHERE city_id = $1 ORDER BY id', [city])) {
    c.addGreenwayRoute(r.id, r.name ?? undefined, (JSON.parse(r.g) as { coordinates: Position[][] }).coordinates);
  }
  const data = c.finish({}, places);
  const safety = await safetyForCheck(db, city);
  if (safety) data.safety = safety;
  const operations = await operationsForCheck(db, city);
  if (operations) data.operations = operations;
  await applyPopulation(db, city, data);
  return data;
}

/** The latest imported population source of the city (migration 009), allocated onto the residential buildings. */
async function applyPopulation(db: Queryable, city: string, data: CheckData): Promise<void> {
  // the latest import whose dataset still has zones
  const src = (await db.query<{ source_id: string; kind: 'census' | 'raster'; year: number | null }>(
    `SELECT dataset AS source_id, kind, year FROM population_imports i WHERE city_id = $1
       AND EXISTS (SELECT 1 FROM population_zones_current z WHERE z.city_id = i.city_id AND z.dataset = i.dataset)
     ORDER BY changeset_id DESC LIMIT 1`, [city]))[0];
  if (!src) return;
  const zones: PopulationZone[] = [];
  for (const r of await db.query<{ zone_id: string; name: string | null; population: number; area_m2: number; g: string }>(
    'SELECT zone_id, name, population, ST_Area(geom::geography) AS area_m2, ST_AsGeoJSON(geom) AS g FROM population_zones_current WHERE city_id = $1 AND dataset = $2 ORDER BY zone_id', [city, src.source_id])) {
    const g = areal(r.g);
    if (g) zones.push({ ...polygonArea(r.zone_id, r.name ?? undefined, g, Number(r.area_m2)), population: Number(r.population) });
  }
  const a = allocatePopulation(data.places.origins, zones, { source: src.source_id, kind: src.kind, year: src.year === null ? null : Number(src.year) });
  data.places.origins.residents.set(a.residents);
  const { residents: _r, ...info } = a;
  data.population = info;
}

const multi = (g: Areal): MultiPolygon => (g.type === 'Polygon' ? { type: 'MultiPolygon', coordinates: [g.coordinates] } : g);
const line = (vals: unknown[]) => vals.map(copyValue).join('\t') + '\n';

/**
 * Store the results of check run `runId` (started with `startRun`): parameters, provenance, areas,
 * indicator values, problems, candidates, and the run marked succeeded, in one transaction.
 */
export async function saveCheck(store: Store, runId: number, city: string, r: CheckResult, extra: { provenance?: unknown; summary?: Record<string, unknown> } = {}): Promise<number> {
  return store.transaction(async (tx) => {
    await tx.query(
      'INSERT INTO check_runs (city_id, run_id, catalogue, params, provenance, summary) VALUES ($1, $2, $3, $4, $5, $6)',
      [city, runId, r.catalogue.version, JSON.stringify({ ...r.parameters, access: r.access.params, engine: 'opencim-check/1' }), JSON.stringify(extra.provenance ?? r.provenance ?? null),
        JSON.stringify({ ...extra.summary, units: r.units.source, notes: r.notes, timings_ms: r.timings_ms })]);
    const id = runId;
    // the distances this check graded are its run's access results: the map and the report never mix runs
    await writeAccessResults(tx, id, city, r.access, r.accessSummary, { provenance: extra.provenance ?? r.provenance ?? null, params: { from_check: true } });
    const cityV = copyValue(city);
    // each table in one COPY, its rows made as they are sent
    const chunks = async <T>(table: string, cols: string[], items: readonly T[], row: (x: T, k: number) => unknown[]) => {
      function* lines() { for (let k = 0; k < items.length; k++) yield `${cityV}\t${id}\t` + line(row(items[k], k)); }
      await tx.copyIn(table, cols, pieces(lines()));
    };
    await chunks('check_areas', ['city_id', 'run_id', 'area_id', 'kind', 'level', 'name', 'residents', 'buildings', 'geom'],
      r.units.areas, (a) => [a.id, a.kind, a.level, a.name, Math.round(a.residents * 10) / 10, a.buildings, a.geometry ? toHexEwkb(multi(a.geometry)) : null]);
    await chunks('indicator_results', ['city_id', 'run_id', 'indicator_id', 'area_id', 'level', 'system_level', 'value', 'unit', 'target', 'status', 'grade', 'source', 'explain', 'details', 'year', 'previous'],
      r.results, (x) => [x.id, x.area_id, x.level, x.system_level, x.value, x.unit, x.target, x.status, x.grade?.zh, x.source, x.explain, x.details, x.year, x.previous]);
    await chunks('check_problems', ['city_id', 'run_id', 'problem_no', 'area_id', 'area_kind', 'indicator_id', 'value', 'target', 'gap', 'evidence_zh', 'evidence_en'],
      r.renewal.ledger, (p, k) => [k + 1, p.area_id, p.area_kind, p.indicator_id, p.value, p.target, p.gap, p.evidence_zh, p.evidence_en]);
    await chunks('renewal_candidates', ['city_id', 'run_id', 'rank', 'place_id', 'name', 'kind', 'score', 'components', 'residents', 'buildings', 'reasons_zh', 'reasons_en', 'properties', 'geom'],
      r.renewal.candidates, (c) => {
        const { geometry, reasons_zh, reasons_en, components, ...props } = c;
        return [c.rank, c.id, c.name, c.kind, c.score, components, c.residents, c.buildings, pgTextArray(reasons_zh), pgTextArray(reasons_en), props,
          toHexEwkb(geometry ? multi(geometry) : { type: 'Point', coordinates: [c.lon, c.lat] })];
      });
    await succeedRun(tx, id, extra.summary);
    return id;
  });
}

function pgTextArray(a: string[]): string {
  return '{' + a.map((s) => '"' + s.replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"').join(',') + '}';
}
