import { addRetrofitReasons, energyIndicatorResults, type CarbonForCheck } from '../../domains/energy/check.js';
import { computeAccess, summarize, type AccessOptions, type AccessResult, type AccessSummary } from '../network/access.js';
import { SegmentIndex } from '../network/snap.js';
import { loadCatalogue, type Catalogue, type CatalogueEntry, type CheckParameters } from './catalogue.js';
import { buildRaster, type CoverageRaster } from './land-raster.js';
import type { CheckData } from './data.js';
import { compareWith, gradeBand, gradeStatus, type PreviousRun } from './grading.js';
import { ManualInputError, type ManualValue } from './manual.js';
import { assess, qualityFacts } from './confidence.js';
import { manualMethod, methodZh, unimplemented } from './explain-zh.js';
import { INDICATOR_BY_ID } from './registry.js';
import { buildRenewal, type Renewal } from './renewal.js';
import type { AreaValue, CheckContext, IndicatorResult } from './types.js';
import { buildUnits, type Units } from './units.js';

/**
 * The urban health check: units of analysis, walking access, every catalogue indicator (computed,
 * manual or no_data with the reason), grading, year-on-year comparison, the problem ledger and
 * the renewal candidates. Pure apart from the engine's worker threads: I/O is the caller's.
 */
export interface CheckOptions {
  catalogue?: string;
  params?: Partial<CheckParameters>;
  city?: string;
  /** what was read, for the report (file path or store) */
  source?: string;
  provenance?: unknown;
  manual?: ManualValue[];
  previous?: PreviousRun;
  access?: AccessOptions;
  perCapitaM2?: number;
  /** "© OpenStreetMap contributors" when the data is OSM */
  attribution?: string;
  onProgress?: (stage: string, detail?: string) => void;
  /** figures of a carbon inventory run (src/domains/energy/check.ts): extra indicators and retrofit reasons */
  carbon?: CarbonForCheck | null;
}

export interface CheckResult {
  city: string;
  source: string;
  generated_at: string;
  catalogue: Catalogue;
  parameters: CheckParameters;
  units: Units;
  results: IndicatorResult[];
  access: AccessResult;
  accessSummary: AccessSummary;
  renewal: Renewal;
  data: CheckData;
  attribution?: string;
  provenance?: unknown;
  notes: string[];
  notes_zh: string[];
  timings_ms: Record<string, number>;
  /** the run's shared intermediate results (per-building living-circle completeness, ...) */
  memo: Map<string, unknown>;
}

export const ENGINE_VERSION = 'opencim-check/1';

