import type { Queryable, Store } from '../../store/driver.js';
import { byteaOf, wkbLineString } from '../../store/wkb.js';
import { copyValue } from '../../store/driver.js';
import { pieces } from '../../model/pieces.js';
import type { AccessPlaces, AccessOptions, AccessResult, AccessSummary } from './access.js';
import { PlacesCollector, resolveCategories } from './access.js';
import type { Place } from './snap.js';
import { SNAP_STATUS } from './snap.js';
import { succeedRun } from '../../store/runs.js';
import { RESIDENTIAL_LANDUSE_SQL } from '../../model/residential.js';
import { UsageError } from '../../model/errors.js';

/**
 * The accessibility engine's edges to the store: read the city model into typed arrays (keyset
 * pages, WKB lines), write results (one row per building, distances as real[]) with provenance.
 */
export const ENGINE_VERSION = 'opencim-network/1';
const PAGE = 20_000;

export async function listCities(db: Queryable): Promise<string[]> {
  return (await db.query<{ city_id: string }>('SELECT city_id FROM cities ORDER BY city_id')).map((r) => r.city_id);
}

/** `--city` when given, else the only city of the store, else `default` when present. */
export async function resolveCity(db: Queryable, city?: string): Promise<string> {
  const cities = await listCities(db);
  if (city !== undefined) {
    if (!cities.includes(city)) throw new UsageError(`no city "${city}" in the store${cities.length ? ` (cities: ${cities.join(', ')})` : ': run `opencim import FILE` first'}`);
    return city;
  }
  if (cities.length === 1) return cities[0];
  if (cities.includes('default')) return 'default';
  if (!cities.length) throw new UsageError('the store holds no city yet: run `opencim import FILE` or `opencim demo` first');
  throw new UsageError(`the store holds several cities (${cities.join(', ')}): choose one with --city`);
}



type Pager = <T>(sql: string, params: unknown[], onPage: (rows: T[]) => void) => Promise<void>;

/**
 * Reads a query in pages through a server-side cursor (one pass, no re-sorting per page, so it
 * stays linear on a megacity whatever the planner's statistics); outside a transaction, where
 * cursors are not allowed, in one piece.
 */
function pager(q: Queryable): Pager {
  let k = 0;
  let cursors = true;
  return async <T>(sql: string, params: unknown[], onPage: (rows: T[]) => void) => {
    if (cursors) {
      const name = `opencim_access_${k++}`;
      try {
        await q.query(`DECLARE ${name} NO SCROLL CURSOR FOR ${sql}`, params);
      } catch (e) {
        if ((e as { code?: string }).code !== '25P01') throw e;
        cursors = false;
      }
      if (cursors) {
        for (;;) {
          const rows = await q.query<T>(`FETCH ${PAGE} FROM ${name}`);
          if (rows.length) onPage(rows);
          if (rows.length < PAGE) break;
        }
        await q.query(`CLOSE ${name}`);
        return;
      }
    }
    onPage(await q.query<T>(sql, params));
  };
}

export type PlacesFromStoreOptions = AccessOptions & { perCapitaM2?: number; onRows?: (what: string, n: number) => void };

/**
 * The city's walk network, residential buildings (centroid, residents) and facilities of the wanted
 * categories, read from the store in one read transaction (a Store) or in the caller's.
 */
export async function placesFromStore(db: Queryable | Store, city: string, opts: PlacesFromStoreOptions = {}): Promise<AccessPlaces> {
  if (typeof (db as Store).transaction === 'function') return (db as Store).transaction((tx) => readPlaces(tx, city, opts));
  return readPlaces(db, city, opts);
}

