import type { Queryable } from './driver.js';
import { TABLES, TABLE_BY_NAME } from './tables.js';
import { asOfSql } from './archive.js';

export interface CityStats {
  city_id: string;
  counts: Record<string, number>;
  residential_buildings: number;
  categories: Record<string, number>;
  bbox: [number, number, number, number] | null;
  /** with `asOf`: the sources imported by then; a source imported again since keeps only its id and the time of its import then (format, path, version and sha256 null: the store keeps those of its latest import only) */
  sources: { source_id: string; format: string | null; version: string | null; path: string | null; imported_at: string; sha256: string | null }[];
}

/** What a city holds: counts per kind and facility category, extent, data sources and versions. */
export async function cityStats(db: Queryable, cityId?: string, asOf?: string): Promise<CityStats[]> {
  // what is true now, or what was true at `asOf` (an ISO time, $2)
  const rel = (table: string) => (asOf ? asOfSql(TABLE_BY_NAME.get(table)!.archive, '$2::timestamptz') + ' v' : `${table}_current`);
  const p = (city: string) => (asOf ? [city, asOf] : [city]);
  // a city asked for by name must be there (the one rule and message of an unknown city)
  if (cityId !== undefined) await (await import('../analysis/network/store.js')).resolveCity(db, cityId);
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
    const at = (c: string) => `to_char(${c} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`;
    const sources = asOf
      // then: a source's latest import by asOf is its sealed change set (recorded_at = imported_at, one transaction)
      ? await db.query<CityStats['sources'][number]>(
        `SELECT s.source_id, CASE WHEN s.imported_at <= $2 THEN s.format END AS format, CASE WHEN s.imported_at <= $2 THEN s.version END AS version,
           CASE WHEN s.imported_at <= $2 THEN s.path END AS path, ${at('CASE WHEN s.imported_at <= $2 THEN s.imported_at ELSE l.at END')} AS imported_at,
           CASE WHEN s.imported_at <= $2 THEN s.sha256 END AS sha256
         FROM sources s LEFT JOIN (SELECT source_id, max(recorded_at) AS at FROM changesets WHERE city_id = $1 AND head IS NOT NULL AND recorded_at <= $2
           GROUP BY source_id) l ON l.source_id = s.source_id
         WHERE s.city_id = $1 AND (s.imported_at <= $2 OR l.at IS NOT NULL) ORDER BY s.source_id`, [city, asOf])
      : await db.query<CityStats['sources'][number]>(
        `SELECT source_id, format, version, path, ${at('imported_at')} AS imported_at, sha256 FROM sources WHERE city_id = $1 ORDER BY source_id`, [city]);
    out.push({
      city_id: city, counts, residential_buildings: residential, categories,
      bbox: ext && ext.w !== null ? [Number(ext.w), Number(ext.s), Number(ext.e), Number(ext.n)] : null, sources,
    });
  }
  return out;
}
