import { Command, type Option } from 'commander';
import type { AccessPlaces, AccessResult, AccessSummary } from '../analysis/network/access.js';
import { Progress, table } from './output.js';
import { UsageError } from '../model/errors.js';

export interface AccessCommandOptions {
  db?: string;
  city?: string;
  categories?: string;
  cutoff?: number;
  snapLimit?: number;
  polygonReach?: number;
  islandMax?: number;
  perCapita?: number;
  out?: string;
  workers?: number;
  json?: boolean;
  quiet?: boolean;
  actor?: string;
}

const metres = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`${name} must be a non-negative number of metres, got "${v}"`);
  return n;
};
const positive = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${name} must be a positive number, got "${v}"`);
  return n;
};

/** `opencim access`, declared here so main.ts registers it in one line; the engine loads only when it runs. */
export function accessCommandSpec(dbOption: Option): Command {
  return new Command('access')
    .description('walking distance from every residential building to the nearest facility of each category (步行可达性: 5/10/15 分钟生活圈)')
    .argument('[file]', 'read the city from this file (.osm.pbf, .osm, .osm.gz, .geojson, ...) instead of the store; nothing is stored')
    .addOption(dbOption)
    .option('--city <name>', 'city in the store (default: the only one, or "default")')
    .option('--categories <list>', 'comma-separated category ids (default: all; columns always in taxonomy order)')
    .option('--cutoff <m>', 'search cut-off in metres: farther is reported as empty', metres('--cutoff'), 3000)
    .option('--snap-limit <m>', 'places farther than this from any walkable edge are reported as unsnapped', metres('--snap-limit'), 300)
    .option('--polygon-reach <m>', 'parks and facility polygons are entered from every edge within this distance of their boundary', metres('--polygon-reach'), 25)
    .option('--island-max <m>', 'components shorter than this (not the largest) are tiny islands', metres('--island-max'), 1000)
    .option('--per-capita <m2>', 'floor area per resident, for the population estimate', positive('--per-capita'), 40)
    .option('--out <file>', 'write access.csv here ("-" = stdout); default ./access.csv with FILE, none with --db')
    .option('--workers <n>', 'search threads (default: cores, up to 4)', positive('--workers'))
    .option('--actor <name>', 'who runs it, recorded with the run (default $OPENCIM_ACTOR or cli:<user>)')
    .option('--json', 'print the summary as JSON')
    .option('-q, --quiet', 'no progress on stderr')
    .action(async (file: string | undefined, o: AccessCommandOptions) => { await accessCommand(file, o); });
}

export async function accessCommand(file: string | undefined, o: AccessCommandOptions): Promise<{ result: AccessResult; summary: AccessSummary; runId?: number }> {
  const t0 = performance.now();
  if (file && o.db) throw new UsageError('give either FILE or --db, not both (FILE is read without a store)');
  const progress = new Progress('access', o.quiet || o.out === '-');
  const { computeAccess, summarize, placesFromRecords, resolveCategories } = await import('../analysis/network/access.js');
  const categories = resolveCategories(o.categories ? o.categories.split(',').map((s) => s.trim()).filter(Boolean) : undefined);
  const opts = {
    categories, cutoffM: o.cutoff, snapLimitM: o.snapLimit, polygonReachM: o.polygonReach, islandMaxM: o.islandMax, perCapitaM2: o.perCapita,
    workers: o.workers, onProgress: (stage: string, detail?: string) => progress.update(`${stage}${detail ? ` ${detail}` : ''}`),
  };
  let places: AccessPlaces;
  let result: AccessResult;
  let summary: AccessSummary;
  let runId: number | undefined;
  let what: string;
  const timings: Record<string, number> = {};
  let tl = performance.now();
  const lap = (k: string) => { const now = performance.now(); timings[k] = Math.round(now - tl); tl = now; };
  if (file) {
    const { openSource } = await import('../ingest/index.js');
    const { formatBytes } = await import('./output.js');
    // the reader's records are dropped as they are read: only typed arrays stay
    places = await placesFromRecords((await openSource(file, { onBytes: (read, total) => progress.update(`reading ${formatBytes(read)} / ${formatBytes(total)}`) })).records, opts);
    what = file;
    lap('read');
    result = await computeAccess(places, opts);
    lap('compute');
    summary = summarize(result);
    const out = o.out ?? 'access.csv';
    const { writeAccessCsv } = await import('../analysis/network/csv.js');
    writeAccessCsv(result, out);
    lap('write');
    o.out = out;
  } else {
    const { openStore } = await import('../store/driver.js');
    const { accessRun } = await import('../app/access.js');
    const { cliActor } = await import('./actor.js');
    const store = await openStore(o.db);
    try {
      const r = await accessRun(store, { ...opts, city: o.city, actor: cliActor(o.actor), onRows: (k, n) => progress.update(`reading ${k} ${n.toLocaleString('en')}`) });
      what = `city ${r.city} (${store.kind} ${store.location})`;
      ({ places, result, summary } = r);
      runId = r.run.run_id;
      Object.assign(timings, r.timings);
    } finally {
      await store.close();
    }
    if (o.out) {
      const { writeAccessCsv } = await import('../analysis/network/csv.js');
      writeAccessCsv(result, o.out);
      lap('write');
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  progress.done(`done in ${seconds.toFixed(1)} s`);
  const toStdout = o.out === '-';
  const print = (s: string) => (toStdout ? process.stderr : process.stdout).write(s);
  if (o.json) {
    print(JSON.stringify({
      source: what, run_id: runId ?? null, out: o.out ?? null, seconds, params: result.params, graph: result.graph,
      levels_from: places.levelsFrom, landuse_known: places.landuseKnown, summary,
      facilities: result.categoryStats.map((s) => ({
        category: s.id, facilities: s.facilities, snapped: s.snapped, unsnapped: s.unsnapped.length, island: s.island.length,
        unsnapped_ids: s.unsnapped.slice(0, 100), island_ids: s.island.slice(0, 100),
      })),
      timings_ms: { ...timings, ...Object.fromEntries(Object.entries(result.timings_ms).map(([k, v]) => [`compute.${k}`, v])) },
    }, null, 2) + '\n');
  } else {
    print(formatAccessSummary(what, result, summary, places) + '\n');
    if (o.out && o.out !== '-') print(`wrote ${o.out} (${result.origins.count.toLocaleString('en')} buildings × ${result.categories.length} categories)\n`);
    if (runId !== undefined) print(`stored as access run ${runId}\n`);
  }
  return { result, summary, runId };
}

const pct = (v: number) => `${(100 * v).toFixed(1)}%`;

export function formatAccessSummary(what: string, r: AccessResult, s: AccessSummary, places: AccessPlaces): string {
  const g = r.graph;
  const lines = [
    `walking access 步行可达性: ${what}`,
    `${s.residential_buildings.toLocaleString('en')} residential buildings, ~${s.residents.toLocaleString('en')} residents (estimated); ` +
    `walk graph ${g.nodes.toLocaleString('en')} nodes, ${g.edges.toLocaleString('en')} edges, ${g.length_km.toLocaleString('en')} km, ` +
    `${g.components} component(s) (${pct(g.largest_component_share)} of length in the largest, ${g.tiny_islands} tiny island(s)); cut-off ${r.params.cutoff_m} m`,
  ];
  if (s.unsnapped_buildings || s.island_buildings || s.snapped_past_island) {
    lines.push(`buildings with no walkable edge within ${r.params.snap_limit_m} m: ${s.unsnapped_buildings}; only near a tiny island: ${s.island_buildings} (no distance given); snapped past an island to the main network: ${s.snapped_past_island}`);
  }
  const rows: (string | number)[][] = [['category', '类别', 'facilities', 'bldg≤300', '≤500', '≤1000', 'residents≤300', '≤500', '≤1000', 'median m']];
  const gaps: string[] = [];
  for (const c of s.categories) {
    // no facility of the category in the data: a data gap (无数据), not 0% within reach
    if (c.facilities === 0) { gaps.push(c.id); rows.push([c.id, c.name_zh, 0, '无数据 no data', '-', '-', '-', '-', '-', '-']); continue; }
    rows.push([c.id, c.name_zh, c.facilities, pct(c.buildings_within[300]), pct(c.buildings_within[500]), pct(c.buildings_within[1000]),
      pct(c.residents_within[300]), pct(c.residents_within[500]), pct(c.residents_within[1000]), c.median_m === null ? '-' : c.median_m.toFixed(0)]);
  }
  lines.push(table(rows));
  if (gaps.length) lines.push(`data gaps 数据缺口 (no facility of the category in the data, not a shortfall 数据中没有该类设施, 不计为短缺): ${gaps.join(', ')}`);
  const off = r.categoryStats.filter((c) => c.unsnapped.length || c.island.length);
  if (off.length) {
    lines.push('facilities not joined to the network (no distance from them): ' + off.map((c) =>
      `${c.id} ${c.unsnapped.length + c.island.length} (${[...c.unsnapped, ...c.island].slice(0, 3).join(', ')}${c.unsnapped.length + c.island.length > 3 ? ', ...' : ''})`).join('; '));
  }
  const lf = places.levelsFrom;
  const n = Math.max(1, s.residential_buildings);
  lines.push(`residents = footprint × levels ÷ ${places.perCapitaM2} m² per person; levels from building:levels ${pct(lf.levels / n)}, from height/3 m ${pct(lf.height / n)}, ` +
    `default 6 (apartment-like in residential landuse) ${pct(lf.default_landuse / n)}, default 2 ${pct(lf.default / n)}` +
    (places.landuseKnown ? '' : ' — no landuse in the data: "in residential landuse" taken as building=yes classified residential'));
  return lines.join('\n');
}
