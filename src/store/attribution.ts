/**
 * The attribution a city's data ask for, one rule for the health check and the server: what its
 * sources recorded when they were read (migration 021), else, for sources imported before that,
 * an OSM format or records with OSM ids (n/w/r + number: OSM exports, and Tilezen/Nextzen GeoJSON
 * translated back to OSM objects). Null when none is asked (a city's own data).
 */
import type { Queryable } from './driver.js';

/** The attribution OpenStreetMap's licence (ODbL) asks of whatever is shown or exported from its data. */
export const OSM_ATTRIBUTION = '© OpenStreetMap contributors';

export async function cityAttribution(q: Queryable, city: string): Promise<string | null> {
  const [r] = await q.query<{ a: string | null; osm: boolean }>(
    `SELECT (SELECT attribution FROM sources WHERE city_id = $1 AND attribution IS NOT NULL ORDER BY source_id LIMIT 1) AS a,
            EXISTS (SELECT 1 FROM sources WHERE city_id = $1 AND format LIKE 'osm%')
              OR EXISTS (SELECT 1 FROM buildings_current WHERE city_id = $1 AND id ~ '^[nwr][0-9]+$')
              OR EXISTS (SELECT 1 FROM facilities_current WHERE city_id = $1 AND id ~ '^[nwr][0-9]+$') AS osm`, [city]);
  return r?.a ?? (r?.osm ? OSM_ATTRIBUTION : null);
}
