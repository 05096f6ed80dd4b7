/**
 * Values of mapped fields: numbers with units, years, building use, facility categories,
 * road classes, land-use codes and admin levels (Chinese and English) → OSM values.
 */
import { tagValue } from './features.js';

export const num = (v: unknown): number | undefined => {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const m = /^\s*([+-]?\d+(?:\.\d+)?)\s*(m|米|层|f|floors?|storeys?)?\s*$/i.exec(v);
  return m ? Number(m[1]) : undefined;
};

export function yearOf(v: unknown): number | undefined {
  if (v instanceof Date) return v.getUTCFullYear();
  const s = tagValue(v);
  if (s === undefined) return undefined;
  const m = /(?:^|[^\d])(\d{4})(?:$|[^\d])/.exec(s);
  const y = m ? Number(m[1]) : undefined;
  return y !== undefined && y >= 1000 && y <= 2100 ? y : undefined;
}

/** Building use values in Chinese data → OSM `building` values. */
const BUILDING_USE: [RegExp, string][] = [
  [/宿舍/, 'dormitory'],
  [/别墅/, 'house'],
  [/住宅|居住|民居|住房|公寓|^住$/, 'residential'],
  [/商住/, 'residential'],
  [/办公|写字楼|商务/, 'office'],
  [/商业|商场|零售|商铺|^商$/, 'commercial'],
  [/酒店|宾馆|旅馆/, 'hotel'],
  [/厂房|工业|^工$/, 'industrial'],
  [/仓储|仓库|物流/, 'warehouse'],
  [/幼儿园/, 'kindergarten'],
  [/学校|教学|教育|中学|小学/, 'school'],
  [/大学|学院|高校/, 'university'],
  [/医院|医疗|卫生/, 'hospital'],
  [/宗教|寺|庙|教堂/, 'religious'],
  [/车库|停车/, 'garage'],
  [/政府|行政|机关/, 'government'],
  [/体育|运动|场馆/, 'sports_hall'],
  [/文化|图书馆|博物馆|展览/, 'civic'],
  [/公共|公建/, 'public'],
];

export function buildingUse(raw: string): string | undefined {
  const low = raw.toLowerCase();
  if (/^[a-z_]+$/.test(low)) return low;
  for (const [re, v] of BUILDING_USE) if (re.test(raw)) return v;
  return undefined;
}

/** Taxonomy category ids (and their Chinese names) → OSM tags that classify back to just that category. */
const CATEGORY_TAGS: Record<string, Record<string, string>> = {
  kindergarten: { amenity: 'kindergarten' },
  childcare: { amenity: 'childcare' },
  primary_school: { amenity: 'school', school: 'primary', 'isced:level': '1' },
  middle_school: { amenity: 'school', school: 'secondary', 'isced:level': '2;3' },
  clinic: { amenity: 'clinic', healthcare: 'clinic' },
  hospital: { amenity: 'hospital', healthcare: 'hospital' },
  pharmacy: { amenity: 'pharmacy', healthcare: 'pharmacy' },
  elderly_care: { amenity: 'social_facility', social_facility: 'nursing_home', 'social_facility:for': 'senior' },
  community_service: { amenity: 'social_centre' },
  supermarket: { shop: 'supermarket' },
  fresh_market: { amenity: 'marketplace' },
  express_delivery: { amenity: 'post_office' },
  sports: { leisure: 'sports_centre' },
  park: { leisure: 'park' },
  bus_stop: { highway: 'bus_stop', public_transport: 'platform', bus: 'yes' },
  metro_station: { railway: 'station', station: 'subway', public_transport: 'station', subway: 'yes' },
  public_toilet: { amenity: 'toilets' },
  culture: { amenity: 'arts_centre' },
  waste_collection: { amenity: 'waste_disposal' },
  ev_charging: { amenity: 'charging_station' },
  fire_station: { amenity: 'fire_station' },
};
const CATEGORY_ZH: [RegExp, string][] = [
  [/托育|托儿/, 'childcare'],
  [/幼儿园/, 'kindergarten'],
  [/小学/, 'primary_school'],
  [/中学|初中|高中/, 'middle_school'],
  [/医院|卫生服务中心/, 'hospital'],
  [/卫生服务站|卫生室|诊所|门诊/, 'clinic'],
  [/药店|药房/, 'pharmacy'],
  [/养老|敬老|日间照料|老年/, 'elderly_care'],
  [/社区服务|社区综合服务|居委会|党群服务/, 'community_service'],
  [/菜市场|农贸市场|生鲜/, 'fresh_market'],
  [/超市|便利店/, 'supermarket'],
  [/快递|邮政|邮局|驿站/, 'express_delivery'],
  [/体育|健身|球场|运动场/, 'sports'],
  [/公园|绿地|游园/, 'park'],
  [/地铁|轨道交通/, 'metro_station'],
  [/公交/, 'bus_stop'],
  [/厕所|公厕|卫生间/, 'public_toilet'],
  [/文化|图书馆|文化活动|博物馆/, 'culture'],
  [/垃圾|回收/, 'waste_collection'],
  [/充电/, 'ev_charging'],
  [/消防/, 'fire_station'],
];

