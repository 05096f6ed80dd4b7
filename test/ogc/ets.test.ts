/**
 * The public checks of the OGC API – Features Part 1 executable test suite (ets-ogcapi-features10,
 * conformance class Core + GeoJSON + HTML + OAS 3.0), replicated: the same requests the suite
 * makes, found the way it finds them (from the landing page's links and the OpenAPI document's
 * paths and servers), with the same assertions — against the root landing page and a city's own
 * landing page, over real HTTP.
 */
import { get } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRIVERS } from '../helpers/stores.js';
import { CITY, cityServer } from '../server/fixture.js';

const OPEN_API_MIME_TYPE = 'application/vnd.oai.openapi+json;version=3.0';
const GEOJSON = 'application/geo+json';
const CORE = 'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core';
const CRS84 = ['http://www.opengis.net/def/crs/OGC/1.3/CRS84', 'http://www.opengis.net/def/crs/OGC/0/CRS84h'];
/** media types the conformance classes ask alternate links for (GeoJSON / HTML / JSON) */
const FEATURE_TYPES = [GEOJSON, 'text/html'];
const OTHER_TYPES = ['application/json', 'text/html'];

interface Link { href: string; rel: string; type?: string }
interface Param { name: string; in: string; required?: boolean; style?: string; explode?: boolean; schema?: { type?: string; enum?: string[]; default?: unknown; minimum?: number; maximum?: number; minItems?: number; maxItems?: number; items?: { type?: string }; additionalProperties?: unknown } }
interface OpenApi { openapi: string; info: { title: string; version: string }; servers?: { url: string }[]; paths: Record<string, Record<string, { parameters?: Param[]; responses?: Record<string, { description?: string }> }>> }

async function getJson(url: string, accept = 'application/json'): Promise<{ status: number; type: string; body: any }> {
  const r = await fetch(url, { headers: { accept } });
  const text = await r.text();
  let body: unknown = null;
  try { body = JSON.parse(text); } catch { body = text; }
  return { status: r.status, type: r.headers.get('content-type') ?? '', body };
}

/** the status line's protocol (fetch hides it) */
function httpVersion(url: string): Promise<string> {
  return new Promise((res, rej) => get(url, (r) => { r.resume(); res(r.httpVersion); }).on('error', rej));
}

const sameType = (a: string, b: string) => a.replace(/\s|"/g, '').toLowerCase() === b.replace(/\s|"/g, '').toLowerCase();
const byRel = (links: Link[], rel: string) => links.find((l) => l.rel === rel);

/** the suite's Requirement 13 / 23 / 29 checks on a document's links */
function checkLinks(links: Link[], types: string[], also: string[] = []) {
  const self = byRel(links, 'self');
  expect(self, 'a link to itself').toBeDefined();
  expect(self!.type, 'self link type').toBeTruthy();
  for (const t of types.filter((x) => !sameType(x, self!.type!))) {
    expect(links.some((l) => l.rel === 'alternate' && l.type && sameType(l.type, t)), `alternate link for ${t}`).toBe(true);
  }
  for (const l of links.filter((x) => ['self', 'alternate', ...also].includes(x.rel))) expect(l.type, `type of the ${l.rel} link ${l.href}`).toBeTruthy();
}

/** A.4.3 "identify the test points": the OpenAPI paths matching a pattern, on their servers, template variables from enums */
function testPoints(api: OpenApi, iut: string, pattern: RegExp): { path: string; url: (vars?: Record<string, string>) => string; params: Param[] }[] {
  const servers = api.servers?.length ? api.servers.map((s) => s.url) : ['/'];
  const out = [];
  for (const [path, item] of Object.entries(api.paths)) {
    if (!pattern.test(path) || !item.get) continue;
    if (!item.get.responses?.['200'] && !item.get.responses?.default) continue;
    for (const s of servers) {
      const server = s === '/' ? iut : new URL(s, iut).toString();
      out.push({
        path, params: item.get.parameters ?? [],
        url: (vars: Record<string, string> = {}) => server.replace(/\/$/, '') + path.replace(/\{(\w+)\}/g, (_, v: string) => encodeURIComponent(vars[v])),
      });
    }
  }
  return out;
}

