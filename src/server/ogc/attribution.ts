/**
 * The OpenStreetMap attribution (ODbL 1.0 §4.3) travels with OSM-derived data in every form the
 * server gives it: GeoJSON items and features, HTML pages, TileJSON (and so the style document).
 */
import type { ServerContext } from '../context.js';

export const OSM_ATTRIBUTION = '© OpenStreetMap contributors (ODbL 1.0)';
export const ODBL_LINK = { href: 'https://opendatacommons.org/licenses/odbl/1-0/', rel: 'license', type: 'text/html', title: 'OpenStreetMap data: Open Database License 1.0 (© OpenStreetMap contributors)' };

/**
 * Is the city's data derived from OpenStreetMap? An OSM source (.osm.pbf / .osm), or records
 * with OSM ids (n/w/r + number: OSM exports and the Tilezen/Nextzen GeoJSON translated back to
 * OSM objects). Once per data version.
 */
export function osmDerived(ctx: ServerContext, city: string): Promise<boolean> {
  return ctx.cached(city, 'osm-derived', async () => {
    const r = await ctx.store.query<{ osm: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM sources WHERE city_id = $1 AND format LIKE 'osm%')
           OR EXISTS (SELECT 1 FROM buildings_current WHERE city_id = $1 AND id ~ '^[nwr][0-9]+$')
           OR EXISTS (SELECT 1 FROM facilities_current WHERE city_id = $1 AND id ~ '^[nwr][0-9]+$') AS osm`, [city]);
    return r[0]?.osm === true;
  });
}
