/**
 * `/tiles/{layer}/{z}/{x}/{y}.mvt` (one layer per tiled collection, gzip when accepted), a
 * TileJSON 3.0 per layer at `/tiles/{layer}.json`, the list at `/tiles`. ETag = the city's data
 * version (+ engine), so clients and proxies revalidate cheaply; tiles are kept in an LRU cache,
 * and a cached tile of a public layer is answered by the tile lane (below) before the framework.
 */
import { promisify } from 'node:util';
import { parseArchiveTime } from '../../store/archive.js';
import { gzip as gzipCb } from 'node:zlib';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { COLLECTION_BY_ID, COLLECTIONS, type CollectionSpec } from '../../catalog/collections.js';
import type { ServerContext } from '../context.js';
import { badRequest, notFound } from '../errors.js';
import { mayRead, requireRead } from '../auth.js';
import { apiBase, citied, cityParam as cityOf, queryCity } from '../ogc/routes.js';
import { collectionExtent } from '../ogc/query.js';
import { OSM_ATTRIBUTION, osmDerived } from '../ogc/attribution.js';
import { accessCategories, appTile, hasAsMvt, postgisTile } from './mvt.js';
import { gunzipTile, type Pyramid, pyramidCovers, pyramidTileReader, readyPyramid } from './pyramid.js';

const gzip = promisify(gzipCb);
export const MAX_ZOOM = 22;
const MVT_TYPE = 'application/vnd.mapbox-vector-tile';
export const TILED = COLLECTIONS.filter((c) => c.tile);
/** the ETag's mark of how a tile was made */
const ENGINE_TAG = { app: 'a', postgis: 'p', pyramid: 'y' } as const;

class Lru<V> {
  private m = new Map<string, V>();
  constructor(private max: number) {}
  get(k: string): V | undefined {
    const v = this.m.get(k);
    if (v !== undefined) { this.m.delete(k); this.m.set(k, v); }
    return v;
  }
  set(k: string, v: V): void {
    if (this.max <= 0) return;
    this.m.delete(k);
    this.m.set(k, v);
    while (this.m.size > this.max) this.m.delete(this.m.keys().next().value as string);
  }
  clear(): void { this.m.clear(); }
}

export interface TileOptions { engine: 'app' | 'postgis' | 'auto'; cacheSize: number }

/**
 * The tile layers a request may read and the city has: the collections' one rule
 * (ServerContext.available), for /tiles, /api/v1/config and the style document alike.
 */
export async function tiledLayers(ctx: ServerContext, req: FastifyRequest, city: string): Promise<CollectionSpec[]> {
  const out: CollectionSpec[] = [];
  for (const c of TILED) if (mayRead(req, c) && (await ctx.available(c, city))) out.push(c);
  return out;
}

function layerSpec(layer: string): CollectionSpec {
  const spec = COLLECTION_BY_ID.get(layer);
  if (!spec?.tile) throw notFound(`没有该瓦片图层 / no tile layer "${layer.slice(0, 64)}" (layers: ${TILED.map((c) => c.id).join(', ')})`);
  return spec;
}

function coord(v: string, name: string, max: number): number {
  if (!/^\d{1,8}$/.test(v)) throw badRequest(`瓦片 ${name} 应为非负整数 / tile ${name} must be a non-negative integer`);
  const n = Number(v);
  if (n > max) throw badRequest(`瓦片 ${name} 不能大于 ${max} / tile ${name} must be at most ${max}`);
  return n;
}

/** `?as_of=` as an ISO instant (400 when it is not a date) */
function asOfParam(req: FastifyRequest): string | undefined {
  const v = (req.query as { as_of?: string }).as_of;
  if (v === undefined || v === '') return undefined;
  try { return parseArchiveTime(v, 'as_of'); } catch (e) { throw badRequest((e as Error).message); }
}