async function readPlaces(db: Queryable, city: string, opts: PlacesFromStoreOptions): Promise<AccessPlaces> {
  const categories = resolveCategories(opts.categories);
  const c = new PlacesCollector(opts.perCapitaM2, new Set(categories));
  const each = pager(db);
  let n = 0;
  await each<{ ids: number[] | null; wkb: Uint8Array }>(
    'SELECT node_ids::float8[] AS ids, ST_AsBinary(geom) AS wkb FROM walk_edges_current WHERE city_id = $1', [city], (rows) => {
      for (const r of rows) c.builder.addFlat(wkbLineString(byteaOf(r.wkb)), r.ids ? r.ids.map(Number) : null);
      opts.onRows?.('walk_edges', (n += rows.length));
    });
  // residential landuse, tested against building centroids as the file path does
  const landuseKnown = (await db.query<{ any: boolean }>('SELECT EXISTS (SELECT 1 FROM land_use_current WHERE city_id = $1) AS any', [city]))[0].any;
  if (landuseKnown) {
    c.noteLanduseKnown();
    await each<{ g: string }>(
      `SELECT ST_AsGeoJSON(geom) AS g FROM land_use_current WHERE city_id = $1 AND ${RESIDENTIAL_LANDUSE_SQL}`, [city], (rows) => {
        for (const r of rows) c.addResidentialZone(JSON.parse(r.g));
      });
  }
  n = 0;
  await each<{ id: string; lon: number; lat: number; area_m2: number; levels: number | null; height: number | null; use: string }>(
    `SELECT id, ST_X(c) AS lon, ST_Y(c) AS lat, area_m2, levels, height, use
     FROM (SELECT id, ST_Centroid(geom) AS c, area_m2, levels, height, use FROM buildings_current WHERE city_id = $1 AND residential) b ORDER BY id`, [city], (rows) => {
      for (const r of rows) {
        c.addBuilding({
          id: r.id, lon: Number(r.lon), lat: Number(r.lat), area_m2: Number(r.area_m2), levels: r.levels === null ? null : Number(r.levels),
          height: r.height === null ? null : Number(r.height), use: r.use, residential: true,
        });
      }
      opts.onRows?.('buildings', (n += rows.length));
    });
  n = 0;
  await each<{ id: string; category: string; g: string }>(
    'SELECT id, category, ST_AsGeoJSON(geom) AS g FROM facilities_current WHERE city_id = $1 AND category = ANY($2) ORDER BY category, id', [city, categories], (rows) => {
      for (const r of rows) {
        const g = JSON.parse(r.g) as Place['geometry'] | { type: string };
        if (g.type === 'Point' || g.type === 'Polygon' || g.type === 'MultiPolygon') c.addFacility(r.category, { id: r.id, geometry: g as Place['geometry'] });
      }
      opts.onRows?.('facilities', (n += rows.length));
    });
  return c.finish(opts);
}

export async function sourcesProvenance(db: Queryable, city: string): Promise<unknown[]> {
  return db.query(
    `SELECT source_id, path, format, version, sha256, to_char(imported_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS imported_at
     FROM sources WHERE city_id = $1 ORDER BY source_id`, [city]);
}

function pgArray(r: AccessResult, i: number): string {
  const n = r.origins.count;
  let s = '{';
  for (let c = 0; c < r.categories.length; c++) {
    const d = r.distances[c * n + i];
    s += (c ? ',' : '') + (d === d && d !== Infinity ? String(Math.round(d * 100) / 100) : 'NULL');
  }
  return s + '}';
}

/**
 * Store the results of run `runId` (started with `startRun`): its parameters, provenance, stats and
 * summary in `access_runs`, the distances of every residential building in `access_results`, and
 * the run marked succeeded, in one transaction. Earlier runs' results are kept (append-only);
 * `access_results_current` is the latest run's.
 */
export async function saveAccess(
  store: Store, runId: number, city: string, r: AccessResult, summary: AccessSummary, extra: AccessExtra = {},
): Promise<number> {
  return store.transaction(async (tx) => {
    await writeAccessResults(tx, runId, city, r, summary, extra);
    await succeedRun(tx, runId, { buildings: r.origins.count, categories: r.categories.length });
    return runId;
  });
}

type AccessExtra = { params?: Record<string, unknown>; provenance?: unknown; stats?: Record<string, unknown> };

/** The access results of run `runId` in the caller's transaction (a check run writes the distances it graded too). */
export async function writeAccessResults(tx: Queryable, runId: number, city: string, r: AccessResult, summary: AccessSummary, extra: AccessExtra = {}): Promise<void> {
  {
    await tx.query(
      `INSERT INTO access_runs (city_id, run_id, categories, params, provenance, stats, summary) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [city, runId, r.categories, JSON.stringify({ ...r.params, engine: ENGINE_VERSION, ...extra.params }), JSON.stringify(extra.provenance ?? null),
        JSON.stringify({ graph: r.graph, categories: r.categoryStats.map((s) => ({ ...s, unsnapped: s.unsnapped.slice(0, 1000), island: s.island.slice(0, 1000) })), timings_ms: r.timings_ms, ...extra.stats }),
        JSON.stringify(summary)]);
    const cols = ['city_id', 'building_id', 'run_id', 'status', 'snap_m', 'residents', 'distances'];
    const cityV = copyValue(city);
    function* lines() {
      for (let i = 0; i < r.origins.count; i++) {
        const leg = r.snap.leg[i];
        yield `${cityV}\t${copyValue(r.origins.ids[i])}\t${runId}\t${SNAP_STATUS[r.snap.status[i]]}\t${Number.isFinite(leg) ? Math.round(leg * 100) / 100 : '\\N'}\t${Math.round(r.origins.residents[i] * 100) / 100}\t${pgArray(r, i)}\n`;
      }
    }
    await tx.copyIn('access_results', cols, pieces(lines()));
  }
  // fresh planner statistics: without them every tile and item query joining the results hashes the whole table
  await tx.exec('ANALYZE access_results');
}
