import type { Areal } from '../../model/geometry.js';
import { pct, round } from './common.js';
import { categoryName, livingCircle } from './computed/access.js';
import { provision } from './computed/community.js';
import { housingStock } from './computed/housing.js';
import { gap } from './grading.js';
import type { CheckContext, IndicatorResult } from './types.js';
import { SquareGrid, type AreaKind, type AreaLevel } from './units.js';

/**
 * Urban renewal (城市更新): the problem ledger (问题清单: area, indicator, gap, evidence) and a
 * ranked list of candidate places (compounds / communities / old building clusters) with the
 * reasons and a transparent priority score: 100 × Σ weight × component, every component in [0, 1]
 * (service gaps, failed provision rules, ageing housing, park and transit access), weights a
 * catalogue parameter.
 */
export interface Problem {
  area_id: string;
  area_name?: string;
  area_kind: AreaKind | 'old_building_cluster';
  level: AreaLevel;
  indicator_id: string;
  indicator_zh: string;
  indicator_en: string;
  value: number | null;
  unit: string;
  target: string | null;
  /** how much is missing to reach the target (indicator units) */
  gap: number | null;
  evidence_zh: string;
  evidence_en: string;
}

export interface Candidate {
  rank: number;
  id: string;
  name?: string;
  kind: AreaKind | 'old_building_cluster';
  geometry: Areal | null;
  lon: number;
  lat: number;
  score: number;
  components: { services: number; provision: number; ageing: number; parks: number; transit: number };
  residents: number;
  buildings: number;
  living_circle_completeness: number;
  missing: string[];
  failed_rules: string[];
  aged_share: number | null;
  year_known_share: number;
  median_year: number | null;
  park_share: number;
  transit_share: number;
  reasons_zh: string[];
  reasons_en: string[];
}

export interface Renewal {
  ledger: Problem[];
  candidates: Candidate[];
  /** how many places were scored (before the cut to renewal_max) */
  scored: number;
  method: string;
  /** the method in Chinese */
  method_zh: string;
  weights: CheckContext['params']['renewal_weights'];
}

const RULE_NAMES: Record<string, [string, string]> = {
  community_kindergarten_shortfall: ['幼儿园', 'kindergarten'],
  community_childcare_shortfall: ['托育', 'childcare (0–3)'],
  community_elderly_shortfall: ['养老服务', 'elderly care'],
  community_activity_space_shortfall: ['公共活动场地', 'public activity space'],
};

