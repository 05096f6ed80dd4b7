import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CheckResult } from '../analysis/indicators/run.js';
import { Progress, table } from './output.js';
import { READING_FLAGS, readingOptions, type ReadingFlags } from './reading.js';
import { UsageError } from '../model/errors.js';

/** `opencim check FILE|--db D --out DIR`: the urban health check (城市体检); with FILE, the reading flags as import's. */
export interface CheckCommandOptions extends ReadingFlags {
  db?: string;
  city?: string;
  out: string;
  catalogue?: string;
  manual?: string;
  compare?: string;
  year?: number;
  param?: string[];
  perCapita?: number;
  cutoff?: number;
  snapLimit?: number;
  polygonReach?: number;
  workers?: number;
  attribution?: string;
  name?: string;
  json?: boolean;
  quiet?: boolean;
  actor?: string;
  carbon?: string;
}

/** `--param key=value` (JSON values, else text) → parameter overrides. */
export function parseParams(list: string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of list) {
    const m = /^([a-z_][a-z0-9_]*)=(.*)$/i.exec(p);
    if (!m) throw new UsageError(`--param expects key=value (JSON value), got "${p}"`);
    try { out[m[1]] = JSON.parse(m[2]); } catch { out[m[1]] = m[2]; }
  }
  return out;
}

export async function checkCommand(file: string | undefined, o: CheckCommandOptions): Promise<{ result: CheckResult; runId?: number }> {
  const t0 = performance.now();
  if (file && o.db) throw new UsageError('give either FILE or --db, not both (FILE is read without a store)');
  const reading = READING_FLAGS.filter((k) => o[k] !== undefined);
  if (!file && reading.length) throw new UsageError(`${reading.map((k) => `--${k}`).join(', ')}: how FILE is read; the store's city was read at its import (只用于读取文件)`);
  const progress = new Progress('check', o.quiet);
  const { loadCatalogue } = await import('../analysis/indicators/catalogue.js');
  const catalogue = loadCatalogue(o.catalogue ?? '2025');
  const overrides = parseParams(o.param);
  const unknown = Object.keys(overrides).filter((k) => !(k in catalogue.parameters));
  if (unknown.length) throw new UsageError(`unknown parameter(s) ${unknown.join(', ')}; known: ${Object.keys(catalogue.parameters).join(', ')}`);
  if (o.year !== undefined) overrides.reference_year = o.year;
  const params = { ...catalogue.parameters, ...overrides } as typeof catalogue.parameters;

  // inputs that can fail fast, before the city is read
  (await import('../report/outputs.js')).checkOutDir(o.out);
  const { readManual } = await import('../analysis/indicators/manual.js');
  const manual = o.manual ? readManual(o.manual, catalogue) : undefined;
  let previous;
  if (o.compare) {
    try {
      previous = JSON.parse(readFileSync(o.compare, 'utf8')) as { generated_at?: string; indicators: { id: string; area_id: string; value: number | null }[] };
      if (!Array.isArray(previous.indicators)) throw new Error('no "indicators" array');
    } catch (e) { throw new UsageError(`--compare ${o.compare}: not an indicators.json (${(e as Error).message})`); }
  }

  const accessOpts = { cutoffM: o.cutoff, snapLimitM: o.snapLimit, polygonReachM: o.polygonReach, workers: o.workers };
  const timings: Record<string, number> = {};
  let tl = performance.now();
  const lap = (k: string) => { const now = performance.now(); timings[k] = Math.round(now - tl); tl = now; };
  const { runCheck } = await import('../analysis/indicators/run.js');
  const onProgress = (stage: string, detail?: string) => progress.update(`${stage}${detail ? ` ${detail}` : ''}`);
  let result: CheckResult;
  let runId: number | undefined;
  let cityId: string;
  if (file) {
    const { openSource } = await import('../ingest/index.js');
    const { formatBytes } = await import('./output.js');
    const { checkDataFromRecords } = await import('../analysis/indicators/data.js');
    const src = await openSource(file, { ...readingOptions(o),
      onBytes: (read, total) => progress.update(`reading ${formatBytes(read)} / ${formatBytes(total)}`) });
    const data = await checkDataFromRecords(src.records, params, { perCapitaM2: o.perCapita });
    lap('read');
    cityId = o.city ?? src.sourceId;
    const carbon = o.carbon ? (await import('../domains/energy/check.js')).carbonForCheckFromJson(o.carbon) : null;
    result = await runCheck(data, {
      catalogue: catalogue.version, params: overrides, city: o.name ?? cityId, source: resolve(file), manual, previous, access: accessOpts, perCapitaM2: o.perCapita, carbon,
      // (known once the records are read: an OSM file, or a Tilezen export of OSM)
      attribution: o.attribution ?? src.attribution, onProgress,
      provenance: { sources: [{ source_id: src.sourceId, path: src.path, format: src.format, bytes: src.bytes, version: src.version ?? null, generator: src.generator ?? null }], manual: o.manual ? resolve(o.manual) : null, compare: o.compare ? resolve(o.compare) : null },
    });
    lap('check');
  } else {
    const { openStore } = await import('../store/driver.js');
    const { checkRun } = await import('../app/check.js');
    const { cliActor } = await import('./actor.js');
    const store = await openStore(o.db);
    try {
      const r = await checkRun(store, {
        city: o.city, actor: cliActor(o.actor), catalogue: catalogue.version, params, overrides, access: accessOpts, perCapitaM2: o.perCapita,
        name: o.name, attribution: o.attribution, manual, previous, onProgress, inputs: { manual: o.manual ? resolve(o.manual) : null, compare: o.compare ? resolve(o.compare) : null },
        onRows: (k, n) => progress.update(`reading ${k} ${n.toLocaleString('en')}`), carbonFile: o.carbon,
      });
      ({ result, city: cityId } = r);
      runId = r.run.run_id;
      Object.assign(timings, r.timings);
    } finally {
      await store.close();
    }
  }
  progress.update('writing outputs');
  const { writeOutputs, statusSummary } = await import('../report/outputs.js');
  const written = await writeOutputs(result, o.out);
  lap('write');
  const seconds = (performance.now() - t0) / 1000;
  progress.done(`done in ${seconds.toFixed(1)} s`);
  const summary = statusSummary(result);
  if (o.json) {
    process.stdout.write(JSON.stringify({
      city: result.city, source: result.source, run_id: runId ?? null, out: resolve(o.out), files: written.files, bytes: written.bytes, seconds, summary,
      units: Object.fromEntries(Object.entries(result.units.level).map(([k, v]) => [k, v.length])), notes: result.notes,
      residential_buildings: result.accessSummary.residential_buildings, residents: result.accessSummary.residents,
      population: (await import('../analysis/indicators/population.js')).populationJson(result.data.population),
      timings_ms: { ...timings, ...Object.fromEntries(Object.entries(result.timings_ms).map(([k, v]) => [`check.${k}`, v])) },
    }, null, 2) + '\n');
  } else {
    process.stdout.write(formatCheckSummary(result, summary) + '\n');
    process.stdout.write(`wrote ${Object.keys(written.files).join(', ')} to ${resolve(o.out)}\n`);
    if (runId !== undefined) process.stdout.write(`stored as check run ${runId}\n`);
  }
  return { result, runId };
}

