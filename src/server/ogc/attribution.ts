/**
 * The OpenStreetMap attribution (ODbL 1.0 §4.3) travels with OSM-derived data in every form the
 * server gives it: GeoJSON items and features, HTML pages, TileJSON (and so the style document).
 */
import type { ServerContext } from '../context.js';
import { cityAttribution } from '../../store/attribution.js';

export const OSM_ATTRIBUTION = '© OpenStreetMap contributors (ODbL 1.0)';
export const ODBL_LINK = { href: 'https://opendatacommons.org/licenses/odbl/1-0/', rel: 'license', type: 'text/html', title: 'OpenStreetMap data: Open Database License 1.0 (© OpenStreetMap contributors)' };

/** Does the city's data ask for the OpenStreetMap attribution (store/attribution.ts)? Once per data version. */
export function osmDerived(ctx: ServerContext, city: string): Promise<boolean> {
  return ctx.cached(city, 'osm-derived', async () => (await cityAttribution(ctx.store, city)) !== null);
}
