import { CONFIDENCE_RULES, type QualityFacts } from '../analysis/indicators/confidence.js';
import { populationJson } from '../analysis/indicators/population.js';
import type { CheckResult } from '../analysis/indicators/run.js';
import { CATEGORIES } from '../model/taxonomy.js';
import { BUILDING_FACTS_KEY, FROM_REGISTER, joinBuildingFacts, type BuildingFacts } from '../analysis/indicators/building-facts.js';

/**
 * The data-quality document (issue 10 §2): completeness per layer, what was estimated, the data
 * gaps, how sure the city values are and the rules that say so. Written as data_quality.json and
 * shown first in report.html.
 */
export function dataQuality(r: CheckResult): Record<string, unknown> {
  const q = r.memo.get('qualityFacts') as QualityFacts;
  const b = r.data.buildings;
  // years and heights as the check used them: the register's first, the map's otherwise
  const f = (r.memo.get(BUILDING_FACTS_KEY) as BuildingFacts | undefined) ?? joinBuildingFacts(r.data);
  let year = 0, yearReg = 0, heightReg = 0;
  for (let i = 0; i < b.count; i++) {
    if (f.year[i] > 0) year++;
    if (f.yearFrom[i] === FROM_REGISTER) yearReg++;
    if (f.heightFrom[i] === FROM_REGISTER) heightReg++;
  }
  const lf = r.data.places.levelsFrom;
  const pop = r.data.population;
  const city = r.results.filter((x) => x.level === 'city');
  const gaps = CATEGORIES.filter((c) => !(q.facilities[c.id] ?? 0)).map((c) => ({ id: c.id, name_zh: c.name_zh, name_en: c.name_en }));
  const share = (n: number, d: number) => (d > 0 ? Math.round((n / d) * 10000) / 10000 : null);
  const estimated: { en: string; zh: string }[] = [];
  if (pop.kind === 'estimate') {
    estimated.push({ en: `residents: floor area ÷ ${r.data.places.perCapitaM2} m² per person (no population data imported)`, zh: `人口：按建筑面积 ÷ 人均 ${r.data.places.perCapitaM2} m² 估算（未导入人口数据）` });
  } else {
    estimated.push({ en: `residents: the ${pop.kind} "${pop.source}" distributed onto residential buildings by floor area (dasymetric)`, zh: `人口：${pop.kind === 'census' ? '普查表' : '人口栅格'}“${pop.source}”按建筑面积分配到住宅建筑` });
  }
  if (lf.default + lf.default_landuse) {
    estimated.push({ en: `storeys: default for ${lf.default + lf.default_landuse} of ${q.residential_buildings} residential buildings (no building:levels or height)`, zh: `层数：${q.residential_buildings} 栋住宅建筑中 ${lf.default + lf.default_landuse} 栋采用默认层数（无层数或高度）` });
  }
  const buffer = r.parameters.built_up_buffer_m;
  estimated.push({
    en: `built-up land: land within ${buffer} m of a building's centroid (not of its footprint)${r.data.compounds.length ? ' or inside residential land (landuse=residential)' : ''} (parameter built_up_buffer_m)`,
    zh: `建成区：建筑周边 ${buffer} 米范围（按建筑中心点）${r.data.compounds.length ? '及居住用地（landuse=residential）' : ''}（参数 built_up_buffer_m）`,
  });
  r.notes.forEach((n, k) => estimated.push({ en: n, zh: r.notes_zh[k] ?? n }));
  const byConf = { high: 0, medium: 0, low: 0 } as Record<string, number>;
  for (const x of city) if (x.value !== null) byConf[x.confidence ?? 'low']++;
  return {
    city: r.city, generated_at: r.generated_at,
    population: populationJson(pop),
    layers: [
      { layer: 'buildings', zh: '建筑', en: 'buildings', count: b.count, with_height_or_levels: share(Math.round((q.height_known_share ?? 0) * b.count), b.count), with_year: share(year, b.count),
        ...(r.data.safety ? { from_register: { year_built: yearReg, height_m: heightReg, not_in_model: { year_built: f.unplaced.year, height_m: f.unplaced.height } } } : {}),
        buildings_per_km2_road_served: q.buildings_per_km2_road_served === null ? null : Math.round(q.buildings_per_km2_road_served), road_served_km2: Math.round(q.road_served_km2 * 1000) / 1000 },
      { layer: 'residential_buildings', zh: '住宅建筑', en: 'residential buildings', count: q.residential_buildings, storeys_from_data: share(lf.levels + lf.height, q.residential_buildings), default_storeys: q.default_storeys_share === null ? null : Math.round(q.default_storeys_share * 10000) / 10000 },
      { layer: 'land_use', zh: '用地', en: 'land use', residential_compounds: r.data.compounds.length, internal_compounds: r.data.internal.length, landuse_present: r.data.landuseKnown },
      { layer: 'admin_areas', zh: '行政区划', en: 'administrative areas', districts: r.data.admin.filter((a) => a.level === 'district').length, streets: r.data.admin.filter((a) => a.level === 'street').length, communities: r.data.admin.filter((a) => a.level === 'community').length },
      { layer: 'roads', zh: '道路', en: 'roads', ways: r.data.roads.count, greenways: r.data.greenways.length, walk_edges: r.data.places.graph.edgeCount },
      { layer: 'facilities', zh: '设施', en: 'facilities', by_category: q.facilities },
    ],
    estimated,
    data_gaps: gaps,
    confidence: { city_values: byConf, rules: CONFIDENCE_RULES, thresholds: r.parameters.confidence },
    no_value: city.filter((x) => x.source === 'none' && x.computability.some((c) => c === 'G' || c === 'G*')).map((x) => ({ id: x.id, name_zh: x.name_zh, name_en: x.name_en, reason: x.explain.replace(/^.*No value: /, '').slice(0, 300), reason_zh: (x.explain_zh ?? '').replace(/^.*无数据：/, '').slice(0, 300), data_gap: x.data_gap ?? null })),
  };
}

