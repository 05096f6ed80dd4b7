/**
 * GDAL as a real client (Debian gdal-bin): the OAPIF driver reads every collection through the OGC
 * API, ogr2ogr writes each to GeoPackage and Shapefile, and the MVT driver reads tiles; what GDAL
 * reads is checked against the API's own counts and values and against an independent decoder.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { VectorTile } from '@mapbox/vector-tile';
import Pbf from 'pbf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COLLECTION_BY_ID } from '../../src/catalog/collections.js';
import { DRIVERS, tempDir } from '../helpers/stores.js';
import { CITY, cityServer } from '../server/fixture.js';
import { cityStats } from '../../src/store/stats.js';

const run = promisify(execFile);
/** a GDAL command; never through a proxy, even if the environment names one */
async function gdal(cmd: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  const env = { ...process.env, NO_PROXY: '127.0.0.1,localhost', no_proxy: '127.0.0.1,localhost', GDAL_HTTP_TIMEOUT: '60' };
  return run(cmd, args, { env, maxBuffer: 64 * 1024 * 1024, timeout: 300_000 });
}

/** ogrinfo -so output → layer name → { geometry, count } */
function layersOf(out: string): Map<string, { geometry: string; count: number }> {
  const m = new Map<string, { geometry: string; count: number }>();
  for (const block of out.split(/\n(?=Layer name: )/).filter((b) => b.startsWith('Layer name: '))) {
    const name = /^Layer name: (.+)$/m.exec(block)![1].trim();
    m.set(name, { geometry: /^Geometry: (.+)$/m.exec(block)?.[1].trim() ?? '', count: Number(/^Feature Count: (\d+)$/m.exec(block)?.[1]) });
  }
  return m;
}

/** the OGR name of a collection's declared geometry type */
const OGR: Record<string, string> = { Point: 'Point', MultiPoint: 'Multi Point', LineString: 'Line String', MultiLineString: 'Multi Line String', Polygon: 'Polygon', MultiPolygon: 'Multi Polygon' };

function tileOf(lon: number, lat: number, z: number): [number, number] {
  const n = 2 ** z;
  const s = Math.sin((lat * Math.PI) / 180);
  return [Math.floor(((lon + 180) / 360) * n), Math.floor((0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)) * n)];
}

const noErrors = (stderr: string) => expect(stderr.split('\n').filter((l) => /^(ERROR|FAILURE)/.test(l))).toEqual([]);

