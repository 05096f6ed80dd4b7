/**
 * OGC API – Features Part 1 (Core, GeoJSON, HTML, OpenAPI 3.0) and Part 3 (CQL2 text filters,
 * queryables) over the collection registry. The landing page shares `/` with the viewer: browsers
 * get the viewer, `?f=json` / `Accept: application/json` the landing document, `?f=html` its HTML.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CollectionSpec } from '../../catalog/collections.js';
import { COLLECTION_BY_ID, COLLECTIONS, featureSchema, GEOMETRY_NAME, jsonSchemaOf, queryables } from '../../catalog/collections.js';
import type { ServerContext } from '../context.js';
import { badRequest, notFound } from '../errors.js';
import { mayRead, requireRead } from '../auth.js';
import { collectionExtent, countItems, CRS84, DEFAULT_LIMIT, featureJson, fetchItem, fetchItems, MAX_LIMIT, MAX_OFFSET, buildItemsQuery } from './query.js';
import * as html from './html.js';
import { OPENAPI_TYPE } from './openapi.js';
import { ODBL_LINK, OSM_ATTRIBUTION, osmDerived } from './attribution.js';
import { requestSignal } from '../admission.js';

export const CONFORMANCE = [
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30',
  'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter',
  'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter',
  'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables',
  'http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters',
  'http://www.opengis.net/spec/cql2/1.0/conf/cql2-text',
  'http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2',
  'http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators',
  'http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions',
  'http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus',
];

type Format = 'json' | 'html';

/** `f=` beats `Accept`; JSON by default. */
export function format(req: FastifyRequest): Format {
  const f = (req.query as Record<string, unknown> | undefined)?.f;
  if (f !== undefined) {
    if (f === 'html') return 'html';
    if (f === 'json' || f === 'geojson') return 'json';
    throw badRequest('f 应为 json 或 html / f must be json or html');
  }
  const accept = String(req.headers.accept ?? '');
  const h = accept.indexOf('text/html'), j = accept.search(/application\/(geo\+)?json/);
  return h >= 0 && (j < 0 || h < j) ? 'html' : 'json';
}

/** does the request ask for HTML (`?f=html`, or an Accept that prefers text/html)? Never throws: error pages ask it */
export function prefersHtml(req: FastifyRequest): boolean {
  const f = (req.query as Record<string, unknown> | undefined)?.f;
  if (f !== undefined) return f === 'html';
  try { return format(req) === 'html'; } catch { return false; }
}

/**
 * Origin for absolute links: the configured public base URL, else the address the request arrived
 * on (the listening address). Never the request's Host header (`Host: evil.com` must not become
 * the links of the answer).
 */
export function baseUrl(req: FastifyRequest): string {
  const configured = (req.server as unknown as { publicBase?: string }).publicBase;
  if (configured) return configured;
  const a = req.socket?.localAddress?.replace(/^::ffff:/, '');
  const port = req.socket?.localPort;
  if (!a || !port) return 'http://localhost';
  return `http://${a.includes(':') ? `[${a}]` : a}:${port}`;
}

/** limit/offset as the client wrote them: decimal digits only (the schema's coercion takes 0x10 and 1e3 for numbers) */
function rawIntParams(req: FastifyRequest, names: string[]): Record<string, string> {
  const qs = new URLSearchParams(req.url.split('?')[1] ?? '');
  const out: Record<string, string> = {};
  for (const n of names) {
    const all = qs.getAll(n);
    if (all.length > 1) throw badRequest(`参数 ${n} 重复 / parameter ${n} given more than once`);
    if (all.length === 1) out[n] = all[0];
  }
  return out;
}

/** The query string of a request with some parameters replaced (undefined = removed). */
export function withQuery(req: FastifyRequest, path: string, changes: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(req.query as Record<string, unknown>)) {
    if (k in changes) continue;
    if (Array.isArray(v)) v.forEach((x) => q.append(k, String(x))); else if (v !== undefined) q.append(k, String(v));
  }
  for (const [k, v] of Object.entries(changes)) if (v !== undefined) q.set(k, v);
  const s = q.toString();
  return `${apiBase(req)}${path}${s ? `?${s}` : ''}`;
}

