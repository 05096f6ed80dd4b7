import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { VectorTile } from '@mapbox/vector-tile';
import Pbf from 'pbf';
import { PMTiles, zxyToTileId } from 'pmtiles';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJob } from '../../src/jobs/registry.js';
import { parseParams } from '../../src/jobs/contract.js';
import { directories, type Entry, exportPmtiles, header, HEADER_BYTES, tileId } from '../../src/server/tiles/pmtiles.js';
import { buildPyramid, readyPyramid, refreshPyramids, tileRange } from '../../src/server/tiles/pyramid.js';
import { importSources } from '../../src/store/import.js';
import { openSource } from '../../src/ingest/index.js';
import { spawn } from 'node:child_process';
import { BIN, runCli } from '../helpers/cli.js';
import { DRIVERS, tempDir } from '../helpers/stores.js';
import { CITY, cityServer } from './fixture.js';
import { buildServer, startServer } from '../../src/server/app.js';

type S = Awaited<ReturnType<typeof cityServer>>;

/** a PMTiles reader over a file held in memory */
function pmtilesOf(file: string): PMTiles {
  const buf = readFileSync(file);
  return new PMTiles({ getKey: () => file, getBytes: async (o: number, l: number) => ({ data: buf.buffer.slice(buf.byteOffset + o, buf.byteOffset + o + l) as ArrayBuffer }) });
}

/** features of one layer as sortable text: id, properties and geometry */
function features(tile: VectorTile, layer: string): string[] {
  const l = tile.layers[layer];
  if (!l) return [];
  const out: string[] = [];
  for (let i = 0; i < l.length; i++) {
    const f = l.feature(i);
    out.push(JSON.stringify([f.type, Object.entries(f.properties).sort(), f.loadGeometry()]));
  }
  return out.sort();
}

describe('tile pyramid: PMTiles tile ids and directories (checked by the pmtiles reader)', () => {
  it('tile ids are the Hilbert ids of the pmtiles package', () => {
    let n = 0;
    for (let z = 0; z <= 20; z++) {
      for (let k = 0; k < 200; k++) {
        const m = 2 ** z;
        const x = (k * 7919 + z) % m, y = (k * 104729 + 3 * z) % m;
        expect(tileId(z, x, y)).toBe(zxyToTileId(z, x, y));
        n++;
      }
    }
    expect(n).toBe(21 * 200);
    expect(() => tileId(3, 8, 0)).toThrow(/outside/);
  });

  it('leaf directories and run lengths: 60,000 tiles read back tile by tile', async () => {
    // z15 tiles in a 300 x 200 block; every 7th run of 5 tiles shares one content (run length), others are distinct
    const data: Buffer[] = [];
    const entries: Entry[] = [];
    const expected = new Map<number, string>();
    let off = 0;
    const ids: { id: number; z: number; x: number; y: number }[] = [];
    for (let y = 10000; y < 10200; y++) for (let x = 20000; x < 20300; x++) ids.push({ id: tileId(15, x, y), z: 15, x, y });
    ids.sort((a, b) => a.id - b.id);
    let shared: { offset: number; length: number } | null = null;
    ids.forEach((t, i) => {
      const sharedRun = Math.floor(i / 5) % 7 === 0;
      const text = sharedRun ? 'shared' : `tile ${t.z}/${t.x}/${t.y}`;
      let c: { offset: number; length: number };
      if (sharedRun && shared) c = shared;
      else {
        const gz = gzipSync(Buffer.from(text));
        data.push(gz);
        c = { offset: off, length: gz.length };
        off += gz.length;
        if (sharedRun) shared = c;
      }
      const last = entries[entries.length - 1];
      if (last && last.tileId + last.runLength === t.id && last.offset === c.offset && last.length === c.length) last.runLength++;
      else entries.push({ tileId: t.id, offset: c.offset, length: c.length, runLength: 1 });
      expected.set(i, text);
    });
    const { root, leaves } = directories(entries);
    expect(leaves.length).toBeGreaterThan(0);
    expect(HEADER_BYTES + root.length).toBeLessThanOrEqual(16384);
    const meta = gzipSync(Buffer.from('{"name":"t"}'));
    const tileData = Buffer.concat(data);
    const h = header({
      rootOffset: 127, rootLength: root.length, metadataOffset: 127 + root.length, metadataLength: meta.length,
      leafOffset: 127 + root.length + meta.length, leafLength: leaves.length, dataOffset: 127 + root.length + meta.length + leaves.length, dataLength: tileData.length,
      addressedTiles: ids.length, tileEntries: entries.length, tileContents: data.length, minZoom: 15, maxZoom: 15, bbox: [40, 30, 41, 31], centerZoom: 15, center: [40.5, 30.5],
    });
    const file = join(tempDir('pmtiles-'), 'synthetic.pmtiles');
    writeFileSync(file, Buffer.concat([h, root, meta, leaves, tileData]));
    const p = pmtilesOf(file);
    const hd = await p.getHeader();
    expect(hd.numAddressedTiles).toBe(60000);
    expect(hd.numTileEntries).toBe(entries.length);
    expect(entries.length).toBeLessThan(60000); // runs were merged
    for (let i = 0; i < ids.length; i += 97) {
      const t = ids[i];
      const r = await p.getZxy(t.z, t.x, t.y);
      expect(Buffer.from(r!.data).toString()).toBe(expected.get(i));
    }
    expect(await p.getZxy(15, 19999, 10000)).toBeUndefined();
  });
});