for (const driver of DRIVERS) {
  describe(`GDAL reads the OGC API and the tiles (${driver.name})`, () => {
    let s: Awaited<ReturnType<typeof cityServer>>;
    let base: string;
    let collections: { id: string; extent: { spatial: { bbox: number[][] } } }[];
    const matched = new Map<string, number>();
    beforeAll(async () => {
      s = await cityServer(await driver.fresh(), {}, { access: false });
      await s.app.listen({ port: 0, host: '127.0.0.1' });
      base = `http://127.0.0.1:${(s.app.server.address() as { port: number }).port}`;
      collections = (await (await fetch(`${base}/collections`)).json()).collections;
      for (const c of collections) matched.set(c.id, (await (await fetch(`${base}/collections/${c.id}/items?limit=1`)).json()).numberMatched);
    });
    afterAll(async () => { await s?.close(); });

    it('the OpenAPI document has the media type GDAL 3.6 compares literally', async () => {
      const r = await fetch(`${base}/api`);
      expect(r.headers.get('content-type')).toBe('application/vnd.oai.openapi+json;version=3.0');
      expect((await r.json()).openapi).toMatch(/^3\.0/);
    });

    it('ogrinfo OAPIF: every collection with its one geometry type and its count; the API definition read without an error', async () => {
      const { stdout, stderr } = await gdal('ogrinfo', ['-ro', '-so', '-al', `OAPIF:${base}/`]);
      noErrors(stderr);
      const layers = layersOf(stdout);
      expect([...layers.keys()].sort()).toEqual(collections.map((c) => c.id).sort());
      expect(collections.map((c) => c.id)).toEqual(expect.arrayContaining(['buildings', 'facilities', 'facility_areas', 'walk_network']));
      for (const [id, l] of layers) {
        expect(l.count, id).toBe(matched.get(id));
        if (l.count > 0) expect(l.geometry, id).toBe(OGR[COLLECTION_BY_ID.get(id)!.geometry.type]);
      }
      expect(layers.get('facilities')!.geometry).toBe('Point');
      // `opencim stats` counts facilities as the API does: one per facility and category
      const [st] = await cityStats(s.store, CITY);
      expect(st.counts.facilities).toBe(matched.get('facilities'));
      expect(Object.values(st.categories).reduce((a, b) => a + b, 0)).toBe(matched.get('facilities'));
      // an attribute filter makes GDAL read the API definition (to see which filters the server takes)
      const f = await gdal('ogrinfo', ['-ro', '-so', `OAPIF:${base}/`, 'facilities', '-where', "category = 'bus_stop'", '--debug', 'on']);
      expect(f.stderr).toContain(`Fetch(${base}/api)`);
      expect(f.stderr).not.toMatch(/Unexpected Content-Type/);
      noErrors(f.stderr);
      const busStops = (await (await fetch(`${base}/collections/facilities/items?category=bus_stop&limit=1`)).json()).numberMatched;
      expect(busStops).toBeGreaterThan(0);
      expect(layersOf(f.stdout).get('facilities')!.count).toBe(busStops);
    });

    it("fields are typed from the collection's schema (describedBy), not guessed from the first page", async () => {
      const OGR_TYPE: Record<string, string> = { number: 'Real', integer: 'Integer', boolean: 'Integer(Boolean)', string: 'String', object: 'String' };
      // one page of one feature: a property null in it would be typed String if GDAL guessed from the page
      const { stdout, stderr } = await gdal('ogrinfo', ['-ro', '-so', '-al', '-oo', 'PAGE_SIZE=1', `OAPIF:${base}/`, '--debug', 'on']);
      noErrors(stderr);
      expect(stderr).toContain('OAPIF: Using JSON schema');
      for (const block of stdout.split(/\n(?=Layer name: )/).filter((b) => b.startsWith('Layer name: '))) {
        const id = /^Layer name: (.+)$/m.exec(block)![1].trim();
        const fields = Object.fromEntries([...block.matchAll(/^(\w+): (\w+(?:\(\w+\))?) \(/gm)].map((m) => [m[1], m[2]]));
        for (const p of COLLECTION_BY_ID.get(id)!.properties) expect([id, p.name, fields[p.name]]).toEqual([id, p.name, OGR_TYPE[p.type]]);
      }
    });

    it('facility points: bbox and CQL2 S_INTERSECTS select the points inside the box, as counted here from the points', async () => {
      const all = (await (await fetch(`${base}/collections/facilities/items?limit=10000`)).json()).features;
      const xs = all.map((f: { geometry: { coordinates: number[] } }) => f.geometry.coordinates[0]).sort((a: number, b: number) => a - b);
      const ys = all.map((f: { geometry: { coordinates: number[] } }) => f.geometry.coordinates[1]);
      const box = [xs[0] - 1e-4, Math.min(...ys) - 1e-4, xs[Math.floor(xs.length / 2)], Math.max(...ys) + 1e-4];
      const inside = all.filter((f: { geometry: { coordinates: number[] } }) => { const [x, y] = f.geometry.coordinates; return x >= box[0] && x <= box[2] && y >= box[1] && y <= box[3]; }).length;
      expect(inside).toBeGreaterThan(0);
      expect(inside).toBeLessThan(all.length);
      const byBbox = (await (await fetch(`${base}/collections/facilities/items?limit=1&bbox=${box.join(',')}`)).json()).numberMatched;
      const byCql = (await (await fetch(`${base}/collections/facilities/items?limit=1&filter=${encodeURIComponent(`S_INTERSECTS(geometry, BBOX(${box.join(',')}))`)}`)).json()).numberMatched;
      expect(byBbox).toBe(inside);
      expect(byCql).toBe(inside);
    });

    it('ogr2ogr writes every collection to one GeoPackage, counts and types kept', async () => {
      const gpkg = join(tempDir('gdal-'), 'city.gpkg');
      const w = await gdal('ogr2ogr', ['-f', 'GPKG', gpkg, `OAPIF:${base}/`]);
      noErrors(w.stderr);
      const layers = layersOf((await gdal('ogrinfo', ['-ro', '-so', '-al', gpkg])).stdout);
      for (const c of collections.filter((x) => matched.get(x.id)! > 0)) {
        expect(layers.get(c.id)?.count, c.id).toBe(matched.get(c.id));
        expect(layers.get(c.id)?.geometry, c.id).toBe(OGR[COLLECTION_BY_ID.get(c.id)!.geometry.type]);
      }
    });

    it('ogr2ogr writes each collection to a Shapefile (one geometry type a file); Chinese names survive in UTF-8', async () => {
      const dir = tempDir('shp-');
      for (const c of collections) {
        const w = await gdal('ogr2ogr', ['-f', 'ESRI Shapefile', '-lco', 'ENCODING=UTF-8', join(dir, `${c.id}.shp`), `OAPIF:${base}/`, c.id]);
        noErrors(w.stderr);
        const l = layersOf((await gdal('ogrinfo', ['-ro', '-so', '-al', join(dir, `${c.id}.shp`)])).stdout).get(c.id)!;
        expect(l.count, c.id).toBe(matched.get(c.id));
        if (l.count > 0) expect(l.geometry.replace(/^Multi /, ''), c.id).toBe(OGR[COLLECTION_BY_ID.get(c.id)!.geometry.type].replace(/^Multi /, ''));
      }
      // the values, read back from the Shapefile by GDAL, are the API's
      const back = JSON.parse((await gdal('ogr2ogr', ['-f', 'GeoJSON', '/vsistdout/', join(dir, 'facilities.shp')])).stdout);
      const api = (await (await fetch(`${base}/collections/facilities/items?limit=10000`)).json()).features;
      const key = (id: string, cat: string) => `${id}|${cat}`;
      const apiNames = new Map(api.map((f: { properties: { osm_id: string; category: string; name: string | null } }) => [key(f.properties.osm_id, f.properties.category), f.properties.name]));
      expect(back.features.length).toBe(api.length);
      const named = back.features.filter((f: { properties: { name: string | null } }) => f.properties.name && /[\u4e00-\u9fff]/.test(f.properties.name));
      expect(named.length).toBeGreaterThan(0);
      for (const f of back.features) expect(f.properties.name ?? null).toBe(apiNames.get(key(f.properties.osm_id, f.properties.category)) ?? null);
      // a facility mapped as an area: its point lies inside its outline in facility_areas
      const area = (await (await fetch(`${base}/collections/facility_areas/items?limit=1`)).json()).features[0];
      const point = (await (await fetch(`${base}/collections/facilities/items/${encodeURIComponent(area.id)}`)).json());
      expect(point.geometry.type).toBe('Point');
      expect(point.properties.has_area).toBe(true);
      const inside = await s.store.query<{ ok: boolean }>('SELECT ST_Contains(ST_GeomFromGeoJSON($1), ST_GeomFromGeoJSON($2)) AS ok', [JSON.stringify(area.geometry), JSON.stringify(point.geometry)]);
      expect(inside[0].ok).toBe(true);
    });

    it('the MVT driver reads a tile of each kind: the features an independent decoder finds', async () => {
      const b = collections.find((c) => c.id === 'buildings')!.extent.spatial.bbox[0];
      const [lon, lat] = [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2];
      for (const [layer, z, type] of [['buildings', 15, 'Polygon'], ['facilities', 14, 'Point'], ['walk_network', 15, 'Line String']] as const) {
        const [x, y] = tileOf(lon, lat, z);
        const url = `${base}/tiles/${layer}/${z}/${x}/${y}.mvt`;
        const raw = Buffer.from(await (await fetch(url, { headers: { 'accept-encoding': 'identity' } })).arrayBuffer());
        const n = new VectorTile(new Pbf(raw)).layers[layer]?.length ?? 0;
        expect(n, layer).toBeGreaterThan(0);
        const { stdout, stderr } = await gdal('ogrinfo', ['-ro', '-so', '-al', `MVT:${url}`]);
        noErrors(stderr);
        const l = layersOf(stdout).get(layer)!;
        expect(l.count, layer).toBe(n);
        expect(l.geometry.replace(/^Multi /, ''), layer).toBe(type);
      }
    });
  });
}