/** the prefix of a city's own OGC API: `/cities/{city}/` is the landing page of one city */
export const CITY_PREFIX = '/cities/:city';

/** the city named by the path (/cities/{city}/...), if the request came that way */
export function pathCity(req: FastifyRequest): string | undefined {
  return (req.params as { city?: string } | undefined)?.city;
}

/** where this request's OGC API lives: the origin, or the city's landing page below it */
export function apiBase(req: FastifyRequest): string {
  const c = pathCity(req);
  return baseUrl(req) + (c === undefined ? '' : `/cities/${encodeURIComponent(c)}`);
}

/** the city of a request: from the path (/cities/{city}/...) or `?city=`, never both */
export function cityParam(req: FastifyRequest): string | undefined {
  const c = (req.query as Record<string, unknown>).city;
  const p = pathCity(req);
  if (p !== undefined) {
    if (c !== undefined) throw badRequest(`the city is in the path (/cities/${p.slice(0, 64)}/): drop ?city= (城市已在路径中)`);
    if (p.length > 128) throw notFound('没有该城市 / no such city (a city id has at most 128 characters)');
    return p;
  }
  if (c === undefined) return undefined;
  if (typeof c !== 'string' || c.length > 128) throw badRequest('city 应为城市编号 / city must be a city id (at most 128 characters)');
  return c;
}

/** `?city=` as the request gave it (links carry it on); nothing when the city is in the path */
export function queryCity(req: FastifyRequest): string | undefined {
  return pathCity(req) === undefined ? cityParam(req) : undefined;
}

/** `?city=` of the request as a query to carry on in links (nothing when the city is in the path) */
export function cityQuery(req: FastifyRequest): Record<string, string> {
  const c = queryCity(req);
  return c === undefined ? {} : { city: c };
}

/**
 * A link below this request's OGC API: `path` with `query`, keeping the city the request named
 * (beneath /cities/{city}/ when it came that way, else with its `?city=`). Every link the OGC
 * pages generate is made here, so none drops the city of a store with several.
 */
export function href(req: FastifyRequest, path: string, query: Record<string, string | undefined> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) q.set(k, v);
  for (const [k, v] of Object.entries(cityQuery(req))) if (!q.has(k)) q.set(k, v);
  const s = q.toString();
  return `${apiBase(req)}${path}${s ? `?${s}` : ''}`;
}

/**
 * Register a route at its path and again below a city's landing page (/cities/{city}/...), the
 * second hidden from the root's OpenAPI document (each city's /api documents its own).
 */