/**
 * What each fact of `layers` (above) means, in both languages, and how to show its value: the report's
 * data-quality table shows these labels, never the keys (a key without a label fails test/report/quality-labels).
 */
export type QualityFormat = 'count' | 'share' | 'km2' | 'per_km2' | 'bool' | 'group' | 'categories';
export const QUALITY_LABELS: Record<string, { zh: string; en: string; format: QualityFormat }> = {
  count: { zh: '数量', en: 'count', format: 'count' },
  with_height_or_levels: { zh: '有高度或层数', en: 'with a height or storey count', format: 'share' },
  with_year: { zh: '有建成年代', en: 'with a construction year', format: 'share' },
  from_register: { zh: '取自房屋安全档案', en: 'from the house-safety register', format: 'group' },
  year_built: { zh: '建成年代', en: 'year built', format: 'count' },
  height_m: { zh: '高度', en: 'height', format: 'count' },
  not_in_model: { zh: '档案中有、城市模型中没有', en: 'in the register, not in the city model', format: 'group' },
  buildings_per_km2_road_served: { zh: '道路服务范围内每平方公里建筑数', en: 'buildings per km² of road-served land', format: 'per_km2' },
  road_served_km2: { zh: '道路服务范围（步行道路 100 米内）面积', en: 'road-served land (within 100 m of a walkable way)', format: 'km2' },
  storeys_from_data: { zh: '层数来自数据', en: 'storeys from the data', format: 'share' },
  default_storeys: { zh: '采用默认层数', en: 'default storeys', format: 'share' },
  residential_compounds: { zh: '居住小区', en: 'residential compounds', format: 'count' },
  internal_compounds: { zh: '道路属内部道路的用地（工业、教育、军事用地，学校、医院）', en: 'land whose roads are internal (industrial, education, military; school and hospital grounds)', format: 'count' },
  landuse_present: { zh: '有土地利用数据', en: 'land use mapped', format: 'bool' },
  districts: { zh: '区', en: 'districts', format: 'count' },
  streets: { zh: '街道', en: 'streets', format: 'count' },
  communities: { zh: '社区', en: 'communities', format: 'count' },
  ways: { zh: '道路（条）', en: 'road ways', format: 'count' },
  greenways: { zh: '绿道', en: 'greenways', format: 'count' },
  walk_edges: { zh: '步行网络路段', en: 'walk-network edges', format: 'count' },
  by_category: { zh: '按类别', en: 'by category', format: 'categories' },
};

/** The names of the facility categories (by_category above), for the report. */
export function categoryNames(): Record<string, { zh: string; en: string }> {
  return Object.fromEntries(CATEGORIES.map((c) => [c.id, { zh: c.name_zh, en: c.name_en }]));
}
