/**
 * The OpenAPI 3.0 document as OGC API – Features Part 1 defines its parameters (the schema
 * Fastify validates with is looser: `bbox` arrives as one comma-separated string), and its media
 * type exactly as clients compare it (GDAL 3.6: literally, no quotes, no added parameters).
 */
import { COLLECTIONS } from '../../catalog/collections.js';

export const OPENAPI_TYPE = 'application/vnd.oai.openapi+json;version=3.0';

type Doc = { paths: Record<string, Record<string, { parameters?: Param[] }>>; servers?: { url: string; description?: string }[] } & Record<string, unknown>;
interface Param { name: string; in: string; required?: boolean; style?: string; explode?: boolean; schema?: Record<string, unknown>; description?: string }

/** OGC API – Features Part 1, 7.15.3–7.15.5 (/req/core/fc-limit-definition, fc-bbox-definition, fc-time-definition) */
const BBOX_SCHEMA = { type: 'array', minItems: 4, maxItems: 6, items: { type: 'number' } };

/** the collections, as OGC clients (and the OGC test suite) find the paths of each: an enum of their ids */
const COLLECTION_ID = { type: 'string', enum: COLLECTIONS.map((c) => c.id) };

function ogcParam(p: Param): Param {
  // (the route also takes {city}:{id} at the root of a store with several cities, as /collections lists them there)
  if (p.in === 'path' && p.name === 'collectionId') return { ...p, schema: COLLECTION_ID };
  if (p.in !== 'query') return p;
  // every query parameter is one value per name, lists comma-separated (form, not exploded)
  const q: Param = { ...p, style: 'form', explode: false };
  if (p.name === 'bbox') {
    q.schema = BBOX_SCHEMA;
    q.description = 'minLon,minLat,maxLon,maxLat (or with heights, 6 numbers) in CRS84; minLon > maxLon crosses the antimeridian';
  }
  return q;
}

/**
 * The document for a client: OGC parameter definitions; `server` the URL the paths are below.
 * `only`: keep only these paths (a city's own API: its OGC API and tiles), without `?city=`.
 */
export function openApiFor(doc: Doc, server: string, only?: (path: string) => boolean): Doc {
  const paths: Doc['paths'] = {};
  for (const [path, item] of Object.entries(doc.paths)) {
    if (only && !only(path)) continue;
    const ops: Doc['paths'][string] = {};
    for (const [m, op] of Object.entries(item)) {
      const params = (op.parameters ?? []).filter((p) => !(only && p.in === 'query' && p.name === 'city')).map(ogcParam);
      ops[m] = { ...op, ...(op.parameters ? { parameters: params } : {}) };
    }
    paths[path] = ops;
  }
  return { ...doc, servers: [{ url: server }], paths };
}
