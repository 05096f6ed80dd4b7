/**
 * The accessibility benchmark (issue 3), everything in one run:
 *   1. scale: 10k → 100k → 1M buildings, each size in its own process (peak RSS is that run's):
 *      a) synthetic dense city (~2 walk nodes per building), engine only;
 *      b) `opencim generate` city through the full `opencim access FILE` path (reader → engine → CSV);
 *   2. side by side on one graph: ours vs scipy csgraph vs networkx (bench/access/compare.ts).
 *
 *   npx tsx bench/access/run.ts [--sizes 10000,100000,1000000] [--compare synth:100000] [--nx 3] [--skip-generated]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values: o } = parseArgs({ options: {
  sizes: { type: 'string', default: '10000,100000,1000000' }, compare: { type: 'string', default: 'synth:100000' },
  nx: { type: 'string', default: '3' }, 'skip-generated': { type: 'boolean', default: false }, 'skip-compare': { type: 'boolean', default: false },
} });
const root = resolve(import.meta.dirname, '../..');
const cache = join(root, 'bench/.cache');
mkdirSync(cache, { recursive: true });
const tsx = join(root, 'node_modules/.bin/tsx');
const sizes = o.sizes!.split(',').map(Number);

function run(args: string[]): Record<string, unknown> {
  const r = spawnSync(tsx, [join(root, 'bench/access/scale.ts'), ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`scale.ts ${args.join(' ')} failed:\n${r.stderr.slice(-3000)}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!);
}
const fmt = (v: unknown) => (typeof v === 'number' ? v.toLocaleString('en') : String(v));
function table(title: string, rows: Record<string, unknown>[], cols: [string, string][]) {
  console.log(`\n${title}`);
  console.log(cols.map(([h]) => h.padStart(11)).join(''));
  for (const r of rows) console.log(cols.map(([, c]) => fmt(c.split('.').reduce<unknown>((x, k) => (x as Record<string, unknown>)?.[k], r)).padStart(11)).join(''));
}

console.log(`machine: ${availableParallelism()} cores, load average at start ${loadavg().map((x) => x.toFixed(1)).join(' ')} (the cores are shared: timings under load are inflated)`);
const synth = sizes.map((n) => { console.error(`synthetic ${n} ...`); return run(['synth', String(n), join(cache, `access-synth-${n}.csv`)]); });
table('scale, synthetic dense city (~2 walk nodes per building), engine only; times in ms', synth, [
  ['buildings', 'buildings'], ['nodes', 'nodes'], ['edges', 'edges'], ['build', 'stages.generate+graph'], ['index', 'stages.index'],
  ['snap bldg', 'stages.snap_origins'], ['snap fac', 'stages.snap_facilities'], ['search', 'stages.search'], ['csv', 'stages.csv'],
  ['total', 'total_ms'], ['peak MB', 'peak_rss_mb'], ['workers', 'workers']]);

if (!o['skip-generated']) {
  const gen = sizes.map((n) => {
    const file = join(cache, `access-city-${n}.osm.pbf`);
    if (!existsSync(file)) { console.error(`opencim generate --buildings ${n} ...`); execFileSync(tsx, [join(root, 'src/cli/main.ts'), 'generate', '--out', file, '--buildings', String(n), '-q'], { stdio: 'ignore' }); }
    console.error(`opencim access ${file} ...`);
    return run(['file', file, join(cache, `access-city-${n}.csv`)]);
  });
  table('scale, `opencim generate` city, full `opencim access FILE` path (reader → engine → CSV); times in ms', gen, [
    ['buildings', 'buildings'], ['nodes', 'nodes'], ['edges', 'edges'], ['read+graph', 'stages.read+graph'], ['index', 'stages.index'],
    ['snap bldg', 'stages.snap_origins'], ['snap fac', 'stages.snap_facilities'], ['search', 'stages.search'], ['csv', 'stages.csv'],
    ['total', 'total_ms'], ['peak MB', 'peak_rss_mb'], ['workers', 'workers']]);
}

if (!o['skip-compare']) {
  const [mode, arg] = o.compare!.split(':');
  console.error(`compare on ${mode} ${arg} ...`);
  const r = spawnSync(tsx, [join(root, 'bench/access/compare.ts'), mode, mode === 'file' ? arg : arg, '--nx', o.nx!], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(r.stderr);
  console.log('\nside by side\n' + r.stdout);
}
console.log(`load average at end ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
