#!/usr/bin/env node
// The archive's costs (issue 9), side by side in one run, on the local PostgreSQL server:
//   (a) a fresh import with versioning vs the same import by the pre-archive code (a checkout of
//       --baseline REV built in a temporary worktree): ratio, goal ≤ 1.25
//   (b) a re-import of the same city with 1% of the buildings changed vs the full import: goal < 1/3
//   (c) `?as_of=` item pages vs current-state pages (bbox, limit 100): goal within 2×
// usage: npm run build && node bench/archive.mjs [--buildings 200000] [--baseline 0e57c02] [--pg postgres://postgres@127.0.0.1:5432]
import { execFileSync, spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdirSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values: o } = parseArgs({ options: {
  buildings: { type: 'string', default: '200000' }, baseline: { type: 'string', default: '0e57c02' },
  pg: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432' }, rounds: { type: 'string', default: '200' },
} });
const root = resolve(import.meta.dirname, '..');
const cache = join(root, 'bench/.cache');
mkdirSync(cache, { recursive: true });
const psql = (db, sql) => execFileSync('psql', [`${o.pg}/${db}`, '-qAtc', sql], { encoding: 'utf8' }).trim();
const fresh = (name) => { psql('postgres', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`); psql('postgres', `CREATE DATABASE ${name}`); return `${o.pg}/${name}`; };
const run = (bin, args) => {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed:\n${r.stderr.slice(-2000)}`);
  return (performance.now() - t0) / 1000;
};
const fmt = (n, d = 2) => n.toFixed(d);

// the city as OSM XML (so that 1% of its buildings can be changed by a text pass), imported as PBF (osmium converts)
const xml = join(cache, `archive-${o.buildings}.osm`);
const bin = join(root, 'bin/opencim.js');
if (!existsSync(xml)) run(bin, ['generate', '--out', xml, '--buildings', o.buildings, '-q']);
const changedXml = join(cache, `archive-${o.buildings}-1pct.osm`);
if (!existsSync(changedXml)) {
  // every 100th building way gets one more storey (or a levels tag)
  const out = createWriteStream(changedXml);
  let inWay = false, building = false, n = 0, buf = [];
  for await (const line of createInterface({ input: createReadStream(xml) })) {
    if (line.includes('<way ')) { inWay = true; building = false; buf = [line]; continue; }
    if (inWay) {
      buf.push(line);
      if (line.includes('k="building"')) building = true;
      if (line.includes('</way>')) {
        inWay = false;
        if (building && n++ % 100 === 0) {
          const i = buf.findIndex((l) => l.includes('k="building:levels"'));
          if (i >= 0) buf[i] = buf[i].replace(/v="(\d+)"/, (_, v) => `v="${Number(v) + 1}"`);
          else buf.splice(buf.length - 1, 0, '    <tag k="building:levels" v="9"/>');
        }
        out.write(buf.join('\n') + '\n');
      }
      continue;
    }
    out.write(line + '\n');
  }
  await new Promise((r) => out.end(r));
}
const file = join(cache, `archive-${o.buildings}.osm.pbf`);
const changed = join(cache, `archive-${o.buildings}-1pct.osm.pbf`);
for (const [from, to] of [[xml, file], [changedXml, changed]]) if (!existsSync(to)) execFileSync('osmium', ['cat', from, '-o', to, '--overwrite']);

// the pre-archive code, built once
const base = join(cache, `baseline-${o.baseline}`);
if (!existsSync(join(base, 'dist'))) {
  rmSync(base, { recursive: true, force: true });
  execFileSync('git', ['-C', root, 'worktree', 'add', '--detach', base, o.baseline], { stdio: 'ignore' });
  execFileSync('ln', ['-s', join(root, 'node_modules'), join(base, 'node_modules')]);
  execFileSync(join(root, 'node_modules/.bin/tsc'), ['-p', join(base, 'tsconfig.json')], { stdio: 'inherit' });
}

console.log(`city: ${o.buildings} generated buildings (${file})`);
// interleaved rounds, the best of each (the machine is shared: one slow round says little)
let tBase = Infinity, tNew = Infinity;
const db = `${o.pg}/bench_archive`;
for (let i = 0; i < 2; i++) {
  tBase = Math.min(tBase, run(join(base, 'bin/opencim.js'), ['import', file, '--db', fresh('bench_archive_base'), '--city', 'c', '-q']));
  tNew = Math.min(tNew, run(bin, ['import', file, '--db', fresh('bench_archive'), '--city', 'c', '-q', '--actor', 'bench']));
}
console.log(`(a) fresh import (best of 2, interleaved): pre-archive ${fmt(tBase)} s, with versioning ${fmt(tNew)} s → ${fmt(tNew / tBase)}× (goal ≤ 1.25×)`);
const tRe = run(bin, ['import', changed, '--db', db, '--city', 'c', '-q', '--source', `archive-${o.buildings}`, '--actor', 'bench']);
const versions = psql('bench_archive', `SELECT count(*) FROM buildings_versions WHERE version = 2`);
console.log(`(b) re-import with 1% of buildings changed (${versions} new versions): ${fmt(tRe)} s = ${fmt(tRe / tNew)} of the full import (goal < 0.33)`);

// (c) item pages: current vs as_of, same bbox windows, raw SQL as the items route issues it
const { default: pg } = await import('pg');
const c = new pg.Client({ connectionString: db });
await c.connect();
const ext = (await c.query(`SELECT ST_XMin(e) w, ST_YMin(e) s, ST_XMax(e) e, ST_YMax(e) n FROM (SELECT ST_Extent(geom) e FROM buildings_current) x`)).rows[0];
const asOf = new Date().toISOString();
const windows = Array.from({ length: Number(o.rounds) }, (_, i) => {
  const fx = ((i * 0.618) % 1) * 0.95, fy = ((i * 0.382) % 1) * 0.95;
  const w = ext.w + (ext.e - ext.w) * fx, s = ext.s + (ext.n - ext.s) * fy;
  return [w, s, w + (ext.e - ext.w) * 0.02, s + (ext.n - ext.s) * 0.02];
});
const page = (from) => `SELECT t.id, ST_AsGeoJSON(t.geom, 7) FROM ${from} WHERE t.city_id = $1 AND ST_Intersects(t.geom, ST_MakeEnvelope($2, $3, $4, $5, 4326)) ORDER BY t.id LIMIT 101`;
const time = async (sql, extra) => {
  const t0 = performance.now();
  for (const b of windows) await c.query(sql, ['c', ...b, ...extra]);
  return (performance.now() - t0) / windows.length;
};
await time(page('buildings_current t'), []);
const cur = await time(page('buildings_current t'), []);
const old = await time(page(`(SELECT * FROM buildings_versions WHERE valid_from <= $6 AND (valid_to IS NULL OR valid_to > $6)) t`), [asOf]);
console.log(`(c) item pages (bbox, limit 100): current ${fmt(cur)} ms, as_of ${fmt(old)} ms → ${fmt(old / cur)}× (goal ≤ 2×)`);
await c.end();
