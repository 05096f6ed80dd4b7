/**
 * The tile pyramid (瓦片金字塔): every tile of a layer set over a city, z minzoom..maxzoom, cut once
 * (the same query and encoder as the app engine, mvt.ts) and kept in the store, keyed by city, layer,
 * z/x/y and the data version (the server's version hash: sources, archive head, runs). The tile routes
 * serve a tile straight from the pyramid whose version is the city's current one; a tile outside it,
 * `?as_of=` and `?engine=` are cut live as before, so a pyramid never answers for another version.
 *
 * The build is set-wise and streaming: one query per block of neighbouring tiles (a LATERAL join of the
 * block's tile boxes with the layer, clipped and simplified in PostGIS), the block's rows encoded and
 * gzip'd, its tiles written, the next block already queried meanwhile. A block spans about one z13
 * tile whatever the zoom, so memory is bounded by the densest z13 area, not by the city.
 */
import { promisify } from 'node:util';
import { gunzipSync, gzip as gzipCb } from 'node:zlib';
import { boxMeets, COLLECTION_BY_ID, type CollectionSpec } from '../../catalog/collections.js';
import type { Queryable, Store } from '../../store/driver.js';
import { analyzeStale } from '../../store/statistics.js';
import { byteaOf } from '../../store/wkb.js';
import { ServerContext } from '../context.js';
import type { HotReader } from '../hot.js';
import { BUFFER, encodeRows, layerSql, MAX_TILE_FEATURES, tileBounds, tileGeometrySql, tileTolerance } from './mvt.js';
import { OpenCimError, type ErrorKind } from '../../model/errors.js';

const gzip = promisify(gzipCb);

/**
 * Layers a pyramid may hold: those whose every change moves the data version (the city model and the
 * analysis runs). Cases, grids and the domains' registers change without it (a citizen's report does
 * not invalidate the map), so they are always cut live.
 */
export const PYRAMID_LAYERS = ['admin_areas', 'land_use', 'green_spaces', 'walk_network', 'facilities', 'buildings', 'renewal_candidates'] as const;
export const DEFAULT_MAXZOOM = 16;

/** a pyramid asked for wrongly (usage), stopped (unavailable), or outrun by new data (conflict) */
export class PyramidError extends OpenCimError {
  constructor(message: string, kind: ErrorKind = 'usage') { super(kind, message); }
}

export type Coverage = Record<string, Record<string, [number, number, number, number]>>;

export interface Pyramid {
  pyramid_id: number;
  city_id: string;
  data_version: string;
  layers: string[];
  minzoom: number;
  maxzoom: number;
  coverage: Coverage;
  bbox: [number, number, number, number] | null;
  tiles: number;
  bytes: number;
}

export interface BuildOptions {
  city?: string;
  /** default: every layer of PYRAMID_LAYERS whose tables exist */
  layers?: string[];
  /** default: each layer's own minzoom */
  minzoom?: number;
  /** default 16 (the layers' maxzoom) */
  maxzoom?: number;
  actor: string;
  jobId?: string;
  /** rebuild even when a ready pyramid of this version and layer set exists */
  force?: boolean;
  onProgress?: (done: number, total: number, message: string) => void;
  signal?: AbortSignal;
}

export interface BuildResult extends Pyramid {
  reused: boolean;
  empty_tiles: number;
  seconds: number;
}

const lonToX = (lon: number, z: number) => Math.floor(((lon + 180) / 360) * 2 ** z);
const latToY = (lat: number, z: number) => {
  const s = Math.sin((Math.max(-85.0511, Math.min(85.0511, lat)) * Math.PI) / 180);
  return Math.floor((0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)) * 2 ** z);
};

/** the tile range of a lon/lat box at z, one tile wider on each side (a tile's buffer reaches its neighbours) */
export function tileRange(bbox: [number, number, number, number], z: number): [number, number, number, number] {
  const max = 2 ** z - 1;
  const c = (v: number) => Math.max(0, Math.min(max, v));
  return [c(lonToX(bbox[0], z) - 1), c(latToY(bbox[3], z) - 1), c(lonToX(bbox[2], z) + 1), c(latToY(bbox[1], z) + 1)];
}

function pyramidSpec(id: string): CollectionSpec {
  const spec = COLLECTION_BY_ID.get(id);
  if (!spec?.tile || !(PYRAMID_LAYERS as readonly string[]).includes(id)) {
    throw new PyramidError(`layer "${id.slice(0, 64)}" cannot be pre-built (不可预生成); layers: ${PYRAMID_LAYERS.join(', ')}`);
  }
  return spec;
}

