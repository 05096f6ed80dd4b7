#!/usr/bin/env node
// Server benchmark (issue 5), on the PostgreSQL server driver, with wrk (Debian `wrk`) or autocannon:
//   (a) vector tiles z14–16 of the buildings layer (with the access distances) over a generated city,
//       50 connections, tile cache OFF (every request cut from the store): p50/p95/p99 latency, req/s;
//       the same tiles by ST_AsMVT in the same PostgreSQL (?engine=postgis): ratio app / ST_AsMVT
//   (b) /collections/buildings/items?bbox=(~300 m)&limit=100: req/s vs the raw SQL baseline (the same
//       SELECT through a pg pool of the same size, 50 callers, no HTTP)
//   (c) viewer: time to first rendered buildings in headless chromium (SwiftShader), from navigation
//   (d) the tile pyramid (issue 14): `opencim tiles build --layers buildings --minzoom 14 --maxzoom 16` (its build
//       time), then the same z14–16 tiles served from it with the tile cache off (cold: every tile read from the
//       store) and on (warm), against ST_AsMVT of the same tiles in the same PostgreSQL: p95 and request rate
// usage: npm run build && node bench/serve.mjs [--buildings 1000000] [--db postgres://postgres@127.0.0.1:5432/opencim_bench_serve]
//        [--connections 50] [--duration 20] [--skip-access] [--skip-viewer] [--rebuild-pyramid] [--only-tiles] [--processes 2]
// --processes N (default 2): the pyramid's cold and warm runs again on `opencim serve --processes N` (node:cluster)
// --client wrk|autocannon: the load generator (default wrk when /usr/bin/wrk is installed: `apt-get install wrk`). It shares
// the 2 cores with the server: autocannon (Node) takes a whole core at ~3,000 tiles/s, which then bounds the server's
// latency; wrk (C) takes about a quarter of one at twice the rate. Both count the same things: requests of 50
// connections for --duration s, latency percentiles of the responses, non-2xx answers.
// The city is generated (bench/.cache) and imported (+ `opencim access`) once per database. Wall clock on
// this machine (2 cores shared by the server, PostgreSQL, autocannon and chromium): run it idle.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';

const { values: o } = parseArgs({ options: {
  buildings: { type: 'string', default: '1000000' },
  db: { type: 'string' },
  connections: { type: 'string', default: '50' },
  duration: { type: 'string', default: '20' },
  port: { type: 'string', default: '18431' },
  'skip-access': { type: 'boolean', default: false },
  'skip-viewer': { type: 'boolean', default: false },
  'rebuild-pyramid': { type: 'boolean', default: false },
  'only-tiles': { type: 'boolean', default: false },
  processes: { type: 'string', default: '2' },
  client: { type: 'string', default: existsSync('/usr/bin/wrk') ? 'wrk' : 'autocannon' },
} });
if (!['wrk', 'autocannon'].includes(o.client)) throw new Error(`--client is wrk or autocannon, not ${o.client}`);
const root = resolve(import.meta.dirname, '..');
const bin = join(root, 'bin/opencim.js');
const cache = join(root, 'bench/.cache');
mkdirSync(cache, { recursive: true });
const db = o.db ?? `postgres://postgres@127.0.0.1:5432/opencim_bench_serve_${o.buildings}`;
const city = 'bench';
const C = Number(o.connections), D = Number(o.duration);
const log = (...a) => console.error(...a);

