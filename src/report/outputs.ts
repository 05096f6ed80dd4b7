import { accessSync, closeSync, constants, mkdirSync, openSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from '../model/errors.js';
import type { Areal, Position } from '../model/geometry.js';
import { centroid } from '../model/geo.js';
import type { CheckResult } from '../analysis/indicators/run.js';
import { writeAccessCsv } from '../analysis/network/csv.js';
import { pieces } from '../model/pieces.js';
import { populationJson } from '../analysis/indicators/population.js';
import { dataQuality } from './quality.js';

/**
 * The health check's files (DESIGN.md contract): indicators.json, indicators.csv (UTF-8 with BOM
 * for Excel), access.csv, renewal.geojson and report.html, each written to a temporary name in
 * the output folder and renamed into place, so a reader never sees half a file.
 */
export function writeAtomic(dir: string, name: string, write: (path: string) => void): string {
  const final = join(dir, name);
  const tmp = join(dir, `.${name}.${process.pid}.tmp`);
  try {
    write(tmp);
    renameSync(tmp, final);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  return final;
}

/** indicators.json; its `indicators` are produced as they are written (a megacity has ~10⁶ rows: no second copy of them) */
export function indicatorsDocument(r: CheckResult): Record<string, unknown> {
  const areaCounts = Object.fromEntries(Object.entries(r.units.level).map(([k, v]) => [k, v.length]));
  return {
    city: r.city,
    source: r.source,
    generated_at: r.generated_at,
    engine: 'opencim-check/1',
    catalogue: { version: r.catalogue.version, title_zh: r.catalogue.title_zh, title_en: r.catalogue.title_en, indicators: r.catalogue.indicators.length },
    parameters: r.parameters,
    units: { counts: areaCounts, provision_units: r.units.provision.length, source: r.units.source, notes: r.notes },
    access: { params: r.access.params, residential_buildings: r.accessSummary.residential_buildings, residents: r.accessSummary.residents, graph: r.access.graph },
    population: populationJson(r.data.population),
    ...(r.attribution ? { attribution: r.attribution } : {}),
    ...(r.provenance !== undefined ? { provenance: r.provenance } : {}),
    summary: statusSummary(r),
    // city rows in full; sub-area rows without what the city row and the catalogue already say
    indicators: (function* () {
      for (const x of r.results) {
        if (x.level === 'city') { yield x; continue; }
        const { seq: _s, system_level: _l, unit_zh: _u, direction: _d, computability: _c, ...rest } = x;
        yield rest;
      }
    })(),
    // the problem ledger (问题清单) is in renewal.geojson (and the store); counts here
    problems: Object.entries(r.renewal.ledger.reduce<Record<string, number>>((m, p) => { m[p.indicator_id] = (m[p.indicator_id] ?? 0) + 1; return m; }, {})).map(([indicator_id, count]) => ({ indicator_id, count })),
  };
}

/**
 * The counts of the city values. `computed`, `manual` and `no_data` partition the indicators (each
 * counted once, by what the row holds): manual = an entered figure; no_data = no value; computed = a
 * computed value, itself split into graded (pass/fail), no target to grade against, and verdict
 * withheld (a value of low confidence: status no_data, figure kept). pass / fail / no_target count
 * statuses over computed and manual values alike.
 */
export function statusSummary(r: CheckResult): Record<string, unknown> {
  const city = r.results.filter((x) => x.level === 'city');
  const count = (f: (x: (typeof city)[number]) => boolean) => city.filter(f).length;
  const computed = (x: (typeof city)[number]) => x.source !== 'manual' && x.value !== null;
  return {
    indicators: city.length,
    computed: count(computed), manual: count((x) => x.source === 'manual'), no_data: count((x) => x.source !== 'manual' && x.value === null),
    computed_graded: count((x) => computed(x) && (x.status === 'pass' || x.status === 'fail')),
    computed_no_target: count((x) => computed(x) && x.status === 'no_target'),
    computed_withheld: count((x) => computed(x) && x.status === 'no_data'),
    pass: count((x) => x.status === 'pass'), fail: count((x) => x.status === 'fail'), no_target: count((x) => x.status === 'no_target'),
    problems: r.renewal.ledger.length, renewal_candidates: r.renewal.candidates.length,
  };
}

const CSV_COLUMNS = ['id', 'seq', 'name_zh', 'name_en', 'system_level', 'level', 'area_id', 'area_name', 'area_kind', 'value', 'unit', 'unit_zh', 'target', 'status', 'grade', 'source', 'year', 'data_source', 'previous_value', 'delta', 'change', 'computability', 'explain', 'confidence', 'confidence_reason', 'data_gap', 'explain_zh', 'confidence_reason_zh'];

function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'string' ? v : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** indicators.csv in small pieces (a megacity's file is larger than a string may be; see `pieces`) */
export function indicatorsCsvChunks(r: CheckResult): Generator<string> {
  return pieces(indicatorsCsvLines(r));
}

function* indicatorsCsvLines(r: CheckResult): Generator<string> {
  yield '\uFEFF' + CSV_COLUMNS.join(',') + '\r\n';
  for (const x of r.results) {
    const row = [
      x.id, x.seq, x.name_zh, x.name_en, x.system_level, x.level, x.area_id, x.area_name, x.area_kind, x.value, x.unit, x.unit_zh,
      x.target ? `${x.target.op} ${x.target.value}` : '', x.status, x.grade ? x.grade.zh : '', x.source, x.year, x.data_source,
      x.previous?.value, x.previous?.delta, x.previous?.change, x.computability.join('/'), x.explain, x.confidence, x.confidence_reason, x.data_gap?.join('/'), x.explain_zh, x.confidence_reason_zh,
    ];
    yield row.map(csvField).join(',') + '\r\n';
  }
}

function* elements(v: Iterable<unknown>): Generator<string> {
  let i = 0;
  for (const el of v) yield (i++ ? ',' : '') + (JSON.stringify(el) ?? 'null');
}

/**
 * JSON.stringify(doc) in pieces: the same text, with the array (or iterable, written as an array)
 * under `key` written element by element (a megacity's indicators.json and renewal.geojson are
 * larger than a string may be).
 */
export function* jsonChunks(doc: Record<string, unknown>, key: string): Generator<string> {
  let head = '{';
  let first = true;
  for (const [k, v] of Object.entries(doc)) {
    if (k === key && v !== null && typeof v === 'object' && Symbol.iterator in v) {
      yield `${head}${first ? '' : ','}${JSON.stringify(k)}:[`;
      head = '';
      yield* pieces(elements(v as Iterable<unknown>));
      yield ']';
      first = false;
      continue;
    }
    const text = JSON.stringify(v);
    if (text === undefined) continue;
    head += `${first ? '' : ','}${JSON.stringify(k)}:${text}`;
    first = false;
  }
  yield `${head}}`;
}

const r7 = (v: number) => Math.round(v * 1e7) / 1e7;
function roundGeom(g: Areal): Areal {
  const ring = (rg: Position[]) => rg.map(([x, y]) => [r7(x), r7(y)] as Position);
  return g.type === 'Polygon' ? { type: 'Polygon', coordinates: g.coordinates.map(ring) } : { type: 'MultiPolygon', coordinates: g.coordinates.map((p) => p.map(ring)) };
}

/** the features of renewal.geojson, produced as they are written */
function* renewalFeatures(r: CheckResult): Generator<unknown> {
  for (const c of r.renewal.candidates) {
    const { geometry, lon, lat, ...props } = c;
    yield { type: 'Feature', id: c.id, geometry: geometry ? roundGeom(geometry) : { type: 'Point', coordinates: [lon, lat] }, properties: { feature_type: 'candidate', ...props, lon, lat } };
  }
  const byId = new Map(r.renewal.candidates.map((c) => [c.id, c]));
  const points = new Map<string, Position | null>();
  for (const p of r.renewal.ledger) {
    let pt = points.get(p.area_id);
    if (pt === undefined) {
      const a = r.units.byId.get(p.area_id);
      const cand = a ? undefined : byId.get(p.area_id);
      pt = a?.geometry ? centroid(a.geometry) : cand ? [cand.lon, cand.lat] : null;
      points.set(p.area_id, pt);
    }
    yield { type: 'Feature', geometry: pt ? { type: 'Point', coordinates: [r7(pt[0]), r7(pt[1])] } : null, properties: { feature_type: 'problem', ...p } };
  }
}

/** renewal.geojson: ranked candidates (polygons) and the problem ledger (points at their area); `features` produced as they are written. */
export function renewalGeojson(r: CheckResult): Record<string, unknown> {
  const features = renewalFeatures(r);
  return {
    type: 'FeatureCollection',
    name: 'renewal',
    city: r.city,
    generated_at: r.generated_at,
    method: r.renewal.method,
    weights: r.renewal.weights,
    scored_places: r.renewal.scored,
    ...(r.attribution ? { attribution: r.attribution } : {}),
    features,
  };
}

export interface WrittenFiles { dir: string; files: Record<string, string>; bytes: Record<string, number> }

/**
 * That the outputs can be written into `dir` (a folder, or one that can be made), asked before the
 * check reads the city: a run of the store is not recorded for a report that cannot be written.
 */
export function checkOutDir(dir: string): void {
  let at = resolve(dir);
  for (;;) {
    let st;
    try { st = statSync(at); } catch { st = undefined; } // missing (or under a file: found further up)
    if (st) {
      if (!st.isDirectory()) throw new UsageError(`--out ${dir}: ${at} is a file, not a folder (输出目录不是文件夹)`);
      try { accessSync(at, constants.W_OK); } catch { throw new UsageError(`--out ${dir}: no permission to write into ${at} (无写入权限)`); }
      return;
    }
    const up = dirname(at);
    if (up === at) return;
    at = up;
  }
}

/** Write all the outputs into `dir` (the five of DESIGN.md and data_quality.json). */
export async function writeOutputs(r: CheckResult, dir: string): Promise<WrittenFiles> {
  mkdirSync(dir, { recursive: true });
  const files: Record<string, string> = {};
  const bytes: Record<string, number> = {};
  const text = (name: string, s: string) => { files[name] = writeAtomic(dir, name, (p) => writeFileSync(p, s)); bytes[name] = Buffer.byteLength(s); };
  const pieces = (name: string, parts: Iterable<string>) => {
    files[name] = writeAtomic(dir, name, (p) => {
      const fd = openSync(p, 'w');
      let n = 0;
      try { for (const part of parts) n += writeSync(fd, part); } finally { closeSync(fd); }
      bytes[name] = n;
    });
  };
  pieces('indicators.json', jsonChunks(indicatorsDocument(r), 'indicators'));
  pieces('indicators.csv', indicatorsCsvChunks(r));
  files['access.csv'] = writeAtomic(dir, 'access.csv', (p) => { writeAccessCsv(r.access, p); bytes['access.csv'] = statSync(p).size; });
  pieces('renewal.geojson', jsonChunks(renewalGeojson(r), 'features'));
  text('data_quality.json', JSON.stringify(dataQuality(r), null, 1));
  const { reportHtml } = await import('./html.js');
  text('report.html', reportHtml(r));
  return { dir, files, bytes };
}
