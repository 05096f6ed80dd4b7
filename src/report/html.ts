import { readFileSync } from 'node:fs';
import { LEGENDS } from '../catalog/legends.js';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Areal } from '../model/geometry.js';
import { categoryById } from '../model/taxonomy.js';
import { livingCircle } from '../analysis/indicators/computed/access.js';
import type { CheckResult } from '../analysis/indicators/run.js';
import { statusSummary } from './outputs.js';
import { categoryNames, dataQuality, QUALITY_LABELS } from './quality.js';

/**
 * report.html: one self-contained file (ECharts build, data, styles and script inline) that
 * opens offline; Chinese by default with an English switch. Maps are drawn from the data on a
 * canvas (no basemap, no network).
 */
const ASSETS = fileURLToPath(new URL('../../src/report/assets/', import.meta.url));
const require = createRequire(import.meta.url);

let echartsSource: string | undefined;
function echarts(): string {
  if (echartsSource === undefined) echartsSource = readFileSync(require.resolve('echarts/dist/echarts.min.js'), 'utf8');
  return echartsSource;
}

const LIMITS = { edges: 60_000, buildings: 40_000, polygons: 20_000, parks: 3_000, candidates: 100, ledger: 600, byArea: 3_000 };

/** Quantised coordinates: integers of 1e-5 degree (~1 m) relative to an origin. */
class Quant {
  constructor(readonly lon0: number, readonly lat0: number) {}
  x(lon: number): number { return Math.round((lon - this.lon0) * 1e5); }
  y(lat: number): number { return Math.round((lat - this.lat0) * 1e5); }
  ring(g: Areal): number[][] {
    const polys = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
    const out: number[][] = [];
    for (const p of polys) for (const ring of p) {
      const flat: number[] = [];
      const step = Math.max(1, Math.floor(ring.length / 400));
      for (let i = 0; i < ring.length; i += step) flat.push(this.x(ring[i][0]), this.y(ring[i][1]));
      out.push(flat);
    }
    return out;
  }
}