/** One category value → tags, or undefined when unknown. Accepts ids, Chinese names, `key=value`. */
export function categoryTags(value: string): Record<string, string> | undefined {
  const v = value.trim();
  const kv = /^([a-z_:]+)=([^=]+)$/.exec(v);
  if (kv) return { [kv[1]]: kv[2].trim() };
  const id = v.toLowerCase().replace(/[\s-]+/g, '_');
  if (CATEGORY_TAGS[id]) return { ...CATEGORY_TAGS[id] };
  for (const [re, cat] of CATEGORY_ZH) if (re.test(v)) return { ...CATEGORY_TAGS[cat] };
  return undefined;
}

export const ROAD_CLASS: [RegExp, string][] = [
  [/高速/, 'motorway'],
  [/快速路/, 'trunk'],
  [/主干/, 'primary'],
  [/次干/, 'secondary'],
  [/步行街/, 'pedestrian'],
  [/人行|步行|步道/, 'footway'],
  [/自行车|非机动车/, 'cycleway'],
  [/台阶|梯道|阶梯/, 'steps'],
  [/绿道|小径|小路/, 'path'],
  [/小区|内部|院内/, 'service'],
  [/街巷|胡同|小巷|里弄/, 'living_street'],
  [/支路/, 'tertiary'],
];

export const LANDUSE_CODE: [RegExp, Record<string, string>][] = [
  // GB 50137-2011 urban land classes (R, A, B, M, W, S, U, G) and 三调 (GB/T 21010-2017) codes
  [/^R\d*$|^07\d*$|居住|住宅/i, { landuse: 'residential' }],
  [/^B1\d*$|零售|商业/i, { landuse: 'retail' }],
  [/^B\d*$|^05\d*$|商务|商服|办公/i, { landuse: 'commercial' }],
  [/^M\d*$|^0601$|^06$|工业/i, { landuse: 'industrial' }],
  [/^W\d*$|^0604$|仓储|物流/i, { landuse: 'industrial', industrial: 'warehouse' }],
  [/^A3\d*$|^0803$|教育|科研/i, { landuse: 'education' }],
  [/^A5\d*$|^0805$|医疗|卫生/i, { amenity: 'hospital', landuse: 'institutional' }],
  [/^A\d*$|^08\d*$|行政|公共管理|公共服务/i, { landuse: 'institutional' }],
  [/^G1\d*$|公园/i, { leisure: 'park' }],
  [/^G2\d*$|防护绿地/i, { landuse: 'grass' }],
  [/^G3\d*$|广场/i, { place: 'square' }],
  [/^S\d*$|^10\d*$|交通|道路/i, { landuse: 'highway' }],
  [/^U\d*$|公用设施/i, { landuse: 'utility' }],
  [/^01\d*$|耕地/, { landuse: 'farmland' }],
  [/^03\d*$|林地/, { landuse: 'forest' }],
  [/^04\d*$|草地/, { landuse: 'meadow' }],
  [/^11\d*$|水域/, { natural: 'water' }],
];

export function adminLevelOf(v: string): string | undefined {
  const s = v.trim().toLowerCase();
  if (/^\d+$/.test(s)) return s;
  const en: Record<string, string> = { province: '4', city: '5', district: '6', county: '6', street: '8', town: '8', township: '8', subdistrict: '8', community: '10', village: '10' };
  if (en[s]) return en[s];
  if (/省|自治区|直辖市/.test(v)) return '4';
  if (/社区|村|居委/.test(v)) return '10';
  if (/街道|乡|镇/.test(v)) return '8';
  if (/区|县|旗/.test(v)) return '6';
  if (/市|州|盟/.test(v)) return '5';
  return undefined;
}
