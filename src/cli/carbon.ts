import { Command, Option } from 'commander';
import { resolve } from 'node:path';
import type { CarbonOutcome } from '../domains/energy/app.js';
import type { Grid, Zone } from '../domains/energy/params.js';
import type { CarbonResult } from '../domains/energy/run.js';
import { Progress, table } from './output.js';
import { UsageError } from '../model/errors.js';

/** `opencim carbon FILE|--db D --out DIR`: the building energy and carbon inventory (建筑能耗与碳排放清单). */
export interface CarbonCommandOptions {
  db?: string;
  city?: string;
  name?: string;
  out: string;
  metered?: string;
  green?: string;
  encoding?: 'utf8' | 'gbk';
  zone?: string;
  grid?: string;
  year?: number;
  eui?: string;
  factors?: string;
  zones?: string;
  retrofitMax?: number;
  actor?: string;
  json?: boolean;
  quiet?: boolean;
}

const ZONE_LIST = ['severe_cold', 'cold', 'hscw', 'hsww', 'mild'];
const GRID_LIST = ['national', 'north', 'northeast', 'east', 'central', 'northwest', 'south', 'southwest'];
const int = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${name} must be a non-negative integer, got "${v}"`);
  return n;
};

export function carbonCommandSpec(dbOption: Option): Command {
  return new Command('carbon')
    .description('building energy and carbon inventory (建筑能耗与碳排放清单): floor area, use, climate zone, era, energy by carrier, CO2e per building and area, retrofit candidates; writes carbon.csv, carbon.json, retrofit.csv, carbon.html')
    .argument('[file]', 'read the city from this file (.osm.pbf, .osm, .osm.gz, .geojson, ...) instead of the store; nothing is stored')
    .addOption(dbOption)
    .requiredOption('--out <dir>', 'output folder')
    .option('--city <name>', 'city in the store (default: the only one); with FILE, the city id for the outputs')
    .option('--name <text>', 'city name shown in the outputs')
    .option('--metered <csv>', 'metered annual use 计量数据: building_id or address, year, electricity_kwh, gas_m3, heat_gj (optional account)')
    .option('--green <csv>', 'green-building certifications 绿色建筑标识: building_id,level,year')
    .addOption(new Option('--encoding <enc>', 'text encoding of the --metered and --green CSVs (文件编码)').choices(['utf8', 'gbk']).default('utf8'))
    .addOption(new Option('--zone <zone>', 'climate zone (GB 50176) instead of the one looked up from the location').choices(ZONE_LIST))
    .addOption(new Option('--grid <grid>', 'regional grid of the electricity factor instead of the province\'s').choices(GRID_LIST))
    .option('--year <n>', 'reference year (new buildings for the green share); default the current year', int('--year'))
    .option('--eui <version>', 'EUI table version (src/domains/energy/params/eui-*.json)')
    .option('--factors <version>', 'emission factor table version (params/factors-*.json)')
    .option('--zones <version>', 'climate zone table version (params/zones-*.json)')
    .option('--retrofit-max <n>', 'retrofit candidates listed', int('--retrofit-max'), 100)
    .option('--actor <name>', 'who runs it (stored with the run; default $OPENCIM_ACTOR or cli:<user>)')
    .option('--json', 'print the summary as JSON')
    .option('-q, --quiet', 'no progress on stderr')
    .action(async (file: string | undefined, o: CarbonCommandOptions) => { await carbonCommand(file, o); });
}

export async function carbonCommand(file: string | undefined, o: CarbonCommandOptions): Promise<{ result: CarbonResult; runId?: number }> {
  const t0 = performance.now();
  if (file && o.db) throw new UsageError('give either FILE or --db, not both (FILE is read without a store)');
  const progress = new Progress('carbon', o.quiet);
  const { loadEnergyParams } = await import('../domains/energy/params.js');
  const params = loadEnergyParams({ eui: o.eui, factors: o.factors, zones: o.zones });
  const { loadCatalogue } = await import('../analysis/indicators/catalogue.js');
  const checkParams = loadCatalogue('2025').parameters;
  // inputs that can fail fast, before the city is read
  const { readMetered } = await import('../domains/energy/metered.js');
  const inputs = {
    params, checkParams, meteredRows: o.metered ? await readMetered(o.metered, o.encoding) : undefined, meteredFile: o.metered, greenFile: o.green, encoding: o.encoding,
    zone: o.zone as Zone | undefined, grid: o.grid as Grid | undefined, referenceYear: o.year, retrofitMax: o.retrofitMax, name: o.name, city: o.city,
    onProgress: (text: string) => progress.update(text), onRows: (k: string, n: number) => progress.update(`reading ${k} ${n.toLocaleString('en')}`),
  };
  const app = await import('../domains/energy/app.js');
  let outcome: CarbonOutcome;
  if (file) outcome = await app.carbonFromFile(file, inputs);
  else {
    const { openStore } = await import('../store/driver.js');
    const { cliActor } = await import('./actor.js');
    const store = await openStore(o.db);
    try {
      outcome = await app.carbonRun(store, { ...inputs, actor: cliActor(o.actor) });
    } finally {
      await store.close();
    }
  }
  const { result, metered, source, attribution, provenance, meteredNote } = outcome;
  const runId = outcome.runId ?? undefined;
  progress.update('writing outputs');
  const { carbonJson, writeCarbonOutputs } = await import('../domains/energy/outputs.js');
  const meteredInfo = metered ? { file: o.metered ? resolve(o.metered) : null, rows: metered.rows.length, buildings: metered.byBuilding.size, ...meteredNote } : undefined;
  const written = writeCarbonOutputs(result, o.out, carbonJson(result, { source, runId: runId ?? null, attribution, provenance, metered: meteredInfo }), { source, runId: runId ?? null, attribution });
  const seconds = (performance.now() - t0) / 1000;
  progress.done(`done in ${seconds.toFixed(1)} s`);
  if (o.json) {
    process.stdout.write(JSON.stringify({
      city: result.city, source, run_id: runId ?? null, out: resolve(o.out), files: written.files, seconds, zone: result.zone, summary: result.summary,
      green: result.green, retrofit: { eligible: result.retrofit.eligible, listed: result.retrofit.candidates.length, saved_co2e_kg: result.retrofit.saved_co2e_kg },
      timings_ms: result.timings_ms,
    }, null, 2) + '\n');
  } else {
    process.stdout.write(formatCarbonSummary(result, source) + '\n');
    process.stdout.write(`wrote ${Object.keys(written.files).join(', ')} to ${resolve(o.out)}\n`);
    if (runId !== undefined) process.stdout.write(`stored as carbon run ${runId}\n`);
  }
  return { result, runId };
}

const t = (kg: number) => (kg / 1000).toLocaleString('en', { maximumFractionDigits: 1 });

export function formatCarbonSummary(r: CarbonResult, source: string): string {
  const s = r.summary, z = r.zone;
  const lines = [
    `building energy and carbon 建筑能耗与碳排放: ${r.city} (${source})`,
    `climate zone 气候区 ${r.params.zones.zones[z.zone].name_zh} ${z.zone}, grid 电网 ${r.params.factors.grids[z.grid].name_zh} ${z.grid} ${r.inventory.factors.electricity} kgCO2/kWh — ${z.method}`,
    `${s.buildings.toLocaleString('en')} buildings 栋: metered 计量 ${s.metered_buildings}, estimated 估算 ${s.estimated_buildings}; floor area 建筑面积 ${Math.round(s.floor_area_m2).toLocaleString('en')} m² ` +
    `(levels ${s.floor_area_basis.levels}, height ${s.floor_area_basis.height}, default ${s.floor_area_basis.default})`,
    `operational CO2e 运行碳排放 ${t(s.co2e_kg)} t (${t(s.co2e_estimated_kg)} t estimated 估算值), ${s.co2e_kg_per_m2 === null ? '–' : s.co2e_kg_per_m2.toFixed(1)} kg/m²; ` +
    `electricity ${Math.round(s.electricity_kwh).toLocaleString('en')} kWh, gas ${Math.round(s.gas_m3).toLocaleString('en')} m³, heat ${Math.round(s.heat_gj).toLocaleString('en')} GJ`,
  ];
  if (r.green) lines.push(`green buildings 绿色建筑: ${r.green.certified_buildings} certified; share of new floor area 新建建筑绿色占比 ${r.green.new_share === null ? '– (no new buildings with a year)' : (100 * r.green.new_share).toFixed(1) + '%'}`);
  const rows: (string | number)[][] = [['level', 'areas', 'top area', 'CO2e t']];
  for (const lv of ['district', 'street', 'community'] as const) {
    const a = r.aggregates.levels[lv];
    if (!a.length) continue;
    const top = a.reduce((x, y) => (y.co2e_kg > x.co2e_kg ? y : x));
    rows.push([lv, a.length, top.name ?? top.area_id, Number(t(top.co2e_kg).replace(/,/g, ''))]);
  }
  if (rows.length > 1) lines.push(table(rows));
  lines.push(`retrofit candidates 节能改造候选: ${r.retrofit.eligible} eligible, saving ${t(r.retrofit.saved_co2e_kg)} t CO2e; top ${r.retrofit.candidates.length} in retrofit.csv (${r.params.eui.retrofit.assumption_en})`);
  return lines.join('\n');
}
