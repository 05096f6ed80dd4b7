import type { CatalogueEntry } from './catalogue.js';
import type { CheckContext, Indicator } from './types.js';

/**
 * The method of each computed indicator in Chinese (issue 10 §4), beside the English `explain`:
 * the same definitions and parameters, for the person who reads the report in Chinese.
 */
function residentsZh(ctx: CheckContext): string {
  const p = ctx.data.population;
  if (p.kind === 'estimate') return `人口按住宅建筑面积 ÷ 人均 ${ctx.perCapitaM2} m² 估算（建筑面积 = 基底面积 × 层数；无层数时按高度 ÷ 3 m，否则公寓、宿舍及居住用地内建筑默认 6 层，其余 2 层），未导入人口数据`;
  return `人口来自导入的${p.kind === 'census' ? '人口普查表' : '人口栅格'}“${p.source}”${p.year ? `（${p.year} 年）` : ''}，按建筑面积分配到各住宅建筑（分区密度法）；${Math.round(p.unallocated)} 人所在单元没有住宅建筑，列为未分配`;
}
const builtZh = (ctx: CheckContext) => `建成区 = 建筑周边 ${ctx.params.built_up_buffer_m} m 范围（按建筑中心点）及居住用地（参照 GB 50137-2011 城市建设用地的形态近似，与网格起点无关）`;

const ZH: Record<string, (ctx: CheckContext) => string> = {
  road_network_density: (ctx) => `城市道路网密度（reference/urban-health-check.md §1d #37、§5）：建成区内主干路、次干路、支路中心线长度 ÷ 建成区面积，道路与用地按同一范围计；${builtZh(ctx)}。` +
    `不计小区、校园、学校、医院、工业园区内部道路；同名同级、相距 ${ctx.params.carriageway_pair_m} m 内的两条单行道（双幅路）只计一次。禁止步行的道路（foot=no、access=no，以及如此标注的隧道、高架路）同样计入：模型在步行路网之外另存这些道路。`,
  park_green_per_capita: (ctx) => `人均公园绿地面积（reference §3：GB 55014-2021 > 8 m²/人，生态园林城市 ≥ 14.8）：服务居民的公园绿地（住宅建筑 ${ctx.params.park_network_m} m 范围内的公园面积，重叠只计一次）÷ 人口；${residentsZh(ctx)}。` +
    '公园：对公众开放的 leisure=park|garden、landuse=recreation_ground；不含限制进入的单位附属绿地、屋顶花园与自然保护区。',
  population_density: (ctx) => `人口密度：人口 ÷ 建成区面积；${builtZh(ctx)}；${residentsZh(ctx)}。无居民时不给数值（不是 0）。`,
  park_service_coverage: (ctx) => `公园绿化活动场地服务半径覆盖率（官方面积法）：公园服务半径（${ctx.params.park_size_classes.map((c) => `${c.min_m2}${c.max_m2 ? `–${c.max_m2}` : '+'} m² 服务 ${c.radius_m} m`).join('，')}）覆盖的居住用地 ÷ 居住用地；步行网络法结果见 details。`,
  middle_school_coverage: (ctx) => `中学服务半径覆盖率（官方面积法）：中学 ${ctx.params.middle_school_radius_m} m 直线范围内的居住用地 ÷ 居住用地；中学按 isced:level、school、grades 及“中学/初中/高中/附中/一贯制”名称识别。`,
  greenway_coverage: (ctx) => `绿道服务半径覆盖率：绿道 ${ctx.params.greenway_radius_m} m 范围内的居住用地 ÷ 居住用地；绿道为名称含“绿道”等或标注 greenway=* 的道路，以及指定的绿道线路（OSM 中名为绿道的步行或骑行线路关系，如广东绿道）；公园内的一般园路不算绿道。`,
  fire_station_coverage: (ctx) => `城市消防站服务半径覆盖率：消防站服务范围内的建成区 ÷ 建成区。官方规则为 5 分钟到达，标准站约 7 km²、小型站 4 km²；数据不区分站型，统一按标准站 ${ctx.params.fire_station_service_area_km2} km² 的等面积圆计算；${builtZh(ctx)}。`,
  transit_access: (ctx) => `公共交通便捷覆盖（SDG 11.2.1）：公交站 ${ctx.params.transit_bus_m} m 或轨道站 ${ctx.params.transit_metro_m} m 步行距离内的居民占比；${residentsZh(ctx)}。`,
  living_circle_completeness: (ctx) => `生活圈完整度（GB 50180-2018）：每栋住宅建筑在步行半径内可达的生活圈设施类别占比，按居民加权；数据中完全没有的类别为数据缺口，不计入分母；${residentsZh(ctx)}。`,
  service_equity: () => '服务均等性：各分区生活圈完整度的居民加权基尼系数（0 = 完全均等，1 = 全部集中于一个分区）；公园与公交可达性的同类指标见 details。',
  community_kindergarten_shortfall: (ctx) => shortfallZh(ctx, 'community_kindergarten_shortfall', '幼儿园'),
  community_childcare_shortfall: (ctx) => shortfallZh(ctx, 'community_childcare_shortfall', '托育设施'),
  community_elderly_shortfall: (ctx) => shortfallZh(ctx, 'community_elderly_shortfall', '养老服务设施'),
  community_activity_space_shortfall: (ctx) => shortfallZh(ctx, 'community_activity_space_shortfall', '公园或运动场地（或小区内 ≥ 150 m² 的活动场地）'),
};

