#!/usr/bin/env node
// Open311 load and durability benchmark (issue 12), autocannon on loopback only.
//   (a) 200 clients mixing POST requests (form-encoded) and GETs (requests list, one request, services.xml)
//       for 60 s against the server driver: errors, accepted POSTs vs cases in the database, p50/p99;
//       first with one transaction per report (OPENCIM_GROUP_COMMIT=off, the peer: how it was), then
//       with group commit (the default), each on a fresh database, in the same run
//   (b) kill -9 of the server mid-load: every acknowledged (201) case is in the database after restart
//   (c) the same load against the embedded driver (PGlite folder), shorter
//   (d) SLA recomputation over 1,000,000 open cases (server driver): read, columnar compute, write
// usage: npm run build && node bench/open311.mjs [--connections 200] [--duration 60] [--embedded-duration 20]
//        [--sla 1000000] [--skip-before] [--skip-load] [--skip-kill] [--skip-embedded] [--skip-sla]
// Data: beijing-bupt.osm.pbf from ../shared/data (© OpenStreetMap contributors, ODbL), for the city's extent.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';

const { values: o } = parseArgs({ options: {
  connections: { type: 'string', default: '200' }, duration: { type: 'string', default: '60' },
  'embedded-duration': { type: 'string', default: '20' }, sla: { type: 'string', default: '1000000' },
  'overdue-share': { type: 'string', default: '0.1' },
  port: { type: 'string', default: '18611' },
  'skip-load': { type: 'boolean', default: false }, 'skip-before': { type: 'boolean', default: false }, 'skip-kill': { type: 'boolean', default: false },
  'skip-embedded': { type: 'boolean', default: false }, 'skip-sla': { type: 'boolean', default: false },
} });
const root = resolve(import.meta.dirname, '..');
const bin = join(root, 'bin/opencim.js');
const data = resolve(root, '../shared/data/beijing-bupt.osm.pbf');
const KEY = 'bench-open311-key-0123456789';
const city = 'bench';
const log = (...a) => console.error(...a);
const PORT = Number(o.port);
const base = `http://127.0.0.1:${PORT}`;

