import type { Position } from '../../model/geometry.js';
import type { CatalogueEntry } from './catalogue.js';
import { facilityCount, fmt, pct } from './common.js';
import type { CheckContext, IndicatorResult } from './types.js';
import type { Area } from './units.js';
import { buildingFacts } from './building-facts.js';

/**
 * How sure a value is (issue 10 §2): `confidence` high|medium|low and `confidence_reason`, from the
 * explicit rules below (thresholds are the catalogue parameter `confidence` [M]). Each rule that
 * applies gives a level and a reason; the value gets the lowest level and every reason at that level.
 *
 * P population: imported census/raster → high (medium when more than `unallocated_share_medium` of it
 *   found no residential building); the floor-area estimate → medium, low when at least
 *   `default_storeys_share_low` of residential buildings have default storeys.
 * R residential buildings identified in the city: fewer than `residential_buildings_low` → low.
 * B mapping completeness: buildings per km² of road-served land (within 100 m of a walkable way):
 *   below `buildings_per_km2_low` → low, below `buildings_per_km2_medium` → medium.
 * F facilities of the indicator's categories present at all: none is a data gap (no value, see
 *   computed/*); fewer than `facilities_medium` → medium.
 * U unit size: a district/street/community with fewer than `unit_residents_low` residents → low.
 * H height data (height-limit verdicts): fewer than `height_known_share_low` of buildings with a height
 *   (the register's height_m or the map's) or storey count → low, and the verdict is withheld (status no_data).
 * Y construction years (shares of the housing stock by age): the residential floor area whose year is known
 *   (register year_built or map start_date) in the value's area: below `year_known_share_low` → low, below
 *   `year_known_share_medium` → medium (the share speaks only for the part of the stock with a year).
 * M a manually entered value is the official figure: high.
 * A value of low confidence keeps its figure but is not graded: its status is no_data and the explain
 * says why the verdict is withheld (run.ts), so it never enters the problem ledger or reads pass/fail.
 */
export type Level = 'high' | 'medium' | 'low';
export interface ConfidenceParams {
  unallocated_share_medium: number; default_storeys_share_low: number; residential_buildings_low: number;
  buildings_per_km2_low: number; buildings_per_km2_medium: number; facilities_medium: number; unit_residents_low: number; height_known_share_low: number;
  year_known_share_low: number; year_known_share_medium: number;
}

/** Indicators whose value is made of residents (per capita, density, shares of residents). */
export const POPULATION_BASED = new Set(['park_green_per_capita', 'population_density', 'transit_access', 'living_circle_completeness', 'service_equity',
  'community_kindergarten_shortfall', 'community_childcare_shortfall', 'community_elderly_shortfall', 'community_activity_space_shortfall']);
/** Map-derived indicators and the facility categories they rest on (F: any of them present). */
export function categoriesOf(ctx: CheckContext, id: string): string[] | null {
  const fixed: Record<string, string[]> = {
    park_service_coverage: ['park'], park_green_per_capita: ['park'], middle_school_coverage: ['middle_school'], fire_station_coverage: ['fire_station'],
    transit_access: ['bus_stop', 'metro_station'],
  };
  if (fixed[id]) return fixed[id];
  const rule = ctx.params.provision_rules[id];
  return rule ? rule.categories : null;
}
const HEIGHT_BASED = new Set(['high_rise_count']);
/** Indicators that are shares of the housing stock by construction year; their value's details carry `coverage_floor_area`. */
const YEAR_BASED = new Set(['aged_housing_share']);

export interface QualityFacts {
  buildings: number;
  residential_buildings: number;
  default_storeys_share: number | null;
  height_known_share: number | null;
  road_served_km2: number;
  buildings_per_km2_road_served: number | null;
  facilities: Record<string, number>;
}

