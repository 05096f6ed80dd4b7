import type { Queryable } from './driver.js';
import { TABLES, TABLE_BY_NAME } from './tables.js';
import { asOfSql } from './archive.js';

export interface CityStats {
  city_id: string;
  counts: Record<string, number>;
  residential_buildings: number;
  categories: Record<string, number>;
  bbox: [number, number, number, number] | null;
  sources: { source_id: string; format: string; version: string | null; path: string; imported_at: string; sha256: string }[];
}

/** What a city holds: counts per kind and facility category, extent, data sources and versions. */
export async function cityStats(db: Queryable, cityId?: string, asOf?: string): Promise<CityStats[]> {
  // what is true now, or what was true at `asOf` (an ISO time, $2)
  const rel = (table: string) => (asOf ? asOfSql(TABLE_BY_NAME.get(table)!.archive, '$2::timestamptz') + ' v' : `${table}_current`);
  const p = (city: string) => (asOf ? [city, asOf] : [city]);
  const cities = (await db.query<{ city_id: string }>('SELECT city_id FROM cities ORDER BY city_id'))
    .map((r) => r.city_id).filter((c) => cityId === undefined || c === cityId);
  const out: CityStats[] = [];
  for (const city of cities) {
    const counts: Record<string, number> = {};
    for (const t of TABLES) {
      // facilities: one per facility and category, as the API's collection and the category table count them
      const sql = `SELECT count(*)::int AS n FROM ${rel(t.table)} WHERE city_id = $1`;
      counts[t.table] = Number((await db.query<{ n: number }>(sql, p(city)))[0].n);
    }
    const residential = Number((await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${rel('buildings')} WHERE city_id = $1 AND residential`, p(city)))[0].n);
    const categories: Record<string, number> = {};
    for (const r of await db.query<{ category: string; n: number }>(
      `SELECT category, count(*)::int AS n FROM ${rel('facilities')} WHERE city_id = $1 GROUP BY category ORDER BY category`, p(city))) {
      categories[r.category] = Number(r.n);
    }
    const ext = (await db.query<{ w: number | null; s: number; e: number; n: number }>(
      `WITH e AS (SELECT ST_Extent(geom) AS b FROM (
         SELECT geom FROM ${rel('buildings')} WHERE city_id = $1 UNION ALL SELECT geom FROM ${rel('walk_edges')} WHERE city_id = $1
         UNION ALL SELECT geom FROM ${rel('facilities')} WHERE city_id = $1 UNION ALL SELECT geom FROM ${rel('land_use')} WHERE city_id = $1) g)
       SELECT ST_XMin(b) AS w, ST_YMin(b) AS s, ST_XMax(b) AS e, ST_YMax(b) AS n FROM e`, p(city)))[0];
    const sources = (await db.query<CityStats['sources'][number]>(
      `SELECT source_id, format, version, path, to_char(imported_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS imported_at, sha256
       FROM sources WHERE city_id = $1 ORDER BY source_id`, [city]));
    out.push({
      city_id: city, counts, residential_buildings: residential, categories,
      bbox: ext && ext.w !== null ? [Number(ext.w), Number(ext.s), Number(ext.e), Number(ext.n)] : null, sources,
    });
  }
  return out;
}