for (const driver of DRIVERS) {
  describe(`tile pyramid on ${driver.name}`, () => {
    let s: S;
    let db: string;
    beforeAll(async () => {
      db = await driver.fresh({ migrated: true });
      // short version/pyramid look-up times: the server notices a new pyramid within 0.5 s
      s = await cityServer(db, { tileEngine: 'app', versionTtlMs: 200 });
    });
    afterAll(async () => { await s?.close(); });

    it('builds every tile once, serves them from the store, identical to the live tiles; empty and as_of tiles stay right', async () => {
      // before any pyramid: cut live
      const b = await s.store.query<{ w: number; s: number; e: number; n: number; count: number }>(
        `SELECT ST_XMin(x) AS w, ST_YMin(x) AS s, ST_XMax(x) AS e, ST_YMax(x) AS n, c AS count FROM (SELECT ST_Extent(geom)::geometry AS x, count(*)::int AS c FROM buildings_current WHERE city_id = $1) q`, [CITY]);
      const box: [number, number, number, number] = [Number(b[0].w), Number(b[0].s), Number(b[0].e), Number(b[0].n)];
      const [x0, y0, x1, y1] = tileRange(box, 16);
      const live = await s.app.inject({ url: `/tiles/buildings/16/${x0 + 1}/${y0 + 1}.mvt` });
      expect(live.headers['x-tile-source']).toBeUndefined();

      const progress: number[] = [];
      const r = await buildPyramid(s.store, { actor: 'test', maxzoom: 16, onProgress: (d, t) => progress.push(d / t) });
      expect(r.reused).toBe(false);
      expect(r.layers).toEqual(expect.arrayContaining(['buildings', 'facilities', 'walk_network', 'green_spaces']));
      expect(r.tiles).toBeGreaterThan(20);
      expect(progress.at(-1)).toBe(1);
      const stored = await s.store.query<{ n: number }>('SELECT count(*)::int AS n FROM tile_pyramid_tiles WHERE city_id = $1 AND pyramid_id = $2', [CITY, r.pyramid_id]);
      expect(Number(stored[0].n)).toBe(r.tiles);
      // again at the same version: nothing to do
      expect((await buildPyramid(s.store, { actor: 'test' })).reused).toBe(true);

      s.ctx.invalidate();
      await new Promise((res) => setTimeout(res, 600)); // the server looks its ready pyramid up again after 0.5 s
      expect((JSON.parse((await s.app.inject({ url: '/tiles' })).body) as { pyramid: { pyramid_id: number } }).pyramid.pyramid_id).toBe(r.pyramid_id);
      // every z16 buildings tile of the range: from the pyramid, the same features as cut live by the app engine
      const ids = new Set<string>();
      let fromPyramid = 0, empty = 0;
      for (let x = x0; x <= x1; x++) {
        for (let y = y0; y <= y1; y++) {
          const a = await s.app.inject({ url: `/tiles/buildings/16/${x}/${y}.mvt`, headers: { 'accept-encoding': 'gzip' } });
          const l = await s.app.inject({ url: `/tiles/buildings/16/${x}/${y}.mvt?engine=app` });
          expect(l.headers['x-tile-source']).toBeUndefined();
          expect(a.statusCode).toBe(l.statusCode);
          if (a.statusCode === 204) { empty++; continue; }
          expect(a.headers['x-tile-source']).toBe('pyramid');
          expect(a.headers['content-encoding']).toBe('gzip');
          expect(a.headers.etag).toMatch(/-y"$/);
          expect(a.headers.etag).not.toBe(l.headers.etag);
          fromPyramid++;
          const pt = new VectorTile(new Pbf(gunzipSync(a.rawPayload)));
          const lt = new VectorTile(new Pbf(l.rawPayload));
          expect(features(pt, 'buildings')).toEqual(features(lt, 'buildings'));
          const layer = pt.layers.buildings;
          for (let i = 0; i < layer.length; i++) ids.add(String(layer.feature(i).properties.id));
        }
      }
      expect(fromPyramid).toBeGreaterThan(0);
      expect(empty).toBeGreaterThan(0); // the margin of one tile around the city
      // every building of the city is in some z16 tile of the pyramid (an independent count in SQL)
      expect(ids.size).toBe(Number(b[0].count));
      // a client without gzip gets the plain MVT
      const plain = await s.app.inject({ url: `/tiles/buildings/16/${x0 + 1}/${y0 + 1}.mvt` });
      if (plain.statusCode === 200) {
        expect(plain.headers['content-encoding']).toBeUndefined();
        expect(new VectorTile(new Pbf(plain.rawPayload)).layers.buildings.length).toBeGreaterThan(0);
      }
      // far from the city, inside no range: empty, and below the layer's minzoom: empty
      expect((await s.app.inject({ url: '/tiles/buildings/16/0/0.mvt' })).statusCode).toBe(204);
      expect((await s.app.inject({ url: `/tiles/buildings/12/${x0 >> 4}/${y0 >> 4}.mvt` })).statusCode).toBe(204);
      // as_of is never answered by the pyramid
      const past = await s.app.inject({ url: `/tiles/buildings/16/${x0 + 1}/${y0 + 1}.mvt?as_of=${new Date().toISOString()}` });
      expect(past.headers['x-tile-source']).toBeUndefined();
      // z17 is outside the pyramid: cut live
      expect((await s.app.inject({ url: `/tiles/buildings/17/${2 * x0 + 2}/${2 * y0 + 2}.mvt` })).headers['x-tile-source']).toBeUndefined();
    });

    it('tiles asked for at once are read in batches, each as if alone; cached tiles are answered by the tile lane exactly as by the route', async () => {
      const p = await readyPyramid(s.store, CITY, await s.ctx.version(CITY));
      const [x0, y0, x1, y1] = p!.coverage.buildings['16'];
      const urls: string[] = [];
      for (let x = x0; x <= x1; x++) for (let y = y0; y <= y1; y++) urls.push(`/tiles/buildings/16/${x}/${y}.mvt`);
      urls.push(...urls.slice(0, 5)); // the same tile twice in one batch
      // no tile cache: every tile read from the pyramid
      let full = '';
      const cold = await buildServer(s.store, { tokens: [], tileCacheSize: 0, tileEngine: 'app', ...(db.startsWith('postgres') ? { pgUrl: db } : {}) });
      try {
        const alone: { status: number; body: string }[] = [];
        for (const u of urls) {
          const r = await cold.app.inject({ url: u, headers: { 'accept-encoding': 'gzip' } });
          alone.push({ status: r.statusCode, body: r.rawPayload.toString('base64') });
        }
        const together = await Promise.all(urls.map((u) => cold.app.inject({ url: u, headers: { 'accept-encoding': 'gzip' } })));
        expect(together.map((r) => ({ status: r.statusCode, body: r.rawPayload.toString('base64') }))).toEqual(alone);
        expect(together.filter((r) => r.headers['x-tile-source'] === 'pyramid').length).toBeGreaterThan(5);
        full = urls[alone.findIndex((r) => r.status === 200)];
      } finally {
        await cold.app.close();
      }

      // the lane answers over HTTP (before the framework), once the route has filled the caches
      const srv = await startServer(s.store, { port: 0, host: '127.0.0.1' }, { tokens: [], tileEngine: 'app', ...(db.startsWith('postgres') ? { pgUrl: db } : {}) });
      try {
        const get = async (u: string, headers: Record<string, string> = {}) => {
          const before = srv.tileLane.count;
          const r = await fetch(srv.address + u, { headers });
          const h = Object.fromEntries([...r.headers].filter(([k]) => k !== 'date' && k !== 'keep-alive' && k !== 'connection'));
          return { status: r.status, headers: h, body: Buffer.from(await r.arrayBuffer()).toString('base64'), lane: srv.tileLane.count - before };
        };
        const gz = { 'accept-encoding': 'gzip' };
        const byRoute = await get(`${full}?city=${CITY}`, gz);
        expect(byRoute.lane).toBe(0);
        const byLane = await get(`${full}?city=${CITY}`, gz);
        expect(byLane.lane).toBe(1);
        expect(byLane).toEqual({ ...byRoute, lane: 1 });
        expect(byLane.headers['content-encoding']).toBe('gzip');
        // the same tile by the city's path, and with no city named (the only one): the same answer
        expect(await get(`/cities/${CITY}${full}`, gz)).toEqual(byLane);
        expect(await get(full, gz)).toEqual(byLane);
        // without gzip: the route decompresses once, then the lane has the plain tile too
        // (fetch asks for gzip unless told otherwise)
        const identity = { 'accept-encoding': 'identity' };
        const plain = await get(full, identity);
        expect(plain.lane).toBe(0);
        expect(plain.headers['content-encoding']).toBeUndefined();
        expect(await get(full, identity)).toEqual({ ...plain, lane: 1 });
        // what the lane must not answer goes to the route: a token (the route judges it), a revalidation (304), a forced engine, both cities
        expect(await get(full, { ...gz, authorization: 'Bearer nope' })).toMatchObject({ lane: 0 });
        expect(await get(full, { ...gz, 'if-none-match': byLane.headers.etag })).toMatchObject({ status: 304, lane: 0 });
        expect(await get(`${full}?engine=app`, gz)).toMatchObject({ status: 200, lane: 0 });
        expect(await get(`/cities/${CITY}${full}?city=${CITY}`, gz)).toMatchObject({ status: 400, lane: 0 });
        // a write forgets the caches: the next answer is the route's again
        srv.ctx.invalidate();
        expect(await get(full, gz)).toEqual({ ...byRoute, lane: 0 });
      } finally {
        await srv.close();
      }
    });

    it('a new data version is never served from the old pyramid; the next build replaces it', async () => {
      const before = await readyPyramid(s.store, CITY, await s.ctx.version(CITY));
      expect(before).not.toBeNull();
      // one more building (a new source): the data version moves
      const dir = tempDir('extra-');
      const file = join(dir, 'extra.geojson');
      const [bx, by] = [(before!.bbox![0] + before!.bbox![2]) / 2, (before!.bbox![1] + before!.bbox![3]) / 2];
      const d = 0.0002;
      writeFileSync(file, JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', properties: { building: 'yes', name: '新楼 test' }, geometry: { type: 'Polygon', coordinates: [[[bx, by], [bx + d, by], [bx + d, by + d], [bx, by + d], [bx, by]]] } }] }));
      await importSources(s.store, CITY, [await openSource(file, {})], { actor: 'test' });
      s.ctx.invalidate();
      const v2 = await s.ctx.version(CITY);
      expect(v2).not.toBe(before!.data_version);
      expect(await readyPyramid(s.store, CITY, v2)).toBeNull();
      const [x, y] = tileRange([bx, by, bx, by], 16).slice(0, 2).map((v) => v + 1);
      const r = await s.app.inject({ url: `/tiles/buildings/16/${x}/${y}.mvt` });
      expect(r.statusCode).toBe(200);
      expect(r.headers['x-tile-source']).toBeUndefined();
      const names = new VectorTile(new Pbf(r.rawPayload)).layers.buildings;
      expect(Array.from({ length: names.length }, (_, i) => names.feature(i).properties.name)).toContain('新楼 test');
      // the scheduled refresh rebuilds the stale pyramid with its layers and zooms, and then has nothing to do
      const refreshed = await refreshPyramids(s.store, { actor: 'test' });
      expect(refreshed.map((x) => [x.city_id, x.from_version, x.to_version])).toEqual([[CITY, before!.data_version, v2]]);
      const now = await readyPyramid(s.store, CITY, v2);
      expect([now!.layers, now!.minzoom, now!.maxzoom]).toEqual([before!.layers, before!.minzoom, before!.maxzoom]);
      expect(await refreshPyramids(s.store, { actor: 'test' })).toEqual([]);
      // rebuilt by hand with fewer layers: from the pyramid again, with the new building; the older pyramids are gone
      const again = await buildPyramid(s.store, { actor: 'test', layers: ['buildings'], minzoom: 15, force: true });
      expect(again.data_version).toBe(v2);
      expect(again.minzoom).toBe(15);
      const left = await s.store.query<{ pyramid_id: number }>('SELECT pyramid_id FROM tile_pyramids WHERE city_id = $1', [CITY]);
      expect(left.map((p) => Number(p.pyramid_id))).toEqual([again.pyramid_id]);
      await new Promise((r) => setTimeout(r, 600)); // the server looks its ready pyramid up again after 0.5 s
      const r2 = await s.app.inject({ url: `/tiles/buildings/16/${x}/${y}.mvt` });
      expect(r2.headers['x-tile-source']).toBe('pyramid');
      const l2 = new VectorTile(new Pbf(r2.rawPayload)).layers.buildings;
      expect(Array.from({ length: l2.length }, (_, i) => l2.feature(i).properties.name)).toContain('新楼 test');
      // layers outside the new pyramid are cut live
      expect((await s.app.inject({ url: `/tiles/facilities/16/${x}/${y}.mvt` })).headers['x-tile-source']).toBeUndefined();
    });

    it('PMTiles export: read back by the pmtiles package, every tile holding the pyramid\'s layers', async () => {
      const p = await buildPyramid(s.store, { actor: 'test', layers: ['buildings', 'walk_network'], minzoom: 14, maxzoom: 16, force: true });
      const file = join(tempDir('pmtiles-'), 'city.pmtiles');
      const e = await exportPmtiles(s.store, p, file);
      const reader = pmtilesOf(file);
      const h = await reader.getHeader();
      expect(h.specVersion).toBe(3);
      expect([h.minZoom, h.maxZoom]).toEqual([14, 16]);
      expect(h.tileType).toBe(1);
      expect(h.numAddressedTiles).toBe(e.addressed_tiles);
      expect(h.minLon).toBeCloseTo(p.bbox![0], 6);
      expect(h.maxLat).toBeCloseTo(p.bbox![3], 6);
      const meta = await reader.getMetadata() as { vector_layers: { id: string; fields: Record<string, string> }[]; attribution?: string };
      expect(meta.vector_layers.map((l) => l.id)).toEqual(['walk_network', 'buildings'].filter((l) => p.layers.includes(l)).sort((a, b) => p.layers.indexOf(a) - p.layers.indexOf(b)));
      expect(meta.attribution).toMatch(/OpenStreetMap/);
      const keys = await s.store.query<{ z: number; x: number; y: number; n: number }>(
        'SELECT z, x, y, count(*)::int AS n FROM tile_pyramid_tiles WHERE city_id = $1 AND pyramid_id = $2 GROUP BY z, x, y ORDER BY z, x, y', [CITY, p.pyramid_id]);
      expect(keys.length).toBe(e.addressed_tiles);
      for (const k of keys) {
        const t = await reader.getZxy(Number(k.z), Number(k.x), Number(k.y));
        expect(t).toBeDefined();
        const vt = new VectorTile(new Pbf(new Uint8Array(t!.data)));
        expect(Object.keys(vt.layers).length).toBe(Number(k.n));
        // the same buildings as the pyramid's own tile of that layer
        const one = await s.store.query<{ data: Uint8Array }>('SELECT data FROM tile_pyramid_tiles WHERE city_id = $1 AND pyramid_id = $2 AND layer = $3 AND z = $4 AND x = $5 AND y = $6', [CITY, p.pyramid_id, 'buildings', k.z, k.x, k.y]);
        if (one.length) expect(features(vt, 'buildings')).toEqual(features(new VectorTile(new Pbf(gunzipSync(one[0].data))), 'buildings'));
      }
      expect(await reader.getZxy(16, 0, 0)).toBeUndefined();
    });

    it('the tiles.build job checks its parameters; the CLI builds and exports', async () => {
      const job = getJob('tiles.build');
      expect(() => parseParams(job, { layers: ['cases'] })).toThrow(/params\.layers\.0/);
      expect(() => parseParams(job, { minzoom: 16, maxzoom: 14 })).toThrow(/params\.minzoom/);
      expect(parseParams(job, { city: CITY, maxzoom: 15 })).toEqual({ city: CITY, maxzoom: 15 });
      if (driver.name !== 'postgres') {
        // several server processes need a server store (checked before the folder is opened)
        const r = await runCli(['serve', '--db', db, '--processes', '2']);
        expect(r.code).toBe(2);
        expect(r.stderr).toMatch(/--processes needs a PostgreSQL server/);
        return; // a PGlite folder is open in this process
      }
      const bad = await runCli(['tiles', 'build', '--db', db, '--layers', 'cases']);
      expect(bad.code).toBe(2); // a usage error (the one error module's kind)
      expect(bad.stderr).toMatch(/cases.*cannot be pre-built/);
      const out = join(tempDir('pmtiles-'), 'cli.pmtiles');
      expect((await runCli(['tiles', 'export', '--db', db, '--out', out.replace(/\.pmtiles$/, '.mbtiles')])).code).toBe(2);
      const r = await runCli(['tiles', 'export', '--db', db, '--city', CITY, '--layers', 'buildings', '--minzoom', '15', '--out', out, '--json', '-q']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const j = JSON.parse(r.stdout);
      expect(j.layers).toEqual(['buildings']);
      expect((await pmtilesOf(out).getHeader()).numAddressedTiles).toBe(j.addressed_tiles);

      // two server processes (node:cluster) on one port, both serving the pyramid; SIGTERM stops them all
      const one = await s.store.query<{ z: number; x: number; y: number }>(
        `SELECT z, x, y FROM tile_pyramid_tiles WHERE city_id = $1 AND layer = 'buildings' ORDER BY z DESC, x, y LIMIT 1`, [CITY]);
      const port = 21000 + (process.pid % 20000);
      const srv = spawn(process.execPath, [BIN, 'serve', '--db', db, '--port', String(port), '--processes', '2', '--tile-cache', '0'], { env: { ...process.env, DATABASE_URL: undefined } });
      let log = '';
      const exited = new Promise<number | null>((res) => srv.on('exit', res));
      try {
        await new Promise<void>((res, rej) => {
          const t = setTimeout(() => rej(new Error(`the server processes did not start: ${log}`)), 60_000);
          srv.stderr.on('data', (d) => { log += d; if (/2 processes listening/.test(log)) { clearTimeout(t); res(); } });
        });
        for (let i = 0; i < 4; i++) {
          const r2 = await fetch(`http://127.0.0.1:${port}/tiles/buildings/${one[0].z}/${one[0].x}/${one[0].y}.mvt`, { headers: { connection: 'close' } });
          expect(r2.status).toBe(200);
          expect(r2.headers.get('x-tile-source')).toBe('pyramid');
        }
      } finally {
        srv.kill('SIGTERM');
      }
      expect(await exited).toBe(0);
    });
  });
}
