/**
 * The walk graph of a city, read from the store once per data version (keyset pages of WKB lines),
 * for isochrones. The graph and its segment index stay in memory while the data does not change.
 */
import { GraphBuilder, type WalkGraph } from '../../analysis/network/graph.js';
import { byteaOf, wkbLineString } from '../../store/wkb.js';
import { isochrone, segmentIndexOf, type IsochroneCollection } from '../../analysis/network/isochrone.js';
import type { ServerContext } from '../context.js';

const PAGE = 50_000;



export async function loadWalkGraph(ctx: ServerContext, city: string): Promise<WalkGraph | null> {
  return ctx.cached(city, 'walk-graph', async () => {
    const b = new GraphBuilder();
    let last = '';
    for (;;) {
      const rows = await ctx.store.query<{ id: string; ids: number[] | null; wkb: unknown }>(
        `SELECT id, node_ids::float8[] AS ids, ST_AsBinary(geom) AS wkb FROM walk_edges_current WHERE city_id = $1 AND id > $2 ORDER BY id LIMIT ${PAGE}`, [city, last]);
      for (const r of rows) b.addFlat(wkbLineString(byteaOf(r.wkb)), r.ids ? r.ids.map(Number) : null);
      if (rows.length < PAGE) break;
      last = rows[rows.length - 1].id;
    }
    if (b.lineCount === 0) return null;
    const g = b.finish();
    segmentIndexOf(g);
    return g;
  });
}

export async function isochroneOf(ctx: ServerContext, city: string, lon: number, lat: number, minutes: number[], speed: number): Promise<IsochroneCollection | null> {
  const g = await loadWalkGraph(ctx, city);
  if (!g) return null;
  return isochrone(g, lon, lat, minutes, speed);
}
