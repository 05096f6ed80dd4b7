import type { CatalogueEntry } from './catalogue.js';
import type { CheckContext } from './types.js';

/**
 * The method of each computed indicator in Chinese (issue 10 §4), beside the English `explain`:
 * the same definitions and parameters, for the person who reads the report in Chinese.
 */
function residentsZh(ctx: CheckContext): string {
  const p = ctx.data.population;
  if (p.kind === 'estimate') return `人口按住宅建筑面积 ÷ 人均 ${ctx.perCapitaM2} m² 估算（建筑面积 = 基底面积 × 层数；无层数时按高度 ÷ 3 m，否则公寓、宿舍及居住用地内建筑默认 6 层，其余 2 层），未导入人口数据`;
  return `人口来自导入的${p.kind === 'census' ? '人口普查表' : '人口栅格'}“${p.source}”${p.year ? `（${p.year} 年）` : ''}，按建筑面积分配到各住宅建筑（分区密度法）；${Math.round(p.unallocated)} 人所在单元没有住宅建筑，列为未分配`;
}
const builtZh = (ctx: CheckContext) => `建成区 = 建筑周边 ${ctx.params.built_up_buffer_m} m 范围及居住用地（参照 GB 50137-2011 城市建设用地的形态近似，与网格起点无关）`;

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
  aged_housing_share: (ctx) => `房龄 ≥ ${ctx.params.aged_housing_years} 年的住宅建筑面积占已知建成年代住宅建筑面积的比例。`,
  high_rise_count: () => '高层建筑：居住建筑 > 80 m、公共建筑 > 100 m 及 150/250/500 m 以上建筑的数量；限高规定（2020、2021 年通知）适用于新建建筑，判定需要足够的高度数据。',
};

function shortfallZh(ctx: CheckContext, id: string, what: string): string {
  const rule = ctx.params.provision_rules[id];
  return `计数单元：${ctx.units.provisionKind === 'compound' ? '居住小区' : '社区/网格单元'}；步行 ${rule.radius_m} m 内可达${what}的居民不足 ${Math.round(ctx.params.provision_share * 100)}% 的单元计为未达标。数据中完全没有该类设施时为数据缺口（无数据），不计为未达标。${residentsZh(ctx)}。`;
}

/** The Chinese method of an indicator (null where it has none yet: then the English one stands). */
export function explainZh(ctx: CheckContext, e: CatalogueEntry, source: 'computed' | 'manual' | 'none'): string {
  const f = ZH[e.id];
  if (f) return f(ctx);
  if (source === 'manual') return '手工录入的官方数据。';
  const c = e.computability;
  if (c.includes('G*')) return '需要权威的设施、用地或人口图层及配建标准（G*），本版本不由开放地图数据计算：请用 --manual 录入官方数值。';
  if (c.includes('F')) return '需实地调查（F），无法由地图数据得出：请用 --manual 录入调查数值。';
  if (c.includes('A')) return '部门统计数据（A）：请用 --manual 录入。';
  return '本版本未计算：请用 --manual 录入。';
}
