/**
 * One accessibility run at one size, in its own process (so peak memory is this run's), printing a
 * JSON line: stage timings and peak RSS.
 *
 *   npx tsx bench/access/scale.ts synth 1000000          synthetic dense city, engine only (~2 nodes/building)
 *   npx tsx bench/access/scale.ts file city.osm.pbf      the full `opencim access FILE` path: reader → engine → CSV
 */
import { openSync, closeSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { computeAccess, placesFromRecords, summarize } from '../../src/analysis/network/access.js';
import { writeAccessCsv } from '../../src/analysis/network/csv.js';
import { synthCity } from './synth.js';

const [mode, arg, out] = process.argv.slice(2);
const t0 = performance.now();
const ms = () => Math.round(performance.now() - t0);
const stages: Record<string, number> = {};
let last = 0;
const lap = (k: string) => { const now = ms(); stages[k] = now - last; last = now; };

let places;
if (mode === 'synth') {
  places = synthCity(Number(arg));
  lap('generate+graph');
} else {
  const { openSource } = await import('../../src/ingest/index.js');
  places = await placesFromRecords((await openSource(arg)).records);
  lap('read+graph');
}
const r = await computeAccess(places);
for (const [k, v] of Object.entries(r.timings_ms)) stages[k] = v;
last = ms();
summarize(r);
lap('summary');
if (out) { writeAccessCsv(r, out); lap('csv'); } else { closeSync(openSync('/dev/null', 'w')); }
const total = ms();
const engine = Object.entries(r.timings_ms).reduce((a, [, v]) => a + v, 0);
console.log(JSON.stringify({
  mode, input: arg, buildings: r.origins.count, nodes: r.graph.nodes, edges: r.graph.edges, vertices: r.graph.vertices,
  categories: r.categories.length, facilities: r.categoryStats.reduce((a, c) => a + c.facilities, 0),
  workers: r.params.workers, cores: availableParallelism(),
  total_ms: total, engine_ms: engine, stages, peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
  settled_per_category: Math.round(r.categoryStats.reduce((a, c) => a + c.settled, 0) / r.categories.length),
}));