function shortfallZh(ctx: CheckContext, id: string, what: string): string {
  const rule = ctx.params.provision_rules[id];
  return `计数单元：${ctx.units.provisionKind === 'compound' ? '居住小区' : '社区/网格单元'}；步行 ${rule.radius_m} m 内可达${what}的居民不足 ${Math.round(ctx.params.provision_share * 100)}% 的单元计为未达标。数据中完全没有该类设施时为数据缺口（无数据），不计为未达标。${residentsZh(ctx)}。`;
}

/**
 * The Chinese method of an indicator of the registry (./registry.ts), from the same branch as its
 * English `explain` (with a value or without): the indicator's own `explainZh`, else the table above,
 * else a plain note that the Chinese method is missing (never a text that could contradict the English).
 * Never one of the "needs data" texts of `unimplemented`: those are for catalogue entries that no
 * indicator computes, and saying "needs a field survey" beside a counted value contradicts it.
 */
export function methodZh(ctx: CheckContext, ind: Indicator): string {
  if (ind.explainZh) return ind.explainZh(ctx);
  const f = ZH[ind.id];
  if (f) return f(ctx);
  return '中文方法说明暂缺：方法见英文说明（explain）。';
}

/** Why a catalogue entry that no indicator computes has no value, in English and Chinese (by its computability). */
export function unimplemented(e: CatalogueEntry): { en: string; zh: string } {
  const c = e.computability;
  const oldBlocks = {
    en: 'field survey / departmental figure (F/A); OpenCIM’s screening of old building clusters by age is in renewal.geojson',
    zh: '需实地调查或部门数据（F/A）；OpenCIM 按房龄对老旧建筑群的筛查结果见 renewal.geojson',
  };
  const special: Record<string, { en: string; zh: string }> = {
    rail_station_commute_coverage: {
      en: 'needs commuting origin–destination data (G + OD); transit_access reports the residents’ side from walking distances',
      zh: '需要通勤起讫点（OD）数据（G + OD）；居民一侧按步行距离的结果见 transit_access（公共交通便捷覆盖率）',
    },
    old_commercial_blocks_to_renew: oldBlocks, old_factory_areas_to_renew: oldBlocks, old_blocks_to_renew: oldBlocks,
    primary_school_seat_shortfall: {
      en: 'departmental statistics (A): a map estimate needs school capacities and the school-age population; enter with --manual',
      zh: '部门统计数据（A）：由地图估算需要学校学位数和学龄人口；请用 --manual 录入',
    },
  };
  const s = special[e.id];
  if (s) return s;
  if (c.includes('G*')) return {
    en: 'needs authoritative facility, land or population layers and provisioning standards (G*), not computed from open map data in this version: enter the official figure with --manual',
    zh: '需要权威的设施、用地或人口图层及配建标准（G*），本版本不由开放地图数据计算：请用 --manual 录入官方数值',
  };
  if (c.includes('F')) {
    const fa = c.includes('A') ? 'F/A' : 'F';
    return { en: `field inspection (${fa}): not derivable from map data; enter the surveyed figure with --manual`, zh: `需实地调查（${fa}），无法由地图数据得出：请用 --manual 录入调查数值` };
  }
  if (c.includes('A')) return { en: 'departmental statistics (A): enter the figure with --manual', zh: '部门统计数据（A）：请用 --manual 录入' };
  return { en: 'not computed in this version: enter with --manual', zh: '本版本未计算：请用 --manual 录入' };
}

/** A manually entered value, in both languages (where it comes from; the computed value it replaces). */
export function manualMethod(m: { source?: string; year?: number; where: string }, computed: number | null): { en: string; zh: string } {
  return {
    en: `Entered manually${m.source ? ` from ${m.source}` : ''}${m.year ? ` (${m.year})` : ''} (${m.where}).${computed !== null ? ` The computed value was ${computed}.` : ''}`,
    zh: `手工录入的数值${m.source ? `，来源：${m.source}` : ''}${m.year ? `（${m.year} 年）` : ''}（${m.where}）。${computed !== null ? `计算值为 ${computed}。` : ''}`,
  };
}