function freshPg(name) {
  const admin = 'postgres://postgres@127.0.0.1:5432/postgres';
  execFileSync('psql', [admin, '-qc', `DROP DATABASE IF EXISTS ${name}`]);
  execFileSync('psql', [admin, '-qc', `CREATE DATABASE ${name}`]);
  return `postgres://postgres@127.0.0.1:5432/${name}`;
}
function prepare(db) {
  execFileSync(process.execPath, [bin, 'import', data, '--db', db, '--city', city, '-q'], { stdio: ['ignore', 2, 2] });
}
function startServer(db, env = {}) {
  const p = spawn(process.execPath, [bin, 'serve', '--db', db, '--port', String(PORT), '--host', '127.0.0.1'], {
    env: { ...process.env, ...env, OPENCIM_OPEN311_KEYS: KEY, OPENCIM_OPEN311_RATE: 'key:100000000,ip:100000000' }, stdio: ['ignore', 'ignore', 'inherit'] });
  return p;
}
async function waitUp() {
  for (let i = 0; i < 600; i++) {
    try { if ((await fetch(`${base}/open311/v2/discovery.json`)).ok) return; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('server did not start');
}
async function extent(db) {
  const c = new pg.Client({ connectionString: db }); await c.connect();
  const r = (await c.query(`SELECT ST_XMin(e) w, ST_YMin(e) s, ST_XMax(e) e, ST_YMax(e) n FROM (SELECT ST_Extent(bbox) e FROM sources) x`)).rows[0];
  await c.end();
  return [Number(r.w), Number(r.s), Number(r.e), Number(r.n)];
}
const CODES = ['garbage', 'group_rental', 'street_light', 'illegal_parking'];
function load(ext, { connections, duration, postShare = 0.5, acked, onTick }) {
  let seq = 0;
  const ids = [];
  const body = () => {
    const i = seq++;
    const lon = ext[0] + Math.random() * (ext[2] - ext[0]), lat = ext[1] + Math.random() * (ext[3] - ext[1]);
    return new URLSearchParams({ api_key: KEY, service_code: CODES[i % CODES.length], lat: lat.toFixed(6), long: lon.toFixed(6),
      description: `bench ${i} <&> 路面`, email: `r${i}@example.cn` }).toString();
  };
  const onResponse = (status, b) => {
    if (status === 201) { try { const id = JSON.parse(b)[0].service_request_id; acked.add(id); ids.push(id); } catch { /* counted as an error by autocannon */ } }
  };
  const requests = [
    { method: 'POST', path: '/open311/v2/requests.json', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      setupRequest: (r) => (Math.random() < postShare
        ? { ...r, method: 'POST', path: '/open311/v2/requests.json', body: body() }
        : { ...r, method: 'GET', body: undefined, headers: {}, path: [
          '/open311/v2/requests.json?page_size=50', '/open311/v2/services.xml', '/open311/v2/requests.xml?service_code=garbage&status=open&page_size=20',
          ids.length ? `/open311/v2/requests/${ids[Math.floor(Math.random() * ids.length)]}.json` : '/open311/v2/services.json'][Math.floor(Math.random() * 4)] }),
      onResponse },
  ];
  return new Promise((res, rej) => {
    const inst = autocannon({ url: base, connections, duration, requests, timeout: 30 }, (err, r) => (err ? rej(err) : res(r)));
    if (onTick) onTick(inst);
  });
}
async function casesIn(db, driver) {
  if (db.startsWith('postgres:')) {
    const c = new pg.Client({ connectionString: db }); await c.connect();
    const r = await c.query(`SELECT id FROM cases_current WHERE city_id = $1`, [city]); await c.end();
    return new Set(r.rows.map((x) => x.id));
  }
  const { openStore } = await import(join(root, 'dist/store/driver.js'));
  const s = await openStore(db);
  try { return new Set((await s.query(`SELECT id FROM cases_current WHERE city_id = $1`, [city])).map((x) => x.id)); } finally { await s.close(); }
}
const fmt = (r) => `${r.requests.total} requests (${Math.round(r.requests.average)} req/s), 2xx ${r['2xx']}, non-2xx ${r.non2xx}, errors ${r.errors}, timeouts ${r.timeouts}; latency p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms`;
const results = {};

async function runLoad(db, driver, duration, env = {}) {
  const server = startServer(db, env); await waitUp();
  const ext = await extent0;
  const acked = new Set();
  log(`(${driver}) ${o.connections} clients, ${duration} s, half POST half GET ...`);
  const r = await load(ext, { connections: Number(o.connections), duration, acked });
  server.kill('SIGTERM'); await new Promise((x) => server.on('exit', x));
  const inDb = await casesIn(db, driver);
  const lost = [...acked].filter((id) => !inDb.has(id)).length;
  const out = { summary: fmt(r), accepted_posts: acked.size, cases_in_db: inDb.size, lost, in_flight_at_stop: inDb.size - acked.size + lost, errors: r.errors + r.non2xx, p50: r.latency.p50, p99: r.latency.p99, rps: Math.round(r.requests.average) };
  log(`(${driver}) ${out.summary}\n(${driver}) accepted POSTs ${acked.size}, cases in the database ${inDb.size} (committed while the client stopped: ${inDb.size - acked.size + lost}), acknowledged but missing ${lost}`);
  return out;
}

let extent0;
if (!o['skip-load'] && !o['skip-before']) {
  const before = freshPg('opencim_bench_open311_before');
  log('preparing the server-driver database (one transaction per report) ...'); prepare(before);
  extent0 = extent(before);
  results.server_one_tx_per_report = await runLoad(before, 'postgres, one transaction per report', Number(o.duration), { OPENCIM_GROUP_COMMIT: 'off' });
}
const pgDb = freshPg('opencim_bench_open311');
log('preparing the server-driver database ...'); prepare(pgDb);
extent0 = extent(pgDb);
if (!o['skip-load']) results.server = await runLoad(pgDb, 'postgres, group commit', Number(o.duration));
if (results.server && results.server_one_tx_per_report) {
  const b = results.server_one_tx_per_report, a = results.server;
  results.group_commit_vs_one_tx = { rps_ratio: Number((a.rps / b.rps).toFixed(2)), accepted_posts_ratio: Number((a.accepted_posts / b.accepted_posts).toFixed(2)),
    p99_ratio: Number((a.p99 / b.p99).toFixed(2)) };
  log(`(group commit vs one transaction per report) req/s ×${results.group_commit_vs_one_tx.rps_ratio}, accepted POSTs ×${results.group_commit_vs_one_tx.accepted_posts_ratio}, p99 ×${results.group_commit_vs_one_tx.p99_ratio}`);
}

if (!o['skip-kill']) {
  const server = startServer(pgDb); await waitUp();
  const before = await casesIn(pgDb, 'postgres');
  const acked = new Set();
  log('(kill -9) POST load, the server is killed after 5 s ...');
  const done = load(await extent0, { connections: 50, duration: 10, postShare: 1, acked });
  await new Promise((r) => setTimeout(r, 5000));
  server.kill('SIGKILL');
  const r = await done;
  const inDb = await casesIn(pgDb, 'postgres');
  const lost = [...acked].filter((id) => !inDb.has(id)).length;
  const restarted = startServer(pgDb); await waitUp();
  const check = [...acked].slice(0, 50);
  let found = 0;
  for (const id of check) if ((await fetch(`${base}/open311/v2/requests/${id}.json`)).ok) found++;
  restarted.kill('SIGTERM'); await new Promise((x) => restarted.on('exit', x));
  results.kill9 = { acknowledged: acked.size, new_cases_in_db: inDb.size - before.size, acknowledged_missing: lost, refetched_after_restart: `${found}/${check.length}`, errors_after_kill: r.errors };
  log(`(kill -9) acknowledged ${acked.size}, new cases in the database ${inDb.size - before.size} (≥ acknowledged: in-flight commits may land), acknowledged but missing ${lost}; after restart ${found}/${check.length} re-read over HTTP`);
}

if (!o['skip-embedded']) {
  const dir = mkdtempSync(join(tmpdir(), 'opencim-bench-open311-'));
  const folder = join(dir, 'db');
  log('preparing the embedded database ...'); prepare(folder);
  results.embedded = await runLoad(folder, 'pglite', Number(o['embedded-duration']));
  rmSync(dir, { recursive: true, force: true });
}

if (!o['skip-sla']) {
  const n = Number(o.sla);
  const db = freshPg('opencim_bench_sla');
  const { openStore } = await import(join(root, 'dist/store/driver.js'));
  const { openChangeset, sealChangeset } = await import(join(root, 'dist/store/archive.js'));
  const { runSla } = await import(join(root, 'dist/domains/operations/sla.js'));
  const store = await openStore(db);
  log(`(sla) inserting ${n.toLocaleString('en')} open cases (${Number(o['overdue-share']) * 100}% past their deadline) ...`);
  const t0 = performance.now();
  await store.transaction(async (tx) => {
    const cs = await openChangeset(tx, { cityId: city, actor: 'bench', reason: 'bench cases', kind: 'cases' });
    // open cases in all stages; a share of them past their stage deadline by 1-40 h, the rest due within 1-40 h
    await tx.query(`INSERT INTO cases_versions (city_id, id, service_code, class_code, status, action, channel, department, attributes, media_urls,
        reporter, token, reported_at, stage_entered_at, deadline, expected_at, escalation, geom,
        version, valid_from, changeset_id, content_hash, hash)
      SELECT $1, g::text, 'garbage', '0101', (ARRAY['reported','accepted','dispatched','handled'])[1 + g % 4], 'report', 'open311', 'sanitation', '{}', '[]',
        '{}', md5(g::text) || g::text, d - interval '2 days', d - ((1 + g % 8) || ' hours')::interval, d, d + interval '3 days', 0,
        ST_SetSRID(ST_MakePoint(116.3 + (g % 1000) / 10000.0, 39.9 + (g / 1000) / 100000.0), 4326),
        1, now(), $2, sha256(g::text::bytea), sha256(g::text::bytea)
      FROM generate_series(1, $3) g,
        LATERAL (SELECT now() + (CASE WHEN (g % 1000) < $4::float8 * 1000 THEN -1 ELSE 1 END) * ((1 + g % 40) || ' hours')::interval AS d) x`, [city, cs.id, n, Number(o['overdue-share'])]);
    await sealChangeset(tx, cs);
  });
  await store.query('ANALYZE cases_versions');
  log(`(sla) inserted in ${((performance.now() - t0) / 1000).toFixed(1)} s; recomputing ...`);
  const t1 = performance.now();
  const r = await runSla(store, city, { actor: 'bench' });
  const total = (performance.now() - t1) / 1000;
  results.sla = { cases: n, seconds: Number(total.toFixed(2)), ...r };
  log(`(sla) ${n.toLocaleString('en')} open cases: ${total.toFixed(2)} s (read ${r.ms.read} ms, compute ${r.ms.compute} ms, record the run ${r.ms.record} ms, escalate ${r.ms.escalate} ms); ${r.overdue} overdue, ${r.escalated} escalated, ${r.escalation_pending} left for the next runs`);
  const t2 = performance.now();
  const again = await runSla(store, city, { actor: 'bench' });
  log(`(sla) second run: ${((performance.now() - t2) / 1000).toFixed(2)} s, ${again.escalated} escalated (escalate ${again.ms.escalate} ms)`);
  results.sla.second_run_seconds = Number(((performance.now() - t2) / 1000).toFixed(2));
  await store.close();
}
console.log(JSON.stringify(results, null, 2));