/** The facts the rules read (once per run). */
export function qualityFacts(ctx: CheckContext): QualityFacts {
  return ctx.memo('qualityFacts', () => {
    const b = ctx.data.buildings, lf = ctx.data.places.levelsFrom;
    const height = buildingFacts(ctx).height;
    const nRes = lf.levels + lf.height + lf.default + lf.default_landuse;
    let known = 0;
    for (let i = 0; i < b.count; i++) if (height[i] > 0 || b.levels[i] > 0) known++;
    // road-served land: raster cells within 100 m of a walkable way
    const r = ctx.raster(), g = ctx.data.places.graph;
    const seed = new Uint8Array(r.grid.size);
    const line: Position[] = [];
    for (let e = 0; e < g.edgeCount; e++) {
      line.length = 0;
      for (let v = g.edgeFirst[e]; v <= g.edgeLast[e]; v++) line.push([g.vLon[v], g.vLat[v]]);
      r.grid.traceLine(line, (k) => { seed[k] = 1; });
    }
    const served = r.grid.within(seed, 100);
    let cells = 0, inServed = 0;
    for (let k = 0; k < served.length; k++) cells += served[k];
    for (let i = 0; i < b.count; i++) { const k = r.grid.at(b.lon[i], b.lat[i]); if (k >= 0 && served[k]) inServed++; }
    const km2 = (cells * r.grid.cellArea) / 1e6;
    const facilities: Record<string, number> = {};
    for (const [c, l] of ctx.data.places.facilities) facilities[c] = l.length;
    return {
      buildings: b.count, residential_buildings: nRes,
      default_storeys_share: nRes ? (lf.default + lf.default_landuse) / nRes : null,
      height_known_share: b.count ? known / b.count : null,
      road_served_km2: km2, buildings_per_km2_road_served: km2 > 0 ? inServed / km2 : null, facilities,
    };
  });
}

export interface Assessment { confidence: Level; confidence_reason: string; confidence_reason_zh: string; withhold?: string; withhold_zh?: string }

export function assess(ctx: CheckContext, e: CatalogueEntry, r: IndicatorResult, area: Area): Assessment {
  if (r.source === 'manual') return { confidence: 'high', confidence_reason: 'M: entered from an official figure', confidence_reason_zh: 'M：录入的官方数据' };
  if (r.value === null) return { confidence: 'low', confidence_reason: 'no value: the inputs cannot support one (see explain)', confidence_reason_zh: '无数值：输入数据不足以支撑（见说明）' };
  const P = ctx.params.confidence;
  const q = qualityFacts(ctx);
  const found: { level: Level; why: string; zh: string }[] = [];
  if (POPULATION_BASED.has(e.id)) {
    const p = ctx.data.population;
    if (p.kind === 'estimate') {
      const d = q.default_storeys_share ?? 0;
      found.push(d >= P.default_storeys_share_low
        ? { level: 'low', why: `P: residents estimated from footprints × storeys, and ${pct(d, 0)} of residential buildings have default storeys`, zh: `P：居民数按占地面积 × 层数估算，且 ${pct(d, 0)} 的住宅建筑为默认层数` }
        : { level: 'medium', why: `P: residents estimated from footprints × storeys (${pct(d, 0)} with default storeys); import census or raster population for a figure to sign`, zh: `P：居民数按占地面积 × 层数估算（${pct(d, 0)} 为默认层数）；导入普查或栅格人口后方可签发` });
    } else {
      const u = p.total > 0 ? p.unallocated / p.total : 0;
      found.push(u > P.unallocated_share_medium
        ? { level: 'medium', why: `P: ${pct(u, 0)} of the imported population found no residential building (unallocated)`, zh: `P：导入人口中 ${pct(u, 0)} 未找到住宅建筑（未分配）` }
        : { level: 'high', why: `P: imported ${p.kind} population "${p.source}"${p.year ? ` (${p.year})` : ''}`, zh: `P：已导入${p.kind === 'census' ? '普查' : p.kind === 'raster' ? '栅格' : ''}人口“${p.source}”${p.year ? `（${p.year} 年）` : ''}` });
    }
  }
  if (q.residential_buildings < P.residential_buildings_low && (POPULATION_BASED.has(e.id) || categoriesOf(ctx, e.id))) {
    found.push({ level: 'low', why: `R: only ${q.residential_buildings} residential buildings identified`, zh: `R：仅识别出 ${q.residential_buildings} 栋住宅建筑` });
  }
  if (q.buildings_per_km2_road_served !== null && e.computability.some((c) => c === 'G' || c === 'G*')) {
    const d = q.buildings_per_km2_road_served;
    if (d < P.buildings_per_km2_low) found.push({ level: 'low', why: `B: ${fmt(d)} buildings per km² of road-served land: buildings look incompletely mapped`, zh: `B：道路服务范围内每平方公里 ${fmt(d)} 栋建筑：建筑可能未完整测绘` });
    else if (d < P.buildings_per_km2_medium) found.push({ level: 'medium', why: `B: ${fmt(d)} buildings per km² of road-served land`, zh: `B：道路服务范围内每平方公里 ${fmt(d)} 栋建筑` });
  }
  const cats = categoriesOf(ctx, e.id);
  if (cats) {
    const n = cats.reduce((s, c) => s + facilityCount(ctx, c), 0);
    if (n < P.facilities_medium) found.push({ level: 'medium', why: `F: only ${n} ${cats.join('/')} facilities in the data`, zh: `F：数据中 ${cats.join('/')} 类设施仅 ${n} 处` });
  }
  if (area.level !== 'city' && area.residents < P.unit_residents_low && (POPULATION_BASED.has(e.id))) {
    found.push({ level: 'low', why: `U: small unit, ${fmt(area.residents)} residents`, zh: `U：单元规模小，居民 ${fmt(area.residents)} 人` });
  }
  let withhold: string | undefined, withholdZh: string | undefined;
  if (HEIGHT_BASED.has(e.id) && q.height_known_share !== null && q.height_known_share < P.height_known_share_low) {
    found.push({ level: 'low', why: `H: only ${pct(q.height_known_share, 1)} of buildings have a height or storey count`, zh: `H：仅 ${pct(q.height_known_share, 1)} 的建筑有高度或层数` });
    withhold = `too little height data to grade (${pct(q.height_known_share, 1)} of buildings have a height or storey count, < ${pct(P.height_known_share_low, 0)})`;
    withholdZh = `高度数据过少，无法判定（仅 ${pct(q.height_known_share, 1)} 的建筑有高度或层数，低于 ${pct(P.height_known_share_low, 0)}）`;
  }
  if (YEAR_BASED.has(e.id)) {
    const cov = r.details?.coverage_floor_area;
    if (typeof cov === 'number') {
      const kb = r.details?.known_year_buildings, rb = r.details?.residential_buildings;
      const counted = typeof kb === 'number' && typeof rb === 'number';
      const what = `Y: construction year known for ${pct(cov, 1)} of the residential floor area${counted ? ` (${fmt(kb)} of ${fmt(rb)} residential buildings)` : ''}`;
      const whatZh = `Y：已知建成年份的住宅建筑面积占 ${pct(cov, 1)}${counted ? `（住宅建筑 ${fmt(rb)} 栋中 ${fmt(kb)} 栋）` : ''}`;
      if (cov < P.year_known_share_low) found.push({ level: 'low', why: `${what}: the share speaks only for that part of the stock`, zh: `${whatZh}：该比例只代表这部分存量` });
      else if (cov < P.year_known_share_medium) found.push({ level: 'medium', why: what, zh: whatZh });
    }
  }
  if (!found.length) return { confidence: 'high', confidence_reason: 'no rule lowers it (computed from the data as mapped)', confidence_reason_zh: '没有降低可信度的规则（按数据映射计算）' };
  const rank: Record<Level, number> = { low: 0, medium: 1, high: 2 };
  const min = found.reduce((m, f) => (rank[f.level] < rank[m] ? f.level : m), 'high' as Level);
  const at = found.filter((f) => f.level === min);
  return { confidence: min, confidence_reason: at.map((f) => f.why).join('; '), confidence_reason_zh: at.map((f) => f.zh).join('；'), ...(withhold ? { withhold, withhold_zh: withholdZh } : {}) };
}

