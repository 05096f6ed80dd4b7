import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSource } from '../../src/ingest/index.js';
import { importSources } from '../../src/store/import.js';
import { dataFile, DRIVERS } from '../helpers/stores.js';
import { CITY, cityServer } from './fixture.js';

/**
 * Hostile inputs: SQL injection attempts in every parameter, huge and negative numbers, malformed
 * boxes, deep CQL2 nesting, path traversal in tile paths. The server must answer 4xx (never 500),
 * leak no internals (SQL, stack traces, file paths) and no data of another city, and the data must
 * be intact afterwards.
 */
type S = Awaited<ReturnType<typeof cityServer>>;

const INJECTIONS = [
  "'; DROP TABLE buildings; --",
  "' OR '1'='1",
  '1 OR 1=1',
  "x' UNION SELECT city_id, id, name FROM buildings_current --",
  '1); DELETE FROM buildings_current; --',
  '$1',
  '\\',
  "haidian' --",
  '%00',
  '\u0000',
  '../../../../etc/passwd',
  '<script>alert(1)</script>',
  'a'.repeat(5000),
  '𝕏'.repeat(100),
  '-1',
  '1e309',
  'NaN',
  '{"$gt":""}',
  'true; SELECT pg_sleep(10)',
];

const OTHER = 'bupt';