/** /ats/core/api-definition-success, the rules of OpenAPI 3.0 a validating parser checks first */
function validOpenApi(api: OpenApi) {
  expect(api.openapi).toMatch(/^3\.0\.\d+$/);
  expect(api.info?.title).toBeTruthy();
  expect(api.info?.version).toBeTruthy();
  for (const s of api.servers ?? []) expect(() => new URL(s.url)).not.toThrow();
  for (const [path, item] of Object.entries(api.paths)) {
    expect(path.startsWith('/'), path).toBe(true);
    for (const [method, op] of Object.entries(item)) {
      const params = op.parameters ?? [];
      for (const p of params) {
        expect(['query', 'header', 'path', 'cookie'], `${method} ${path} ${p.name}`).toContain(p.in);
        expect(p.name, `${method} ${path}`).toBeTruthy();
        expect(p.schema, `${method} ${path} ${p.name}: schema`).toBeDefined();
        if (p.in === 'path') expect(p.required, `${method} ${path} ${p.name}: path parameters are required`).toBe(true);
      }
      for (const v of path.match(/\{(\w+)\}/g) ?? []) {
        expect(params.some((p) => p.in === 'path' && `{${p.name}}` === v), `${method} ${path}: parameter for ${v}`).toBe(true);
      }
      expect(Object.keys(op.responses ?? {}).length, `${method} ${path}: responses`).toBeGreaterThan(0);
      for (const r of Object.values(op.responses ?? {})) expect(typeof r.description, `${method} ${path}: response description`).toBe('string');
    }
  }
}

/** numberMatched against the features of all pages, the next links followed with limit = the OpenAPI maximum (as the suite does) */
async function allFeatures(first: any, maxLimit: number): Promise<number> {
  let n = first.features.length;
  let next = byRel(first.links, 'next');
  for (let pages = 0; next && pages < 1000; pages++) {
    const u = new URL(next.href);
    u.searchParams.set('limit', String(maxLimit));
    const r = await getJson(u.toString(), GEOJSON);
    expect(r.status, u.toString()).toBe(200);
    if (!r.body.features.length) break;
    n += r.body.features.length;
    next = byRel(r.body.links, 'next');
  }
  return n;
}

function inCrs84(coords: unknown): boolean {
  if (typeof (coords as number[])[0] === 'number') {
    const [x, y] = coords as number[];
    return x >= -180 && x <= 180 && y >= -90 && y <= 90;
  }
  return (coords as unknown[]).every(inCrs84);
}
function boxOf(coords: unknown, b = [Infinity, Infinity, -Infinity, -Infinity]): number[] {
  if (typeof (coords as number[])[0] === 'number') {
    const [x, y] = coords as number[];
    b[0] = Math.min(b[0], x); b[1] = Math.min(b[1], y); b[2] = Math.max(b[2], x); b[3] = Math.max(b[3], y);
  } else for (const c of coords as unknown[]) boxOf(c, b);
  return b;
}
/** the feature's box meets the bbox (across the antimeridian when minLon > maxLon) */
function meets(f: any, [w, s, e, n]: number[]): boolean {
  const [fw, fs, fe, fn] = boxOf(f.geometry.coordinates);
  const lat = fs <= n && fn >= s;
  return lat && (w <= e ? fw <= e && fe >= w : fe >= w || fw <= e);
}

