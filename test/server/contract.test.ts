/**
 * The server's contracts over real HTTP (QA):
 * - a collection appears with its first record, without an admin clearing a cache: in the process
 *   that wrote it at once, in another process (another server on the same store) within its TTL;
 *   its tiles follow the write too;
 * - /api/v1/config, /tiles and the style list only the layers the city has (the collections' rule);
 * - a bearer token presented but unknown or revoked is a 401 with WWW-Authenticate on every endpoint
 *   class (OGC, tiles and their fast lane, platform API, domains, administration, Open311, OpenAPI),
 *   never an anonymous read;
 * - CRS: only CRS84; EPSG:4326 (latitude first) refused, as /conformance and /collections claim;
 * - OpenAPI: the operations endpoints declare parameters, bodies and security; every operation has
 *   a unique operationId; the landing page is documented;
 * - messages people read: Chinese first (validation errors, unknown run, record, building).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer, type Server } from '../../src/server/app.js';
import { addPrincipal, revokePrincipal } from '../../src/store/principals.js';
import type { Store } from '../../src/store/driver.js';
import { DRIVERS } from '../helpers/stores.js';
import { CITY, cityStore } from './fixture.js';

const GRID = 'grid-worker-token-0123456789';
const SUP = 'supervisor-token-0123456789';
const CHINESE = /[\u4e00-\u9fff]/;

function tileOf(lon: number, lat: number, z: number): [number, number] {
  const n = 2 ** z;
  const s = Math.sin((lat * Math.PI) / 180);
  return [Math.floor(((lon + 180) / 360) * n), Math.floor((0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)) * n)];
}

for (const driver of DRIVERS) {
  describe(`server contracts over HTTP (${driver.name})`, () => {
    let store: Store;
    let a: Server, b: Server;
    let A: string, B: string;
    let revoked: string;
    let valid: string;
    let lon = 0, lat = 0;
    beforeAll(async () => {
      const db = await driver.fresh();
      store = await cityStore(db, { access: false });
      revoked = (await addPrincipal(store, { name: 'leaver', roles: ['admin'], createdBy: 'test' })).token;
      await revokePrincipal(store, 'leaver', 'test');
      valid = (await addPrincipal(store, { name: 'reader', roles: ['viewer'], createdBy: 'test' })).token;
      const [c] = await store.query<{ x: number; y: number }>('SELECT ST_X(ST_Centroid(ST_Extent(geom))) x, ST_Y(ST_Centroid(ST_Extent(geom))) y FROM buildings_current');
      lon = Number(c.x); lat = Number(c.y);
      const common = {
        tokens: [{ token: GRID, role: 'grid_worker' as const, name: 'grid' }, { token: SUP, role: 'supervisor' as const, name: 'sup' }],
        tileEngine: 'app' as const, ...(db.startsWith('postgres') ? { pgUrl: db } : {}),
      };
      // two servers on one store: the processes of `serve --processes 2`
      a = await buildServer(store, { ...common, versionTtlMs: 60_000 });
      b = await buildServer(store, { ...common, versionTtlMs: 400 });
      A = await a.app.listen({ port: 0, host: '127.0.0.1' });
      B = await b.app.listen({ port: 0, host: '127.0.0.1' });
    });
    afterAll(async () => { await a?.app.close(); await b?.app.close(); await store?.close(); });

    const get = async (url: string, headers: Record<string, string> = {}) => {
      const r = await fetch(url, { headers: { accept: 'application/json', ...headers } });
      const text = await r.text();
      let body: any = text;
      try { body = JSON.parse(text); } catch { /* not JSON */ }
      return { status: r.status, headers: r.headers, body, text };
    };
    const ids = (doc: { collections: { id: string }[] }) => doc.collections.map((c) => c.id);

    it('layers and collections without data for the city are not listed (config, /tiles, style, /collections): one rule', async () => {
      const cols = ids((await get(`${A}/collections`)).body);
      const config = (await get(`${A}/api/v1/config`)).body;
      const tiles = (await get(`${A}/tiles`)).body;
      const style = (await get(`${A}/styles/city.json`)).body;
      const layers = config.layers.map((l: { id: string }) => l.id);
      expect(layers).toEqual(tiles.layers.map((l: { id: string }) => l.id));
      expect(layers).toContain('buildings');
      for (const none of ['building_safety', 'building_carbon', 'carbon_areas', 'retrofit_candidates', 'cases', 'grids', 'case_hotspots', 'renewal_candidates']) {
        expect(cols, none).not.toContain(none);
        expect(layers, none).not.toContain(none);
        expect(Object.keys(style.sources), none).not.toContain(none);
        expect((await get(`${A}/collections/${none}`)).status, none).toBe(404);
      }
      // every listed layer is a listed collection, and answers
      for (const l of layers) expect(cols, l).toContain(l);
      const why = (await get(`${A}/collections/cases`)).body.description;
      expect(why).toMatch(CHINESE);
      expect(why).toMatch(/no cases for city haidian yet/);
      expect(why).not.toMatch(/table cases_versions missing/);
    });

    it('a new collection appears with its first record: at once where it was written, within the TTL elsewhere, no cache clear', async () => {
      const [x, y] = tileOf(lon, lat, 15);
      const tile = `/tiles/cases/15/${x}/${y}.mvt`;
      // both processes have looked (and cached what they saw): no cases yet
      for (const base of [A, B]) {
        expect((await get(`${base}/collections/cases`)).status).toBe(404);
        expect(ids((await get(`${base}/collections`)).body)).not.toContain('cases');
      }
      const before = await fetch(`${A}${tile}`);
      expect(before.status).toBe(204);
      const etag = before.headers.get('etag');

      const r = await fetch(`${A}/api/v1/operations/cases`, {
        method: 'POST', headers: { authorization: `Bearer ${GRID}`, 'content-type': 'application/json' },
        body: JSON.stringify({ service_code: 'garbage', lon, lat, description: '垃圾堆放' }),
      });
      expect(r.status).toBe(201);
      // the writing process: at once (its TTL is a minute)
      expect((await get(`${A}/collections/cases`)).status).toBe(200);
      expect(ids((await get(`${A}/collections`)).body)).toContain('cases');
      expect((await get(`${A}/collections/cases/items`)).body.numberMatched).toBe(1);
      expect((await get(`${A}/api/v1/config`)).body.layers.map((l: { id: string }) => l.id)).toContain('cases');
      const after = await fetch(`${A}${tile}`);
      expect(after.status).toBe(200);
      expect(after.headers.get('etag')).not.toBe(etag);
      // the other process: within its TTL, no admin needed
      await new Promise((res) => setTimeout(res, 500));
      expect((await get(`${B}/collections/cases`)).status).toBe(200);
      expect(ids((await get(`${B}/collections`)).body)).toContain('cases');
      expect((await get(`${B}/tiles`)).body.layers.map((l: { id: string }) => l.id)).toContain('cases');
      expect((await fetch(`${B}${tile}`)).status).toBe(200);
    });

    it('a presented but unknown or revoked bearer token is a 401 with WWW-Authenticate on every endpoint class', async () => {
      const [x, y] = tileOf(lon, lat, 15);
      const tile = `/tiles/buildings/15/${x}/${y}.mvt`;
      // the tile is in the cache and the fast lane answers it to anonymous GETs
      expect((await fetch(`${A}${tile}`)).status).toBe(200);
      const lane = a.tileLane.count;
      expect((await fetch(`${A}${tile}`)).status).toBe(200);
      expect(a.tileLane.count).toBe(lane + 1);

      const endpoints = ['/', '/?f=json', '/collections', '/collections/buildings/items?limit=1', `/collections/buildings/items?f=html`, '/conformance', tile, '/tiles', '/tiles/buildings.json',
        '/styles/city.json', '/api', '/api/v1/summary', '/api/v1/config', `/api/v1/history/buildings/nope`, '/api/v1/safety/inspections', '/api/v1/safety/profiles',
        '/api/v1/operations/stats', '/api/v1/operations/map', '/api/v1/operations/catalogue', `/cities/${CITY}/collections`];
      for (const token of [revoked, 'bogus', 'ocim_not-a-real-token-0000000000', 'two words']) {
        for (const path of endpoints) {
          const r = await get(`${A}${path}`, { authorization: `Bearer ${token}` });
          expect(r.status, `${path} ${token}`).toBe(401);
          expect(r.headers.get('www-authenticate'), path).toBe('Bearer realm="opencim"');
          expect(r.text, path).toContain('unknown or revoked token (令牌无效或已撤销)');
        }
        const clear = await fetch(`${A}/api/v1/admin/cache/clear`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
        expect(clear.status).toBe(401);
        expect(clear.headers.get('www-authenticate')).toBe('Bearer realm="opencim"');
        const o311 = await fetch(`${A}/open311/v2/services.json`, { headers: { authorization: `Bearer ${token}` } });
        expect(o311.status).toBe(401);
        expect(o311.headers.get('www-authenticate')).toBe('Bearer realm="opencim"');
        expect((await o311.json())[0]).toMatchObject({ code: 401, description: expect.stringContaining('令牌无效或已撤销') });
      }
      // the lane never answered a request with a token
      expect(a.tileLane.count).toBe(lane + 1);
      // a browser asking for HTML gets the message as a page
      const page = await fetch(`${A}/collections?f=html`, { headers: { authorization: 'Bearer bogus' } });
      expect([page.status, page.headers.get('content-type')]).toEqual([401, 'text/html; charset=utf-8']);
      expect(await page.text()).toContain('令牌无效或已撤销');
      // a valid token reads as before; no token is anonymous; another scheme (a proxy's Basic credentials) is not ours
      for (const h of [{ authorization: `Bearer ${valid}` }, {}, { authorization: 'Basic dXNlcjpwYXNz' }] as Record<string, string>[]) {
        expect((await get(`${A}/collections`, h)).status).toBe(200);
        expect((await get(`${A}/api/v1/summary`, h)).status).toBe(200);
        expect((await fetch(`${A}${tile}`, { headers: h })).status).toBe(200);
      }
      // anonymous on a staff endpoint: 401 with its own message, and the header every 401 has
      const anon = await get(`${A}/api/v1/operations/stats`);
      expect([anon.status, anon.headers.get('www-authenticate')]).toEqual([401, 'Bearer realm="opencim"']);
      expect(anon.body.description).toMatch(/^需要登录 \//);
      const anonInspections = await get(`${A}/api/v1/safety/inspections`);
      expect([anonInspections.status, anonInspections.headers.get('www-authenticate')]).toEqual([401, 'Bearer realm="opencim"']);
    });

    it('CRS: only CRS84; bbox-crs / filter-crs / crs EPSG:4326 (latitude first) refused, as /conformance and the collections claim', async () => {
      const conf = (await get(`${A}/conformance`)).body.conformsTo as string[];
      expect(conf.some((c) => /ogcapi-features-2/.test(c))).toBe(false);
      const cols = (await get(`${A}/collections`)).body;
      expect(cols.crs).toEqual(['http://www.opengis.net/def/crs/OGC/1.3/CRS84']);
      for (const c of cols.collections) {
        expect(c.crs, c.id).toEqual(['http://www.opengis.net/def/crs/OGC/1.3/CRS84']);
        expect(c.storageCrs, c.id).toBe('http://www.opengis.net/def/crs/OGC/1.3/CRS84');
      }
      const box = `${lon - 0.002},${lat - 0.002},${lon + 0.002},${lat + 0.002}`;
      const crs84 = await get(`${A}/collections/buildings/items?bbox=${box}&bbox-crs=${encodeURIComponent('http://www.opengis.net/def/crs/OGC/1.3/CRS84')}`);
      expect(crs84.status).toBe(200);
      expect(crs84.body.numberMatched).toBeGreaterThan(0);
      expect(crs84.body.numberMatched).toBe((await get(`${A}/collections/buildings/items?bbox=${box}`)).body.numberMatched);
      for (const [param, extra] of [['bbox-crs', `&bbox=${box}`], ['filter-crs', `&filter=${encodeURIComponent(`S_INTERSECTS(geometry, BBOX(${box}))`)}`], ['crs', '']] as const) {
        for (const v of ['http://www.opengis.net/def/crs/EPSG/0/4326', 'EPSG:4326']) {
          const r = await get(`${A}/collections/buildings/items?${param}=${encodeURIComponent(v)}${extra}`);
          expect(r.status, `${param}=${v}`).toBe(400);
          expect(r.body.description).toMatch(new RegExp(`^${param}: 仅支持 CRS84`));
          expect(r.body.description).toMatch(/latitude first/);
        }
      }
      expect((await get(`${A}/collections/buildings/items?bbox-crs=${encodeURIComponent('http://www.opengis.net/def/crs/EPSG/0/3857')}&bbox=${box}`)).status).toBe(400);
    });

    it('OpenAPI: the operations endpoints declare their parameters, bodies and security; a unique operationId everywhere; the landing page documented', async () => {
      const api = (await get(`${A}/api`)).body;
      const op = (path: string, m: string) => api.paths[path]?.[m];
      for (const [path, m] of [['/api/v1/operations/cases', 'get'], ['/api/v1/operations/cases', 'post'], ['/api/v1/operations/cases/{id}', 'get'], ['/api/v1/operations/cases/{id}/actions', 'post'], ['/api/v1/operations/stats', 'get']] as const) {
        expect(op(path, m), `${m} ${path}`).toBeDefined();
        expect(op(path, m).security, `${m} ${path}`).toEqual([{ bearerAuth: [] }]);
        expect(op(path, m).parameters?.length, `${m} ${path}`).toBeGreaterThan(0);
      }
      expect(op('/api/v1/operations/cases', 'get').parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['status', 'service_code', 'overdue', 'limit', 'offset', 'city']));
      expect(op('/api/v1/operations/cases/{id}', 'get').parameters.find((p: { in: string }) => p.in === 'path').name).toBe('id');
      const post = op('/api/v1/operations/cases', 'post').requestBody.content['application/json'].schema;
      expect(post.required).toEqual(['lon', 'lat', 'service_code']);
      expect(Object.keys(post.properties)).toEqual(expect.arrayContaining(['lon', 'lat', 'service_code', 'description', 'attributes']));
      expect(op('/api/v1/operations/cases/{id}/actions', 'post').requestBody.content['application/json'].schema.properties.action.enum).toContain('dispatch');
      expect(op('/api/v1/operations/stats', 'get').parameters.find((p: { name: string }) => p.name === 'by').schema.enum).toEqual(['grid', 'street', 'class', 'department']);
      expect(op('/', 'get')).toBeDefined();
      expect(op('/', 'get').operationId).toBe('getLandingPage');
      const opIds: string[] = [];
      for (const [path, item] of Object.entries(api.paths as Record<string, Record<string, { operationId?: string }>>)) {
        for (const [m, o] of Object.entries(item)) {
          expect(o.operationId, `${m} ${path}`).toMatch(/^[a-z][A-Za-z0-9]+$/);
          opIds.push(o.operationId!);
        }
      }
      expect(new Set(opIds).size).toBe(opIds.length);
      expect(opIds).toContain('getCollectionsByCollectionIdItems');
      // the OGC paths as OGC clients look them up: the collection ids as an enum
      expect(api.paths['/collections/{collectionId}/items'].get.parameters.find((p: { name: string }) => p.name === 'collectionId').schema.enum).toContain('buildings');
      // the city's own API documents its landing page too
      expect(Object.keys((await get(`${A}/cities/${CITY}/api`)).body.paths)).toContain('/');
    });

    it('a report names its attributes as the body has them (attributes.size); Open311\'s attribute[size] keys and numbers are taken too; staff endpoints say 401 before 400', async () => {
      const post = (body: unknown, token: string | null = GRID) => fetch(`${A}/api/v1/operations/cases`, {
        method: 'POST', headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' }, body: JSON.stringify(body),
      });
      const missing = await post({ service_code: 'road_damage', lon, lat });
      expect(missing.status).toBe(400);
      const m = (await missing.json()) as { description: string; field: string };
      expect(m.description).toContain('attributes.size');
      expect(m.description).not.toContain('attribute[size]');
      expect(m.description).toMatch(/^类别 road_damage 必须填写属性/);
      expect(m.field).toBe('attributes.size');
      const wrong = await post({ service_code: 'road_damage', lon, lat, attributes: { size: 'huge' } });
      expect((await wrong.json() as { description: string }).description).toMatch(/attributes\.size.*huge/);
      const ok = await post({ service_code: 'road_damage', lon, lat, attributes: { size: 'large', depth_cm: 12 } });
      expect(ok.status).toBe(201);
      expect((await ok.json() as { case: { attributes: Record<string, unknown> } }).case.attributes).toMatchObject({ size: 'large', depth_cm: 12 });
      const form = await post({ service_code: 'road_damage', lon, lat, 'attribute[size]': 'small' });
      expect(form.status).toBe(201);
      expect((await form.json() as { case: { attributes: Record<string, unknown> } }).case.attributes).toMatchObject({ size: 'small' });
      // no token and a bad body: the 401 first
      expect((await post({ lon: 'x' }, null)).status).toBe(401);
      const bad = await post({ lon: 'x', lat, service_code: 'garbage' });
      expect(bad.status).toBe(400);
      expect((await bad.json() as { description: string }).description).toMatch(/^参数无效 \/ invalid parameter: body parameter lon/);
      const stats = await get(`${A}/api/v1/operations/stats?by=planet`, { authorization: `Bearer ${SUP}` });
      expect(stats.status).toBe(400);
      expect(stats.body.description).toMatch(/^参数无效 \/ invalid parameter: querystring parameter by: .*\(grid, street, class, department\)/);
    });

    it('messages people read lead in Chinese: validation errors, an unknown run, record, building, filter-lang, the unknown path', async () => {
      const cases: [string, number, RegExp][] = [
        ['/collections/buildings/items?limit=0', 400, /^参数无效 \/ invalid parameter: querystring parameter limit: must be >= 1$/],
        ['/collections/buildings/items?filter-lang=cql2-json&filter=x', 400, /^参数无效 \/ invalid parameter: querystring parameter filter-lang: must be equal to one of the allowed values \(cql2-text\)$/],
        ['/api/v1/runs/999', 404, /^没有运行记录 999 \/ no such run: 999/],
        ['/api/v1/history/buildings/nope', 404, /^城市 haidian 中没有记录 buildings\/nope \/ no record buildings\/nope in city haidian$/],
        ['/api/v1/buildings/nope/access', 404, /^该城市尚无步行可达结果|^城市 haidian 中没有建筑 "nope"/],
        ['/collections/buildings/items/nope', 404, /^建筑中没有要素 "nope" \//],
        ['/nowhere', 404, /^没有该资源 \/ no resource at GET \/nowhere/],
        ['/collections/buildings/items?bbox=1,2,3', 400, /^bbox 应为 4 个数/],
        ['/collections/buildings/items?datetime=yesterday', 400, /^datetime: 日期格式无效/],
        ['/collections/nosuch/items', 404, /^没有该资源 \/ not found: no resource at/],
      ];
      for (const [path, status, re] of cases) {
        const r = await get(`${A}${path}`);
        expect(r.status, path).toBe(status);
        expect(r.body.description, path).toMatch(re);
      }
      // a browser asking f=html for an error gets a page with the message
      const page = await fetch(`${A}/collections/buildings/items?f=html&limit=0`);
      expect([page.status, page.headers.get('content-type')]).toEqual([400, 'text/html; charset=utf-8']);
      expect(await page.text()).toContain('参数无效 / invalid parameter');
    });
  });
}