function checkZoom(v: number | undefined, name: string): void {
  if (v !== undefined && (!Number.isInteger(v) || v < 0 || v > 20)) throw new PyramidError(`${name} must be an integer from 0 to 20, got ${v}`);
}

/** The ready pyramid of this city and data version, if any (the newest). */
export async function readyPyramid(q: Pick<Queryable, 'query'>, city: string, version: string): Promise<Pyramid | null> {
  const sql = `SELECT pyramid_id, city_id, data_version, layers, minzoom, maxzoom, coverage, bbox, tiles, bytes FROM tile_pyramids
    WHERE city_id = $1 AND data_version = $2 AND status = 'ready' ORDER BY pyramid_id DESC LIMIT 1`;
  const rows = await q.query<Record<string, unknown>>(sql, [city, version]);
  if (!rows.length) return null;
  const r = rows[0];
  return {
    pyramid_id: Number(r.pyramid_id), city_id: String(r.city_id), data_version: String(r.data_version), layers: r.layers as string[],
    minzoom: Number(r.minzoom), maxzoom: Number(r.maxzoom),
    coverage: (typeof r.coverage === 'string' ? JSON.parse(r.coverage) : r.coverage) as Coverage,
    bbox: Array.isArray(r.bbox) && r.bbox.length === 4 ? (r.bbox.map(Number) as [number, number, number, number]) : null,
    tiles: Number(r.tiles), bytes: Number(r.bytes),
  };
}

/** Where a pyramid answers for layer z/x/y: 'tile' (look it up; no row = empty), 'empty' (outside the data), or null (cut live). */
export function pyramidCovers(p: Pyramid, layer: string, z: number, x: number, y: number): 'tile' | 'empty' | null {
  const byZ = p.coverage[layer];
  if (!byZ || z < p.minzoom || z > p.maxzoom) return null;
  const r = byZ[String(z)];
  if (!r) return null; // below the layer's own minzoom in this pyramid: the routes answer that themselves
  return x >= r[0] && x <= r[2] && y >= r[1] && y <= r[3] ? 'tile' : 'empty';
}

export interface PyramidTile { gz: Uint8Array; rawBytes: number }
export type PyramidTileReader = (p: Pyramid, layer: string, z: number, x: number, y: number) => Promise<PyramidTile | null>;

/** at most this many tiles in one read */
const BATCH = 64;

/**
 * Tiles of a pyramid (gzip'd; null: none, i.e. empty), read in batches: the tiles asked for during
 * one turn of the event loop (a map view asks for a dozen at once, many clients for many) are read
 * by one query per pyramid instead of one each. A query's round trip costs the server more than its
 * rows: on this machine one per tile took half of a cold tile's CPU.
 */
export function pyramidTileReader(read: HotReader): PyramidTileReader {
  type Wanted = { p: Pyramid; layer: string; z: number; x: number; y: number; done: (t: PyramidTile | null) => void; fail: (e: unknown) => void };
  let pending: Wanted[] = [];
  const flush = () => {
    const all = pending;
    pending = [];
    const byPyramid = new Map<string, Wanted[]>();
    for (const w of all) {
      const k = `${w.p.city_id}\u0000${w.p.pyramid_id}`;
      const list = byPyramid.get(k);
      if (list) list.push(w); else byPyramid.set(k, [w]);
    }
    for (const list of byPyramid.values()) for (let i = 0; i < list.length; i += BATCH) void readBatch(list.slice(i, i + BATCH));
  };
  const readBatch = async (ws: Wanted[]) => {
    try {
      const rows = await read.query<{ i: number; data: unknown; raw_bytes: number }>(
        // (a lookup by the whole key for each tile asked for, whatever the statistics: a join could scan the pyramid)
        `SELECT q.i, t.data, t.raw_bytes FROM unnest($3::int[], $4::text[], $5::int2[], $6::int[], $7::int[]) AS q(i, layer, z, x, y)
         CROSS JOIN LATERAL (SELECT t.data, t.raw_bytes FROM tile_pyramid_tiles t
           WHERE t.city_id = $1 AND t.pyramid_id = $2 AND t.layer = q.layer AND t.z = q.z AND t.x = q.x AND t.y = q.y LIMIT 1) t`,
        [ws[0].p.city_id, ws[0].p.pyramid_id, ws.map((_, i) => i), ws.map((w) => w.layer), ws.map((w) => w.z), ws.map((w) => w.x), ws.map((w) => w.y)],
        true);
      const got: (PyramidTile | null)[] = ws.map(() => null);
      for (const r of rows) got[Number(r.i)] = { gz: byteaOf(r.data), rawBytes: Number(r.raw_bytes) };
      ws.forEach((w, i) => w.done(got[i]));
    } catch (e) {
      for (const w of ws) w.fail(e);
    }
  };
  return (p, layer, z, x, y) => new Promise((done, fail) => {
    if (!pending.length) setImmediate(flush);
    pending.push({ p, layer, z, x, y, done, fail });
  });
}

