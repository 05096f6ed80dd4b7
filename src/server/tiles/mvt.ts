/**
 * Mapbox Vector Tiles for the collections that declare a `tile` section, made in one of two ways
 * with the same layers and attributes:
 *  - 'app' (both drivers; PGlite has no ST_AsMVT): the store returns the features meeting the tile
 *    (plus a buffer), clipped to it by ST_ClipByBox2D and simplified to the zoom by ST_Simplify, as
 *    WKB; here they are projected to Web Mercator tile coordinates, quantised, cleaned (repeated
 *    points, collapsed rings, MVT winding) and encoded (encode.ts).
 *  - 'postgis' (a PostgreSQL server built with protobuf-c): ST_AsMVTGeom + ST_AsMVT in the database.
 * A lon/lat box is a Web Mercator box (the projection is separable), so clipping in EPSG:4326 is exact.
 */
import { MvtLayer, type EncFeature, type Ring } from './encode.js';
import { byteaOf } from '../../store/wkb.js';
import { archiveFrom, boxMeets, type CollectionSpec } from '../../catalog/collections.js';
import type { ServerContext } from '../context.js';

export const EXTENT = 4096;
export const BUFFER = 64;
/** at most this many features per layer in one tile (a safety net; dense city tiles hold a few thousand) */
export const MAX_TILE_FEATURES = 50_000;

export function tileToLon(x: number, z: number): number { return (x / 2 ** z) * 360 - 180; }
export function tileToLat(y: number, z: number): number {
  const n = Math.PI - (2 * Math.PI * y) / 2 ** z;
  return (180 / Math.PI) * Math.atan(Math.sinh(n));
}

/** [west, south, east, north] of the tile grown by `buffer` extent units */
export function tileBounds(z: number, x: number, y: number, buffer = 0): [number, number, number, number] {
  const b = buffer / EXTENT;
  const w = tileToLon(x - b, z), e = tileToLon(x + 1 + b, z);
  const n = tileToLat(Math.max(0, y - b), z), s = tileToLat(Math.min(2 ** z, y + 1 + b), z);
  return [Math.max(-180, w), s, Math.min(180, e), n];
}

/**
 * The access categories of the city's latest run: distances[i] is the distance to categories[i];
 * `gaps`: the categories with no facility in the data (data gaps, 无数据, never shortfalls).
 */
export async function accessCategories(ctx: ServerContext, city: string): Promise<{ runId: number; categories: string[]; gaps: Set<string> } | null> {
  if (!(await ctx.hasTables(['access_runs', 'access_results']))) return null;
  return ctx.cached(city, 'access-categories', async () => {
    const r = await ctx.store.query<{ run_id: number; categories: string[]; counts: { id: string; facilities: number }[] | null }>(
      `SELECT run_id, categories, summary->'categories' AS counts FROM access_runs WHERE city_id = $1 ORDER BY run_id DESC LIMIT 1`, [city]);
    if (!r.length) return null;
    const cats = r[0].categories.filter((c) => /^[a-z][a-z0-9_]{0,40}$/.test(c));
    const gaps = new Set((r[0].counts ?? []).filter((c) => Number(c.facilities) === 0).map((c) => c.id));
    return { runId: Number(r[0].run_id), categories: cats, gaps };
  });
}

export interface LayerSql { select: string[]; names: string[]; from: string }

/** The tile attributes of a layer: the registry's tile properties, plus `d_<category>` for buildings. */
export async function layerSql(ctx: ServerContext, spec: CollectionSpec, city: string, asOf?: string): Promise<LayerSql> {
  const props = spec.properties.filter((p) => p.tile);
  const names = ['id', ...props.map((p) => p.name)];
  const select = [`${spec.key.map((k) => k.sql).join(` || ':' || `)}`, ...props.map((p) => p.sql)];
  // the archive as of a time (an ISO instant checked by parseArchiveTime: safe as a literal); no analysis results then
  if (asOf && spec.archive) return { select, names, from: archiveFrom(spec, `'${asOf.replace(/[^0-9TZ:.+-]/g, '')}'::timestamptz`) };
  let from = spec.from;
  if (spec.tile?.access) {
    const acc = await accessCategories(ctx, city);
    if (acc) {
      from = `${spec.from} LEFT JOIN access_results a ON a.city_id = t.city_id AND a.run_id = ${Number(acc.runId)} AND a.building_id = t.id`;
      acc.categories.forEach((c, i) => { names.push(`d_${c}`); select.push(`round(a.distances[${i + 1}])`); });
      names.push('access_run'); select.push(`a.run_id`);
    }
  }
  return { select, names, from };
}

/** degrees of longitude per tile extent unit at zoom z (ST_Simplify tolerance) */
export const unitDeg = (z: number) => 360 / 2 ** z / EXTENT;

// ---- WKB → tile coordinates --------------------------------------------------------------------------