export function citied(app: FastifyInstance, path: string, opts: { schema: Record<string, unknown>; compress?: false; decompress?: false }, handler: (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>): void {
  app.get(path, opts, handler);
  app.get(`${CITY_PREFIX}${path}`, { ...opts, schema: { ...opts.schema, hide: true } }, handler);
}

/**
 * A collection of one city named at the root of a store with several cities (`/collections`
 * lists them so, each linked beneath its city's own API): `{city}:{collection}`, as WFS qualifies
 * a feature type by its namespace.
 */
export const QUALIFIER = ':';

/**
 * The collection and city a request names: `/collections/{id}` with the city from the path,
 * `?city=` or the store; at the root also `{city}:{id}`. 404 when the city does not have it (or the
 * caller may not read it: 401/403).
 */
async function target(ctx: ServerContext, req: FastifyRequest, reply: FastifyReply): Promise<{ spec: CollectionSpec; city: string; id: string }> {
  const id = (req.params as { collectionId: string }).collectionId;
  let spec = COLLECTION_BY_ID.get(id);
  let named = cityParam(req);
  const q = id.lastIndexOf(QUALIFIER);
  if (!spec && q > 0 && pathCity(req) === undefined) {
    const [c, cid] = [id.slice(0, q), id.slice(q + 1)];
    if (named !== undefined && named !== c) throw badRequest(`集合 ${id.slice(0, 64)} 属于城市 ${c.slice(0, 64)}, 与 ?city=${named.slice(0, 64)} 不符 / collection ${id.slice(0, 64)} is of city ${c.slice(0, 64)}, not of ?city=${named.slice(0, 64)}`);
    spec = COLLECTION_BY_ID.get(cid);
    named = c;
  }
  if (!spec) throw notFound(`没有数据集 "${id.slice(0, 64)}" / no collection "${id.slice(0, 64)}" (collections: ${COLLECTIONS.map((c) => c.id).join(', ')})`);
  const city = await ctx.resolveCity(named);
  requireRead(req, spec, reply);
  if (!(await ctx.available(spec, city))) throw notFound(`数据集 ${spec.id} 不可用 / collection ${spec.id} is not available: ${await ctx.unavailableReason(spec, city)}`);
  return { spec, city, id };
}

/** the collections of a city the request may read and the city has (the one rule: ServerContext.available) */
export async function availableCollections(ctx: ServerContext, req: FastifyRequest, city: string): Promise<CollectionSpec[]> {
  const out: CollectionSpec[] = [];
  for (const c of COLLECTIONS) if (mayRead(req, c) && (await ctx.available(c, city))) out.push(c);
  return out;
}

/**
 * The collection's document. `qualified`: listed at the root of a store with several cities, as
 * `{city}:{id}`, its links beneath the city's own API (/cities/{city}/collections/{id}).
 */
async function collectionDoc(req: FastifyRequest, ctx: ServerContext, spec: CollectionSpec, city: string, qualified = false) {
  const ext = await collectionExtent(ctx, spec, city);
  const path = `/collections/${encodeURIComponent(spec.id)}`;
  const link = qualified
    ? (p: string, q: Record<string, string> = {}) => { const s = new URLSearchParams(q).toString(); return `${baseUrl(req)}/cities/${encodeURIComponent(city)}${p}${s ? `?${s}` : ''}`; }
    : (p: string, q: Record<string, string> = {}) => href(req, p, q);
  return {
    id: qualified ? `${city}${QUALIFIER}${spec.id}` : spec.id,
    title: qualified ? `${city} ${spec.title_zh} ${spec.title}` : `${spec.title_zh} ${spec.title}`,
    description: spec.description,
    itemType: 'feature',
    crs: [CRS84],
    storageCrs: CRS84,
    extent: {
      spatial: { bbox: [ext.bbox ?? [-180, -90, 180, 90]], crs: CRS84 },
      ...(spec.time ? { temporal: { interval: [ext.interval ?? [null, null]], trs: 'http://www.opengis.net/def/uom/ISO-8601/0/Gregorian' } } : {}),
    },
    links: [
      { href: link(path, { f: 'json' }), rel: 'self', type: 'application/json', title: 'this collection' },
      { href: link(path, { f: 'html' }), rel: 'alternate', type: 'text/html', title: 'this collection as HTML' },
      { href: link(`${path}/items`, { f: 'json' }), rel: 'items', type: 'application/geo+json', title: 'items' },
      { href: link(`${path}/items`, { f: 'html' }), rel: 'items', type: 'text/html', title: 'items as HTML' },
      { href: link(`${path}/queryables`, { f: 'json' }), rel: 'http://www.opengis.net/def/rel/ogc/1.0/queryables', type: 'application/schema+json', title: 'queryables' },
      // "describedBy": link relations are case-insensitive (RFC 8288), and GDAL 3.6 compares this spelling literally
      { href: link(`${path}/schema`, { f: 'json' }), rel: 'describedBy', type: 'application/schema+json', title: 'the schema of the features' },
      ...(spec.tile ? [{ href: link(`/tiles/${spec.id}.json`), rel: 'tiles', type: 'application/json', title: 'vector tiles (TileJSON)' }] : []),
    ],
  };
}

/** the links every HTML page's header carries: the landing page and the collections of the request's city */
export function navOf(req: FastifyRequest): html.Nav {
  return { landing: href(req, '/', { f: 'html' }), collections: href(req, '/collections', { f: 'html' }) };
}

function send(reply: FastifyReply, fmt: Format, json: unknown, htmlPage: () => string, type = 'application/json') {
  if (fmt === 'html') return reply.type('text/html; charset=utf-8').send(htmlPage());
  return reply.type(type).send(typeof json === 'string' ? json : JSON.stringify(json));
}

const fParam = { type: 'string', enum: ['json', 'html', 'geojson'], description: 'output format (default by Accept)' } as const;
const cityParamSchema = { type: 'string', maxLength: 128, description: 'city id (default: the only city of the store, or "default")' } as const;
const idParam = {
  type: 'string', maxLength: 300,
  // a collection id, or at the root of a store with several cities {city}:{id} (as /collections lists them there)
  pattern: `^(?:[^/]+${QUALIFIER})?(?:${COLLECTIONS.map((c) => c.id).join('|')})$`,
  description: `collection id: ${COLLECTIONS.map((c) => c.id).join(', ')}; at the root of a store with several cities also {city}${QUALIFIER}{id}`,
} as const;

/** the root of a store with several cities, none of them named (and none called "default"): the cities are the choice */
async function severalCities(ctx: ServerContext, req: FastifyRequest): Promise<string[] | null> {
  if (cityParam(req) !== undefined) return null;
  const cities = await ctx.cities();
  return cities.length > 1 && !cities.includes('default') ? cities : null;
}

/** a link to each city's own OGC API (the root of a store with several cities) */
function cityLinks(req: FastifyRequest, cities: string[], path = '/') {
  return cities.map((c) => ({ href: `${baseUrl(req)}/cities/${encodeURIComponent(c)}${path}`, rel: 'child', type: 'application/json', title: `城市 ${c} / city ${c}` }));
}

/**
 * The landing page: of the root, of a city's own API (/cities/{city}/), or of the root with
 * ?city= (its links keep it). The root of a store with several cities links to each city too;
 * its data link lists every city's collections ({city}:{id}).
 */
export async function landingDoc(req: FastifyRequest, ctx: ServerContext) {
  const base = apiBase(req);
  const origin = baseUrl(req);
  const named = cityParam(req);
  if (named !== undefined) await ctx.resolveCity(named);
  const several = await severalCities(ctx, req);
  const cq = named === undefined ? '' : `?city=${encodeURIComponent(named)}`;
  return {
    title: named === undefined ? 'OpenCIM 城市信息模型' : `OpenCIM ${named} 城市信息模型`,
    description: 'Open City Information Modeling: the city model (buildings, facilities, parks, land use, walk network, administrative areas) and its analysis results, as OGC API – Features, vector tiles and a JSON API. 城市数字底座.' +
      (pathCity(req) === undefined ? ' Each city of the store is also its own OGC API at /cities/{city}/. 每个城市另有独立入口.' : '') +
      (several ? ` 库中有 ${several.length} 个城市 / the store holds ${several.length} cities: ${several.join(', ')}.` : ''),
    links: [
      { href: href(req, '/', { f: 'json' }), rel: 'self', type: 'application/json', title: 'this document' },
      { href: href(req, '/', { f: 'html' }), rel: 'alternate', type: 'text/html', title: 'this document as HTML' },
      { href: `${base}/api`, rel: 'service-desc', type: OPENAPI_TYPE, title: 'the API definition (OpenAPI 3.0)' },
      { href: `${origin}/api.html`, rel: 'service-doc', type: 'text/html', title: 'the API documentation (Swagger UI)' },
      { href: href(req, '/conformance'), rel: 'conformance', type: 'application/json', title: 'OGC API conformance classes' },
      { href: href(req, '/collections'), rel: 'data', type: 'application/json', title: several ? "the collections of every city ({city}:{id}) 各城市的数据集" : 'the collections' },
      ...(several ? [] : [{ href: href(req, '/tiles'), rel: 'http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector', type: 'application/json', title: 'vector tiles (TileJSON per layer)' }]),
      ...(pathCity(req) === undefined ? [{ href: `${origin}/cities`, rel: 'child', type: 'application/json', title: 'the cities, each its own OGC API 各城市入口' }] : []),
      ...(several ? cityLinks(req, several) : []),
      ...(several ? [] : [{ href: `${origin}/api/v1/summary${cq}`, rel: 'related', type: 'application/json', title: 'platform API: city summary' }]),
      { href: `${origin}/${cq}`, rel: 'related', type: 'text/html', title: '3D city map viewer 三维城市地图' },
    ],
  };
}

export async function ogcRoutes(app: FastifyInstance, ctx: ServerContext, opts: { countCap: number }) {
  citied(app, '/conformance', {
    schema: { summary: 'OGC API conformance classes', tags: ['OGC API – Features'], querystring: { type: 'object', properties: { f: fParam } } },
  }, async (req, reply) => {
    const doc = { conformsTo: CONFORMANCE };
    return send(reply, format(req), doc, () => html.conformanceHtml(doc, navOf(req)));
  });

  citied(app, '/collections', {
    schema: {
      summary: 'the collections of the city model (of every city, as {city}:{id}, at the root of a store with several)', tags: ['OGC API – Features'],
      querystring: { type: 'object', properties: { f: fParam, city: cityParamSchema } },
    },
  }, async (req, reply) => {
    const fmt = format(req);
    const several = await severalCities(ctx, req);
    const collections = [];
    if (several) {
      // every city's collections, each linked beneath its city's own API (GDAL, QGIS follow the items links)
      for (const city of several) for (const spec of await availableCollections(ctx, req, city)) collections.push(await collectionDoc(req, ctx, spec, city, true));
    } else {
      const city = await ctx.resolveCity(cityParam(req));
      for (const spec of await availableCollections(ctx, req, city)) collections.push(await collectionDoc(req, ctx, spec, city));
    }
    const doc = {
      links: [
        { href: href(req, '/collections', { f: 'json' }), rel: 'self', type: 'application/json', title: 'this document' },
        { href: href(req, '/collections', { f: 'html' }), rel: 'alternate', type: 'text/html', title: 'this document as HTML' },
        ...(several ? cityLinks(req, several, '/collections') : []),
      ],
      crs: [CRS84],
      collections,
    };
    return send(reply, fmt, doc, () => html.collectionsHtml(doc, navOf(req)));
  });

  /** a document about one collection: its id in the path, ?f= and ?city= */
  const aboutCollection = (summary: string) => ({
    schema: {
      summary, tags: ['OGC API – Features'],
      params: { type: 'object', properties: { collectionId: idParam }, required: ['collectionId'] },
      querystring: { type: 'object', properties: { f: fParam, city: cityParamSchema } },
    },
  });

  citied(app, '/collections/:collectionId', aboutCollection('one collection: extent, CRS, links'), async (req, reply) => {
    const fmt = format(req);
    const { spec, city, id } = await target(ctx, req, reply);
    const doc = await collectionDoc(req, ctx, spec, city, id !== spec.id);
    return send(reply, fmt, doc, () => html.collectionHtml(doc, navOf(req)));
  });

  citied(app, '/collections/:collectionId/queryables', aboutCollection('the properties a filter may use (JSON Schema)'), async (req, reply) => {
    const fmt = format(req);
    const { spec, id } = await target(ctx, req, reply);
    const doc = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $id: href(req, `/collections/${encodeURIComponent(id)}/queryables`),
      type: 'object',
      title: `${spec.title} queryables`,
      properties: {
        [GEOMETRY_NAME]: { format: `geometry-${spec.geometry.type.toLowerCase()}`, description: 'the geometry (S_INTERSECTS)' },
        ...Object.fromEntries(queryables(spec).map((p) => [p.name, jsonSchemaOf(p)])),
      },
      additionalProperties: false,
    };
    return send(reply, fmt, doc, () => html.queryablesHtml(doc, navOf(req)), 'application/schema+json');
  });

  // the schema of the collection's features (OGC API – Features Part 5 style): every property with its type,
  // so clients type their fields from it instead of from the first page (GDAL's OAPIF driver reads it)
  citied(app, '/collections/:collectionId/schema', aboutCollection("the schema of the collection's features (JSON Schema of a GeoJSON Feature)"), async (req, reply) => {
    const fmt = format(req);
    const { spec, id } = await target(ctx, req, reply);
    const doc = { ...featureSchema(spec), $id: href(req, `/collections/${encodeURIComponent(id)}/schema`) };
    return send(reply, fmt, doc, () => html.queryablesHtml({ title: doc.title, properties: doc.properties.properties.properties }, navOf(req)), 'application/schema+json');
  });

  const itemsQuery = {
    type: 'object',
    properties: {
      f: fParam, city: cityParamSchema,
      limit: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT, description: `features per page, 1–${MAX_LIMIT}` },
      offset: { type: 'integer', minimum: 0, maximum: MAX_OFFSET, description: 'features to skip (the next/prev links carry it)' },
      bbox: { type: 'string', maxLength: 200, description: 'minLon,minLat,maxLon,maxLat (CRS84)' },
      'bbox-crs': { type: 'string', maxLength: 200, description: `the CRS of bbox: only ${CRS84} (longitude first; EPSG:4326, latitude first, is refused)` },
      crs: { type: 'string', maxLength: 200, description: `the CRS of the answer: only ${CRS84}` },
      datetime: { type: 'string', maxLength: 100, description: 'RFC 3339 instant or interval (a/b, ../b, a/..); buildings: the construction year' },
      as_of: { type: 'string', maxLength: 40, description: 'the archive: the features as they were at this time (YYYY-MM-DD = end of that day UTC, or an ISO date-time); 档案历史时点' },
      filter: { type: 'string', maxLength: 8192, description: 'CQL2 text: comparisons, AND/OR/NOT, LIKE, IN, BETWEEN, IS NULL, S_INTERSECTS(geometry, BBOX(...) | WKT)' },
      'filter-lang': { type: 'string', enum: ['cql2-text'], description: 'the language of filter: cql2-text' },
      'filter-crs': { type: 'string', maxLength: 200, description: `the CRS of the filter's geometries: only ${CRS84}` },
    },
    additionalProperties: { type: 'string', maxLength: 256, description: 'property equality filter: name=value (see queryables)' },
  } as const;

  citied(app, '/collections/:collectionId/items', {
    schema: {
      summary: 'features of a collection (GeoJSON), paged, with bbox / datetime / property / CQL2 filters', tags: ['OGC API – Features'],
      params: { type: 'object', properties: { collectionId: idParam }, required: ['collectionId'] },
      querystring: itemsQuery,
    },
  }, async (req, reply) => {
    const fmt = format(req);
    const { spec, city, id } = await target(ctx, req, reply);
    const q = { ...(req.query as Record<string, unknown>), ...rawIntParams(req, ['limit', 'offset']) };
    const iq = buildItemsQuery(spec, q, city);
    iq.signal = requestSignal(req);
    const { rows, more } = await fetchItems(ctx, spec, city, iq);
    let matched: { n: number; exact: boolean } | undefined;
    if (!more && (iq.offset === 0 || rows.length > 0)) matched = { n: iq.offset + rows.length, exact: true };
    else matched = await countItems(ctx, spec, city, iq, opts.countCap);
    const collection = `/collections/${encodeURIComponent(id)}`;
    const path = `${collection}/items`;
    const links: { href: string; rel: string; type: string; title: string }[] = [
      { href: withQuery(req, path, { f: 'json' }), rel: 'self', type: 'application/geo+json', title: 'this document' },
      { href: withQuery(req, path, { f: 'html' }), rel: 'alternate', type: 'text/html', title: 'this document as HTML' },
      { href: href(req, collection, { f: 'json' }), rel: 'collection', type: 'application/json', title: 'the collection' },
    ];
    if (more) links.push({ href: withQuery(req, path, { f: 'json', offset: String(iq.offset + iq.limit), limit: String(iq.limit) }), rel: 'next', type: 'application/geo+json', title: 'next page' });
    if (iq.offset > 0) links.push({ href: withQuery(req, path, { f: 'json', offset: iq.offset - iq.limit > 0 ? String(iq.offset - iq.limit) : undefined, limit: String(iq.limit) }), rel: 'prev', type: 'application/geo+json', title: 'previous page' });
    const osm = await osmDerived(ctx, city);
    if (osm) links.push(ODBL_LINK);
    const timeStamp = new Date().toISOString();
    if (fmt === 'html') {
      const fc = {
        features: rows.map((r) => ({ id: r.fid, properties: r.props })), numberReturned: rows.length,
        numberMatched: matched.exact ? matched.n : undefined, links,
      };
      return reply.type('text/html; charset=utf-8').send(html.itemsHtml(`${spec.title_zh} ${spec.title}`, (fid) => href(req, `${path}/${encodeURIComponent(fid)}`, { f: 'html' }), fc, navOf(req)));
    }
    const head = `{"type":"FeatureCollection",${osm ? `"attribution":${JSON.stringify(OSM_ATTRIBUTION)},` : ''}"timeStamp":"${timeStamp}",` +
      (matched.exact ? `"numberMatched":${matched.n},` : `"numberMatchedEstimate":${matched.n},"numberMatchedNote":"more than ${opts.countCap} features match: the count is the query planner's estimate",`) +
      `"numberReturned":${rows.length},"links":${JSON.stringify(links)},"features":[`;
    return reply.type('application/geo+json').send(head + rows.map((r) => featureJson(spec, r)).join(',') + ']}');
  });

  citied(app, '/collections/:collectionId/items/:featureId', {
    schema: {
      summary: 'one feature', tags: ['OGC API – Features'],
      params: { type: 'object', properties: { collectionId: idParam, featureId: { type: 'string', maxLength: 300 } }, required: ['collectionId', 'featureId'] },
      querystring: { type: 'object', properties: { f: fParam, city: cityParamSchema }, additionalProperties: false },
    },
  }, async (req, reply) => {
    const fmt = format(req);
    const { featureId } = req.params as { featureId: string };
    const { spec, city, id } = await target(ctx, req, reply);
    const f = await fetchItem(ctx, spec, city, featureId);
    if (!f) throw notFound(`${spec.title_zh}中没有要素 "${featureId.slice(0, 64)}" / no feature "${featureId.slice(0, 64)}" in ${spec.id}${cityParam(req) ? ` of city ${city}` : ''}`);
    const collection = `/collections/${encodeURIComponent(id)}`;
    const path = `${collection}/items/${encodeURIComponent(f.fid)}`;
    const links = [
      { href: href(req, path, { f: 'json' }), rel: 'self', type: 'application/geo+json', title: 'this feature' },
      { href: href(req, path, { f: 'html' }), rel: 'alternate', type: 'text/html', title: 'this feature as HTML' },
      { href: href(req, collection, { f: 'json' }), rel: 'collection', type: 'application/json', title: 'the collection' },
    ];
    if (await osmDerived(ctx, city)) links.push(ODBL_LINK);
    if (fmt === 'html') return reply.type('text/html; charset=utf-8').send(html.itemHtml(`${spec.title_zh} ${f.fid}`, { id: f.fid, properties: f.props, geometry: f.geometry ? JSON.parse(f.geometry) : null }, links, navOf(req)));
    return reply.type('application/geo+json').send(featureJson(spec, f, links));
  });
}