export const gunzipTile = (gz: Uint8Array): Uint8Array => new Uint8Array(gunzipSync(gz));

interface Block { layer: string; z: number; tiles: [number, number][] }

/**
 * Fresh statistics for the tables the tile queries join (those that grew since theirs): an access
 * run just written (600,000 rows the planner still takes for 15) turns every tile's join into a
 * hash of the whole table (0.8 s a tile instead of 0.1 s).
 */
const TILE_TABLES = ['access_results', 'buildings_versions', 'facilities_versions', 'walk_edges_versions', 'green_spaces_versions', 'land_use_versions', 'admin_areas_versions', 'renewal_candidates'];

/** Blocks of neighbouring tiles of one layer and zoom: about one z13 tile each (1 tile below z14, 8×8 at z16). */
function* blocks(layer: string, z: number, r: [number, number, number, number]): Generator<Block> {
  const side = Math.max(1, Math.min(8, 2 ** (z - 13)));
  for (let by = r[1]; by <= r[3]; by += side) {
    for (let bx = r[0]; bx <= r[2]; bx += side) {
      const tiles: [number, number][] = [];
      for (let y = by; y < by + side && y <= r[3]; y++) for (let x = bx; x < bx + side && x <= r[2]; x++) tiles.push([x, y]);
      yield { layer, z, tiles };
    }
  }
}

/**
 * Build (or find) the pyramid of a city at its current data version. Writes a `building` row, the
 * tiles, then in one transaction marks it `ready` and drops the city's older pyramids. If the data
 * version moved during the build (an import landed), the pyramid is marked failed and nothing of it is served.
 */
