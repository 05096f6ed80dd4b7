#!/usr/bin/env node
// Urban health check benchmark (issue 4): `opencim check` end to end on a generated city.
//   (a) FILE mode: read the .osm.pbf, compute, write the five outputs (no store)
//   (b) --db mode (optional, --db): import into a fresh embedded PGlite store first (timed apart,
//       excluded from the figure), then `opencim check --db` (read the store, compute, store the
//       run, write the outputs)
// Wall clock and peak memory (GNU time), the command's own timings per stage, output sizes.
// usage: npm run build && node bench/check.mjs [--buildings 1000000] [--file F.osm.pbf] [--db] [--workers N]
// Needs GNU time. Run on an idle machine; figures on a shared one are upper bounds.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values: o } = parseArgs({ options: {
  buildings: { type: 'string', default: '1000000' }, file: { type: 'string' }, db: { type: 'boolean', default: false },
  workers: { type: 'string' }, keep: { type: 'boolean', default: false },
} });
const root = resolve(import.meta.dirname, '..');
const bin = join(root, 'bin/opencim.js');
const cache = join(root, 'bench/.cache');
mkdirSync(cache, { recursive: true });

function timed(args) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', process.execPath, bin, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`opencim ${args.join(' ')} failed (${r.status}):\n${r.stderr.slice(-3000)}`);
  const [wall, rssKb] = r.stderr.trim().split('\n').at(-1).split(' ').map(Number);
  return { wall, rssMb: rssKb / 1024, stdout: r.stdout };
}
const mb = (n) => (n / 1048576).toFixed(1);

let file = o.file;
if (!file) {
  file = join(cache, `city-${o.buildings}.osm.pbf`);
  if (!existsSync(file)) {
    console.error(`generating ${file} ...`);
    const g = timed(['generate', '--out', file, '--buildings', o.buildings, '-q']);
    console.error(`  generated in ${g.wall} s`);
  }
}
console.log(`city: ${file} (${mb(statSync(file).size)} MB)`);
const workers = o.workers ? ['--workers', o.workers] : [];
const work = mkdtempSync(join(tmpdir(), 'opencim-bench-check-'));

function report(label, t) {
  const j = JSON.parse(t.stdout);
  console.log(`\n${label}: ${t.wall.toFixed(1)} s wall, peak ${t.rssMb.toFixed(0)} MB`);
  console.log(`  ${j.residential_buildings.toLocaleString('en')} residential buildings, ~${j.residents.toLocaleString('en')} residents; units ${JSON.stringify(j.units)}`);
  console.log(`  ${JSON.stringify(j.summary)}`);
  const stages = Object.entries(j.timings_ms).filter(([k]) => !k.startsWith('check.indicator.')).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`).join(', ');
  console.log(`  stages: ${stages}`);
  const ind = Object.entries(j.timings_ms).filter(([k]) => k.startsWith('check.indicator.')).sort((a, b) => b[1] - a[1]).slice(0, 6).map(([k, v]) => `${k.slice(16)} ${(v / 1000).toFixed(1)} s`).join(', ');
  console.log(`  slowest indicators: ${ind}`);
  console.log(`  outputs: ${Object.entries(j.bytes).map(([k, v]) => `${k} ${mb(v)} MB`).join(', ')}`);
  return j;
}

try {
  const out = join(work, 'out-file');
  report('check FILE', timed(['check', file, '--out', out, '--json', '-q', ...workers]));
  if (o.db) {
    const db = join(work, 'db');
    const imp = timed(['import', file, '--db', db, '--city', 'bench', '-q']);
    console.log(`\nimport into PGlite (excluded): ${imp.wall.toFixed(1)} s, peak ${imp.rssMb.toFixed(0)} MB`);
    report('check --db', timed(['check', '--db', db, '--out', join(work, 'out-db'), '--json', '-q', ...workers]));
  }
} finally {
  if (!o.keep) rmSync(work, { recursive: true, force: true });
  else console.log(`\nkept ${work}`);
}