export async function tileRoutes(app: FastifyInstance, ctx: ServerContext, opts: TileOptions) {
  // a tile: its MVT bytes (null until a client that does not take gzip asks for a pyramid tile), its gzip (null for tiny tiles), its size
  // (and, once the tile lane has answered with it, its response headers: fixed for the entry's version and engine)
  const cache = new Lru<{ raw: Uint8Array | null; gz: Uint8Array | null; size: number; laneGz?: string[]; laneRaw?: string[] }>(opts.cacheSize);
  const pyramidTile = pyramidTileReader(ctx.read);
  // the ready pyramid of a city at its current version, looked up at most every versionTtlMs (`value` once known)
  type PyramidLookup = { at: number; version: string; p: Promise<Pyramid | null>; value?: Pyramid | null };
  const pyramids = new Map<string, PyramidLookup>();
  const freshPyramid = (city: string, version: string) => {
    const c = pyramids.get(city);
    return c && c.version === version && Date.now() - c.at < Math.max(ctx.versionTtlMs, 500) ? c : undefined;
  };
  const pyramidFor = async (city: string, version: string): Promise<Pyramid | null> => {
    const c = freshPyramid(city, version);
    if (c) return c.p;
    if (!(await ctx.hasTables(['tile_pyramids', 'tile_pyramid_tiles']))) {
      pyramids.set(city, { at: Date.now(), version, p: Promise.resolve(null), value: null });
      return null;
    }
    const p = readyPyramid({ query: (sql, params) => ctx.read.query(sql, params ?? [], true) }, city, version);
    const entry: PyramidLookup = { at: Date.now(), version, p };
    pyramids.set(city, entry);
    p.then((v) => { entry.value = v; }, () => pyramids.delete(city));
    return p;
  };
  let asMvt: Promise<boolean> | null = null;
  let asMvtKnown: boolean | undefined;
  const engineFor = async (wanted?: string): Promise<'app' | 'postgis'> => {
    const e = wanted ?? opts.engine;
    if (e === 'app') return 'app';
    asMvt ??= hasAsMvt(ctx).then((ok) => (asMvtKnown = ok));
    const ok = await asMvt;
    if (e === 'postgis' && !ok) throw badRequest('engine=postgis 需要带 ST_AsMVT 的 PostGIS / engine=postgis needs a PostgreSQL server whose PostGIS has ST_AsMVT (protobuf-c); this store has not');
    return ok ? 'postgis' : 'app';
  };
  /** the cache key of a tile, and its ETag: the city's data version and how the tile was made */
  const tileKey = (city: string, version: string, engine: keyof typeof ENGINE_TAG, asOf: string | undefined, layer: string, z: number, x: number, y: number) =>
    `${city}\u0000${version}\u0000${engine}\u0000${asOf ?? ''}\u0000${layer}/${z}/${x}/${y}`;
  const etagOf = (version: string, engine: keyof typeof ENGINE_TAG, asOf: string | undefined) => `"${version}-${ENGINE_TAG[engine]}${asOf ? `-${asOf}` : ''}"`;
  const tileHeaders = (spec: CollectionSpec, etag: string) => ({
    etag, 'cache-control': spec.read ? 'private, no-store' : 'public, max-age=60', vary: spec.read ? 'Accept-Encoding, Authorization' : 'Accept-Encoding', 'access-control-expose-headers': 'ETag',
  });
  const gzipAccepted = (accept: string | string[] | undefined) => /\bgzip\b/.test(String(accept ?? ''));

  const tileSchema = {
    summary: 'a vector tile (MVT) of one layer', tags: ['Vector tiles'],
    params: {
      type: 'object', required: ['layer', 'z', 'x', 'y'],
      properties: {
        layer: { type: 'string', enum: TILED.map((c) => c.id) },
        z: { type: 'string', pattern: '^[0-9]{1,2}$' }, x: { type: 'string', pattern: '^[0-9]{1,8}$' }, y: { type: 'string', pattern: '^[0-9]{1,8}$' },
      },
    },
    querystring: {
      type: 'object', additionalProperties: false,
      properties: {
        city: { type: 'string', maxLength: 128 },
        as_of: { type: 'string', maxLength: 40, description: 'the archive: the layer as it was at this time (YYYY-MM-DD or an ISO date-time)' },
        engine: { type: 'string', enum: ['app', 'postgis'], description: 'diagnostics: force how the tile is cut (default: the server setting)' },
      },
    },
  };

  const serveTile = async (req: FastifyRequest, reply: FastifyReply) => {
    const p = req.params as { layer: string; z: string; x: string; y: string };
    const spec = layerSpec(p.layer);
    requireRead(req, spec);
    const z = coord(p.z, 'z', MAX_ZOOM);
    const x = coord(p.x, 'x', 2 ** z - 1), y = coord(p.y, 'y', 2 ** z - 1);
    const city = await ctx.resolveCity(cityOf(req));
    if (!(await ctx.hasTables(spec.requires))) throw notFound(`图层 ${spec.id} 不可用 / layer ${spec.id} is not available: ${await ctx.unavailableReason(spec, city)}`);
    const forced = (req.query as { engine?: string }).engine;
    const asOf = asOfParam(req);
    // the city model's layers change with the data version; the domains' (cases, grids, the register) with every write of the city
    const model = ctx.basisOf(spec) === 'model';
    const version = await ctx.versionOf(city, spec);
    // the pre-built pyramid answers for the current version only: never for ?as_of= or a forced engine
    const pyramid = model && !asOf && !forced && z >= spec.tile!.minzoom ? await pyramidFor(city, version) : null;
    const cover = pyramid ? pyramidCovers(pyramid, spec.id, z, x, y) : null;
    const engine = cover ? 'pyramid' : await engineFor(forced);
    const etag = etagOf(version, engine, asOf);
    reply.headers(tileHeaders(spec, etag));
    if (req.headers['if-none-match'] === etag) return reply.code(304).send();
    const key = tileKey(city, version, engine, asOf, spec.id, z, x, y);
    let hit = cache.get(key);
    if (!hit) {
      if (cover) {
        const t = cover === 'tile' ? await pyramidTile(pyramid!, spec.id, z, x, y) : null;
        hit = t ? { raw: null, gz: t.gz, size: t.rawBytes } : { raw: new Uint8Array(0), gz: null, size: 0 };
      } else {
        const raw = z < spec.tile!.minzoom ? new Uint8Array(0)
          : engine === 'postgis' ? await postgisTile(ctx, spec, city, z, x, y, asOf) : await appTile(ctx, spec, city, z, x, y, asOf);
        hit = { raw, gz: raw.length > 256 ? await gzip(raw, { level: 6 }) : null, size: raw.length };
      }
      cache.set(key, hit);
    }
    if (!hit.size) return reply.code(204).send();
    reply.type(MVT_TYPE);
    if (cover) reply.header('x-tile-source', 'pyramid');
    if (hit.gz && gzipAccepted(req.headers['accept-encoding'])) return reply.header('content-encoding', 'gzip').send(Buffer.from(hit.gz.buffer, hit.gz.byteOffset, hit.gz.byteLength));
    hit.raw ??= gunzipTile(hit.gz!);
    return reply.send(Buffer.from(hit.raw.buffer, hit.raw.byteOffset, hit.raw.byteLength));
  };
  // (tiles are gzip'd here, once per tile, and a GET has no body: the compression plugin's hooks are left out)
  const tileRoute = { compress: false, decompress: false } as const;
  citied(app, '/tiles/:layer/:z/:x/:y.mvt', { schema: tileSchema, ...tileRoute }, serveTile);
  citied(app, '/tiles/:layer/:z/:x/:y.pbf', { schema: { ...tileSchema, hide: true }, ...tileRoute }, serveTile);

  const tileJson = async (req: FastifyRequest, spec: CollectionSpec) => {
    requireRead(req, spec);
    const city = await ctx.resolveCity(cityOf(req));
    const asOf = asOfParam(req);
    const base = apiBase(req);
    const ext = await collectionExtent(ctx, spec, city);
    const fields: Record<string, string> = { id: 'String' };
    for (const p of spec.properties.filter((q) => q.tile)) fields[p.name] = p.type === 'string' ? 'String' : p.type === 'boolean' ? 'Boolean' : 'Number';
    if (spec.tile!.access && !asOf) for (const c of (await accessCategories(ctx, city))?.categories ?? []) fields[`d_${c}`] = 'Number';
    const b = ext.bbox ?? [-180, -85.05, 180, 85.05];
    const qs = new URLSearchParams({ ...(queryCity(req) ? { city } : {}), ...(asOf && spec.archive ? { as_of: asOf } : {}) }).toString();
    const q = qs ? `?${qs}` : '';
    return {
      tilejson: '3.0.0',
      name: spec.id,
      description: `${spec.title_zh} ${spec.title}: ${spec.description}`,
      version: await ctx.versionOf(city, spec),
      ...(await osmDerived(ctx, city) ? { attribution: OSM_ATTRIBUTION } : {}),
      scheme: 'xyz',
      tiles: [`${base}/tiles/${spec.id}/{z}/{x}/{y}.mvt${q}`],
      minzoom: spec.tile!.minzoom,
      maxzoom: spec.tile!.maxzoom,
      bounds: b,
      center: [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2, Math.max(spec.tile!.minzoom, 14)],
      vector_layers: [{ id: spec.id, description: spec.title, minzoom: spec.tile!.minzoom, maxzoom: spec.tile!.maxzoom, fields }],
    };
  };

  citied(app, '/tiles', {
    schema: { summary: 'the vector tile layers (TileJSON each)', tags: ['Vector tiles'], querystring: { type: 'object', properties: { city: { type: 'string', maxLength: 128 } } } },
  }, async (req) => {
    const base = apiBase(req);
    const q = queryCity(req) ? `?city=${encodeURIComponent(queryCity(req)!)}` : '';
    // the layers the city has (the one rule of the collections: a layer without data for the city is not listed)
    const city = await ctx.resolveCity(cityOf(req));
    const layers = [];
    for (const c of await tiledLayers(ctx, req, city)) {
      layers.push({ id: c.id, title: c.title, title_zh: c.title_zh, kind: c.tile!.kind, minzoom: c.tile!.minzoom, maxzoom: c.tile!.maxzoom, tilejson: `${base}/tiles/${c.id}.json${q}`, tiles: `${base}/tiles/${c.id}/{z}/{x}/{y}.mvt${q}` });
    }
    // the pre-built pyramid serving the city's current version, if any
    let pyramid: Record<string, unknown> | null = null;
    const p = await pyramidFor(city, await ctx.version(city));
    if (p) pyramid = { pyramid_id: p.pyramid_id, data_version: p.data_version, layers: p.layers, minzoom: p.minzoom, maxzoom: p.maxzoom, tiles: p.tiles, bytes: p.bytes };
    return { engine: await engineFor(), pyramid, layers };
  });

  citied(app, '/tiles/:layer.json', {
    schema: {
      summary: 'TileJSON 3.0 of a layer', tags: ['Vector tiles'],
      params: { type: 'object', properties: { layer: { type: 'string', enum: TILED.map((c) => c.id) } }, required: ['layer'] },
      querystring: { type: 'object', properties: { city: { type: 'string', maxLength: 128 }, as_of: { type: 'string', maxLength: 40 } } },
    },
  }, async (req) => tileJson(req, layerSpec((req.params as { layer: string }).layer)));

  /**
   * The tile lane: a tile already in the cache, asked for by an anonymous GET (no query but the city,
   * no token, no If-None-Match) of a public layer at the city's current version, by the engine the
   * route would choose, is answered from node's request event, before the framework's routing and
   * hooks, with the headers the route sends (`common`: those every response of the server carries).
   * Whatever is not known at once (the city, its version, its pyramid, the engine: the caches the
   * route keeps) or is not in the cache goes to the route, which then fills them. A cached tile cost
   * three times the CPU through the framework (0.19 against 0.06 ms on this machine).
   */
  const LANE = /^(?:\/cities\/([^/?#]+))?\/tiles\/([a-z_]+)\/(\d{1,2})\/(\d{1,8})\/(\d{1,8})\.(?:mvt|pbf)(?:\?city=([^&#]*))?$/;
  const served = { count: 0 };
  const lane = (common: Record<string, string>) => (req: IncomingMessage, res: ServerResponse): boolean => {
    if (req.method !== 'GET' || req.headers.authorization !== undefined || req.headers['if-none-match'] !== undefined) return false;
    const m = LANE.exec(req.url ?? '');
    // (both a path city and ?city= is a 400; a '+' in the query is a space to the route's parser)
    if (!m || (m[1] !== undefined && m[6] !== undefined) || m[6]?.includes('+')) return false;
    const spec = COLLECTION_BY_ID.get(m[2]);
    // (the domains' layers follow every write of the city, not the data version the lane knows)
    if (!spec?.tile || spec.read || ctx.basisOf(spec) !== 'model') return false;
    const z = Number(m[3]), x = Number(m[4]), y = Number(m[5]);
    if (z > MAX_ZOOM || x > 2 ** z - 1 || y > 2 ** z - 1 || z < spec.tile.minzoom) return false;
    let name: string | undefined;
    try { name = m[1] ?? m[6]; name = name === undefined ? undefined : decodeURIComponent(name); } catch { return false; }
    if (name !== undefined && (name.length > 128 || name === '')) return false;
    const known = ctx.peek(name, spec.requires);
    if (!known) return false;
    const py = freshPyramid(known.city, known.version);
    if (!py || py.value === undefined) return false;
    const cover = py.value ? pyramidCovers(py.value, spec.id, z, x, y) : null;
    const engine = cover ? 'pyramid' : opts.engine === 'app' ? 'app' : asMvtKnown === undefined ? undefined : asMvtKnown ? 'postgis' : 'app';
    if (!engine) return false;
    const hit = cache.get(tileKey(known.city, known.version, engine, undefined, spec.id, z, x, y));
    if (!hit?.size) return false;
    const gz = hit.gz && gzipAccepted(req.headers['accept-encoding']) ? hit.gz : null;
    const body = gz ?? hit.raw;
    if (!body) return false;
    // (a flat list of name, value: node writes it with a third of the work of an object's headers)
    const head = () => Object.entries({
      ...common, ...tileHeaders(spec, etagOf(known.version, engine, undefined)), 'content-type': MVT_TYPE,
      ...(cover ? { 'x-tile-source': 'pyramid' } : {}), ...(gz ? { 'content-encoding': 'gzip' } : {}), 'content-length': String(body.byteLength),
    }).flat();
    res.writeHead(200, gz ? (hit.laneGz ??= head()) : (hit.laneRaw ??= head()));
    res.end(body);
    served.count++;
    return true;
  };

  return { clearCache: () => { cache.clear(); pyramids.clear(); }, lane, served };
}