export async function buildPyramid(store: Store, o: BuildOptions): Promise<BuildResult> {
  const t0 = Date.now();
  checkZoom(o.minzoom, '--minzoom');
  checkZoom(o.maxzoom, '--maxzoom');
  const maxzoom = o.maxzoom ?? DEFAULT_MAXZOOM;
  if (o.minzoom !== undefined && o.minzoom > maxzoom) throw new PyramidError(`--minzoom (${o.minzoom}) is above --maxzoom (${maxzoom})`);
  const ctx = new ServerContext(store, 0);
  const city = await ctx.resolveCity(o.city);
  if (!(await ctx.hasTables(['tile_pyramids']))) throw new PyramidError('the store has no tile_pyramids table: migrate it (open it with this version of opencim)', 'unavailable');
  const requested = o.layers?.length ? [...new Set(o.layers)] : [...PYRAMID_LAYERS];
  const specs: CollectionSpec[] = [];
  for (const id of requested) {
    const spec = pyramidSpec(id);
    if (await ctx.hasTables(spec.requires)) specs.push(spec);
    else if (o.layers?.length) throw new PyramidError(`layer ${id} is not available in this store (its tables ${spec.requires.join(', ')} are missing)`);
  }
  const layers = specs.map((s) => s.id);
  await analyzeStale(store, TILE_TABLES, (t) => o.onProgress?.(0, 0, `ANALYZE ${t}`));
  const minzoom = Math.min(...specs.map((s) => Math.max(o.minzoom ?? 0, s.tile!.minzoom)));
  const version = await ctx.version(city);

  if (!o.force) {
    const p = await readyPyramid(store, city, version);
    if (p && layers.every((l) => p.layers.includes(l)) && p.minzoom <= minzoom && p.maxzoom >= maxzoom) {
      return { ...p, reused: true, empty_tiles: 0, seconds: (Date.now() - t0) / 1000 };
    }
  }
  // leftovers of failed or killed builds are never served; remove them
  await store.query(`DELETE FROM tile_pyramids WHERE city_id = $1 AND (status = 'failed' OR (status = 'building' AND started_at < now() - interval '1 day'))`, [city]);
  const id = Number((await store.query<{ id: unknown }>(
    `INSERT INTO tile_pyramids (city_id, data_version, layers, minzoom, maxzoom, actor, job_id) VALUES ($1, $2, $3::text[], $4, $5, $6, $7) RETURNING pyramid_id AS id`,
    [city, version, layers, minzoom, maxzoom, o.actor, o.jobId ?? null]))[0].id);

  try {
    // the tile ranges: the layer's extent at each zoom
    const coverage: Coverage = {};
    const work: Block[] = [];
    let total = 0;
    let bbox: [number, number, number, number] | null = null;
    for (const spec of specs) {
      const e = (await store.query<{ w: number | null; s: number; e: number; n: number }>(
        `SELECT ST_XMin(x) AS w, ST_YMin(x) AS s, ST_XMax(x) AS e, ST_YMax(x) AS n FROM (SELECT ST_Extent(${spec.geometry.sql})::geometry AS x FROM ${spec.from} WHERE t.city_id = $1) q`, [city]))[0];
      coverage[spec.id] = {};
      const from = Math.max(minzoom, spec.tile!.minzoom), to = Math.min(maxzoom, spec.tile!.maxzoom);
      for (let z = from; z <= to; z++) {
        if (e?.w === null || e?.w === undefined) { coverage[spec.id][String(z)] = [1, 1, 0, 0]; continue; } // no features: an empty range
        const box: [number, number, number, number] = [Number(e.w), Number(e.s), Number(e.e), Number(e.n)];
        bbox = bbox ? [Math.min(bbox[0], box[0]), Math.min(bbox[1], box[1]), Math.max(bbox[2], box[2]), Math.max(bbox[3], box[3])] : box;
        const r = tileRange(box, z);
        coverage[spec.id][String(z)] = r;
        for (const b of blocks(spec.id, z, r)) { work.push(b); total += b.tiles.length; }
      }
    }

    const sqlOf = new Map<string, { sql: string; names: string[]; point: boolean }>();
    for (const spec of specs) {
      const { select, names, from } = await layerSql(ctx, spec, city);
      const point = spec.tile!.kind === 'point';
      const g = tileGeometrySql(spec, 'env.b', '$8::float8');
      sqlOf.set(spec.id, {
        names, point,
        sql: `WITH env AS (SELECT u.tx, u.ty, ST_MakeEnvelope(u.w, u.s, u.e, u.n, 4326) AS b
            FROM unnest($2::int[], $3::int[], $4::float8[], $5::float8[], $6::float8[], $7::float8[]) AS u(tx, ty, w, s, e, n))
          SELECT env.tx AS tx, env.ty AS ty, q.* FROM env CROSS JOIN LATERAL (
            SELECT ${select.map((c, i) => `${c} AS c${i}`).join(', ')}, ST_AsBinary(${g}) AS wkb
            FROM ${from} WHERE t.city_id = $1::text AND ${boxMeets(spec, 'env.b')} LIMIT ${MAX_TILE_FEATURES}) q`,
      });
    }
    const fetchBlock = (b: Block) => {
      const q = sqlOf.get(b.layer)!;
      const bounds = b.tiles.map(([x, y]) => tileBounds(b.z, x, y, BUFFER));
      const params: unknown[] = [city, b.tiles.map((t) => t[0]), b.tiles.map((t) => t[1]), bounds.map((v) => v[0]), bounds.map((v) => v[1]), bounds.map((v) => v[2]), bounds.map((v) => v[3])];
      if (!q.point) params.push(tileTolerance(b.z));
      return store.query<Record<string, unknown>>(q.sql, params);
    };

    let done = 0, tiles = 0, bytes = 0, empty = 0;
    let next = work.length ? fetchBlock(work[0]) : null;
    next?.catch(() => {});
    for (let i = 0; i < work.length; i++) {
      if (o.signal?.aborted) throw new PyramidError('the build was stopped (已中止)', 'unavailable');
      const b = work[i];
      const rows = await next!;
      next = i + 1 < work.length ? fetchBlock(work[i + 1]) : null;
      next?.catch(() => {});
      const byTile = new Map<string, Record<string, unknown>[]>();
      for (const r of rows) {
        const k = `${r.tx}/${r.ty}`;
        let a = byTile.get(k);
        if (!a) byTile.set(k, (a = []));
        a.push(r);
      }
      const { names } = sqlOf.get(b.layer)!;
      const out: { x: number; y: number; raw: number; gz: Buffer }[] = [];
      for (const [x, y] of b.tiles) {
        const tr = byTile.get(`${x}/${y}`);
        const raw = tr ? encodeRows(b.layer, names, tr, b.z, x, y) : new Uint8Array(0);
        if (!raw.length) { empty++; continue; }
        out.push({ x, y, raw: raw.length, gz: await gzip(raw, { level: 6 }) });
      }
      if (out.length) {
        const params: unknown[] = [city, id, b.layer, b.z];
        const values = out.map((t, k) => {
          params.push(t.x, t.y, t.raw, t.gz);
          const p = 5 + k * 4;
          return `($1, $2, $3, $4, $${p}::int, $${p + 1}::int, $${p + 2}::int, $${p + 3}::bytea)`;
        });
        await store.query(`INSERT INTO tile_pyramid_tiles (city_id, pyramid_id, layer, z, x, y, raw_bytes, data) VALUES ${values.join(', ')}`, params);
        tiles += out.length;
        for (const t of out) bytes += t.gz.length;
      }
      done += b.tiles.length;
      o.onProgress?.(done, total, `${b.layer} z${b.z}: ${tiles} tiles, ${(bytes / 1e6).toFixed(1)} MB`);
    }

    // the data must not have moved under the build
    const after = await new ServerContext(store, 0).version(city);
    if (after !== version) throw new PyramidError(`the city's data changed during the build (数据在生成期间已变化: version ${version} → ${after}); run it again`, 'conflict');
    await store.transaction(async (tx) => {
      await tx.query(`UPDATE tile_pyramids SET status = 'ready', coverage = $3::jsonb, tiles = $4, bytes = $5, bbox = $6::float8[], finished_at = now() WHERE city_id = $1 AND pyramid_id = $2`,
        [city, id, JSON.stringify(coverage), tiles, bytes, bbox]);
      await tx.query(`DELETE FROM tile_pyramids WHERE city_id = $1 AND pyramid_id <> $2 AND status <> 'building'`, [city, id]);
    });
    return { pyramid_id: id, city_id: city, data_version: version, layers, minzoom, maxzoom, coverage, bbox, tiles, bytes, reused: false, empty_tiles: empty, seconds: (Date.now() - t0) / 1000 };
  } catch (e) {
    await store.query(`DELETE FROM tile_pyramid_tiles WHERE city_id = $1 AND pyramid_id = $2`, [city, id]).catch(() => {});
    await store.query(`UPDATE tile_pyramids SET status = 'failed', error = $3, finished_at = now() WHERE city_id = $1 AND pyramid_id = $2`, [city, id, String((e as Error).message).slice(0, 2000)]).catch(() => {});
    throw e;
  }
}

