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
import { collectionExtent, countItems, DEFAULT_LIMIT, featureJson, fetchItem, fetchItems, MAX_LIMIT, MAX_OFFSET, buildItemsQuery } from './query.js';
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

const CRS84 = 'http://www.opengis.net/def/crs/OGC/1.3/CRS84';
type Format = 'json' | 'html';

/** `f=` beats `Accept`; JSON by default. */
export function format(req: FastifyRequest): Format {
  const f = (req.query as Record<string, unknown> | undefined)?.f;
  if (f !== undefined) {
    if (f === 'html') return 'html';
    if (f === 'json' || f === 'geojson') return 'json';
    throw badRequest('f must be json or html');
  }
  const accept = String(req.headers.accept ?? '');
  const h = accept.indexOf('text/html'), j = accept.search(/application\/(geo\+)?json/);
  return h >= 0 && (j < 0 || h < j) ? 'html' : 'json';
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
    if (all.length > 1) throw badRequest(`parameter ${n} given more than once`);
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
    if (p.length > 128) throw notFound('no such city (a city id has at most 128 characters)');
    return p;
  }
  if (c === undefined) return undefined;
  if (typeof c !== 'string' || c.length > 128) throw badRequest('city must be a city id (at most 128 characters)');
  return c;
}

/** `?city=` as the request gave it (links carry it on); nothing when the city is in the path */
export function queryCity(req: FastifyRequest): string | undefined {
  return pathCity(req) === undefined ? cityParam(req) : undefined;
}

const cityQ = (req: FastifyRequest): Record<string, string> => { const c = queryCity(req); return c === undefined ? {} : { city: c }; };

/**
 * Register a route at its path and again below a city's landing page (/cities/{city}/...), the
 * second hidden from the root's OpenAPI document (each city's /api documents its own).
 */