export async function runCheck(data: CheckData, opts: CheckOptions = {}): Promise<CheckResult> {
  const t: Record<string, number> = {};
  let t0 = performance.now();
  const lap = (k: string) => { const now = performance.now(); t[k] = Math.round(now - t0); t0 = now; };
  const catalogue = loadCatalogue(opts.catalogue ?? '2025');
  const params: CheckParameters = { ...catalogue.parameters, ...opts.params } as CheckParameters;
  // thresholds given in part keep the catalogue's others (a rule never switched off by omission)
  params.confidence = { ...catalogue.parameters.confidence, ...opts.params?.confidence };
  const city = opts.city ?? 'city';
  const progress = opts.onProgress ?? (() => {});

  progress('units');
  const units = buildUnits(data, params, city);
  lap('units');

  progress('access', `${data.places.origins.count.toLocaleString('en')} residential buildings`);
  const index = new SegmentIndex(data.places.graph);
  const accessOptions: AccessOptions = { ...opts.access, onProgress: (s, d) => progress(`access ${s}`, d) };
  const access = await computeAccess(data.places, { ...accessOptions, categories: undefined }, index);
  const accessSummary = summarize(access);
  lap('access');

  const catIndex = new Map(access.categories.map((c, k) => [c, k]));
  const n = access.origins.count;
  const memo = new Map<string, unknown>();
  let raster: CoverageRaster | undefined;
  const ctx: CheckContext = {
    city, params, catalogue, data, units, access, perCapitaM2: opts.perCapitaM2 ?? data.places.perCapitaM2,
    cat: (id) => catIndex.get(id) ?? -1,
    dist: (c, i) => access.distances[c * n + i],
    raster: () => (raster ??= buildRaster(ctx)),
    memo: <T>(key: string, make: () => T): T => { if (!memo.has(key)) memo.set(key, make()); return memo.get(key) as T; },
    extra: new Map<string, unknown>([['segmentIndex', index], ['accessOptions', { ...opts.access }]]),
  };

  const results: IndicatorResult[] = [];
  // texts that repeat across areas (most sub-area explains, reasons) are kept once: a megacity has ~10⁶ rows
  const texts = new Map<string, string>();
  const once = (t: string): string => { const k = texts.get(t); if (k !== undefined) return k; texts.set(t, t); return t; };
  // `explain` and `explainZh` come from the same branch (the indicator's method, the manual entry, or why nothing computes it): the two languages never disagree
  const entryFor = (e: CatalogueEntry, a: number, v: AreaValue | null, explain: string, explainZhText: string, source: IndicatorResult['source']): IndicatorResult => {
    const area = units.areas[a];
    const value = v?.value ?? null;
    // the status is the value read against the catalogue's target, nothing else (DESIGN.md); a rule beside the value (a height cap) is a verdict of its own
    const status = gradeStatus(e, value);
    const verdict = value !== null ? v?.verdict : undefined;
    const why = verdict ? ` Verdict: ${verdict.why}.` : '', whyZh = verdict ? ` 判定：${verdict.why_zh}。` : '';
    const r: IndicatorResult = {
      id: e.id, name_zh: e.name_zh, name_en: e.name_en, level: area.level, system_level: e.level, seq: e.seq,
      area_id: area.id, ...(area.name ? { area_name: area.name } : {}), area_kind: area.kind,
      value, unit: e.unit, unit_zh: e.unit_zh, target: e.target, status,
      ...(area.level === 'city' ? { grade: gradeBand(e, value) } : {}),
      confidence: 'low', confidence_reason: '', confidence_reason_zh: '',
      ...(v?.gap?.length ? { data_gap: v.gap } : {}),
      direction: e.direction, computability: e.computability, source,
      // the method in full on the city value; sub-areas carry their own figures and point to it
      explain: (area.level === 'city' || source === 'manual' ? explain : `Method as for the city value of ${e.id}.`) +
        (value === null && v?.reason ? ` No value: ${v.reason}.` : `${v?.note ? ' ' + v.note : ''}${why}`),
      ...(v?.details ? { details: v.details } : {}),
    };
    r.explain_zh = (area.level === 'city' || source === 'manual' ? explainZhText : `方法同 ${e.name_zh} 的城市层级数值。`) +
      (value === null && v?.reason ? ` 无数据：${v.reason_zh ?? v.reason}。` : `${v?.note_zh ? ` ${v.note_zh}` : ''}${whyZh}`);
    const c = assess(ctx, e, r, area);
    r.confidence = c.confidence; r.confidence_reason = c.confidence_reason; r.confidence_reason_zh = c.confidence_reason_zh;
    // no value is graded on inputs that cannot support it (issue 10 §2): a low-confidence value keeps its figure, not a verdict
    const withhold = c.withhold ?? (c.confidence === 'low' ? `confidence low (${c.confidence_reason})` : undefined);
    const withholdZh = c.withhold_zh ?? `可信度低（${c.confidence_reason_zh}）`;
    if (withhold && (r.status === 'pass' || r.status === 'fail')) {
      r.explain += ` Verdict withheld: ${withhold}.`;
      r.explain_zh += ` 不作达标判定：${withholdZh}。`;
      r.status = 'no_data';
      r.grade = null;
    }
    if (verdict) {
      r.verdict = { rule: verdict.rule, outcome: withhold ? 'withheld' : verdict.outcome, why: verdict.why, why_zh: verdict.why_zh };
      if (withhold) { r.explain += ` Verdict withheld: ${withhold}.`; r.explain_zh += ` 不作判定：${withholdZh}。`; }
    }
    r.explain = once(r.explain); r.explain_zh = once(r.explain_zh); r.confidence_reason = once(r.confidence_reason); r.confidence_reason_zh = once(r.confidence_reason_zh);
    return r;
  };

  for (const e of catalogue.indicators) {
    const ind = INDICATOR_BY_ID.get(e.id);
    if (!ind) {
      const why = unimplemented(e);
      results.push(entryFor(e, units.level.city[0], null, why.en, `${why.zh}。`, 'none'));
      continue;
    }
    if (ind.unit !== e.unit) throw new Error(`indicator ${e.id}: unit ${ind.unit} does not match the catalogue's ${e.unit}`);
    progress('indicator', e.id);
    const values = await ind.compute(ctx);
    const method = `${ind.explain(ctx)} Inputs: ${ind.inputs.join('; ')}.`;
    const zh = methodZh(ctx, ind);
    for (const v of values) results.push(entryFor(e, v.area, v, method, zh, v.value === null ? 'none' : 'computed'));
    lap(`indicator.${e.id}`);
  }

  // manual values replace or add entries
  for (const m of opts.manual ?? []) {
    const e = catalogue.byId.get(m.indicator_id)!;
    const area = units.byId.get(m.area_id);
    if (!area) {
      const sample = [...units.byId.keys()].slice(0, 6).join(', ');
      throw new ManualInputError(`${m.where}: unknown area "${m.area_id}" for ${m.indicator_id}; areas of this run: ${sample}${units.byId.size > 6 ? ', ...' : ''} (use "city" for the whole city)`);
    }
    const k = results.findIndex((r) => r.id === m.indicator_id && r.area_id === area.id);
    const computed = k >= 0 && results[k].source === 'computed' ? results[k].value : null;
    const how = manualMethod(m, computed);
    const r = entryFor(e, area.index, { area: area.index, value: m.value }, how.en, how.zh, 'manual');
    if (m.year !== undefined) r.year = m.year;
    if (m.source) r.data_source = m.source;
    if (computed !== null) r.details = { ...results[k].details, computed_value: computed };
    if (k >= 0) results[k] = r; else results.push(r);
  }
  lap('manual');

  if (opts.carbon) results.push(...energyIndicatorResults(opts.carbon, units, catalogue));
  if (opts.previous) compareWith(results, opts.previous);
  qualityFacts(ctx); // kept in the memo for data_quality.json

  progress('renewal');
  const renewal = buildRenewal(ctx, results);
  if (opts.carbon) addRetrofitReasons(renewal, opts.carbon);
  lap('renewal');

  const notes = [...units.notes], notesZh = [...units.notesZh];
  if (!data.compounds.length) {
    notes.push('no residential landuse (landuse=residential) in the data: residential land is approximated by residential building footprints, and communities cannot be compounds');
    notesZh.push('数据中没有居住用地（landuse=residential）：居住用地以住宅建筑基底近似，社区不能以小区划分');
  }
  return {
    city, source: opts.source ?? '', generated_at: new Date().toISOString(), catalogue, parameters: params, units, results, access, accessSummary, renewal, data,
    ...(opts.attribution ? { attribution: opts.attribution } : {}), provenance: opts.provenance, notes, notes_zh: notesZh, timings_ms: t, memo,
  };
}