export function reportData(r: CheckResult): Record<string, unknown> {
  const { units, access } = r;
  const o = r.data.places.origins;
  const g = r.data.places.graph;
  // extent of the map: the buildings (the walk network of an extract reaches far beyond them), with a margin
  let w = Infinity, s = Infinity, e = -Infinity, n = -Infinity;
  const grow = (x: number, y: number) => { if (x < w) w = x; if (x > e) e = x; if (y < s) s = y; if (y > n) n = y; };
  const b = r.data.buildings;
  for (let i = 0; i < b.count; i++) grow(b.lon[i], b.lat[i]);
  for (const c of r.data.compounds) { grow(c.bbox[0], c.bbox[1]); grow(c.bbox[2], c.bbox[3]); }
  if (!Number.isFinite(w) && Number.isFinite(g.bbox[0])) { grow(g.bbox[0], g.bbox[1]); grow(g.bbox[2], g.bbox[3]); }
  if (!Number.isFinite(w)) { w = s = 0; e = n = 0.01; }
  const mx = Math.max(0.002, (e - w) * 0.05), my = Math.max(0.002, (n - s) * 0.05);
  w -= mx; e += mx; s -= my; n += my;
  const q = new Quant(w, s);

  // network: the longest edges first when there are too many
  const edgeIdx = Array.from({ length: g.edgeCount }, (_, k) => k).filter((k) => {
    const a = g.edgeFirst[k], c = g.edgeLast[k];
    return (g.vLon[a] >= w && g.vLon[a] <= e && g.vLat[a] >= s && g.vLat[a] <= n) || (g.vLon[c] >= w && g.vLon[c] <= e && g.vLat[c] >= s && g.vLat[c] <= n);
  });
  if (edgeIdx.length > LIMITS.edges) edgeIdx.sort((a, c) => g.edgeLen[c] - g.edgeLen[a]).length = LIMITS.edges;
  const edges: number[] = [];
  const inside = (v: number) => g.vLon[v] >= w && g.vLon[v] <= e && g.vLat[v] >= s && g.vLat[v] <= n;
  for (const k of edgeIdx) {
    if (!inside(g.edgeFirst[k]) && !inside(g.edgeLast[k])) continue;
    const first = g.edgeFirst[k], last = g.edgeLast[k];
    const step = Math.max(1, Math.floor((last - first) / 8));
    const pts: number[] = [];
    for (let v = first; v <= last; v += step) pts.push(q.x(g.vLon[v]), q.y(g.vLat[v]));
    if ((last - first) % step) pts.push(q.x(g.vLon[last]), q.y(g.vLat[last]));
    edges.push(pts.length / 2, ...pts);
  }

  // residential buildings: park / transit access and living-circle completeness (a regular sample when many)
  const lc = (r.memo.get('livingCircle') as ReturnType<typeof livingCircle> | undefined) ?? livingCircle(makeCtxView(r));
  const pc = access.categories.indexOf('park'), bus = access.categories.indexOf('bus_stop'), metro = access.categories.indexOf('metro_station');
  const ms = access.categories.indexOf('middle_school');
  const P = r.parameters;
  const step = Math.max(1, Math.ceil(o.count / LIMITS.buildings));
  const bx: number[] = [], by: number[] = [], bpark: number[] = [], btransit: number[] = [], blc: number[] = [], bschool: number[] = [];
  const d = (c: number, i: number) => (c < 0 ? Infinity : access.distances[c * o.count + i]);
  for (let i = 0; i < o.count; i += step) {
    bx.push(q.x(o.lon[i])); by.push(q.y(o.lat[i]));
    bpark.push(d(pc, i) <= P.park_network_m ? 1 : 0);
    btransit.push(d(bus, i) <= P.transit_bus_m || d(metro, i) <= P.transit_metro_m ? 1 : 0);
    bschool.push(d(ms, i) <= P.middle_school_radius_m ? 1 : 0);
    blc.push(Math.round(100 * lc.completeness[i]));
  }

  // community units with their completeness and the provision rules failed there (for compounds: by the
  // compound; for administrative communities: rules with at least one failing compound inside)
  const lcById = new Map<string, number>();
  const failById = new Map<string, string[]>();
  for (const x of r.results) {
    if (x.level !== 'community' || x.value === null) continue;
    if (x.id === 'living_circle_completeness') lcById.set(x.area_id, x.value);
    else if (/^community_.*_shortfall$/.test(x.id) && x.value > 0) { const l = failById.get(x.area_id) ?? []; l.push(x.id); failById.set(x.area_id, l); }
  }
  const polyUnits = units.level.community.map((k) => units.areas[k]).filter((a) => a.geometry)
    .sort((a, c) => c.residents - a.residents).slice(0, LIMITS.polygons);
  const communities = polyUnits.map((a) => ({
    id: a.id, name: a.name ?? null, kind: a.kind, residents: Math.round(a.residents), lc: lcById.get(a.id) ?? null, fails: failById.get(a.id) ?? [],
    community: true, rings: q.ring(a.geometry!),
  }));
  const parks = r.data.places.facilities.get('park') ?? [];
  const parkRings = parks.filter((p) => p.geometry.type !== 'Point').slice(0, LIMITS.parks).map((p) => q.ring(p.geometry as Areal));
  const candidates = r.renewal.candidates.slice(0, LIMITS.candidates).map((c) => ({
    rank: c.rank, id: c.id, name: c.name ?? null, kind: c.kind, score: c.score, residents: c.residents, buildings: c.buildings,
    components: c.components, reasons_zh: c.reasons_zh, reasons_en: c.reasons_en, x: q.x(c.lon), y: q.y(c.lat), rings: c.geometry ? q.ring(c.geometry) : null,
  }));

  // indicator rows: city values for the tables, per-area values for the area tables
  const city = r.results.filter((x) => x.level === 'city');
  const byArea: Record<string, unknown[]> = {};
  for (const x of r.results) {
    if (x.level === 'city') continue;
    const l = (byArea[x.id] ??= []);
    if (l.length < LIMITS.byArea) l.push([x.area_id, x.area_name ?? null, x.level, x.area_kind, x.value, x.status]);
  }
  const catSummary = r.accessSummary.categories.map((c) => ({
    id: c.id, name_zh: c.name_zh, name_en: c.name_en, facilities: c.facilities, threshold: categoryById.get(c.id)?.threshold_m ?? 0,
    residents_within: c.residents_within, buildings_within: c.buildings_within, median_m: c.median_m,
  }));
  const ledgerCounts: Record<string, number> = {};
  for (const p of r.renewal.ledger) ledgerCounts[p.indicator_id] = (ledgerCounts[p.indicator_id] ?? 0) + 1;
  return {
    legends: LEGENDS,
    meta: {
      city: r.city, source: r.source, generated_at: r.generated_at, catalogue: { version: r.catalogue.version, title_zh: r.catalogue.title_zh, title_en: r.catalogue.title_en },
      attribution: r.attribution ?? null, notes: r.notes, notes_zh: r.notes_zh, units: r.units.source, units_zh: r.units.source_zh, unit_counts: Object.fromEntries(Object.entries(units.level).map(([k, v]) => [k, v.length])),
      summary: statusSummary(r), residents: r.accessSummary.residents, residential_buildings: r.accessSummary.residential_buildings,
      renewal_method: r.renewal.method, renewal_method_zh: r.renewal.method_zh, renewal_weights: r.renewal.weights, renewal_scored: r.renewal.scored, compare: r.results.some((x) => x.previous),
      params: { park_network_m: P.park_network_m, transit_bus_m: P.transit_bus_m, transit_metro_m: P.transit_metro_m, middle_school_radius_m: P.middle_school_radius_m, cutoff_m: access.params.cutoff_m },
      catalogue_notes: r.catalogue.notes, catalogue_notes_zh: r.catalogue.notes_zh,
    },
    indicators: city.map((x) => ({
      id: x.id, seq: x.seq, name_zh: x.name_zh, name_en: x.name_en, system_level: x.system_level, value: x.value, unit: x.unit, unit_zh: x.unit_zh,
      target: x.target, status: x.status, grade: x.grade ?? null, source: x.source, computability: x.computability, explain: x.explain, previous: x.previous ?? null,
      confidence: x.confidence, confidence_reason: x.confidence_reason, confidence_reason_zh: x.confidence_reason_zh ?? null, data_gap: x.data_gap ?? null, explain_zh: x.explain_zh ?? null, verdict: x.verdict ?? null,
      year: x.year ?? null, data_source: x.data_source ?? null, supplementary: r.catalogue.byId.get(x.id)?.supplementary ?? false,
    })),
    byArea,
    quality: dataQuality(r),
    quality_labels: QUALITY_LABELS,
    category_names: categoryNames(),
    access: catSummary,
    ledger: r.renewal.ledger.slice(0, LIMITS.ledger),
    ledger_total: r.renewal.ledger.length,
    ledger_counts: ledgerCounts,
    candidates,
    map: {
      lon0: w, lat0: s, w: q.x(e), h: q.y(n), edges, edges_total: g.edgeCount,
      buildings: { x: bx, y: by, park: bpark, transit: btransit, school: bschool, lc: blc, sampled_every: step, total: o.count },
      communities, parks: parkRings,
    },
  };
}