class Projector {
  readonly scale: number;
  constructor(readonly z: number, readonly x: number, readonly y: number) { this.scale = 2 ** z * EXTENT; }
  px(lon: number): number { return Math.round(((lon + 180) / 360) * this.scale - this.x * EXTENT); }
  py(lat: number): number {
    const s = Math.sin((lat * Math.PI) / 180);
    const yy = 0.5 - (0.25 * Math.log((1 + s) / (1 - s))) / Math.PI;
    return Math.round(yy * this.scale - this.y * EXTENT);
  }
}

interface Parts { points: number[]; lines: Ring[]; polys: Ring[][] }

/** Reads (E)WKB into tile-coordinate parts: points, lines, polygons (rings as flat x,y, repeated points dropped). */
class WkbReader {
  private dv: DataView;
  private off = 0;
  constructor(b: Uint8Array, private p: Projector) { this.dv = new DataView(b.buffer, b.byteOffset, b.byteLength); }

  read(out: Parts): void {
    const le = this.dv.getUint8(this.off) === 1;
    this.off += 1;
    let type = this.dv.getUint32(this.off, le);
    this.off += 4;
    let dims = 2;
    if (type & 0x20000000) this.off += 4; // SRID
    if (type & 0x80000000) dims++;
    if (type & 0x40000000) dims++;
    type &= 0x0fffffff;
    if (type > 1000) { const iso = Math.floor(type / 1000); dims = iso === 3 ? 4 : 3; type %= 1000; }
    switch (type) {
      case 1: { const pt = this.coords(1, le, dims); if (pt.length) out.points.push(pt[0], pt[1]); return; }
      case 2: { out.lines.push(this.coords(this.u32(le), le, dims)); return; }
      case 3: {
        const n = this.u32(le);
        const rings: Ring[] = [];
        for (let i = 0; i < n; i++) rings.push(this.coords(this.u32(le), le, dims));
        out.polys.push(rings);
        return;
      }
      case 4: case 5: case 6: case 7: {
        const n = this.u32(le);
        for (let i = 0; i < n; i++) this.read(out);
        return;
      }
      default: throw new Error(`WKB type ${type} not handled`);
    }
  }

  private u32(le: boolean): number { const v = this.dv.getUint32(this.off, le); this.off += 4; return v; }
  private coords(n: number, le: boolean, dims: number): Ring {
    const out: Ring = [];
    let lx = NaN, ly = NaN;
    for (let i = 0; i < n; i++) {
      const lon = this.dv.getFloat64(this.off, le), lat = this.dv.getFloat64(this.off + 8, le);
      this.off += 8 * dims;
      if (Number.isNaN(lon)) continue; // POINT EMPTY
      const x = this.p.px(lon), y = this.p.py(lat);
      if (x !== lx || y !== ly) { out.push(x, y); lx = x; ly = y; }
    }
    return out;
  }
}

function signedArea(r: Ring): number {
  let s = 0;
  const n = r.length;
  for (let i = 0, j = n - 2; i < n; j = i, i += 2) s += r[j] * r[i + 1] - r[i] * r[j + 1];
  return s / 2;
}

function reverseRing(r: Ring): void {
  for (let i = 0, j = r.length - 2; i < j; i += 2, j -= 2) {
    const x = r[i], y = r[i + 1];
    r[i] = r[j]; r[i + 1] = r[j + 1]; r[j] = x; r[j + 1] = y;
  }
}

/** closed ring with a non-zero area, exterior positive (clockwise on screen) and holes negative */
function fixRing(r: Ring, exterior: boolean): Ring | null {
  const n = r.length;
  if (n >= 2 && (r[0] !== r[n - 2] || r[1] !== r[n - 1])) r.push(r[0], r[1]);
  if (r.length < 8) return null;
  const a = signedArea(r);
  if (a === 0) return null;
  if ((a > 0) !== exterior) reverseRing(r);
  return r;
}

function toTileFeature(wkb: Uint8Array, p: Projector, tags: number[]): EncFeature | null {
  const out: Parts = { points: [], lines: [], polys: [] };
  new WkbReader(wkb, p).read(out);
  if (out.polys.length) {
    const rings: Ring[] = [];
    for (const poly of out.polys) {
      const ext = fixRing(poly[0] ?? [], true);
      if (!ext) continue;
      rings.push(ext);
      for (let i = 1; i < poly.length; i++) { const h = fixRing(poly[i], false); if (h) rings.push(h); }
    }
    return rings.length ? { type: 3, geometry: rings, tags } : null;
  }
  if (out.lines.length) {
    const lines = out.lines.filter((l) => l.length >= 4);
    return lines.length ? { type: 2, geometry: lines, tags } : null;
  }
  if (out.points.length) return { type: 1, geometry: [out.points], tags };
  return null;
}