// ---- the city ------------------------------------------------------------------------------------
const dbName = db.split('/').pop();
const admin = db.replace(/\/[^/]*$/, '/postgres');
const exists = execFileSync('psql', [admin, '-qAtc', `SELECT 1 FROM pg_database WHERE datname = '${dbName}'`], { encoding: 'utf8' }).trim() === '1';
if (!exists) execFileSync('psql', [admin, '-qc', `CREATE DATABASE ${dbName}`]);
const client = new pg.Client({ connectionString: db });
await client.connect();
const has = async (sql) => { try { return Number((await client.query(sql)).rows[0].n) > 0; } catch { return false; } };
if (!(await has(`SELECT count(*) AS n FROM buildings_current WHERE city_id = '${city}'`))) {
  const file = join(cache, `city-${o.buildings}.osm.pbf`);
  if (!existsSync(file)) { log(`generating ${file} ...`); execFileSync(process.execPath, [bin, 'generate', '--out', file, '--buildings', o.buildings, '-q'], { stdio: 'inherit' }); }
  log(`importing ${file} into ${db} ...`);
  execFileSync(process.execPath, [bin, 'import', file, '--db', db, '--city', city, '-q'], { stdio: ['ignore', 2, 2] });
  await client.query('ANALYZE');
}
if (!o['skip-access'] && !(await has(`SELECT count(*) AS n FROM access_runs WHERE city_id = '${city}'`))) {
  log('computing walking access (opencim access --db) ...');
  execFileSync(process.execPath, [bin, 'access', '--db', db, '--city', city, '-q'], { stdio: ['ignore', 2, 2] });
  await client.query('ANALYZE');
}
const nb = Number((await client.query(`SELECT count(*) AS n FROM buildings_current WHERE city_id = $1`, [city])).rows[0].n);
log(`city: ${nb.toLocaleString('en')} buildings`);

// sample places where buildings are: tiles at z14–16 and ~300 m boxes around them
const sample = (await client.query(
  `SELECT ST_X(c) AS lon, ST_Y(c) AS lat FROM (SELECT ST_PointOnSurface(geom) AS c FROM buildings_versions TABLESAMPLE BERNOULLI (0.2) REPEATABLE (7) WHERE city_id = $1 AND valid_to IS NULL LIMIT 400) s`, [city])).rows;
const tileOf = (lon, lat, z) => {
  const n = 2 ** z, s = Math.sin((lat * Math.PI) / 180);
  return [Math.floor(((lon + 180) / 360) * n), Math.floor((0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)) * n)];
};
const tiles = [...new Set(sample.flatMap((p) => [14, 15, 16].map((z) => { const [x, y] = tileOf(p.lon, p.lat, z); return `${z}/${x}/${y}`; })))];
const boxes = sample.map((p) => [p.lon - 0.0018, p.lat - 0.00135, p.lon + 0.0018, p.lat + 0.00135].map((v) => v.toFixed(6)).join(','));
log(`${tiles.length} distinct tiles at z14–16, ${boxes.length} boxes`);

// ---- the tile pyramid: z14–16 of the buildings layer, built once for the data version --------------------
let pyramid;
{
  const args = [bin, 'tiles', 'build', '--db', db, '--city', city, '--layers', 'buildings', '--minzoom', '14', '--maxzoom', '16', '--json', '-q', ...(o['rebuild-pyramid'] ? ['--force'] : [])];
  log(`tile pyramid: ${args.slice(1).join(' ')} ...`);
  const r = JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 2] }));
  // when it was already built for this data version, its own build time as recorded
  const rec = (await client.query(`SELECT extract(epoch FROM finished_at - started_at)::float8 AS s FROM tile_pyramids WHERE city_id = $1 AND pyramid_id = $2`, [city, r.pyramid_id])).rows[0];
  pyramid = { pyramid_id: r.pyramid_id, tiles: r.tiles, mb: +(r.bytes / 1e6).toFixed(1), build_s: +Number(rec.s).toFixed(1), reused: r.reused };
  log(`tile pyramid ${r.pyramid_id}: ${r.tiles} tiles, ${pyramid.mb} MB gzip, built in ${pyramid.build_s} s${r.reused ? ' (earlier, same data version)' : ''}`);
}