export interface RefreshResult { city_id: string; from_version: string; to_version: string; pyramid_id: number; tiles: number; seconds: number }

/**
 * Rebuild every city's pyramid whose data version is no longer the city's (an import or an analysis
 * run since), with the same layers and zooms; cities without a pyramid are left alone. The scheduled
 * `tiles.refresh` job: tiles are cut live in between, never served from the old version.
 */
export async function refreshPyramids(store: Store, o: { actor: string; jobId?: string; onProgress?: BuildOptions['onProgress']; signal?: AbortSignal }): Promise<RefreshResult[]> {
  const rows = await store.query<{ city_id: string; data_version: string; layers: string[]; minzoom: number; maxzoom: number }>(
    `SELECT DISTINCT ON (city_id) city_id, data_version, layers, minzoom, maxzoom FROM tile_pyramids WHERE status = 'ready' ORDER BY city_id, pyramid_id DESC`);
  const out: RefreshResult[] = [];
  for (const r of rows) {
    const ctx = new ServerContext(store, 0);
    if ((await ctx.version(r.city_id)) === r.data_version) continue;
    const layers = r.layers.filter((l) => (PYRAMID_LAYERS as readonly string[]).includes(l));
    const b = await buildPyramid(store, { city: r.city_id, layers, minzoom: Number(r.minzoom), maxzoom: Number(r.maxzoom), actor: o.actor, jobId: o.jobId, onProgress: o.onProgress, signal: o.signal });
    out.push({ city_id: r.city_id, from_version: r.data_version, to_version: b.data_version, pyramid_id: b.pyramid_id, tiles: b.tiles, seconds: b.seconds });
  }
  return out;
}