for (const driver of DRIVERS) {
  describe(`OGC API – Features Part 1 executable test suite, replicated (${driver.name})`, () => {
    let s: Awaited<ReturnType<typeof cityServer>>;
    let origin: string;
    beforeAll(async () => {
      s = await cityServer(await driver.fresh(), {}, { access: false });
      await s.app.listen({ port: 0, host: '127.0.0.1' });
      origin = `http://127.0.0.1:${(s.app.server.address() as { port: number }).port}`;
    });
    afterAll(async () => { await s?.close(); });

    for (const [label, root] of [['the root landing page', () => `${origin}/`], [`the city's landing page /cities/${CITY}/`, () => `${origin}/cities/${CITY}/`]] as const) {
      describe(label, () => {
        let iut: string;
        let api: OpenApi;
        let collections: any[];
        const firstIds = new Map<string, string>();
        beforeAll(() => { iut = root(); });

        it('A.2.1 HTTP 1.1; A.2.2 landing page: 200, service-desc/service-doc, conformance and data links', async () => {
          expect(await httpVersion(iut)).toBe('1.1');
          const r = await getJson(iut);
          expect(r.status).toBe(200);
          const rels = new Set(r.body.links.map((l: Link) => l.rel));
          expect(rels.has('service-desc') || rels.has('service-doc')).toBe(true);
          expect(rels.has('conformance')).toBe(true);
          expect(rels.has('data')).toBe(true);
          checkLinks(r.body.links, OTHER_TYPES);
        });

        it('A.2.3 API definition: the service-desc link of the OpenAPI media type answers 200 with a valid OpenAPI 3.0 document', async () => {
          const land = (await getJson(iut)).body;
          const link = land.links.find((l: Link) => l.rel === 'service-desc' && l.type?.replace(/ /g, '') === OPEN_API_MIME_TYPE);
          expect(link, 'a service-desc link of type application/vnd.oai.openapi+json;version=3.0').toBeDefined();
          const r = await getJson(link.href, OPEN_API_MIME_TYPE);
          expect(r.status).toBe(200);
          expect(r.type).toBe(OPEN_API_MIME_TYPE);
          api = r.body;
          validOpenApi(api);
        });

        it('A.2.4 conformance: each conformance test point of the OpenAPI document declares Core', async () => {
          const tps = testPoints(api, iut, /^\/conformance$/);
          expect(tps.length).toBeGreaterThan(0);
          for (const tp of tps) {
            const r = await getJson(tp.url());
            expect(r.status).toBe(200);
            expect(r.body.conformsTo.every((c: unknown) => typeof c === 'string')).toBe(true);
            expect(r.body.conformsTo).toContain(CORE);
          }
        });

        it('A.2.5 feature collections: 200, links (self, alternate per media type, with types), CRS84 first, collections listed', async () => {
          const tps = testPoints(api, iut, /^\/collections$/);
          expect(tps.length).toBeGreaterThan(0);
          for (const tp of tps) {
            const r = await getJson(tp.url());
            expect(r.status).toBe(200);
            checkLinks(r.body.links, OTHER_TYPES);
            if (r.body.crs) expect(CRS84).toContain(r.body.crs[0]);
            expect(r.body.collections.length).toBeGreaterThan(0);
            collections = r.body.collections.filter((c: any) => (!c.itemType || c.itemType === 'feature') && c.links.some((l: Link) => l.rel === 'items'));
          }
          expect(collections.map((c) => c.id)).toEqual(expect.arrayContaining(['buildings', 'facilities', 'facility_areas', 'walk_network']));
        });

        it('A.2.6 feature collection: /collections/{collectionId} of every collection, the same id, title, description and extent', async () => {
          for (const c of collections) {
            const tp = testPoints(api, iut, /^\/collections\/\{[^}]+\}$/).find((t) => {
              const v = /\{(\w+)\}/.exec(t.path)![1];
              return t.params.find((p) => p.name === v)?.schema?.enum?.includes(c.id);
            });
            expect(tp, `an OpenAPI path for collection ${c.id}`).toBeDefined();
            const r = await getJson(tp!.url({ collectionId: c.id }));
            expect(r.status, c.id).toBe(200);
            for (const k of ['id', 'title', 'description']) expect(r.body[k], `${c.id} ${k}`).toBe(c[k]);
            expect(r.body.extent, c.id).toEqual(c.extent);
          }
        });

        const itemsPath = () => testPoints(api, iut, /^\/collections\/\{[^}]+\}\/items$/);
        const param = (name: string) => {
          const tp = itemsPath()[0];
          return tp.params.find((p) => p.name === name);
        };
        const itemsUrl = (c: any) => {
          const l = c.links.find((x: Link) => x.rel === 'items' && x.type === GEOJSON);
          expect(l, `an items link of type ${GEOJSON} for ${c.id}`).toBeDefined();
          return l.href as string;
        };
        const maxLimit = () => param('limit')!.schema!.maximum ?? -1;
        const withParam = (url: string, k: string, v: string) => { const u = new URL(url); u.searchParams.set(k, v); return u.toString(); };

        /** Abstract Tests 2, 22–26 on an items response */
        async function checkItems(id: string, body: any, t0: number, bbox?: number[]) {
          expect(body.type, id).toBe('FeatureCollection');
          expect(Array.isArray(body.features), id).toBe(true);
          checkLinks(body.links, FEATURE_TYPES);
          expect(Number.isNaN(Date.parse(body.timeStamp)), `${id} timeStamp`).toBe(false);
          expect(Date.parse(body.timeStamp)).toBeGreaterThanOrEqual(t0 - 1000);
          expect(body.numberReturned, id).toBe(body.features.length);
          for (const f of body.features.slice(0, 10)) {
            if (!f.geometry) continue;
            expect(inCrs84(f.geometry.coordinates), `${id} ${f.id} in CRS84`).toBe(true);
            if (bbox) expect(meets(f, bbox), `${id} ${f.id} meets ${bbox}`).toBe(true);
          }
          expect(body.numberMatched, `${id} numberMatched`).toBeTypeOf('number');
          expect(await allFeatures(body, maxLimit()), `${id}: numberMatched = the features of all pages`).toBe(body.numberMatched);
        }

        it('A.2.7 features: every collection\'s items (GeoJSON) — type, features, links, timeStamp, numberMatched over the next pages, numberReturned, CRS84', async () => {
          for (const c of collections) {
            const t0 = Date.now();
            const r = await getJson(itemsUrl(c), GEOJSON);
            expect(r.status, c.id).toBe(200);
            await checkItems(c.id, r.body, t0);
            const withId = r.body.features.find((f: any) => f.id !== undefined);
            if (withId) firstIds.set(c.id, String(withId.id));
          }
          expect(firstIds.size).toBeGreaterThan(0);
        });

        it('Abstract Tests 14, 16, 18: the bbox, limit and datetime parameters as Part 1 defines them', () => {
          for (const tp of itemsPath()) {
            const bbox = tp.params.find((p) => p.name === 'bbox')!;
            expect(bbox).toMatchObject({ in: 'query', style: 'form' });
            expect(bbox.required ?? false).toBe(false);
            expect(bbox.explode ?? false).toBe(false);
            expect(bbox.schema).toMatchObject({ type: 'array', minItems: 4, maxItems: 6, items: { type: 'number' } });
            const limit = tp.params.find((p) => p.name === 'limit')!;
            expect(limit).toMatchObject({ in: 'query', style: 'form' });
            expect(limit.required ?? false).toBe(false);
            expect(limit.explode ?? false).toBe(false);
            expect(limit.schema!.type).toBe('integer');
            expect(limit.schema!.minimum).toBeGreaterThanOrEqual(0);
            expect(limit.schema!.default).toBeGreaterThanOrEqual(0);
            const dt = tp.params.find((p) => p.name === 'datetime')!;
            expect(dt).toMatchObject({ in: 'query', style: 'form', schema: { type: 'string' } });
            expect(dt.required ?? false).toBe(false);
            expect(dt.explode ?? false).toBe(false);
            // no free-form parameter: unknown parameters are errors (Abstract Test 21)
            expect(tp.params.some((p) => p.schema?.additionalProperties)).toBe(false);
          }
        });

        it('Abstract Tests 13, 15: bbox — the extent, across the meridian, the equator, the antimeridian and the poles', async () => {
          for (const c of collections) {
            const ext = c.extent.spatial.bbox[0];
            for (const b of [ext, [-1.5, 50, 1.5, 53], [-80, -5, -70, 5], [177, 65, -177, 70], [-180, 85, 180, 90], [-180, -90, 180, -85]]) {
              const t0 = Date.now();
              const r = await getJson(withParam(itemsUrl(c), 'bbox', b.join(',')), GEOJSON);
              expect(r.status, `${c.id} bbox=${b}`).toBe(200);
              await checkItems(c.id, r.body, t0, b);
              if (b === ext && r.body.numberMatched > 0) expect(r.body.numberMatched).toBe((await getJson(itemsUrl(c), GEOJSON)).body.numberMatched);
            }
          }
        });

        it('Abstract Tests 13, 17: limit — at its minimum and between minimum and maximum, no more features than asked', async () => {
          const { minimum, maximum } = param('limit')!.schema!;
          for (const c of collections) {
            for (const n of [minimum!, Math.min(100, minimum! + Math.floor((maximum! - minimum!) / 2))]) {
              const t0 = Date.now();
              const r = await getJson(withParam(itemsUrl(c), 'limit', String(n)), GEOJSON);
              expect(r.status, `${c.id} limit=${n}`).toBe(200);
              expect(r.body.features.length).toBeLessThanOrEqual(n);
              await checkItems(c.id, r.body, t0);
            }
          }
        });

        it('Abstract Tests 20, 21: an invalid parameter value and an unknown parameter are 400', async () => {
          for (const c of collections) {
            expect((await getJson(withParam(itemsUrl(c), 'limit', 'unlimited'), GEOJSON)).status, c.id).toBe(400);
            const unknown = `unknownQueryParameter${10000 + Math.floor(Math.random() * 10000)}`;
            expect(itemsPath()[0].params.some((p) => p.name.toLowerCase() === unknown.toLowerCase())).toBe(false);
            expect((await getJson(withParam(itemsUrl(c), unknown, '1'), GEOJSON)).status, c.id).toBe(400);
          }
        });

        it('A.2.8 feature: the first feature of each collection — 200, self, alternate per media type and collection links, each with a type', async () => {
          for (const c of collections) {
            const id = firstIds.get(c.id);
            if (!id) continue;
            const r = await getJson(`${itemsUrl(c).split('?')[0]}/${id}`, GEOJSON);
            expect(r.status, `${c.id} ${id}`).toBe(200);
            expect(r.body.type).toBe('Feature');
            expect(String(r.body.id)).toBe(id);
            checkLinks(r.body.links, FEATURE_TYPES, ['collection']);
            expect(byRel(r.body.links, 'collection')?.type).toBeTruthy();
          }
        });
      });
    }
  });
}