function fmtValue(v: number | null, unit: string): string {
  if (v === null) return '–';
  if (unit === 'ratio') return `${(100 * v).toFixed(1)}%`;
  if (unit === 'count' || unit === 'persons/km2') return Math.round(v).toLocaleString('en');
  return String(Math.round(v * 1000) / 1000);
}

/** unit in zh/en beside the value (ratio is already a %) */
const UNIT_TEXT: Record<string, string> = { 'km/km2': 'km/km²', 'm2/person': 'm²/人 per person', 'persons/km2': '人/km² per km²', index: '基尼系数 Gini' };

export function formatCheckSummary(r: CheckResult, s: Record<string, unknown>): string {
  const lines = [
    `urban health check 城市体检: ${r.city} (${r.source})`,
    // computed + manual + no data = indicators (each counted once); computed splits into graded, no target, verdict withheld
    `catalogue ${r.catalogue.version}: ${s.indicators} indicators 指标 — computed 计算 ${s.computed} (graded 已评定 ${s.computed_graded}, no target 无目标 ${s.computed_no_target}, ` +
    `low confidence, not graded 可信度低不评定 ${s.computed_withheld}), manual 填报 ${s.manual}, no data 无数据 ${s.no_data}; pass 达标 ${s.pass}, fail 未达标 ${s.fail}; ` +
    `${s.problems} problems in the ledger 问题清单, ${s.renewal_candidates} renewal candidates 更新候选`,
    `~${r.accessSummary.residents.toLocaleString('en')} residents (estimated) in ${r.accessSummary.residential_buildings.toLocaleString('en')} residential buildings; units: ` +
    Object.entries(r.units.level).map(([k, v]) => `${v.length} ${k}`).join(', '),
  ];
  for (const n of r.notes) lines.push(`note: ${n}`);
  const p = r.data.population;
  lines.splice(2, 1, `~${Math.round(p.allocated + p.outside_residents_estimated).toLocaleString('en')} residents 人口 (${p.kind === 'estimate' ? 'estimated from floor area 按建筑面积估算' : `${p.kind} ${p.source}${p.year ? ` ${p.year}` : ''}; unallocated 未分配 ${Math.round(p.unallocated).toLocaleString('en')}`}) in ` +
    `${r.accessSummary.residential_buildings.toLocaleString('en')} residential buildings; units: ` + Object.entries(r.units.level).map(([k, v]) => `${v.length} ${k}`).join(', '));
  const rows: (string | number)[][] = [['indicator', '指标', 'value 数值', 'unit 单位', 'target 目标', 'status 状态', 'confidence 可信度']];
  const ST: Record<string, string> = { pass: 'pass 达标', fail: 'fail 未达标', no_target: 'no target 无目标', no_data: 'no data 无数据' };
  const CF: Record<string, string> = { high: 'high 高', medium: 'medium 中', low: 'low 低' };
  for (const x of r.results) {
    if (x.level !== 'city' || (x.source === 'none' && !x.data_gap && !x.computability.some((c) => c === 'G'))) continue;
    rows.push([x.id, x.name_zh, fmtValue(x.value, x.unit), x.unit === 'ratio' ? '%' : UNIT_TEXT[x.unit] ?? x.unit_zh, x.target ? `${x.target.op} ${fmtValue(x.target.value, x.unit)}` : '',
      // a value kept but not graded (low confidence) is not "no data"
      (x.status === 'no_data' && x.value !== null && x.source === 'computed' ? 'not graded 不评定' : ST[x.status] ?? x.status) + (x.data_gap ? ' (data gap 数据缺口)' : '') + (x.source === 'manual' ? ' (manual 填报)' : ''), x.value === null ? '' : CF[x.confidence ?? 'low']]);
  }
  lines.push(table(rows));
  return lines.join('\n');
}
