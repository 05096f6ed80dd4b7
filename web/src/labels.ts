/**
 * Labels of the values the API gives as codes: OSM `building=*` values (a building's use) and the
 * units of the health check indicators, in Chinese and English. A value not listed is shown as it is.
 */
import { lang } from './i18n';

/** OSM building=* → 用途 (Chinese first, English second); `yes` is OSM's "a building, use not mapped" */
export const BUILDING_USE: Record<string, { zh: string; en: string }> = {
  yes: { zh: '未注明用途', en: 'unspecified' },
  residential: { zh: '住宅', en: 'residential' },
  apartments: { zh: '住宅(公寓)', en: 'apartments' },
  house: { zh: '独栋住宅', en: 'house' },
  detached: { zh: '独立住宅', en: 'detached house' },
  semidetached_house: { zh: '双拼住宅', en: 'semi-detached house' },
  terrace: { zh: '联排住宅', en: 'terraced houses' },
  bungalow: { zh: '平房', en: 'bungalow' },
  dormitory: { zh: '宿舍', en: 'dormitory' },
  hut: { zh: '棚屋', en: 'hut' },
  cabin: { zh: '小屋', en: 'cabin' },
  commercial: { zh: '商业', en: 'commercial' },
  retail: { zh: '零售', en: 'retail' },
  supermarket: { zh: '超市', en: 'supermarket' },
  kiosk: { zh: '售货亭', en: 'kiosk' },
  office: { zh: '办公', en: 'office' },
  hotel: { zh: '酒店', en: 'hotel' },
  industrial: { zh: '工业', en: 'industrial' },
  warehouse: { zh: '仓储', en: 'warehouse' },
  manufacture: { zh: '厂房', en: 'manufacture' },
  school: { zh: '学校', en: 'school' },
  kindergarten: { zh: '幼儿园', en: 'kindergarten' },
  university: { zh: '大学', en: 'university' },
  college: { zh: '学院', en: 'college' },
  hospital: { zh: '医院', en: 'hospital' },
  public: { zh: '公共建筑', en: 'public' },
  civic: { zh: '市政/公共服务', en: 'civic' },
  government: { zh: '政府机关', en: 'government' },
  fire_station: { zh: '消防站', en: 'fire station' },
  train_station: { zh: '火车站', en: 'train station' },
  transportation: { zh: '交通设施', en: 'transportation' },
  religious: { zh: '宗教建筑', en: 'religious' },
  temple: { zh: '寺庙', en: 'temple' },
  church: { zh: '教堂', en: 'church' },
  mosque: { zh: '清真寺', en: 'mosque' },
  sports_hall: { zh: '体育馆', en: 'sports hall' },
  sports_centre: { zh: '体育中心', en: 'sports centre' },
  stadium: { zh: '体育场', en: 'stadium' },
  garage: { zh: '车库', en: 'garage' },
  garages: { zh: '车库', en: 'garages' },
  parking: { zh: '停车楼', en: 'parking' },
  service: { zh: '设备用房', en: 'service building' },
  toilets: { zh: '公共厕所', en: 'toilets' },
  shed: { zh: '棚房', en: 'shed' },
  roof: { zh: '顶棚', en: 'roof' },
  greenhouse: { zh: '温室', en: 'greenhouse' },
  farm: { zh: '农房', en: 'farm house' },
  farm_auxiliary: { zh: '农业附属用房', en: 'farm building' },
  barn: { zh: '谷仓', en: 'barn' },
  construction: { zh: '在建', en: 'under construction' },
  ruins: { zh: '废墟', en: 'ruins' },
};

/** the building's use in the interface language; a value not listed as it is */
export function buildingUse(v: unknown): string | null {
  if (v === null || v === undefined || v === '') return null;
  const l = BUILDING_USE[String(v)];
  return l ? (lang() === 'zh' ? l.zh : l.en) : String(v);
}

/** the indicators' unit codes (indicators.json `unit`) as shown, when the indicator carries no unit_zh */
const UNIT_ZH: Record<string, string> = {
  ratio: '%', count: '', index: '', m: '米', km: '公里', 'km/h': '公里/小时', 'm2/person': 'm²/人', 'persons/km2': '人/km²', 'km/km2': 'km/km²',
  '10k_m3/h': '万m³/h', 'kgCO2e/m2': 'kgCO₂e/m²', m2: 'm²', ha: '公顷', year: '年', years: '年', min: '分钟', '%': '%',
};
const UNIT_EN: Record<string, string> = {
  ratio: '%', count: '', index: '', 'm2/person': 'm²/person', 'persons/km2': 'persons/km²', 'km/km2': 'km/km²', '10k_m3/h': '10⁴ m³/h',
  'kgCO2e/m2': 'kgCO₂e/m²', m2: 'm²', years: 'years',
};

export function unitText(unit: string | undefined, unitZh?: string | null): string {
  if (!unit) return '';
  if (lang() === 'zh') return unit === 'ratio' ? '%' : unitZh ?? UNIT_ZH[unit] ?? unit;
  return UNIT_EN[unit] ?? unit;
}

/** a number with thousands separators in the interface language (at most `digits` decimals) */
export function fmtNumber(v: number, digits = 2): string {
  return v.toLocaleString(lang() === 'zh' ? 'zh-CN' : 'en-GB', { maximumFractionDigits: Math.abs(v) >= 1000 ? 0 : digits });
}

/** an indicator's value with its unit: ratios as per cent, counts as numbers, others with their unit */
export function fmtIndicator(v: number, unit?: string, unitZh?: string | null): string {
  if (unit === 'ratio') return `${fmtNumber(v * 100, 1)}%`;
  const u = unitText(unit, unitZh);
  // a count's Chinese measure word (栋, 个, 套) follows the number directly; other units after a space
  return `${fmtNumber(v)}${u ? (lang() === 'zh' && unit === 'count' ? u : ` ${u}`) : ''}`;
}