export function citied(app: FastifyInstance, path: string, opts: { schema: Record<string, unknown>; compress?: false; decompress?: false }, handler: (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>): void {
  app.get(path, opts, handler);
  app.get(`${CITY_PREFIX}${path}`, { ...opts, schema: { ...opts.schema, hide: true } }, handler);
}

/** does the city have this collection (its tables exist, and its results were computed for the city)? */
export async function available(ctx: ServerContext, spec: CollectionSpec, city: string): Promise<boolean> {
  if (!spec.properties.length || !(await ctx.hasTables(spec.requires))) return false;
  if (!spec.probe) return true;
  return ctx.cached(city, `probe:${spec.id}`, async () => (await ctx.store.query(spec.probe!, [city])).length > 0);
}

/** the collection a request names, when it exists for the city and the request may read it */
async function specFor(ctx: ServerContext, req: FastifyRequest, reply: FastifyReply, id: string, city: string): Promise<CollectionSpec> {
  const spec = COLLECTION_BY_ID.get(id);
  if (!spec) throw notFound(`no collection "${id.slice(0, 64)}" (collections: ${COLLECTIONS.map((c) => c.id).join(', ')})`);
  requireRead(req, spec, reply);
  if (!(await available(ctx, spec, city))) {
    throw notFound(`collection ${spec.id} is not available: ${spec.missingHint ?? `table ${spec.requires.join(', ')} missing`}`);
  }
  return spec;
}

async function availableCollections(ctx: ServerContext, req: FastifyRequest, city: string): Promise<CollectionSpec[]> {
  const out: CollectionSpec[] = [];
  for (const c of COLLECTIONS) if (mayRead(req, c) && (await available(ctx, c, city))) out.push(c);
  return out;
}

async function collectionDoc(req: FastifyRequest, ctx: ServerContext, spec: CollectionSpec, city: string) {
  const base = apiBase(req);
  const ext = await collectionExtent(ctx, spec, city);
  const cq = queryCity(req) ? `&city=${encodeURIComponent(city)}` : '';
  const path = `/collections/${encodeURIComponent(spec.id)}`;
  return {
    id: spec.id,
    title: `${spec.title_zh} ${spec.title}`,
    description: spec.description,
    itemType: 'feature',
    crs: [CRS84],
    storageCrs: CRS84,
    extent: {
      spatial: { bbox: [ext.bbox ?? [-180, -90, 180, 90]], crs: CRS84 },
      ...(spec.time ? { temporal: { interval: [ext.interval ?? [null, null]], trs: 'http://www.opengis.net/def/uom/ISO-8601/0/Gregorian' } } : {}),
    },
    links: [
      { href: `${base}${path}?f=json${cq}`, rel: 'self', type: 'application/json', title: 'this collection' },
      { href: `${base}${path}?f=html${cq}`, rel: 'alternate', type: 'text/html', title: 'this collection as HTML' },
      { href: `${base}${path}/items?f=json${cq}`, rel: 'items', type: 'application/geo+json', title: 'items' },
      { href: `${base}${path}/items?f=html${cq}`, rel: 'items', type: 'text/html', title: 'items as HTML' },
      { href: `${base}${path}/queryables?f=json${cq}`, rel: 'http://www.opengis.net/def/rel/ogc/1.0/queryables', type: 'application/schema+json', title: 'queryables' },
      // "describedBy": link relations are case-insensitive (RFC 8288), and GDAL 3.6 compares this spelling literally
      { href: `${base}${path}/schema?f=json${cq}`, rel: 'describedBy', type: 'application/schema+json', title: 'the schema of the features' },
      ...(spec.tile ? [{ href: `${base}/tiles/${spec.id}.json${cq.replace('&', '?')}`, rel: 'tiles', type: 'application/json', title: 'vector tiles (TileJSON)' }] : []),
    ],
  };
}

function send(reply: FastifyReply, fmt: Format, json: unknown, htmlPage: () => string, type = 'application/json') {
  if (fmt === 'html') return reply.type('text/html; charset=utf-8').send(htmlPage());
  return reply.type(type).send(typeof json === 'string' ? json : JSON.stringify(json));
}

const fParam = { type: 'string', enum: ['json', 'html', 'geojson'], description: 'output format (default by Accept)' } as const;
const cityParamSchema = { type: 'string', maxLength: 128, description: 'city id (default: the only city of the store, or "default")' } as const;
const idParam = { type: 'string', enum: COLLECTIONS.map((c) => c.id), description: 'collection id' } as const;

export function landingDoc(req: FastifyRequest) {
  const base = apiBase(req);
  const origin = baseUrl(req);
  const city = pathCity(req);
  const cq = city === undefined ? '' : `?city=${encodeURIComponent(city)}`;
  return {
    title: city === undefined ? 'OpenCIM 城市信息模型' : `OpenCIM ${city} 城市信息模型`,
    description: 'Open City Information Modeling: the city model (buildings, facilities, parks, land use, walk network, administrative areas) and its analysis results, as OGC API – Features, vector tiles and a JSON API. 城市数字底座.' +
      (city === undefined ? ' Each city of the store is also its own OGC API at /cities/{city}/. 每个城市另有独立入口.' : ''),
    links: [
      { href: `${base}/?f=json`, rel: 'self', type: 'application/json', title: 'this document' },
      { href: `${base}/?f=html`, rel: 'alternate', type: 'text/html', title: 'this document as HTML' },
      { href: `${base}/api`, rel: 'service-desc', type: OPENAPI_TYPE, title: 'the API definition (OpenAPI 3.0)' },
      { href: `${origin}/api.html`, rel: 'service-doc', type: 'text/html', title: 'the API documentation (Swagger UI)' },
      { href: `${base}/conformance`, rel: 'conformance', type: 'application/json', title: 'OGC API conformance classes' },
      { href: `${base}/collections`, rel: 'data', type: 'application/json', title: 'the collections' },
      { href: `${base}/tiles`, rel: 'http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector', type: 'application/json', title: 'vector tiles (TileJSON per layer)' },
      ...(city === undefined ? [{ href: `${origin}/cities`, rel: 'child', type: 'application/json', title: 'the cities, each its own OGC API 各城市入口' }] : []),
      { href: `${origin}/api/v1/summary${cq}`, rel: 'related', type: 'application/json', title: 'platform API: city summary' },
      { href: `${origin}/`, rel: 'related', type: 'text/html', title: '3D city map viewer 三维城市地图' },
    ],
  };
}

export async function ogcRoutes(app: FastifyInstance, ctx: ServerContext, opts: { countCap: number }) {
  citied(app, '/conformance', {
    schema: { summary: 'OGC API conformance classes', tags: ['OGC API – Features'], querystring: { type: 'object', properties: { f: fParam } } },
  }, async (req, reply) => {
    const doc = { conformsTo: CONFORMANCE };
    return send(reply, format(req), doc, () => html.conformanceHtml(doc));
  });

  citied(app, '/collections', {
    schema: { summary: 'the collections of the city model', tags: ['OGC API – Features'], querystring: { type: 'object', properties: { f: fParam, city: cityParamSchema } } },
  }, async (req, reply) => {
    const fmt = format(req);
    const city = await ctx.resolveCity(cityParam(req));
    const base = apiBase(req);
    const collections = [];
    for (const spec of await availableCollections(ctx, req, city)) collections.push(await collectionDoc(req, ctx, spec, city));
    const doc = {
      links: [
        { href: `${base}/collections?f=json`, rel: 'self', type: 'application/json', title: 'this document' },
        { href: `${base}/collections?f=html`, rel: 'alternate', type: 'text/html', title: 'this document as HTML' },
      ],
      crs: [CRS84],
      collections,
    };
    return send(reply, fmt, doc, () => html.collectionsHtml(doc));
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
    const city = await ctx.resolveCity(cityParam(req));
    const spec = await specFor(ctx, req, reply, (req.params as { collectionId: string }).collectionId, city);
    const doc = await collectionDoc(req, ctx, spec, city);
    return send(reply, fmt, doc, () => html.collectionHtml(doc));
  });


  citied(app, '/collections/:collectionId/queryables', aboutCollection('the properties a filter may use (JSON Schema)'), async (req, reply) => {
    const fmt = format(req);
    const spec = await specFor(ctx, req, reply, (req.params as { collectionId: string }).collectionId, await ctx.resolveCity(cityParam(req)));
    const base = apiBase(req);
    const doc = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $id: `${base}/collections/${spec.id}/queryables`,
      type: 'object',
      title: `${spec.title} queryables`,
      properties: {
        [GEOMETRY_NAME]: { format: `geometry-${spec.geometry.type.toLowerCase()}`, description: 'the geometry (S_INTERSECTS)' },
        ...Object.fromEntries(queryables(spec).map((p) => [p.name, jsonSchemaOf(p)])),
      },
      additionalProperties: false,
    };
    return send(reply, fmt, doc, () => html.queryablesHtml(doc), 'application/schema+json');
  });

  // the schema of the collection's features (OGC API – Features Part 5 style): every property with its type,
  // so clients type their fields from it instead of from the first page (GDAL's OAPIF driver reads it)
  citied(app, '/collections/:collectionId/schema', aboutCollection("the schema of the collection's features (JSON Schema of a GeoJSON Feature)"), async (req, reply) => {
    const fmt = format(req);
    const spec = await specFor(ctx, req, reply, (req.params as { collectionId: string }).collectionId, await ctx.resolveCity(cityParam(req)));
    const doc = { ...featureSchema(spec), $id: `${apiBase(req)}/collections/${spec.id}/schema` };
    return send(reply, fmt, doc, () => html.queryablesHtml({ title: doc.title, properties: doc.properties.properties.properties }), 'application/schema+json');
  });

  const itemsQuery = {
    type: 'object',
    properties: {
      f: fParam, city: cityParamSchema,
      limit: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT, description: `features per page, 1–${MAX_LIMIT}` },
      offset: { type: 'integer', minimum: 0, maximum: MAX_OFFSET, description: 'features to skip (the next/prev links carry it)' },
      bbox: { type: 'string', maxLength: 200, description: 'minLon,minLat,maxLon,maxLat (CRS84)' },
      'bbox-crs': { type: 'string', maxLength: 200 },
      datetime: { type: 'string', maxLength: 100, description: 'RFC 3339 instant or interval (a/b, ../b, a/..); buildings: the construction year' },
      as_of: { type: 'string', maxLength: 40, description: 'the archive: the features as they were at this time (YYYY-MM-DD = end of that day UTC, or an ISO date-time); 档案历史时点' },
      filter: { type: 'string', maxLength: 8192, description: 'CQL2 text: comparisons, AND/OR/NOT, LIKE, IN, BETWEEN, IS NULL, S_INTERSECTS(geometry, BBOX(...) | WKT)' },
      'filter-lang': { type: 'string', enum: ['cql2-text'] },
      'filter-crs': { type: 'string', maxLength: 200 },
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
    const city = await ctx.resolveCity(cityParam(req));
    const spec = await specFor(ctx, req, reply, (req.params as { collectionId: string }).collectionId, city);
    const q = { ...(req.query as Record<string, unknown>), ...rawIntParams(req, ['limit', 'offset']) };
    const iq = buildItemsQuery(spec, q, city);
    iq.signal = requestSignal(req);
    const { rows, more } = await fetchItems(ctx, spec, city, iq);
    let matched: { n: number; exact: boolean } | undefined;
    if (!more && (iq.offset === 0 || rows.length > 0)) matched = { n: iq.offset + rows.length, exact: true };
    else matched = await countItems(ctx, spec, city, iq, opts.countCap);
    const path = `/collections/${encodeURIComponent(spec.id)}/items`;
    const links: { href: string; rel: string; type: string; title: string }[] = [
      { href: withQuery(req, path, { f: 'json' }), rel: 'self', type: 'application/geo+json', title: 'this document' },
      { href: withQuery(req, path, { f: 'html' }), rel: 'alternate', type: 'text/html', title: 'this document as HTML' },
      { href: `${apiBase(req)}/collections/${encodeURIComponent(spec.id)}?f=json${queryCity(req) ? `&city=${encodeURIComponent(city)}` : ''}`, rel: 'collection', type: 'application/json', title: 'the collection' },
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
      return reply.type('text/html; charset=utf-8').send(html.itemsHtml(`${spec.title_zh} ${spec.title}`, `${apiBase(req).slice(baseUrl(req).length)}/collections/${encodeURIComponent(spec.id)}`, fc));
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
    const { collectionId, featureId } = req.params as { collectionId: string; featureId: string };
    const city = await ctx.resolveCity(cityParam(req));
    const spec = await specFor(ctx, req, reply, collectionId, city);
    const f = await fetchItem(ctx, spec, city, featureId);
    if (!f) throw notFound(`no feature "${featureId.slice(0, 64)}" in ${spec.id}${cityParam(req) ? ` of city ${city}` : ''}`);
    const base = apiBase(req);
    const path = `${base}/collections/${encodeURIComponent(spec.id)}/items/${encodeURIComponent(f.fid)}`;
    const cq = new URLSearchParams(cityQ(req)).toString();
    const links = [
      { href: `${path}?f=json${cq ? `&${cq}` : ''}`, rel: 'self', type: 'application/geo+json', title: 'this feature' },
      { href: `${path}?f=html${cq ? `&${cq}` : ''}`, rel: 'alternate', type: 'text/html', title: 'this feature as HTML' },
      { href: `${base}/collections/${encodeURIComponent(spec.id)}?f=json${cq ? `&${cq}` : ''}`, rel: 'collection', type: 'application/json', title: 'the collection' },
    ];
    if (await osmDerived(ctx, city)) links.push(ODBL_LINK);
    if (fmt === 'html') return reply.type('text/html; charset=utf-8').send(html.itemHtml(`${spec.title_zh} ${f.fid}`, { id: f.fid, properties: f.props, geometry: f.geometry ? JSON.parse(f.geometry) : null }));
    return reply.type('application/geo+json').send(featureJson(spec, f, links));
  });
}