/** The living-circle helper wants a CheckContext; the report only needs its memo and distances. */
function makeCtxView(r: CheckResult): Parameters<typeof livingCircle>[0] {
  const memo = r.memo;
  const n = r.access.origins.count;
  const idx = new Map(r.access.categories.map((c, k) => [c, k]));
  return {
    params: r.parameters, data: r.data, access: r.access,
    cat: (id: string) => idx.get(id) ?? -1, dist: (c: number, i: number) => r.access.distances[c * n + i],
    memo: <T>(key: string, make: () => T): T => { if (!memo.has(key)) memo.set(key, make()); return memo.get(key) as T; },
  } as unknown as Parameters<typeof livingCircle>[0];
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function reportHtml(r: CheckResult): string {
  const data = JSON.stringify(reportData(r)).replace(/</g, '\\u003c');
  const css = readFileSync(ASSETS + 'report.css', 'utf8');
  const app = readFileSync(ASSETS + 'report.js', 'utf8');
  return `<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="OpenCIM opencim-check/1">
<title>城市体检报告 · ${esc(r.city)}</title>
<style>${css}</style>
</head>
<body>
<div id="app"></div>
<script id="report-data" type="application/json">${data}</script>
<script>${echarts().replace(/<\/script/gi, '<\\/script')}</script>
<script>${app}</script>
</body>
</html>
`;
}