export function buildRenewal(ctx: CheckContext, results: IndicatorResult[]): Renewal {
  const { params, units } = ctx;
  const o = ctx.data.places.origins;
  const ledger: Problem[] = [];
  // targets in the value's own unit (≥ 90%, not ≥ 0.9)
  const fmtTarget = (r: IndicatorResult) => (r.target ? `${r.target.op} ${fmtVal(r.target.value, r.unit)}` : null);

  // 1. every graded value that fails its target
  for (const r of results) {
    if (r.status !== 'fail') continue;
    ledger.push({
      area_id: r.area_id, ...(r.area_name ? { area_name: r.area_name } : {}), area_kind: r.area_kind, level: r.level,
      indicator_id: r.id, indicator_zh: r.name_zh, indicator_en: r.name_en, value: r.value, unit: r.unit, target: fmtTarget(r),
      gap: gap(ctx.catalogue.byId.get(r.id)!, r.value),
      evidence_zh: `${r.name_zh} ${fmtVal(r.value, r.unit)}，目标 ${r.target ? `${r.target.op} ${fmtVal(r.target.value, r.unit)}` : '—'}`,
      evidence_en: r.explain.slice(0, 400),
    });
  }

  // 1b. a rule beside the value broken (the height cap on new buildings): a problem, though the value itself has no target
  for (const r of results) {
    if (r.verdict?.outcome !== 'over') continue;
    const n = r.details?.over_cap_new_count;
    const cap = r.details?.cap_m;
    ledger.push({
      area_id: r.area_id, ...(r.area_name ? { area_name: r.area_name } : {}), area_kind: r.area_kind, level: r.level,
      indicator_id: r.id, indicator_zh: r.name_zh, indicator_en: r.name_en, value: typeof n === 'number' ? n : null, unit: 'count',
      target: typeof cap === 'number' ? `<= ${cap} m` : null, gap: null,
      evidence_zh: `判定（${r.verdict.rule}）：${r.verdict.why_zh}`, evidence_en: `Verdict (${r.verdict.rule}): ${r.verdict.why}`,
    });
  }

  // 2. provision failures per counting unit; a unit whose value is of low confidence is not graded
  //    (confidence.ts), so its failure is no problem of the ledger (it still ranks the renewal candidates)
  const rules = Object.keys(params.provision_rules);
  const fails = new Map<number, string[]>();
  const lowConfidence = new Set(results.filter((r) => r.confidence === 'low').map((r) => `${r.id}\u0000${r.area_id}`));
  for (const id of rules) {
    const rule = params.provision_rules[id];
    for (const p of provision(ctx, id)) {
      if (!p.fails) continue;
      const a = units.areas[p.unit];
      let l = fails.get(p.unit);
      if (!l) fails.set(p.unit, (l = []));
      l.push(id);
      if (lowConfidence.has(`${id}\u0000${a.id}`)) continue;
      const [zh, en] = RULE_NAMES[id] ?? [id, id];
      ledger.push({
        area_id: a.id, ...(a.name ? { area_name: a.name } : {}), area_kind: a.kind, level: a.level,
        indicator_id: id, indicator_zh: ctx.catalogue.byId.get(id)?.name_zh ?? id, indicator_en: ctx.catalogue.byId.get(id)?.name_en ?? id,
        value: 1, unit: 'count', target: '<= 0', gap: round(params.provision_share - p.reached),
        evidence_zh: `${rule.radius_m} m 步行范围内可达${zh}的居民占 ${pct(p.reached, 0)}（要求 ≥ ${pct(params.provision_share, 0)}）${p.median_m !== null ? `，中位步行距离 ${p.median_m} m` : '，3 km 内无此设施'}；约 ${Math.round(p.residents)} 人`,
        evidence_en: `${pct(p.reached, 0)} of residents within ${rule.radius_m} m walk of ${en} (required ≥ ${pct(params.provision_share, 0)}); ${p.median_m !== null ? `median walk ${p.median_m} m` : 'none within the cut-off'}; ~${Math.round(p.residents)} residents`,
      });
    }
  }

  // 3. per place: aggregate the components over its residential buildings
  const lc = livingCircle(ctx);
  const { year, floor } = housingStock(ctx);
  const pc = ctx.cat('park'), bus = ctx.cat('bus_stop'), metro = ctx.cat('metro_station');
  const agedLimit = params.reference_year - params.aged_housing_years;
  interface Acc { r: number; b: number; comp: number; park: number; transit: number; floor: number; known: number; aged: number; years: number[]; lon: number; lat: number; met: Float64Array }
  const newAcc = (): Acc => ({ r: 0, b: 0, comp: 0, park: 0, transit: 0, floor: 0, known: 0, aged: 0, years: [], lon: 0, lat: 0, met: new Float64Array(lc.checks.length) });
  type Place = { acc: Acc; kind: Candidate['kind']; id: string; name?: string; geometry: Areal | null; area?: number };
  const places = new Map<string, Place>();
  const cluster = new SquareGrid(params.renewal_cluster_cell_m, o.count ? o.lon[0] - 1 : 0, o.count ? o.lat[0] - 1 : 0);
  for (let i = 0; i < o.count; i++) {
    let key: string;
    const u = units.provisionOf[i];
    let entry: Place | undefined;
    if (u >= 0) {
      key = `u${u}`;
      entry = places.get(key);
      if (!entry) { const a = units.areas[u]; places.set(key, (entry = { acc: newAcc(), kind: a.kind, id: a.id, ...(a.name ? { name: a.name } : {}), geometry: a.geometry, area: u })); }
    } else {
      // outside every counting unit: old buildings gather into clusters on a small grid
      if (!(year[i] > 0 && year[i] <= params.renewal_old_estate_year)) continue;
      const [ix, iy] = cluster.key(o.lon[i], o.lat[i]);
      key = `c${ix}:${iy}`;
      entry = places.get(key);
      if (!entry) places.set(key, (entry = { acc: newAcc(), kind: 'old_building_cluster' as const, id: `old_cluster:${params.renewal_cluster_cell_m}:${ix}:${iy}`, geometry: cluster.square(ix, iy) }));
    }
    const a = entry.acc;
    const r = o.residents[i] + 1e-6;
    a.r += r; a.b++; a.comp += r * lc.completeness[i];
    if (pc >= 0 && ctx.dist(pc, i) <= params.park_network_m) a.park += r;
    if ((bus >= 0 && ctx.dist(bus, i) <= params.transit_bus_m) || (metro >= 0 && ctx.dist(metro, i) <= params.transit_metro_m)) a.transit += r;
    a.floor += floor[i];
    if (year[i] > 0) { a.known += floor[i]; a.years.push(year[i]); if (year[i] <= agedLimit) a.aged += floor[i]; }
    a.lon += o.lon[i] * r; a.lat += o.lat[i] * r;
    for (let q = 0; q < lc.checks.length; q++) if ((lc.met[i] >> q) & 1) a.met[q] += r;
  }

  const W = params.renewal_weights;
  const F = params.renewal_flag;
  const parkGap = !(ctx.data.places.facilities.get('park')?.length);
  const transitGap = !(ctx.data.places.facilities.get('bus_stop')?.length) && !(ctx.data.places.facilities.get('metro_station')?.length);
  const scored: Candidate[] = [];
  for (const [, p] of places) {
    const a = p.acc;
    if (p.kind === 'old_building_cluster' && a.b < params.renewal_cluster_min_buildings) continue;
    // living-circle completeness over the categories present in the data (data gaps left out); none present: no service score
    const completeness = lc.checks.length ? a.comp / a.r : 1;
    const failed = p.area !== undefined ? fails.get(p.area) ?? [] : [];
    const agedShare = a.known > 0 ? a.aged / a.known : null;
    // no park / no transit stop at all in the data: a data gap, never scored as a shortfall
    const parkShare = parkGap ? 1 : a.park / a.r, transitShare = transitGap ? 1 : a.transit / a.r;
    a.years.sort((x, y) => x - y);
    const medianYear = a.years.length ? a.years[Math.floor((a.years.length - 1) / 2)] : null;
    const components = {
      services: round(1 - completeness, 4),
      provision: round(failed.length / Math.max(1, rules.length), 4),
      ageing: round(agedShare ?? 0, 4),
      parks: round(1 - parkShare, 4),
      transit: round(1 - transitShare, 4),
    };
    const score = round(100 * (W.services * components.services + W.provision * components.provision + W.ageing * components.ageing + W.parks * components.parks + W.transit * components.transit), 2);
    const missing = lc.checks.filter((_, q) => a.met[q] / a.r < params.provision_share).map((c) => c.id);
    const zh: string[] = [], en: string[] = [];
    for (const f of failed) { const [z, e] = RULE_NAMES[f] ?? [f, f]; zh.push(`${z}未达标配建`); en.push(`no ${e} to standard`); }
    if (completeness < F.completeness_below) {
      zh.push(`生活圈完整度 ${pct(completeness, 0)}${missing.length ? `，缺：${missing.map((m) => categoryName(m, 'zh')).join('、')}` : ''}`);
      en.push(`living-circle completeness ${pct(completeness, 0)}${missing.length ? `; missing: ${missing.map((m) => categoryName(m, 'en')).join(', ')}` : ''}`);
    }
    if (agedShare !== null && agedShare >= F.aged_share_at_least) {
      zh.push(`房龄 ≥ ${params.aged_housing_years} 年的住宅面积占 ${pct(agedShare, 0)}（已知房龄占 ${pct(a.known / Math.max(1e-9, a.floor), 0)}）`);
      en.push(`${pct(agedShare, 0)} of residential floor area ≥ ${params.aged_housing_years} years old (years known for ${pct(a.known / Math.max(1e-9, a.floor), 0)})`);
    }
    if (medianYear !== null && medianYear <= params.renewal_old_estate_year) {
      zh.push(`老旧小区改造范围：中位建成年份 ${medianYear}（${params.renewal_old_estate_year} 年底前）`);
      en.push(`old-estate renovation scope: median construction year ${medianYear} (before end of ${params.renewal_old_estate_year})`);
    }
    if (parkShare < F.park_share_below) { zh.push(`${params.park_network_m} m 步行可达公园的居民仅 ${pct(parkShare, 0)}`); en.push(`only ${pct(parkShare, 0)} of residents within ${params.park_network_m} m walk of a park`); }
    if (transitShare < F.transit_share_below) { zh.push(`公交/轨道便捷覆盖居民仅 ${pct(transitShare, 0)}`); en.push(`only ${pct(transitShare, 0)} of residents with convenient transit (SDG 11.2.1)`); }
    if (!zh.length) continue;
    scored.push({
      rank: 0, id: p.id, ...(p.name ? { name: p.name } : {}), kind: p.kind, geometry: p.geometry, lon: round(a.lon / a.r, 7), lat: round(a.lat / a.r, 7),
      score, components, residents: Math.round(a.r), buildings: a.b, living_circle_completeness: round(completeness, 4), missing, failed_rules: failed,
      aged_share: agedShare === null ? null : round(agedShare, 4), year_known_share: round(a.known / Math.max(1e-9, a.floor), 4), median_year: medianYear,
      park_share: round(parkShare, 4), transit_share: round(transitShare, 4), reasons_zh: zh, reasons_en: en,
    });
    if (agedShare !== null && agedShare >= F.aged_share_at_least) {
      ledger.push({
        area_id: p.id, ...(p.name ? { area_name: p.name } : {}), area_kind: p.kind, level: 'community', indicator_id: 'aged_housing_share',
        indicator_zh: ctx.catalogue.byId.get('aged_housing_share')?.name_zh ?? '', indicator_en: ctx.catalogue.byId.get('aged_housing_share')?.name_en ?? '',
        value: round(agedShare, 4), unit: 'ratio', target: null, gap: null, evidence_zh: zh[zh.length - 1], evidence_en: en[en.length - 1],
      });
    }
  }
  scored.sort((x, y) => y.score - x.score || y.residents - x.residents || (x.id < y.id ? -1 : 1));
  const candidates = scored.slice(0, params.renewal_max);
  candidates.forEach((c, k) => { c.rank = k + 1; });
  const method = `Candidates: ${units.source.provision}; and clusters of residential buildings built by ${params.renewal_old_estate_year} outside them (${params.renewal_cluster_cell_m} m cells, ≥ ${params.renewal_cluster_min_buildings} buildings). ` +
    `Priority = 100 × (${W.services} × (1 − living-circle completeness) + ${W.provision} × failed provision rules ÷ ${rules.length} + ${W.ageing} × floor-area share ≥ ${params.aged_housing_years} years (known years) + ` +
    `${W.parks} × (1 − residents within ${params.park_network_m} m walk of a park) + ${W.transit} × (1 − residents with convenient transit)); residents-weighted over the place's residential buildings. Places with at least one reason are ranked; the first ${params.renewal_max} are kept. ` +
    `A facility category absent from the data is a data gap, never a shortfall: it is left out of completeness and provision, and scores 0 in its component${[...lc.gaps, ...(parkGap ? ['park'] : []), ...(transitGap ? ['bus_stop/metro_station'] : [])].length ? ` (data gaps here: ${[...lc.gaps, ...(parkGap ? ['park'] : []), ...(transitGap ? ['bus_stop/metro_station'] : [])].join(', ')})` : ''}.`;
  const gaps = [...lc.gaps.map((c) => categoryName(c)), ...(parkGap ? [categoryName('park')] : []), ...(transitGap ? [`${categoryName('bus_stop')}/${categoryName('metro_station')}`] : [])];
  const method_zh = `更新候选：${units.source_zh.provision}；以及其外 ${params.renewal_old_estate_year} 年及以前建成的住宅建筑群（${params.renewal_cluster_cell_m} m 网格，≥ ${params.renewal_cluster_min_buildings} 栋）。` +
    `优先级得分 = 100 × (${W.services} × (1 − 生活圈完整度) + ${W.provision} × 未达标配建项数 ÷ ${rules.length} + ${W.ageing} × 房龄 ≥ ${params.aged_housing_years} 年的建筑面积占比（已知年代） + ` +
    `${W.parks} × (1 − 步行 ${params.park_network_m} m 内可达公园的居民比例) + ${W.transit} × (1 − 公共交通便捷覆盖的居民比例))；按该地住宅建筑的居民加权。至少有一项原因的地点参与排序，保留前 ${params.renewal_max} 个。` +
    `数据中完全没有的设施类别是数据缺口，不计为短缺：不计入完整度与配建，其分项记 0${gaps.length ? `（本次的数据缺口：${gaps.join('、')}）` : ''}。`;
  return { ledger, candidates, scored: scored.length, method, method_zh, weights: W };
}

function fmtVal(v: number | null, unit: string): string {
  if (v === null) return '—';
  if (unit === 'ratio') return pct(v, 1);
  return String(Math.round(v * 100) / 100);
}
