/**
 * The walk graph of a city, read from the store once per data version (keyset pages of WKB lines),
 * for isochrones. The graph and its segment index stay in memory while the data does not change.
 */
import { GraphBuilder, type WalkGraph } from '../../analysis/network/graph.js';
import { isochrone, segmentIndexOf, type IsochroneCollection } from '../../analysis/network/isochrone.js';
import type { ServerContext } from '../context.js';

const PAGE = 50_000;

function bytes(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (typeof v === 'string') return Buffer.from(v.replace(/^\\x/, ''), 'hex');
  throw new Error('unexpected bytea value');
}

/** WKB LineString → flat lon/lat */
function wkbLine(b: Uint8Array): Float64Array {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const le = dv.getUint8(0) === 1;
  const type = dv.getUint32(1, le);
  let off = 5;
  if (type & 0x20000000) off += 4;
  const dims = 2 + (type & 0x80000000 ? 1 : 0) + (type & 0x40000000 ? 1 : 0);
  const n = dv.getUint32(off, le); off += 4;
  const out = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    out[2 * i] = dv.getFloat64(off, le); out[2 * i + 1] = dv.getFloat64(off + 8, le);
    off += 8 * dims;
  }
  return out;
}

export async function loadWalkGraph(ctx: ServerContext, city: string): Promise<WalkGraph | null> {
  return ctx.cached(city, 'walk-graph', async () => {
    const b = new GraphBuilder();
    let last = '';
    for (;;) {
      const rows = await ctx.store.query<{ id: string; ids: number[] | null; wkb: unknown }>(
        `SELECT id, node_ids::float8[] AS ids, ST_AsBinary(geom) AS wkb FROM walk_edges_current WHERE city_id = $1 AND id > $2 ORDER BY id LIMIT ${PAGE}`, [city, last]);
      for (const r of rows) b.addFlat(wkbLine(bytes(r.wkb)), r.ids ? r.ids.map(Number) : null);
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