function assertSafe(url: string, r: { statusCode: number; body: string; headers: Record<string, unknown> }) {
  expect(r.statusCode, `${url} → ${r.statusCode} ${r.body.slice(0, 300)}`).toBeLessThan(500);
  const body = r.body;
  // our SQL never shows (the client's own text may be quoted back, JSON-escaped)
  expect(body, url).not.toMatch(/city_id = \$1|ST_AsGeoJSON|ST_MakeEnvelope|ST_AsBinary|t\.city_id|syntax error at or near/);
  expect(body, url).not.toMatch(/at (async )?\w+ \(|node_modules|\/work\/|\.ts:\d+/);
  // a client's text quoted back in JSON is inert (application/json, nosniff); in HTML it must be escaped
  if (String(r.headers['content-type']).includes('html')) expect(body, url).not.toContain('<script>alert');
  else expect(String(r.headers['content-type']), url).toMatch(/json|mapbox|^undefined$/);
  if (r.statusCode !== 414) expect(r.headers['x-content-type-options'], `${url.slice(0, 120)} ${r.statusCode}`).toBe('nosniff');
}

for (const driver of DRIVERS) {
  describe(`hostile inputs on ${driver.name}`, () => {
    let s: S;
    let count: number;
    const otherIds = new Set<string>();
    beforeAll(async () => {
      s = await cityServer(await driver.fresh(), {}, { access: true });
      await importSources(s.store, OTHER, [await openSource(dataFile('beijing-bupt.osm.pbf'), { workers: 0 })], { actor: "test" });
      s.ctx.invalidate();
      count = Number((await s.store.query<{ n: number }>('SELECT count(*)::int AS n FROM buildings_current')).map((r) => r.n)[0]);
      for (const r of await s.store.query<{ id: string }>('SELECT id FROM buildings_current WHERE city_id = $1', [OTHER])) otherIds.add(r.id);
    });
    afterAll(async () => { await s?.close(); });

    const get = async (url: string) => {
      const r = await s.app.inject({ url });
      assertSafe(url, r);
      return r;
    };

    it('SQL injection attempts in every query parameter and path segment', async () => {
      const paths = [
        (v: string) => `/collections/buildings/items?city=${CITY}&limit=${v}`,
        (v: string) => `/collections/buildings/items?city=${CITY}&offset=${v}`,
        (v: string) => `/collections/buildings/items?city=${CITY}&bbox=${v}`,
        (v: string) => `/collections/buildings/items?city=${CITY}&datetime=${v}`,
        (v: string) => `/collections/buildings/items?city=${CITY}&filter=${v}`,
        (v: string) => `/collections/buildings/items?city=${CITY}&filter-lang=${v}`,
        (v: string) => `/collections/buildings/items?city=${CITY}&bbox-crs=${v}`,
        (v: string) => `/collections/buildings/items?city=${CITY}&name=${v}`,
        (v: string) => `/collections/buildings/items?city=${CITY}&height=${v}`,
        (v: string) => `/collections/buildings/items?city=${CITY}&residential=${v}`,
        (v: string) => `/collections/buildings/items?city=${CITY}&${v}=1`,
        (v: string) => `/collections/buildings/items?city=${CITY}&f=${v}`,
        (v: string) => `/collections/buildings/items?city=${v}`,
        (v: string) => `/collections/${v}/items?city=${CITY}`,
        (v: string) => `/collections/buildings/items/${v}?city=${CITY}`,
        (v: string) => `/collections/facilities/items/${v}?city=${CITY}`,
        (v: string) => `/collections/buildings/queryables?city=${v}`,
        (v: string) => `/tiles/${v}/14/1/1.mvt?city=${CITY}`,
        (v: string) => `/tiles/buildings/${v}/1/1.mvt?city=${CITY}`,
        (v: string) => `/tiles/buildings/14/${v}/1.mvt?city=${CITY}`,
        (v: string) => `/tiles/buildings/14/1/${v}.mvt?city=${CITY}`,
        (v: string) => `/tiles/buildings/14/1/1.mvt?city=${v}`,
        (v: string) => `/tiles/buildings/14/1/1.mvt?city=${CITY}&engine=${v}`,
        (v: string) => `/tiles/${v}.json`,
        (v: string) => `/api/v1/summary?city=${v}`,
        (v: string) => `/api/v1/buildings/${v}/access?city=${CITY}`,
        (v: string) => `/api/v1/isochrone?city=${CITY}&lon=${v}&lat=40`,
        (v: string) => `/api/v1/isochrone?city=${CITY}&lon=116.35&lat=40&minutes=${v}`,
        (v: string) => `/api/v1/isochrone?city=${CITY}&lon=116.35&lat=40&speed=${v}`,
        (v: string) => `/api/v1/indicators?city=${CITY}&level=${v}`,
        (v: string) => `/api/v1/indicators?city=${CITY}&area=${v}`,
        (v: string) => `/api/v1/communities/ranking?city=${CITY}&level=${v}`,
        (v: string) => `/api/v1/communities/ranking?city=${CITY}&limit=${v}`,
        (v: string) => `/?f=${v}`,
        (v: string) => `/collections/buildings/items?f=html&city=${CITY}&use=${v}`,
        (v: string) => `/collections/buildings/items?f=html&city=${CITY}&datetime=${v}`,
      ];
      let n = 0;
      for (const p of paths) {
        for (const v of INJECTIONS) {
          await get(p(encodeURIComponent(v)));
          n++;
        }
      }
      expect(n).toBe(paths.length * INJECTIONS.length);
      // nothing was changed or dropped
      expect(Number((await s.store.query<{ n: number }>('SELECT count(*)::int AS n FROM buildings_current'))[0].n)).toBe(count);
    });

    it('CQL2 injection attempts: quoted names, literals and functions never reach SQL as text', async () => {
      const filters = [
        `name = '''; DROP TABLE buildings; --'`,
        `"name; DROP TABLE buildings" = 'x'`,
        `name = 'x' OR pg_sleep(5) = 1`,
        `S_INTERSECTS(geometry, POINT(0 0)) OR name = 'x'); DELETE FROM buildings_current; --`,
        `height > 1 UNION SELECT 1`,
        `name LIKE '%' ESCAPE '\\'`,
        `city_id = '${OTHER}'`,
        `"city_id" <> ''`,
        `geometry = 'x'`,
        `S_INTERSECTS(geometry, POLYGON((0 0, 1 1, 0 0)))`,
        `S_INTERSECTS(geometry, POLYGON((0 0, 1 0, 1 1, 0 1)))`,
        `S_INTERSECTS(geometry, BBOX(200, 0, 1, 1))`,
        `S_INTERSECTS(geometry, LINESTRING(0 0))`,
        `S_INTERSECTS(name, BBOX(0, 0, 1, 1))`,
        `S_CONTAINS(geometry, BBOX(0, 0, 1, 1))`,
        `height > 1e400`,
        `height IN (${Array.from({ length: 2000 }, (_, i) => i).join(',')})`,
        `name = 'unterminated`,
        `"unterminated = 1`,
        `height > 1 AND`,
        `DATE('2020-13-45') = year`,
        `TIMESTAMP('x') < year`,
        `CASEI(name) = 'x'`,
        `(`.repeat(30) + 'height > 1' + ')'.repeat(30),
        'NOT '.repeat(100) + 'height > 1',
        `(`.repeat(5000),
        'height > 1 AND '.repeat(500) + 'height > 1',
      ];
      for (const f of filters) {
        const r = await get(`/collections/buildings/items?city=${CITY}&filter=${encodeURIComponent(f)}`);
        expect([200, 400], f.slice(0, 80)).toContain(r.statusCode);
        if (r.statusCode === 200) {
          for (const feat of JSON.parse(r.body).features) expect(otherIds.has(feat.id) && !feat.id.startsWith('w')).toBe(false);
        }
      }
      const deep = await get(`/collections/buildings/items?filter=${encodeURIComponent('('.repeat(30) + 'height > 1' + ')'.repeat(30))}&city=${CITY}`);
      expect(deep.statusCode).toBe(400);
      expect(JSON.parse(deep.body).description).toMatch(/nested too deeply/);
      const nots = await get(`/collections/buildings/items?filter=${encodeURIComponent('NOT '.repeat(100) + 'height > 1')}&city=${CITY}`);
      expect(nots.statusCode).toBe(400);
      const long = await s.app.inject({ url: `/collections/buildings/items?city=${CITY}&filter=${'x'.repeat(20000)}` });
      expect(long.statusCode).toBe(400);
      expect(Number((await s.store.query<{ n: number }>('SELECT count(*)::int AS n FROM buildings_current'))[0].n)).toBe(count);
    });

    it('huge or malformed numbers, boxes and dates: 400 saying what is wrong', async () => {
      const cases: [string, RegExp][] = [
        ['limit=1000000000', /limit/],
        ['limit=-5', /limit/],
        ['limit=abc', /limit/],
        ['limit=1.5', /limit/],
        ['limit=10&limit=20', /limit/],
        ['offset=-1', /offset/],
        ['offset=99999999999999', /offset/],
        ['bbox=1,2,3', /bbox/],
        ['bbox=a,b,c,d', /bbox/],
        ['bbox=0,0,1,1,1', /bbox/],
        ['bbox=-200,0,1,1', /bbox/],
        ['bbox=0,50,1,40', /bbox/],
        ['bbox=0,0,1,91', /bbox/],
        ['bbox=1e999,0,1,1', /bbox/],
        ['bbox=' + '1,'.repeat(500) + '1', /bbox/],
        ['datetime=yesterday', /datetime/],
        ['datetime=2020-02-30', /datetime|valid/],
        ['datetime=2021-01-01/2020-01-01', /datetime/],
        ['datetime=2020-01-01/2021-01-01/2022-01-01', /datetime/],
        ['filter-lang=cql2-json&filter=x', /filter-lang/],
        ['bbox-crs=EPSG:3857', /bbox-crs/],
        ['height=tall', /height/],
        ['residential=maybe', /residential/],
        ['nosuchparam=1', /nosuchparam/],
        ['f=xml', /f/],
      ];
      for (const [q, re] of cases) {
        const r = await get(`/collections/buildings/items?city=${CITY}&${q}`);
        expect(r.statusCode, q).toBe(400);
        expect(JSON.parse(r.body).description, q).toMatch(re);
      }
      // minLon > maxLon is no error: the box crosses the antimeridian (OGC API – Features 7.15.3), 10°E → 180° → 5°E holds the city
      const across = await get(`/collections/buildings/items?city=${CITY}&bbox=10,0,5,89&limit=1`);
      expect(across.statusCode).toBe(200);
      expect(JSON.parse(across.body).numberMatched).toBe(JSON.parse((await get(`/collections/buildings/items?city=${CITY}&limit=1`)).body).numberMatched);
    });

    it('path traversal and out-of-range tiles', async () => {
      const urls = [
        '/tiles/../../etc/passwd',
        '/tiles/..%2F..%2Fetc%2Fpasswd/1/1/1.mvt',
        '/tiles/buildings/14/..%2F..%2F/1.mvt',
        '/tiles/%2e%2e/%2e%2e/1/1.mvt',
        '/tiles/buildings/99/1/1.mvt',
        '/tiles/buildings/14/16384/1.mvt',
        '/tiles/buildings/14/1/16384.mvt',
        '/tiles/buildings/0/1/0.mvt',
        '/tiles/buildings/-1/0/0.mvt',
        '/tiles/buildings/14/1/1.png',
        '/tiles/nosuch/1/1/1.mvt',
        '/tiles/buildings/1e3/0/0.mvt',
        '/assets/..%2F..%2F..%2Fpackage.json',
        '/assets/%2e%2e/%2e%2e/package.json',
        '/report/..%2F..%2Fpackage.json',
        '/collections/..%2F..%2Fetc%2Fpasswd',
        '/api-docs/static/..%2F..%2F..%2Fpackage.json',
      ];
      for (const u of urls) {
        const r = await get(u);
        expect([400, 403, 404], u).toContain(r.statusCode);
        expect(r.body).not.toMatch(/"name":\s*"opencim"|root:x:0:0/);
      }
    });

    it('no data of another city: city selects, unknown cities are 404, several cities need ?city=', async () => {
      const many = await get('/collections/buildings/items');
      expect(many.statusCode).toBe(400);
      expect(JSON.parse(many.body).description).toMatch(/several cities/);
      const a = JSON.parse((await get(`/collections/buildings/items?city=${CITY}&limit=10000`)).body);
      const b = JSON.parse((await get(`/collections/buildings/items?city=${OTHER}&limit=10000`)).body);
      expect(a.numberReturned).toBeGreaterThan(0);
      expect(b.numberReturned).toBe(otherIds.size);
      for (const f of b.features) expect(otherIds.has(f.id)).toBe(true);
      const ids = new Set(b.features.map((f: { id: string }) => f.id));
      const haidianOnly = a.features.filter((f: { id: string }) => !ids.has(f.id));
      expect(haidianOnly.length).toBeGreaterThan(0);
      const item = await get(`/collections/buildings/items/${haidianOnly[0].id}?city=${OTHER}`);
      expect(item.statusCode).toBe(404);
      expect((await get('/collections/buildings/items?city=nosuchcity')).statusCode).toBe(404);
      // access of another city's building id
      expect((await get(`/api/v1/buildings/${haidianOnly[0].id}/access?city=${OTHER}`)).statusCode).toBe(404);
    });

    it('bodies and methods: oversized or malformed bodies, unknown methods', async () => {
      const r1 = await s.app.inject({ method: 'PATCH', url: `/api/v1/cities/${CITY}`, payload: 'x'.repeat(200_000), headers: { 'content-type': 'application/json' } });
      expect(r1.statusCode).toBeLessThan(500);
      expect([401, 413]).toContain(r1.statusCode);
      const r2 = await s.app.inject({ method: 'PUT', url: '/collections/buildings/items/w1' });
      expect(r2.statusCode).toBe(404);
      const r3 = await s.app.inject({ url: '/collections/buildings/items', headers: { host: 'evil.example/<script>' } });
      expect(r3.statusCode).toBeLessThan(500);
      expect(r3.body).not.toContain('evil.example/<script>');
    });
  });
}
