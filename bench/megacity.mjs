#!/usr/bin/env node
// A megacity end to end (issue 14, target 4): generate → import (PostgreSQL) → access → check → tile
// pyramid, at several sizes, each stage in its own process: wall time and peak memory (GNU time's
// maximum resident set size) per stage, and the exponent of cost growth between sizes
// (time ∝ n^k: k = log(t2/t1) / log(n2/n1); 1.0 is linear).
// usage: npm run build && node bench/megacity.mjs [--sizes 100000,1000000,3000000] [--pg postgres://postgres@127.0.0.1:5432]
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values: o } = parseArgs({ options: {
  sizes: { type: 'string', default: '100000,1000000,3000000' }, pg: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432' },
  keep: { type: 'boolean', default: false },
} });
const sizes = o.sizes.split(',').map(Number);
const root = resolve(import.meta.dirname, '..');
const bin = join(root, 'bin/opencim.js');
const cache = join(root, 'bench/.cache');
mkdirSync(cache, { recursive: true });
const psql = (db, sql) => execFileSync('psql', [`${o.pg}/${db}`, '-qAtc', sql], { encoding: 'utf8' }).trim();

/** one stage in its own process, under GNU time: seconds and peak RSS in MiB */
function stage(args) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', process.execPath, '--max-old-space-size=4096', bin, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const m = /(\d+(?:\.\d+)?) (\d+)\s*$/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`${args.join(' ')} failed (${r.status}):\n${r.stderr.slice(-3000)}`);
  return { s: Number(m[1]), mib: Number(m[2]) / 1024 };
}

const STAGES = ['generate', 'import', 'access', 'check', 'tiles'];
const table = [];
for (const n of sizes) {
  const file = join(cache, `megacity-${n}.osm.pbf`);
  const row = { n };
  if (existsSync(file)) row.generate = { s: NaN, mib: NaN }; // cached from an earlier run
  else row.generate = stage(['generate', '--out', file, '--buildings', String(n), '-q']);
  const db = `bench_megacity_${n}`;
  psql('postgres', `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  psql('postgres', `CREATE DATABASE ${db}`);
  const url = `${o.pg}/${db}`;
  row.import = stage(['import', file, '--db', url, '--city', 'm', '-q', '--actor', 'bench']);
  row.access = stage(['access', '--db', url, '--city', 'm', '-q']);
  const out = join(cache, `megacity-${n}-report`);
  rmSync(out, { recursive: true, force: true });
  row.check = stage(['check', '--db', url, '--city', 'm', '--out', out, '-q']);
  row.tiles = stage(['tiles', 'build', '--db', url, '--city', 'm', '-q']);
  table.push(row);
  console.log(`${n.toLocaleString('en')} buildings: ` + STAGES.map((s) => `${s} ${row[s].s.toFixed(1)} s / ${row[s].mib.toFixed(0)} MiB`).join(' · '));
  if (!o.keep) psql('postgres', `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
}

console.log('\n| buildings | ' + STAGES.map((s) => `${s} s (peak MiB)`).join(' | ') + ' |');
console.log('|---|' + STAGES.map(() => '---').join('|') + '|');
for (const r of table) console.log(`| ${r.n.toLocaleString('en')} | ` + STAGES.map((s) => `${r[s].s.toFixed(1)} (${r[s].mib.toFixed(0)})`).join(' | ') + ' |');
for (let i = 1; i < table.length; i++) {
  const a = table[i - 1], b = table[i];
  const k = (s) => Math.log(b[s].s / a[s].s) / Math.log(b.n / a.n);
  console.log(`growth ${a.n.toLocaleString('en')} → ${b.n.toLocaleString('en')}: ` + STAGES.filter((s) => Number.isFinite(k(s))).map((s) => `${s} n^${k(s).toFixed(2)}`).join(', '));
}
const over = table.flatMap((r) => STAGES.filter((s) => r[s].mib > 4096).map((s) => `${r.n} ${s}`));
console.log(over.length ? `stages above 4 GiB: ${over.join(', ')}` : 'every stage ≤ 4 GiB');