/** the geometry expression of a layer's tile query: clipped to `env` and simplified to the zoom ($tol), points as they are */
export function tileGeometrySql(spec: CollectionSpec, env: string, tol: string): string {
  const geom = spec.geometry.sql;
  return spec.tile!.kind === 'point' ? geom : `ST_Simplify(ST_ClipByBox2D(${geom}, ${env}), ${tol}, true)`;
}

/** the simplification tolerance of zoom z, degrees */
export const tileTolerance = (z: number) => unitDeg(z) * 0.5;

/**
 * Rows of a layer's tile query (columns c0..cN in the order of `names`, and `wkb`) as the MVT of tile
 * z/x/y (zero bytes when nothing is left after projection and cleaning).
 */
export function encodeRows(layerName: string, names: string[], rows: Record<string, unknown>[], z: number, x: number, y: number): Uint8Array {
  if (!rows.length) return new Uint8Array(0);
  const p = new Projector(z, x, y);
  const layer = new MvtLayer(layerName, names, EXTENT);
  const cols = names.map((_, i) => `c${i}`);
  for (const r of rows) {
    if (r.wkb === null || r.wkb === undefined) continue;
    const tags: number[] = [];
    for (let i = 0; i < cols.length; i++) {
      const v = r[cols[i]];
      if (v === null || v === undefined) continue;
      tags.push(i, layer.value(typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : Number(v)));
    }
    const f = toTileFeature(byteaOf(r.wkb), p, tags);
    if (f) layer.add(f);
  }
  return layer.length ? layer.finish() : new Uint8Array(0);
}

/** One layer of one tile, cut in the app; returns the uncompressed MVT (empty layer → zero bytes). */
export async function appTile(ctx: ServerContext, spec: CollectionSpec, city: string, z: number, x: number, y: number, asOf?: string): Promise<Uint8Array> {
  const t = spec.tile!;
  const { select, names, from } = await layerSql(ctx, spec, city, asOf);
  const [w, s, e, n] = tileBounds(z, x, y, BUFFER);
  const g = tileGeometrySql(spec, 'env.b', '$6::float8');
  const sql = `WITH env AS (SELECT ST_MakeEnvelope($2::float8, $3::float8, $4::float8, $5::float8, 4326) AS b)
    SELECT ${select.map((c, i) => `${c} AS c${i}`).join(', ')}, ST_AsBinary(${g}) AS wkb
    FROM ${from}, env WHERE t.city_id = $1::text AND ${boxMeets(spec, 'env.b')} LIMIT ${MAX_TILE_FEATURES}`;
  const rows = await ctx.read.query<Record<string, unknown>>(sql, t.kind === 'point' ? [city, w, s, e, n] : [city, w, s, e, n, tileTolerance(z)], true);
  return encodeRows(spec.id, names, rows, z, x, y);
}

/** One layer of one tile by ST_AsMVT in a PostgreSQL server. */
export async function postgisTile(ctx: ServerContext, spec: CollectionSpec, city: string, z: number, x: number, y: number, asOf?: string): Promise<Uint8Array> {
  const t = spec.tile!;
  const { select, names, from } = await layerSql(ctx, spec, city, asOf);
  const geom = spec.geometry.sql;
  const cols = select.map((c, i) => `${c} AS "${names[i]}"`).join(', ');
  const sql = `WITH env AS (SELECT ST_TileEnvelope($2::int, $3::int, $4::int) AS m, ST_Transform(ST_TileEnvelope($2::int, $3::int, $4::int, margin => ${BUFFER / EXTENT}), 4326) AS b),
    q AS (SELECT ${cols}, ST_AsMVTGeom(ST_Transform(${geom}, 3857), env.m, ${EXTENT}, ${BUFFER}, true) AS mvtgeom
          FROM ${from}, env WHERE t.city_id = $1::text AND ${boxMeets(spec, 'env.b')} LIMIT ${MAX_TILE_FEATURES})
    SELECT ST_AsMVT(q, $5::text, ${EXTENT}, 'mvtgeom') AS mvt FROM q WHERE mvtgeom IS NOT NULL`;
  const rows = await ctx.read.query<{ mvt: unknown }>(sql, [city, z, x, y, spec.id], true);
  const v = rows[0]?.mvt;
  return v === null || v === undefined ? new Uint8Array(0) : byteaOf(v);
}

/** Does this store make tiles with ST_AsMVT? (PostGIS built with protobuf-c) */
export async function hasAsMvt(ctx: ServerContext): Promise<boolean> {
  if (ctx.store.kind !== 'postgres') return false;
  try {
    await ctx.store.query(`SELECT ST_AsMVT(q, 'probe') FROM (SELECT 1 AS a, ST_AsMVTGeom(ST_MakePoint(0, 0), ST_MakeEnvelope(-1, -1, 1, 1)) AS geom) q`);
    return true;
  } catch {
    return false;
  }
}
