#!/usr/bin/env node
// Ingest benchmark, side by side with the peers, in one run (issue 2):
//   (a) PBF decode rate vs `osmium cat -f opl -o /dev/null`
//   (b) full import into the local PostgreSQL server vs osm2pgsql (default pgsql output)
//   (c) peak memory of the import (GNU time's max RSS)
//   (d) embedded PGlite import time for the same city
// usage: npm run build && node bench/ingest.mjs [--buildings N] [--file F.osm.pbf] [--pg postgres://postgres@127.0.0.1:5432] [--skip-pglite]
// Needs Debian osmium-tool, osm2pgsql, time. Timings are wall clock on this machine; run on an idle machine.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values: o } = parseArgs({ options: {
  buildings: { type: 'string', default: '100000' }, file: { type: 'string' },
  pg: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432' }, 'skip-pglite': { type: 'boolean', default: false },
} });
const root = resolve(import.meta.dirname, '..');
const bin = join(root, 'bin/opencim.js');
const cache = join(root, 'bench/.cache');
mkdirSync(cache, { recursive: true });

function timed(cmd, args, opts = {}) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', cmd, ...args], { encoding: 'utf8', maxBuffer: 1 << 28, ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stderr.slice(-2000)}`);
  const [wall, rssKb] = r.stderr.trim().split('\n').at(-1).split(' ').map(Number);
  return { wall, rssMb: rssKb / 1024, stdout: r.stdout };
}
const psql = (db, sql) => execFileSync('psql', [`${o.pg}/${db}`, '-qAtc', sql], { encoding: 'utf8' });
const fmt = (n, d = 1) => n.toLocaleString('en', { maximumFractionDigits: d, minimumFractionDigits: d });

let file = o.file;
if (!file) {
  file = join(cache, `city-${o.buildings}.osm.pbf`);
  if (!existsSync(file)) {
    console.error(`generating ${file} ...`);
    const g = timed(process.execPath, [bin, 'generate', '--out', file, '--buildings', o.buildings, '-q']);
    console.error(`  generated in ${g.wall} s, peak ${fmt(g.rssMb, 0)} MB`);
  }
}
console.log(`file: ${file} (${fmt(statSync(file).size / 1048576)} MB)`);
const info = JSON.parse(execFileSync('osmium', ['fileinfo', '-e', '-j', file], { encoding: 'utf8' }));
const elements = info.data.count.nodes + info.data.count.ways + info.data.count.relations;
console.log(`elements: ${elements.toLocaleString('en')} (nodes ${info.data.count.nodes.toLocaleString('en')}, ways ${info.data.count.ways.toLocaleString('en')}, relations ${info.data.count.relations.toLocaleString('en')})\n`);

// (a) decode
const osmium = timed('osmium', ['cat', '-f', 'opl', file, '-o', '/dev/null', '--overwrite']);
const ours = timed(process.execPath, [join(root, 'bench/decode-pbf.mjs'), file]);
const dec = JSON.parse(ours.stdout);
if (dec.nodes + dec.ways + dec.relations !== elements) throw new Error(`decoder counted ${dec.nodes + dec.ways + dec.relations}, osmium ${elements}`);
console.log('(a) PBF decode                 wall s   elements/s   peak MB');
console.log(`    osmium cat -f opl        ${fmt(osmium.wall, 2).padStart(7)} ${fmt(elements / osmium.wall, 0).padStart(12)} ${fmt(osmium.rssMb, 0).padStart(9)}`);
console.log(`    opencim decoder          ${fmt(ours.wall, 2).padStart(7)} ${fmt(elements / ours.wall, 0).padStart(12)} ${fmt(ours.rssMb, 0).padStart(9)}`);
console.log(`    ratio (ours / osmium rate): ${fmt(osmium.wall / ours.wall, 2)}  (goal ≥ 0.50)\n`);

// (b) + (c) import into the server
const dbOurs = `bench_opencim_${process.pid}`, dbPeer = `bench_osm2pgsql_${process.pid}`;
for (const db of [dbOurs, dbPeer]) psql('postgres', `CREATE DATABASE ${db}`);
try {
  psql(dbPeer, 'CREATE EXTENSION postgis; CREATE EXTENSION hstore;');
  psql(dbOurs, 'CREATE EXTENSION postgis;');
  const imp = timed(process.execPath, [bin, 'import', file, '--db', `${o.pg}/${dbOurs}`, '--city', 'bench', '-q', '--json']);
  const peer = timed('osm2pgsql', ['-d', dbPeer, '-H', '127.0.0.1', '-U', 'postgres', '--number-processes', '2', file], { env: { ...process.env, PGPASSWORD: '' } });
  const s = JSON.parse(imp.stdout).sources[0];
  console.log('(b) import into PostgreSQL      wall s   peak MB');
  console.log(`    osm2pgsql (pgsql output) ${fmt(peer.wall, 1).padStart(7)} ${fmt(peer.rssMb, 0).padStart(9)}`);
  console.log(`    opencim import           ${fmt(imp.wall, 1).padStart(7)} ${fmt(imp.rssMb, 0).padStart(9)}   (${s.counts.buildings.toLocaleString('en')} buildings, ${s.counts.walk_edges.toLocaleString('en')} walkable ways, ${s.counts.facilities.toLocaleString('en')} facilities)`);
  console.log(`    ratio (osm2pgsql time / ours): ${fmt(peer.wall / imp.wall, 2)}  (goal > 1: faster, end to end)\n`);
  console.log(`(c) peak memory of opencim import (server): ${fmt(imp.rssMb / 1024, 2)} GiB  (goal ≤ 4 GiB for 1M buildings)\n`);
} finally {
  for (const db of [dbOurs, dbPeer]) psql('postgres', `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
}

// (d) embedded
if (!o['skip-pglite']) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-pglite-'));
  try {
    const emb = timed(process.execPath, [bin, 'import', file, '--db', join(dir, 'db'), '--city', 'bench', '-q']);
    console.log(`(d) embedded PGlite import (fresh store, incl. creating it): ${fmt(emb.wall, 1)} s, peak ${fmt(emb.rssMb / 1024, 2)} GiB`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
