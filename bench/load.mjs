#!/usr/bin/env node
// Load benchmark (issue 8 §4–5), both drivers, autocannon on loopback, bounded in time:
//   (a) /collections/buildings/items?bbox=(~300 m)&limit=100 with 50 and 200 connections: p50/p99
//       latency, req/s, answers 200 / 503 (the bounded queue's fast refusals) and client timeouts (10 s)
//   (b) the 8-heavy-request trial: 8 clients sending CQL2 S_INTERSECTS with a 330-vertex polygon
//       without pause, while 4 clients fetch vector tiles (tile cache off): tile p50/p99 with and
//       without the heavy load, and what the heavy requests got (200 / 503 / 504, their p99)
// usage: npm run build && node bench/load.mjs [--buildings 10000] [--duration 8] [--drivers pglite,postgres]
// The city is generated (bench/.cache) and imported once per driver. Wall clock on this machine
// (2 cores shared by the server, PostgreSQL and autocannon): figures are for comparison, run it idle.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';

const { values: o } = parseArgs({ options: {
  buildings: { type: 'string', default: '10000' },
  duration: { type: 'string', default: '8' },
  drivers: { type: 'string', default: 'pglite,postgres' },
  pg: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432' },
  port: { type: 'string', default: '18461' },
} });
const root = resolve(import.meta.dirname, '..');
const bin = join(root, 'bin/opencim.js');
const cache = join(root, 'bench/.cache');
mkdirSync(cache, { recursive: true });
const D = Number(o.duration);
const log = (...a) => console.error(...a);
const city = 'bench';

const file = join(cache, `city-${o.buildings}.osm.pbf`);
if (!existsSync(file)) { log(`generating ${file} ...`); execFileSync(process.execPath, [bin, 'generate', '--out', file, '--buildings', o.buildings, '-q'], { stdio: 'inherit' }); }

function storeFor(driver) {
  if (driver === 'pglite') return join(cache, `load-pglite-${o.buildings}`);
  const name = `opencim_bench_load_${o.buildings}`;
  const admin = `${o.pg}/postgres`;
  const exists = execFileSync('psql', [admin, '-qAtc', `SELECT 1 FROM pg_database WHERE datname = '${name}'`], { encoding: 'utf8' }).trim() === '1';
  if (!exists) execFileSync('psql', [admin, '-qc', `CREATE DATABASE ${name}`]);
  return `${o.pg}/${name}`;
}

function imported(db) {
  try {
    const s = JSON.parse(execFileSync(process.execPath, [bin, 'stats', '--db', db, '--city', city, '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
    return s.cities.length > 0;
  } catch { return false; }
}

async function serve(db) {
  const p = spawn(process.execPath, [bin, 'serve', '--db', db, '--port', o.port, '--tile-cache', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  p.stderr.on('data', (d) => (err += d));
  for (let i = 0; i < 600 && !/Ctrl-C stops/.test(err); i++) {
    if (p.exitCode !== null) throw new Error(`serve exited: ${err}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return p;
}

const stop = (p) => new Promise((r) => { p.once('exit', r); p.kill('SIGTERM'); });

function run(opts) {
  return new Promise((res, rej) => autocannon({ timeout: 10, ...opts }, (e, r) => (e ? rej(e) : res(r))));
}

const codes = (r) => Object.fromEntries(Object.entries(r.statusCodeStats ?? {}).map(([k, v]) => [k, v.count]));
const row = (label, r) => ({
  label, p50: r.latency.p50, p99: r.latency.p99, rps: Math.round(r.requests.average),
  ok: codes(r)['200'] ?? 0, busy503: codes(r)['503'] ?? 0, timeout504: codes(r)['504'] ?? 0, timeouts: r.timeouts, errors: r.errors,
});

function lonLatToTile(lon, lat, z) {
  const n = 2 ** z;
  const x = Math.floor(((lon + 180) / 360) * n);
  const y = Math.floor(((1 - Math.log(Math.tan((lat * Math.PI) / 180) + 1 / Math.cos((lat * Math.PI) / 180)) / Math.PI) / 2) * n);
  return [x, y];
}

function polygon(cx, cy, r, n = 330) {
  const pts = [];
  for (let i = 0; i <= n; i++) { const a = (2 * Math.PI * (i % n)) / n; pts.push(`${(cx + r * Math.cos(a)).toFixed(6)} ${(cy + r * 0.8 * Math.sin(a)).toFixed(6)}`); }
  return `POLYGON((${pts.join(',')}))`;
}

const results = [];
for (const driver of o.drivers.split(',')) {
  const db = storeFor(driver);
  if (!imported(db)) {
    log(`importing ${file} into ${db} ...`);
    execFileSync(process.execPath, [bin, 'import', file, '--db', db, '--city', city, '-q'], { stdio: ['ignore', 'ignore', 2] });
  }
  const p = await serve(db);
  try {
    const base = `http://127.0.0.1:${o.port}`;
    const coll = await (await fetch(`${base}/collections/buildings?f=json`)).json();
    const [w, s, e, n] = coll.extent.spatial.bbox[0];
    const cx = (w + e) / 2, cy = (s + n) / 2;
    const d = 0.0015;
    const bboxUrl = `${base}/collections/buildings/items?bbox=${cx - d},${cy - d},${cx + d},${cy + d}&limit=100`;
    for (const c of [50, 200]) {
      log(`${driver}: items bbox, ${c} connections, ${D} s ...`);
      results.push({ driver, ...row(`items bbox limit=100, ${c} conn`, await run({ url: bboxUrl, connections: c, duration: D })) });
    }
    // tiles around the centre, z15
    const [tx, ty] = lonLatToTile(cx, cy, 15);
    const tiles = [];
    for (let i = -1; i <= 1; i++) for (let j = -1; j <= 1; j++) tiles.push({ method: 'GET', path: `/tiles/buildings/15/${tx + i}/${ty + j}.mvt` });
    log(`${driver}: tiles alone ...`);
    results.push({ driver, ...row('tiles z15, 4 conn, alone', await run({ url: base, connections: 4, duration: D, requests: tiles })) });
    const heavyUrl = `${base}/collections/buildings/items?limit=100&filter=${encodeURIComponent(`S_INTERSECTS(geometry, ${polygon(cx, cy, 0.01)})`)}`;
    log(`${driver}: tiles while 8 heavy CQL2 requests run ...`);
    const [tl, hv] = await Promise.all([
      run({ url: base, connections: 4, duration: D, requests: tiles }),
      run({ url: heavyUrl, connections: 8, duration: D }),
    ]);
    results.push({ driver, ...row('tiles z15, 4 conn, with 8 heavy', tl) });
    results.push({ driver, ...row('  the 8 heavy CQL2 (330-vertex S_INTERSECTS)', hv) });
  } finally {
    await stop(p);
  }
}

console.log(`\nload on loopback, ${o.buildings} buildings, ${D} s per run, client timeout 10 s (latency ms)`);
console.table(results);