/** The rules in words (report method section, data_quality.json). */
export const CONFIDENCE_RULES = [
  { id: 'P', en: 'population: imported census/raster high (medium if > unallocated_share_medium unallocated); estimate medium, low if ≥ default_storeys_share_low of residential buildings have default storeys', zh: '人口：导入普查/栅格为高（未分配比例超阈值为中）；按建筑面积估算为中，默认层数建筑占比过高为低' },
  { id: 'R', en: 'residential buildings identified: fewer than residential_buildings_low → low', zh: '识别出的住宅建筑过少 → 低' },
  { id: 'B', en: 'buildings per km² of road-served land (within 100 m of a walkable way): below buildings_per_km2_low → low, below buildings_per_km2_medium → medium', zh: '道路服务范围内每平方公里建筑数：过低 → 低/中（建筑可能未完整测绘）' },
  { id: 'F', en: 'facilities of the category: none → data gap (no value); fewer than facilities_medium → medium', zh: '该类设施：数据中没有 → 数据缺口（无数据）；数量过少 → 中' },
  { id: 'U', en: 'unit size: fewer than unit_residents_low residents in a sub-area → low', zh: '单元规模：居民过少 → 低' },
  { id: 'H', en: 'height data: fewer than height_known_share_low of buildings with height or storeys → low and the verdict withheld', zh: '高度数据：有高度或层数的建筑占比过低 → 低，且不作判定' },
  { id: 'Y', en: 'construction years: residential floor area with a known year (register year_built or map start_date) below year_known_share_low → low, below year_known_share_medium → medium', zh: '建成年代：已知年代（档案 year_built 或地图 start_date）的住宅建筑面积占比过低 → 低，不足 → 中' },
  { id: 'M', en: 'manual value (official figure) → high', zh: '手工录入的官方数据 → 高' },
];
