import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { VectorTile } from '@mapbox/vector-tile';
import Pbf from 'pbf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { DRIVERS, tempDir } from '../helpers/stores.js';
import { CITY, cityServer } from './fixture.js';

type S = Awaited<ReturnType<typeof cityServer>>;
const json = (r: { body: string }) => JSON.parse(r.body);

/** the z/x/y tile containing a point */
function tileOf(lon: number, lat: number, z: number): [number, number] {
  const n = 2 ** z;
  const x = Math.floor(((lon + 180) / 360) * n);
  const s = Math.sin((lat * Math.PI) / 180);
  const y = Math.floor((0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)) * n);
  return [x, y];
}

function decode(body: Buffer, gz: boolean): VectorTile {
  return new VectorTile(new Pbf(gz ? gunzipSync(body) : body));
}

for (const driver of DRIVERS) {
  describe(`server on ${driver.name}`, () => {
    let s: S;
    let reportDir: string;
    let residentialId: string;
    let centre: [number, number];
    const tokens = [
      { token: 'reader-token-0123456789', role: 'read' as const },
      { token: 'editor-token-0123456789', role: 'editor' as const },
      { token: 'admin-token-01234567890', role: 'admin' as const },
    ];
    beforeAll(async () => {
      reportDir = tempDir('report-');
      s = await cityServer(await driver.fresh(), { tokens, reportDir, tileEngine: 'app' });
      const r = await s.store.query<{ id: string; lon: number; lat: number }>(
        `SELECT b.id, ST_X(ST_PointOnSurface(b.geom)) AS lon, ST_Y(ST_PointOnSurface(b.geom)) AS lat FROM buildings_current b JOIN access_results a ON a.city_id = b.city_id AND a.building_id = b.id
         WHERE b.city_id = $1 AND a.status = 'ok' ORDER BY b.id LIMIT 1`, [CITY]);
      residentialId = r[0].id;
      centre = [Number(r[0].lon), Number(r[0].lat)];
    });
    afterAll(async () => { await s?.close(); });

    it('landing page: JSON for ?f=json and Accept: application/json, the viewer for browsers, HTML for ?f=html', async () => {
      const a = await s.app.inject({ url: '/?f=json' });
      expect(a.statusCode).toBe(200);
      const doc = json(a);
      const rels = doc.links.map((l: { rel: string }) => l.rel);
      for (const rel of ['self', 'service-desc', 'service-doc', 'conformance', 'data']) expect(rels).toContain(rel);
      const b = await s.app.inject({ url: '/', headers: { accept: 'application/json' } });
      expect(json(b).links).toBeDefined();
      const c = await s.app.inject({ url: '/', headers: { accept: 'text/html,application/xhtml+xml' } });
      expect(c.headers['content-type']).toMatch(/text\/html/);
      const d = await s.app.inject({ url: '/?f=html' });
      expect(d.body).toContain('/collections');
      const conf = json(await s.app.inject({ url: '/conformance' }));
      expect(conf.conformsTo).toContain('http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core');
      expect(conf.conformsTo).toContain('http://www.opengis.net/spec/cql2/1.0/conf/cql2-text');
    });

    it('OpenAPI 3.0 document at /api, Swagger UI at /api.html', async () => {
      const r = await s.app.inject({ url: '/api' });
      expect(r.statusCode).toBe(200);
      expect(r.headers['content-type']).toMatch(/openapi/);
      const doc = json(r);
      expect(doc.openapi).toMatch(/^3\.0/);
      expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/collections/{collectionId}/items', '/tiles/{layer}/{z}/{x}/{y}.mvt', '/api/v1/isochrone']));
      const ui = await s.app.inject({ url: '/api.html' });
      expect(ui.statusCode).toBe(302);
      const page = await s.app.inject({ url: ui.headers.location as string });
      expect(page.statusCode).toBe(200);
      expect(page.body).toMatch(/swagger/i);
    });

    it('collections: the city model is listed with extent and CRS; results not yet computed are 404 with a hint', async () => {
      const doc = json(await s.app.inject({ url: '/collections' }));
      const ids = doc.collections.map((c: { id: string }) => c.id);
      expect(ids).toEqual(expect.arrayContaining(['buildings', 'facilities', 'green_spaces', 'land_use', 'admin_areas', 'walk_network']));
      const b = json(await s.app.inject({ url: '/collections/buildings' }));
      const [w, so, e, n] = b.extent.spatial.bbox[0];
      expect(w).toBeGreaterThan(116.3); expect(e).toBeLessThan(116.4); expect(so).toBeGreaterThan(39.9); expect(n).toBeLessThan(40.1);
      expect(b.crs).toContain('http://www.opengis.net/def/crs/OGC/1.3/CRS84');
      const missing = await s.app.inject({ url: '/collections/indicator_results' });
      expect(missing.statusCode).toBe(404);
      expect(json(missing).description).toMatch(/opencim check/);
      const q = json(await s.app.inject({ url: '/collections/buildings/queryables' }));
      expect(Object.keys(q.properties)).toEqual(expect.arrayContaining(['geometry', 'height', 'levels', 'use', 'year', 'residential']));
    });

    it('items: paging with numberMatched, next/prev links, limit bounds', async () => {
      const total = Number((await s.store.query<{ n: number }>('SELECT count(*)::int AS n FROM buildings_current WHERE city_id = $1', [CITY]))[0].n);
      const p1 = json(await s.app.inject({ url: '/collections/buildings/items?limit=100' }));
      expect(p1.type).toBe('FeatureCollection');
      expect(p1.numberMatched).toBe(total);
      expect(p1.numberReturned).toBe(100);
      const next = p1.links.find((l: { rel: string }) => l.rel === 'next');
      expect(next.href).toContain('offset=100');
      const p2 = json(await s.app.inject({ url: new URL(next.href).pathname + new URL(next.href).search }));
      expect(p2.features[0].id).not.toBe(p1.features[0].id);
      expect(p2.links.some((l: { rel: string }) => l.rel === 'prev')).toBe(true);
      const ids = new Set<string>();
      for (let off = 0; off < total; off += 100) {
        for (const f of json(await s.app.inject({ url: `/collections/buildings/items?limit=100&offset=${off}` })).features) ids.add(f.id);
      }
      expect(ids.size).toBe(total);
      const f = p1.features[0];
      expect(f.geometry.type).toBe('MultiPolygon');
      for (const k of ['height', 'levels', 'use', 'year', 'residential', 'name']) expect(f.properties).toHaveProperty(k);
      const dflt = json(await s.app.inject({ url: '/collections/buildings/items' }));
      expect(dflt.numberReturned).toBe(10);
      expect((await s.app.inject({ url: '/collections/buildings/items?limit=10001' })).statusCode).toBe(400);
      expect((await s.app.inject({ url: '/collections/buildings/items?limit=0' })).statusCode).toBe(400);
    });

    it('items: bbox, property equality, datetime and CQL2 filters agree with SQL', async () => {
      const [lon, lat] = centre;
      const box = [lon - 0.003, lat - 0.002, lon + 0.003, lat + 0.002];
      const byBox = json(await s.app.inject({ url: `/collections/buildings/items?limit=1000&bbox=${box.join(',')}` }));
      const sqlBox = Number((await s.store.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM buildings_current WHERE city_id = $1 AND ST_Intersects(geom, ST_MakeEnvelope($2, $3, $4, $5, 4326))', [CITY, ...box]))[0].n);
      expect(byBox.numberReturned).toBe(sqlBox);
      expect(sqlBox).toBeGreaterThan(0);
      const cql = json(await s.app.inject({ url: `/collections/buildings/items?limit=1000&filter=${encodeURIComponent(`S_INTERSECTS(geometry, BBOX(${box.join(',')}))`)}` }));
      expect(cql.numberReturned).toBe(sqlBox);
      const poly = `POLYGON((${box[0]} ${box[1]}, ${box[2]} ${box[1]}, ${box[2]} ${box[3]}, ${box[0]} ${box[3]}, ${box[0]} ${box[1]}))`;
      const wkt = json(await s.app.inject({ url: `/collections/buildings/items?limit=1000&filter=${encodeURIComponent(`S_INTERSECTS(geometry, ${poly})`)}` }));
      expect(wkt.numberReturned).toBe(sqlBox);

      const count = async (where: string, params: unknown[] = []) =>
        Number((await s.store.query<{ n: number }>(`SELECT count(*)::int AS n FROM buildings_current WHERE city_id = $1 AND ${where}`, [CITY, ...params]))[0].n);
      const matched = async (qs: string) => {
        const r = await s.app.inject({ url: `/collections/buildings/items?limit=1&${qs}` });
        expect(r.statusCode, r.body).toBe(200);
        return json(r).numberMatched as number;
      };
      expect(await matched('residential=true')).toBe(await count('residential'));
      expect(await matched('use=apartments')).toBe(await count(`use = 'apartments'`));
      const f = (q: string) => `filter=${encodeURIComponent(q)}&filter-lang=cql2-text`;
      expect(await matched(f('residential = true'))).toBe(await count('residential'));
      expect(await matched(f('NOT (residential = true)')) + await matched(f('residential = true'))).toBe(await count('TRUE'));
      expect(await matched(f("use IN ('apartments', 'residential', 'dormitory')"))).toBe(await count(`use IN ('apartments', 'residential', 'dormitory')`));
      expect(await matched(f('levels BETWEEN 3 AND 10'))).toBe(await count('levels BETWEEN 3 AND 10'));
      expect(await matched(f('height IS NULL AND levels IS NOT NULL'))).toBe(await count('height IS NULL AND levels IS NOT NULL'));
      expect(await matched(f("name LIKE '%楼%' OR use = 'university'"))).toBe(await count(`name LIKE '%楼%' OR use = 'university'`));
      expect(await matched(f('area_m2 >= 1000 AND (levels > 5 OR height > 20)'))).toBe(await count('area_m2 >= 1000 AND (levels > 5 OR height > 20)'));
      // datetime on the construction year
      expect(await matched('datetime=2000-01-01/..')).toBe(await count('year >= 2000'));
      expect(await matched('datetime=../1999-12-31')).toBe(await count('year <= 1999'));
      const dtOther = await s.app.inject({ url: '/collections/facilities/items?datetime=2000-01-01' });
      expect(dtOther.statusCode).toBe(400);
    });

    it('items: an invalid CQL2 filter is a 400 with the position of the error', async () => {
      const cases: [string, RegExp][] = [
        ['height >', /position 8/],
        ['height > 10 AND', /position 15/],
        ["nosuch = 'x'", /unknown property "nosuch".*position 0/],
        ["height = 'tall'", /position 9/],
        ['(height > 1', /expected '\)'.*position 11/],
        ["name LIKE 5", /string pattern/],
      ];
      for (const [q, re] of cases) {
        const r = await s.app.inject({ url: `/collections/buildings/items?filter=${encodeURIComponent(q)}` });
        expect(r.statusCode, q).toBe(400);
        expect(json(r).description, q).toMatch(re);
        expect(typeof json(r).position).toBe('number');
      }
    });

    it('one feature; facilities have an id per category; HTML by f=html and Accept', async () => {
      const one = await s.app.inject({ url: `/collections/buildings/items/${residentialId}` });
      expect(one.statusCode).toBe(200);
      expect(one.headers['content-type']).toMatch(/geo\+json/);
      expect(json(one).id).toBe(residentialId);
      expect((await s.app.inject({ url: '/collections/buildings/items/w0' })).statusCode).toBe(404);
      const fac = json(await s.app.inject({ url: '/collections/facilities/items?category=bus_stop&limit=1' })).features[0];
      expect(fac.id).toMatch(/^[nwr]\d+:bus_stop$/);
      expect(fac.properties.category).toBe('bus_stop');
      expect(json(await s.app.inject({ url: `/collections/facilities/items/${encodeURIComponent(fac.id)}` })).id).toBe(fac.id);
      const html = await s.app.inject({ url: '/collections/buildings/items?limit=5', headers: { accept: 'text/html' } });
      expect(html.headers['content-type']).toMatch(/text\/html/);
      expect(html.body).toContain('<table>');
      const h2 = await s.app.inject({ url: `/collections/buildings/items/${residentialId}?f=html` });
      expect(h2.body).toContain(residentialId);
    });

    it('vector tiles: MVT cut in the app, gzip, ETag/304, TileJSON with the access fields', async () => {
      const tj = json(await s.app.inject({ url: '/tiles/buildings.json' }));
      expect(tj.tilejson).toBe('3.0.0');
      expect(tj.tiles[0]).toMatch(/\/tiles\/buildings\/\{z\}\/\{x\}\/\{y\}\.mvt$/);
      expect(tj.vector_layers[0].fields).toHaveProperty('d_kindergarten');
      expect(tj.attribution).toMatch(/OpenStreetMap/);
      const [x, y] = tileOf(centre[0], centre[1], 15);
      const r = await s.app.inject({ url: `/tiles/buildings/15/${x}/${y}.mvt`, headers: { 'accept-encoding': 'gzip' } });
      expect(r.statusCode).toBe(200);
      expect(r.headers['content-type']).toBe('application/vnd.mapbox-vector-tile');
      expect(r.headers['content-encoding']).toBe('gzip');
      const etag = r.headers.etag as string;
      expect(etag).toBeTruthy();
      const tile = decode(r.rawPayload, true);
      const layer = tile.layers.buildings;
      expect(layer.length).toBeGreaterThan(5);
      const ids = new Set<string>();
      let withAccess = 0;
      for (let i = 0; i < layer.length; i++) {
        const f = layer.feature(i);
        expect(f.type).toBe(3);
        ids.add(String(f.properties.id));
        if (f.properties.id === residentialId) expect(f.properties).toHaveProperty('d_supermarket');
        if ('d_bus_stop' in f.properties) withAccess++;
        // exterior rings come first with positive area (MVT winding)
        const rings = f.loadGeometry();
        let a = 0;
        const ring = rings[0];
        for (let k = 0, j = ring.length - 1; k < ring.length; j = k++) a += ring[j].x * ring[k].y - ring[k].x * ring[j].y;
        expect(a).toBeGreaterThan(0);
      }
      expect(ids.has(residentialId)).toBe(true);
      expect(withAccess).toBeGreaterThan(0);
      const again = await s.app.inject({ url: `/tiles/buildings/15/${x}/${y}.mvt`, headers: { 'if-none-match': etag } });
      expect(again.statusCode).toBe(304);
      const plain = await s.app.inject({ url: `/tiles/buildings/15/${x}/${y}.mvt` });
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(decode(plain.rawPayload, false).layers.buildings.length).toBe(layer.length);
      // other layers, an empty tile, below the layer's min zoom
      const [fx, fy] = tileOf(centre[0], centre[1], 14);
      const fr = await s.app.inject({ url: `/tiles/facilities/14/${fx}/${fy}.mvt` });
      expect(decode(fr.rawPayload, false).layers.facilities.feature(0).type).toBe(1);
      const wr = await s.app.inject({ url: `/tiles/walk_network/14/${fx}/${fy}.mvt` });
      expect(decode(wr.rawPayload, false).layers.walk_network.feature(0).type).toBe(2);
      expect((await s.app.inject({ url: '/tiles/buildings/15/0/0.mvt' })).statusCode).toBe(204);
      expect((await s.app.inject({ url: `/tiles/buildings/8/${x >> 7}/${y >> 7}.mvt` })).statusCode).toBe(204);
      const list = json(await s.app.inject({ url: '/tiles' }));
      expect(list.layers.map((l: { id: string }) => l.id)).toContain('walk_network');
    });

    if (driver.name === 'postgres') {
      it('tiles by ST_AsMVT in PostgreSQL carry the same features as the app-cut tiles', async () => {
        for (const z of [14, 15, 16]) {
          const [x, y] = tileOf(centre[0], centre[1], z);
          const ids = async (engine: string) => {
            const r = await s.app.inject({ url: `/tiles/buildings/${z}/${x}/${y}.mvt?engine=${engine}` });
            expect(r.statusCode).toBe(200);
            const l = decode(r.rawPayload, false).layers.buildings;
            const out = new Set<string>();
            for (let i = 0; i < l.length; i++) out.add(String(l.feature(i).properties.id));
            return out;
          };
          const app = await ids('app'), pg = await ids('postgis');
          const common = [...app].filter((i) => pg.has(i)).length;
          expect(common / Math.max(app.size, pg.size)).toBeGreaterThan(0.95);
        }
      });
    }

    it('platform API: summary, categories, sources, building access, isochrone, ranking', async () => {
      const sum = json(await s.app.inject({ url: '/api/v1/summary' }));
      expect(sum.city_id).toBe(CITY);
      expect(sum.counts.buildings).toBeGreaterThan(200);
      expect(sum.access.run_id).toBeGreaterThan(0);
      expect(sum.sources[0].source_id).toBe('beijing-haidian-cau');
      const cats = json(await s.app.inject({ url: '/api/v1/categories' })).categories;
      expect(cats.find((c: { id: string }) => c.id === 'kindergarten').threshold_m).toBe(300);
      expect(json(await s.app.inject({ url: '/api/v1/sources' })).sources).toHaveLength(1);
      const acc = json(await s.app.inject({ url: `/api/v1/buildings/${residentialId}/access` }));
      expect(acc.distances).toHaveLength(21);
      const bus = acc.distances.find((d: { category: string }) => d.category === 'bus_stop');
      expect(bus.threshold_m).toBe(500);
      if (bus.distance_m !== null) expect(bus.within).toBe(bus.distance_m <= 500);
      const nonRes = (await s.store.query<{ id: string }>('SELECT id FROM buildings_current WHERE city_id = $1 AND NOT residential LIMIT 1', [CITY]))[0];
      const nr = await s.app.inject({ url: `/api/v1/buildings/${nonRes.id}/access` });
      expect(nr.statusCode).toBe(404);
      expect(json(nr).description).toMatch(/not residential/);
      const iso = json(await s.app.inject({ url: `/api/v1/isochrone?lon=${centre[0]}&lat=${centre[1]}&minutes=5,10,15` }));
      expect(iso.features.map((f: { properties: { minutes: number } }) => f.properties.minutes)).toEqual([5, 10, 15]);
      const areas = iso.features.map((f: { properties: { area_m2: number } }) => f.properties.area_m2);
      expect(areas[0]).toBeGreaterThan(0);
      expect(areas[1]).toBeGreaterThan(areas[0]);
      expect(areas[2]).toBeGreaterThanOrEqual(areas[1]);
      const bad = await s.app.inject({ url: '/api/v1/isochrone?lon=200&lat=40' });
      expect(bad.statusCode).toBe(400);
      expect(json(bad).description).toMatch(/lon/);
      const rank = json(await s.app.inject({ url: '/api/v1/communities/ranking' }));
      expect(rank.explain).toMatch(/resident-weighted/);
      const accSummary = json(await s.app.inject({ url: '/api/v1/access/summary' })).summary;
      expect(accSummary.categories.length).toBe(21);
      // a category with no facility in the extract is a data gap: no verdict for the building, left out of the ranking
      const gaps = accSummary.categories.filter((c: { facilities: number }) => c.facilities === 0).map((c: { id: string }) => c.id);
      expect(gaps.length).toBeGreaterThan(0);
      expect(acc.distances.filter((d: { data_gap: boolean }) => d.data_gap).map((d: { category: string }) => d.category)).toEqual(acc.distances.map((d: { category: string }) => d.category).filter((c: string) => gaps.includes(c)));
      for (const d of acc.distances.filter((x: { data_gap: boolean }) => x.data_gap)) expect([d.distance_m, d.within]).toEqual([null, null]);
      expect(acc.cutoff_m).toBe(3000);
      for (const g of gaps) expect(rank.categories).not.toContain(g);
      expect(rank.data_gaps.length).toBeGreaterThan(0);
      expect(rank.data_gaps.every((g: string) => gaps.includes(g))).toBe(true);
    });

    it('health check results: 404 with a hint until `opencim check` ran, then read from its output folder', async () => {
      const none = await s.app.inject({ url: '/api/v1/indicators' });
      expect(none.statusCode).toBe(404);
      expect(json(none).description).toMatch(/opencim check/);
      expect((await s.app.inject({ url: '/api/v1/renewal' })).statusCode).toBe(404);
      mkdirSync(reportDir, { recursive: true });
      writeFileSync(join(reportDir, 'indicators.json'), JSON.stringify({
        city: CITY, generated_at: '2026-01-01T00:00:00Z', indicators: [
          { id: 'park_service_coverage', name_zh: '公园绿化活动场地服务半径覆盖率', name_en: 'Park coverage', level: 'city', area_id: CITY, value: 0.73, unit: 'ratio', target: { op: '>=', value: 0.9 }, status: 'fail', source: 'computed', explain: 'x' },
          { id: 'road_density', level: 'district', area_id: 'd1', value: 9, unit: 'km/km2', target: { op: '>=', value: 8 }, status: 'pass' },
        ],
      }));
      writeFileSync(join(reportDir, 'report.html'), '<!doctype html><title>report</title>');
      const all = json(await s.app.inject({ url: '/api/v1/indicators' }));
      expect(all.indicators).toHaveLength(2);
      const city = json(await s.app.inject({ url: '/api/v1/indicators?level=city' }));
      expect(city.indicators.map((i: { id: string }) => i.id)).toEqual(['park_service_coverage']);
      expect((await s.app.inject({ url: '/api/v1/indicators?level=galaxy' })).statusCode).toBe(400);
    });

    if (driver.name === 'postgres') {
      it('health check results in the store (`opencim check --db`): indicator_results and renewal_candidates collections, /api/v1/indicators', async () => {
        const out = tempDir('check-');
        const r = await runCli(['check', '--db', (s.options.pgUrl as string), '--city', CITY, '--out', out, '-q']);
        expect(r.code, r.stderr).toBe(0);
        s.ctx.invalidate();
        const ids = json(await s.app.inject({ url: '/collections' })).collections.map((c: { id: string }) => c.id);
        expect(ids).toEqual(expect.arrayContaining(['indicator_results', 'renewal_candidates']));
        const items = json(await s.app.inject({ url: '/collections/indicator_results/items?level=city&limit=100' }));
        expect(items.numberMatched).toBeGreaterThan(10);
        const f = items.features.find((x: { properties: { source: string; value: number | null } }) => x.properties.source === 'computed' && x.properties.value !== null);
        expect(f.properties).toHaveProperty('explain');
        expect(json(await s.app.inject({ url: `/collections/indicator_results/items/${encodeURIComponent(f.id)}` })).id).toBe(f.id);
        const fails = json(await s.app.inject({ url: `/collections/indicator_results/items?filter=${encodeURIComponent("status = 'fail' AND level = 'city'")}&limit=100` }));
        for (const x of fails.features) expect(x.properties.status).toBe('fail');
        const api = json(await s.app.inject({ url: '/api/v1/indicators?level=city' }));
        expect(api.from).toBe('store:indicator_results');
        expect(api.indicators.length).toBe(items.numberMatched);
        expect(api.indicators.some((i: { name_zh?: string }) => !!i.name_zh)).toBe(true);
        // the Chinese unit, as in indicators.json (the viewer's dashboard shows it)
        expect(api.indicators.find((i: { id: string }) => i.id === 'population_density')).toMatchObject({ unit: 'persons/km2', unit_zh: '人/km²' });
        const ren = await s.app.inject({ url: '/collections/renewal_candidates/items' });
        expect(ren.statusCode).toBe(200);
        expect(json(await s.app.inject({ url: '/api/v1/summary' })).health_check.from).toBe('store:indicator_results');
      });
    }

    it('writes need a token with a role; reads are public', async () => {
      const body = { name: '海淀 Haidian' };
      expect((await s.app.inject({ method: 'PATCH', url: `/api/v1/cities/${CITY}`, payload: body })).statusCode).toBe(401);
      expect((await s.app.inject({ method: 'PATCH', url: `/api/v1/cities/${CITY}`, payload: body, headers: { authorization: 'Bearer wrong-token-0123456789' } })).statusCode).toBe(401);
      expect((await s.app.inject({ method: 'PATCH', url: `/api/v1/cities/${CITY}`, payload: body, headers: { authorization: `Bearer ${tokens[0].token}` } })).statusCode).toBe(403);
      const ok = await s.app.inject({ method: 'PATCH', url: `/api/v1/cities/${CITY}`, payload: body, headers: { authorization: `Bearer ${tokens[1].token}` } });
      expect(ok.statusCode).toBe(200);
      expect((await s.store.query<{ name: string }>('SELECT name FROM cities WHERE city_id = $1', [CITY]))[0].name).toBe(body.name);
      // the rename is in the city's archive chain: a sealed change set naming who, and the old and the new name
      const cs = ok.json().changeset as number;
      expect(ok.json()).toMatchObject({ changed: true, updated_by: expect.any(String) });
      const [rec] = await s.store.query<{ kind: string; actor: string; reason: string; sealed: boolean }>(
        'SELECT kind, actor, reason, head IS NOT NULL AS sealed FROM changesets WHERE changeset_id = $1 AND city_id = $2', [cs, CITY]);
      expect(rec).toMatchObject({ kind: 'city', actor: ok.json().updated_by, sealed: true });
      expect(rec.reason).toContain(`→ "${body.name}"`);
      const { verifyArchive } = await import('../../src/store/verify.js');
      expect((await verifyArchive(s.store, CITY)).ok).toBe(true);
      // the same name again changes nothing and records nothing; a reason given is kept beside the names
      const again = await s.app.inject({ method: 'PATCH', url: `/api/v1/cities/${CITY}`, payload: body, headers: { authorization: `Bearer ${tokens[1].token}` } });
      expect(again.json()).toMatchObject({ changed: false, changeset: null });
      const why = await s.app.inject({ method: 'PATCH', url: `/api/v1/cities/${CITY}`, payload: { name: '海淀区', reason: '规范名称 official name' }, headers: { authorization: `Bearer ${tokens[1].token}` } });
      const [rec2] = await s.store.query<{ reason: string }>('SELECT reason FROM changesets WHERE changeset_id = $1', [why.json().changeset]);
      expect(rec2.reason).toBe(`规范名称 official name (改名 rename: "${body.name}" → "海淀区")`);
      expect((await s.app.inject({ method: 'POST', url: '/api/v1/admin/cache/clear', headers: { authorization: `Bearer ${tokens[1].token}` } })).statusCode).toBe(403);
      expect((await s.app.inject({ method: 'POST', url: '/api/v1/admin/cache/clear', headers: { authorization: `Bearer ${tokens[2].token}` } })).statusCode).toBe(200);
      expect((await s.app.inject({ method: 'DELETE', url: '/collections/buildings/items' })).statusCode).toBe(404);
      const cors = await s.app.inject({ url: '/collections', headers: { origin: 'https://example.org' } });
      expect(cors.headers['access-control-allow-origin']).toBe('*');
    });
  });
}

describe('private server (publicRead off)', () => {
  it('every read needs a token', async () => {
    const tokens = [{ token: 'reader-token-0123456789', role: 'read' as const }];
    const s = await cityServer(await DRIVERS[0].fresh(), { tokens, publicRead: false, cors: ['https://city.example'] }, { access: false });
    try {
      expect((await s.app.inject({ url: '/collections' })).statusCode).toBe(401);
      expect((await s.app.inject({ url: '/collections', headers: { authorization: `Bearer ${tokens[0].token}` } })).statusCode).toBe(200);
      const c = await s.app.inject({ method: 'OPTIONS', url: '/collections', headers: { origin: 'https://city.example', 'access-control-request-method': 'GET' } });
      expect(c.headers['access-control-allow-origin']).toBe('https://city.example');
      const other = await s.app.inject({ method: 'OPTIONS', url: '/collections', headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' } });
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await s.close();
    }
  });
});