// ---- the servers: tile cache off (every tile cut from the store) and on (the default) -------------------
const servers = [];
async function startServer(port, args) {
  const p = spawn(process.execPath, [bin, 'serve', '--db', db, '--port', String(port), ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  p.stderr.on('data', (d) => { err += d; });
  servers.push(p);
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try { const r = await fetch(`${url}/api/v1/cities`); if (r.ok) break; } catch { /* not yet */ }
    if (i > 300) throw new Error(`server did not start:\n${err}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return url;
}
const stop = () => { for (const p of servers) { try { p.kill('SIGTERM'); } catch { /* gone */ } } };
process.on('exit', stop);
const base = await startServer(Number(o.port), ['--tile-cache', '0']);
const cached = await startServer(Number(o.port) + 1, ['--tile-cache', '5000']);

const pct = (arr, p) => { const s = [...arr].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]; };
const wrkDir = mkdtempSync(join(tmpdir(), 'opencim-wrk-'));
process.on('exit', () => rmSync(wrkDir, { recursive: true, force: true }));
/** the same run by wrk: its Lua script walks the same paths in the same order (pathOf(0), pathOf(1), ...) */
async function wrkLoad(name, pathOf, url, encoding) {
  const paths = Array.from({ length: 4000 }, (_, k) => pathOf(k));
  const script = join(wrkDir, 'paths.lua');
  writeFileSync(script, `local paths = {${paths.map((p) => JSON.stringify(p)).join(',\n')}}
local i = 0
request = function() i = i + 1; return wrk.format("GET", paths[((i - 1) % #paths) + 1], { ["Accept-Encoding"] = "${encoding}" }) end
done = function(s, lat, req)
  io.write(string.format('{"requests":%d,"seconds":%.3f,"bytes":%d,"non2xx":%d,"errors":%d,"p50":%.3f,"p95":%.3f,"p99":%.3f}\\n', s.requests, s.duration / 1e6, s.bytes,
    s.errors.status, s.errors.connect + s.errors.read + s.errors.write + s.errors.timeout, lat:percentile(50) / 1000, lat:percentile(95) / 1000, lat:percentile(99) / 1000))
end
`);
  // (not spawnSync: this process's own connections must see the server close them while wrk runs)
  const r = await new Promise((res, rej) => {
    const p = spawn('wrk', ['-t1', `-c${C}`, `-d${D}s`, '--timeout', '10s', '-s', script, url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    p.on('error', rej);
    p.on('close', (code) => (code === 0 ? res(out) : rej(new Error(`wrk failed (${code}): ${err}`))));
  });
  const w = JSON.parse(r.trim().split('\n').at(-1));
  return { name, client: 'wrk', requests: w.requests, rps: Math.round(w.requests / w.seconds), errors: w.errors + w.non2xx, non2xx: w.non2xx,
    p50: +w.p50.toFixed(1), p95: +w.p95.toFixed(1), p99: +w.p99.toFixed(1), mbPerS: +(w.bytes / w.seconds / 1e6).toFixed(2) };
}
async function load(name, pathOf, url = base, encoding = 'gzip') {
  // warm the server's per-version caches (access categories, data version) with one request
  await fetch(url + pathOf(0));
  if (o.client === 'wrk') {
    const out = await wrkLoad(name, pathOf, url, encoding);
    log(`${name}: ${out.rps} req/s, p50 ${out.p50} ms, p95 ${out.p95} ms, p99 ${out.p99} ms (${out.requests} requests, non-2xx ${out.non2xx}; wrk)`);
    return out;
  }
  const lat = [];
  let i = 0;
  const inst = autocannon({
    url, connections: C, duration: D, pipelining: 1,
    requests: [{ setupRequest: (req) => ({ ...req, path: pathOf(i++) }) }],
    headers: { 'accept-encoding': encoding },
  });
  inst.on('response', (_c, status, _bytes, ms) => { if (status < 400) lat.push(ms); });
  const r = await inst;
  const out = {
    name, client: 'autocannon', requests: r.requests.total, rps: Math.round(r.requests.average), errors: r.errors + r.non2xx - (r['2xx'] === undefined ? 0 : 0),
    non2xx: r.non2xx, p50: pct(lat, 50), p95: pct(lat, 95), p99: pct(lat, 99), mbPerS: +(r.throughput.average / 1e6).toFixed(2),
  };
  log(`${name}: ${out.rps} req/s, p50 ${out.p50} ms, p95 ${out.p95} ms, p99 ${out.p99} ms (${out.requests} requests, non-2xx ${out.non2xx})`);
  return out;
}

const pick = (arr, k) => arr[(k * 7919) % arr.length];
const results = {};
results.tilesPostgis = await load('tiles z14-16, ST_AsMVT in PostgreSQL', (k) => `/tiles/buildings/${pick(tiles, k)}.mvt?city=${city}&engine=postgis`);
{
  const r = await fetch(`${base}/tiles/buildings/${tiles[0]}.mvt?city=${city}`);
  if (r.headers.get('x-tile-source') !== 'pyramid') throw new Error(`the server did not serve ${tiles[0]} from the pyramid`);
}
results.tilesPyramid = await load('tiles z14-16, from the pyramid, tile cache off (cold: every tile read from the store)', (k) => `/tiles/buildings/${pick(tiles, k)}.mvt?city=${city}`);
results.tilesApp = await load('tiles z14-16, cut live in the app (geometry from PostGIS, MVT in Node)', (k) => `/tiles/buildings/${pick(tiles, k)}.mvt?city=${city}&engine=app`);
// the same tiles with the tile cache on, after one pass over them (viewers looking at the same city)
for (let k = 0; k < tiles.length; k++) await fetch(`${cached}/tiles/buildings/${tiles[k]}.mvt?city=${city}`);
results.tilesCached = await load('tiles z14-16, from the pyramid, tile cache on (warm)', (k) => `/tiles/buildings/${pick(tiles, k)}.mvt?city=${city}`, cached);
const P = Number(o.processes);
if (P > 1) {
  const cold = await startServer(Number(o.port) + 2, ['--tile-cache', '0', '--processes', String(P)]);
  results.tilesPyramidCluster = await load(`tiles z14-16, from the pyramid, tile cache off, ${P} server processes`, (k) => `/tiles/buildings/${pick(tiles, k)}.mvt?city=${city}`, cold);
  const warm = await startServer(Number(o.port) + 3, ['--tile-cache', '5000', '--processes', String(P)]);
  // each process has its own cache: a first run over the tiles fills them all (connections are spread over the processes)
  await load(`(filling the ${P} processes' tile caches)`, (k) => `/tiles/buildings/${tiles[k % tiles.length]}.mvt?city=${city}`, warm);
  results.tilesCachedCluster = await load(`tiles z14-16, from the pyramid, tile cache on (warm), ${P} server processes`, (k) => `/tiles/buildings/${pick(tiles, k)}.mvt?city=${city}`, warm);
}
if (!o['only-tiles']) {
results.items = await load('/items?bbox=(~300 m)&limit=100, gzip', (k) => `/collections/buildings/items?city=${city}&limit=100&bbox=${pick(boxes, k)}`);
results.itemsIdentity = await load('/items?bbox=(~300 m)&limit=100, uncompressed', (k) => `/collections/buildings/items?city=${city}&limit=100&bbox=${pick(boxes, k)}`, base, 'identity');

// raw SQL baseline: the items SELECT, no HTTP, no JSON assembly, the same pool size as the server (8)
{
  const pool = new pg.Pool({ connectionString: db, max: 8 });
  const sql = `SELECT t.id AS fid, t.name AS p0, t.use AS p1, t.height AS p2, t.levels AS p3, t.year AS p4, t.residential AS p5, t.area_m2 AS p6, t.source_id AS p7, t.tags AS p8,
    ST_AsGeoJSON(t.geom, 7) AS g FROM buildings_current t WHERE t.city_id = $1 AND ST_Intersects(t.geom, ST_MakeEnvelope($2, $3, $4, $5, 4326)) ORDER BY t.id LIMIT 101`;
  let n = 0, k = 0;
  const end = Date.now() + D * 1000;
  const lat = [];
  await Promise.all(Array.from({ length: C }, async () => {
    while (Date.now() < end) {
      const b = pick(boxes, k++).split(',').map(Number);
      const t0 = performance.now();
      await pool.query(sql, [city, ...b]);
      lat.push(performance.now() - t0);
      n++;
    }
  }));
  await pool.end();
  results.itemsSql = { name: 'raw SQL baseline (same SELECT, pg pool of 8, 50 callers)', rps: Math.round(n / D), p50: +pct(lat, 50).toFixed(1), p95: +pct(lat, 95).toFixed(1) };
  log(`${results.itemsSql.name}: ${results.itemsSql.rps} queries/s, p50 ${results.itemsSql.p50} ms, p95 ${results.itemsSql.p95} ms`);
}
}

// viewer: time to first rendered buildings
if (!o['skip-viewer'] && !o['only-tiles']) {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--enable-unsafe-swiftshader', '--use-angle=swiftshader', '--disable-background-networking'] });
  const runs = [];
  for (let k = 0; k < 3; k++) {
    const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
    const p = sample[k];
    const t0 = Date.now();
    await page.goto(`${base}/?city=${city}#15.5/${p.lat.toFixed(5)}/${p.lon.toFixed(5)}/-17/55`);
    await page.waitForFunction(() => window.__opencim?.firstBuildingsMs !== undefined, null, { timeout: 120_000 });
    runs.push({ navigationMs: Date.now() - t0, scriptMs: await page.evaluate(() => window.__opencim.firstBuildingsMs), buildings: await page.evaluate(() => window.__opencim.map.queryRenderedFeatures({ layers: ['buildings-3d'] }).length) });
    await page.close();
  }
  await browser.close();
  results.viewer = runs;
  log(`viewer: first buildings ${runs.map((r) => `${r.navigationMs} ms (${r.buildings} drawn)`).join(', ')} after navigation`);
}
stop();
await client.end();

const ratio = (a, b) => +(a / b).toFixed(2);
console.log(JSON.stringify({
  buildings: nb, connections: C, duration_s: D, client: o.client, tiles: tiles.length, pyramid, results,
  ratios: {
    tiles_pyramid_cold_p95_ms: results.tilesPyramid.p95,
    tiles_pyramid_warm_p95_ms: results.tilesCached.p95,
    tiles_rps_pyramid_cold_over_st_asmvt: ratio(results.tilesPyramid.rps, results.tilesPostgis.rps),
    tiles_rps_pyramid_warm_over_st_asmvt: ratio(results.tilesCached.rps, results.tilesPostgis.rps),
    tiles_pyramid_build_s: pyramid.build_s,
    ...(results.tilesPyramidCluster ? {
      tiles_pyramid_cold_p95_ms_cluster: results.tilesPyramidCluster.p95,
      tiles_pyramid_warm_p95_ms_cluster: results.tilesCachedCluster.p95,
      tiles_rps_pyramid_cold_cluster_over_st_asmvt: ratio(results.tilesPyramidCluster.rps, results.tilesPostgis.rps),
      tiles_rps_pyramid_warm_cluster_over_st_asmvt: ratio(results.tilesCachedCluster.rps, results.tilesPostgis.rps),
    } : {}),
    tiles_p95_app_over_st_asmvt: ratio(results.tilesApp.p95, results.tilesPostgis.p95),
    tiles_rps_app_over_st_asmvt: ratio(results.tilesApp.rps, results.tilesPostgis.rps),
    tiles_p95_cached_ms: results.tilesCached.p95,
    ...(results.items ? {
      items_rps_over_raw_sql: ratio(results.items.rps, results.itemsSql.rps),
      items_uncompressed_rps_over_raw_sql: ratio(results.itemsIdentity.rps, results.itemsSql.rps),
    } : {}),
  },
}, null, 2));
