/**
 * Several cities in one store: each city is its own OGC API at /cities/{city}/ (landing page,
 * API definition, conformance, collections, items, tiles beneath it; no client needs ?city=),
 * the root paths keep working with ?city=, and the OpenStreetMap attribution follows the data
 * derived from OpenStreetMap (an .osm.pbf, the Tilezen/Nextzen GeoJSON) and only that.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { VectorTile } from '@mapbox/vector-tile';
import Pbf from 'pbf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSource } from '../../src/ingest/index.js';
import { buildServer, type Server } from '../../src/server/app.js';
import { importSources } from '../../src/store/import.js';
import { cityStats } from '../../src/store/stats.js';
import type { Store } from '../../src/store/driver.js';
import { dataFile, DRIVERS, tempDir } from '../helpers/stores.js';
import { cityStore } from '../server/fixture.js';

const CITIES = { haidian: 'beijing-haidian-cau.osm.pbf', bupt: 'beijing-bupt.osm.pbf', wuhan: 'wuhan-optics-valley-nextzen.geojson' } as const;

/** a GeoJSON that is not from OpenStreetMap: one building of a survey */
function surveyFile(): string {
  const f = join(tempDir('survey-'), 'survey.geojson');
  const ring = [[114.0, 22.6], [114.0005, 22.6], [114.0005, 22.6005], [114.0, 22.6005], [114.0, 22.6]];
  writeFileSync(f, JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', id: 'survey-1', properties: { building: 'residential', 'building:levels': 6 }, geometry: { type: 'Polygon', coordinates: [ring] } }] }));
  return f;
}

const hrefs = (links: { href: string }[]) => links.map((l) => l.href);

for (const driver of DRIVERS) {
  describe(`several cities, each its own OGC API (${driver.name})`, () => {
    let store: Store;
    let s: Server;
    let origin: string;
    const stats = new Map<string, Awaited<ReturnType<typeof cityStats>>[number]>();
    beforeAll(async () => {
      store = await cityStore(await driver.fresh(), { file: CITIES.haidian, city: 'haidian', access: false });
      for (const [city, file] of [['bupt', CITIES.bupt], ['wuhan', CITIES.wuhan], ['survey', null]] as const) {
        await importSources(store, city, [await openSource(file ? dataFile(file) : surveyFile(), { workers: 0 })], { actor: 'test' });
      }
      for (const st of await cityStats(store)) stats.set(st.city_id, st);
      s = await buildServer(store, { tokens: [] });
      await s.app.listen({ port: 0, host: '127.0.0.1' });
      origin = `http://127.0.0.1:${(s.app.server.address() as { port: number }).port}`;
    });
    afterAll(async () => { await s?.app.close(); await store?.close(); });

    const get = async (path: string) => {
      const r = await fetch(`${origin}${path}`, { headers: { accept: 'application/json' } });
      return { status: r.status, type: r.headers.get('content-type') ?? '', body: await r.json() };
    };

    it('/cities lists every city with its landing page; the root needs ?city= when there are several', async () => {
      const list = (await get('/cities')).body;
      expect(list.cities.map((c: { id: string }) => c.id).sort()).toEqual(['bupt', 'haidian', 'survey', 'wuhan']);
      for (const c of list.cities) expect(c.links[0].href).toBe(`${origin}/cities/${c.id}/`);
      expect((await get('/collections/buildings/items')).status).toBe(400);
      expect(hrefs((await get('/?f=json')).body.links)).toContain(`${origin}/cities`);
    });

    it('each city: its landing page, API definition and collections beneath /cities/{city}/, counts the city\'s own', async () => {
      for (const city of ['haidian', 'bupt', 'wuhan']) {
        const prefix = `${origin}/cities/${city}`;
        const land = (await get(`/cities/${city}/`)).body;
        const rel = (r: string) => land.links.find((l: { rel: string }) => l.rel === r).href;
        expect(rel('self')).toBe(`${prefix}/?f=json`);
        expect(rel('service-desc')).toBe(`${prefix}/api`);
        expect(rel('conformance')).toBe(`${prefix}/conformance`);
        expect(rel('data')).toBe(`${prefix}/collections`);
        expect(rel('http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector')).toBe(`${prefix}/tiles`);
        expect((await get(`/cities/${city}`)).body.links[0].href).toBe(`${prefix}/?f=json`);

        const api = await get(`/cities/${city}/api`);
        expect(api.type).toBe('application/vnd.oai.openapi+json;version=3.0');
        expect(api.body.servers).toEqual([{ url: prefix }]);
        expect(Object.keys(api.body.paths)).toEqual(expect.arrayContaining(['/conformance', '/collections', '/collections/{collectionId}/items', '/tiles/{layer}/{z}/{x}/{y}.mvt']));
        expect(Object.keys(api.body.paths).some((p) => p.startsWith('/api/'))).toBe(false);
        const params = Object.values(api.body.paths).flatMap((m: any) => Object.values(m).flatMap((op: any) => op.parameters ?? []));
        expect(params.some((p: { name: string; in: string }) => p.in === 'query' && p.name === 'city')).toBe(false);

        const cols = (await get(`/cities/${city}/collections`)).body;
        for (const c of cols.collections) for (const h of hrefs(c.links)) expect(h.startsWith(`${prefix}/`), h).toBe(true);
        for (const id of ['buildings', 'facilities', 'walk_network'] as const) {
          const items = (await get(`/cities/${city}/collections/${id}/items?limit=2`)).body;
          const table = id === 'walk_network' ? 'walk_edges' : id;
          expect(items.numberMatched, `${city} ${id}`).toBe(stats.get(city)!.counts[table]);
          // the same through the root, with ?city=
          expect((await get(`/collections/${id}/items?limit=1&city=${city}`)).body.numberMatched).toBe(items.numberMatched);
          for (const h of hrefs(items.links).filter((x) => !x.startsWith('https://opendatacommons.org/'))) {
            expect(h.startsWith(`${prefix}/`), h).toBe(true);
            expect(h).not.toMatch(/[?&]city=/);
          }
          if (items.features[0]) {
            const f = (await get(`/cities/${city}/collections/${id}/items/${encodeURIComponent(items.features[0].id)}`)).body;
            expect(f.id).toBe(items.features[0].id);
            for (const h of hrefs(f.links).filter((x) => !x.startsWith('https://opendatacommons.org/'))) expect(h.startsWith(`${prefix}/`), h).toBe(true);
          }
        }
      }
      expect(stats.get('haidian')!.counts.buildings).not.toBe(stats.get('bupt')!.counts.buildings);
    });

    it('each city its own report: a report folder per city is linked per city, a single report stays the fallback', async () => {
      const dir = tempDir('reports-');
      const { mkdirSync } = await import('node:fs');
      mkdirSync(join(dir, 'bupt'));
      writeFileSync(join(dir, 'bupt', 'report.html'), '<html>bupt 体检报告</html>');
      writeFileSync(join(dir, 'report.html'), '<html>haidian</html>');
      const r = await buildServer(store, { tokens: [], reportDir: dir });
      try {
        const config = async (q: string) => (await r.app.inject({ url: `/api/v1/config${q}` })).json();
        expect((await config('?city=bupt')).report).toBe('/report/bupt/report.html');
        expect((await config('?city=haidian')).report).toBe('/report/report.html');
        const all = await config('');
        expect(all.reports).toMatchObject({ bupt: '/report/bupt/report.html', haidian: '/report/report.html' });
        const page = await r.app.inject({ url: '/report/bupt/report.html' });
        expect([page.statusCode, page.body]).toEqual([200, '<html>bupt 体检报告</html>']);
      } finally {
        await r.app.close();
      }
    });

    it('a city path takes no ?city= beside it; an unknown city is 404', async () => {
      const both = await get('/cities/haidian/collections/buildings/items?city=bupt');
      expect(both.status).toBe(400);
      expect(both.body.description).toMatch(/path/);
      expect((await get('/cities/nowhere/collections')).status).toBe(404);
      expect((await get('/cities/nowhere/')).status).toBe(404);
      expect((await get('/cities/nowhere/tiles/buildings.json')).status).toBe(404);
    });

    it('tiles beneath each city: TileJSON URLs under /cities/{city}/tiles, the tiles hold that city\'s buildings only', async () => {
      for (const city of ['haidian', 'bupt']) {
        const tj = (await get(`/cities/${city}/tiles/buildings.json`)).body;
        expect(tj.tiles[0]).toBe(`${origin}/cities/${city}/tiles/buildings/{z}/{x}/{y}.mvt`);
        expect(tj.attribution).toMatch(/OpenStreetMap/);
        const [w, so, e, n] = tj.bounds;
        const z = 15, lon = (w + e) / 2, lat = (so + n) / 2;
        const x = Math.floor(((lon + 180) / 360) * 2 ** z);
        const sl = Math.sin((lat * Math.PI) / 180);
        const y = Math.floor((0.5 - Math.log((1 + sl) / (1 - sl)) / (4 * Math.PI)) * 2 ** z);
        const r = await fetch(tj.tiles[0].replace('{z}', String(z)).replace('{x}', String(x)).replace('{y}', String(y)));
        expect(r.status).toBe(200);
        const buf = Buffer.from(await r.arrayBuffer());
        // fetch has undone the gzip content encoding
        const layer = new VectorTile(new Pbf(buf)).layers.buildings;
        expect(layer.length).toBeGreaterThan(0);
        const ids = new Set((await store.query<{ id: string }>('SELECT id FROM buildings_current WHERE city_id = $1', [city])).map((q) => q.id));
        for (let i = 0; i < layer.length; i++) expect(ids.has(String(layer.feature(i).properties.id))).toBe(true);
        const list = (await get(`/cities/${city}/tiles`)).body;
        for (const l of list.layers) expect(l.tilejson.startsWith(`${origin}/cities/${city}/tiles/`)).toBe(true);
      }
    });

    it('GDAL reads a city through its own landing page, no ?city= anywhere', async () => {
      const { stdout, stderr } = await promisify(execFile)('ogrinfo', ['-ro', '-so', '-al', `OAPIF:${origin}/cities/bupt/`], { env: { ...process.env, NO_PROXY: '127.0.0.1', no_proxy: '127.0.0.1' }, maxBuffer: 32 * 1024 * 1024 });
      expect(stderr).not.toMatch(/^ERROR/m);
      const count = (layer: string) => Number(new RegExp(`Layer name: ${layer}\\n[\\s\\S]*?Feature Count: (\\d+)`).exec(stdout)?.[1]);
      expect(count('buildings')).toBe(stats.get('bupt')!.counts.buildings);
      expect(count('facilities')).toBe(stats.get('bupt')!.counts.facilities);
    });

    it('the OpenStreetMap attribution follows OSM-derived data (.osm.pbf, Nextzen GeoJSON) in GeoJSON, HTML and TileJSON, and only that', async () => {
      for (const city of ['haidian', 'wuhan']) {
        const items = (await get(`/cities/${city}/collections/buildings/items?limit=1`)).body;
        expect(items.attribution, city).toMatch(/© OpenStreetMap contributors/);
        expect(items.links.some((l: { rel: string; href: string }) => l.rel === 'license' && /odbl/.test(l.href)), city).toBe(true);
        const f = (await get(`/cities/${city}/collections/buildings/items/${encodeURIComponent(items.features[0].id)}`)).body;
        expect(f.links.some((l: { rel: string }) => l.rel === 'license'), city).toBe(true);
        expect((await get(`/cities/${city}/tiles/buildings.json`)).body.attribution, city).toMatch(/OpenStreetMap/);
        const page = await (await fetch(`${origin}/cities/${city}/collections/buildings/items?f=html`)).text();
        expect(page).toMatch(/© OpenStreetMap contributors/);
        expect(page).toContain(`/cities/${city}/collections/buildings/items/`);
      }
      const survey = (await get('/cities/survey/collections/buildings/items')).body;
      expect(survey.numberMatched).toBe(1);
      expect(survey.attribution).toBeUndefined();
      expect(survey.links.some((l: { rel: string }) => l.rel === 'license')).toBe(false);
      expect((await get('/cities/survey/tiles/buildings.json')).body.attribution).toBeUndefined();
    });
  });
}
