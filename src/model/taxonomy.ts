/**
 * Facility categories and walk-network rules of reference/facility-taxonomy.md, as data.
 * Category ids are public API (access.csv headers, indicators.json, HTTP API).
 */
export type Tags = Record<string, string>;

export interface Category {
  id: string;
  name_zh: string;
  name_en: string;
  /** walking threshold in metres used by indicators (parameter default) */
  threshold_m: number;
  /** does this feature belong to the category? */
  match: (t: Tags) => boolean;
}

// Fixed arity, no rest arrays: these run for every tagged OSM object of a city.
const is = (t: Tags, k: string, a: string, b?: string, c?: string, d?: string, e?: string, f?: string, g?: string): boolean => {
  const v = t[k];
  return v !== undefined && (v === a || v === b || v === c || v === d || v === e || v === f || v === g);
};
const nameHas = (t: Tags, a: string, b?: string, c?: string, d?: string): boolean => {
  const n = t.name ?? t['name:zh'];
  if (n === undefined || n === '') return false;
  return n.includes(a) || (b !== undefined && n.includes(b)) || (c !== undefined && n.includes(c)) || (d !== undefined && n.includes(d));
};
const listHas = (v: string | undefined, a: string, b?: string): boolean =>
  v !== undefined && v.split(/[;,]/).some((s) => { const x = s.trim(); return x === a || x === b; });

export const CATEGORIES: Category[] = [
  { id: 'kindergarten', name_zh: '幼儿园', name_en: 'Kindergarten', threshold_m: 300, match: (t) => is(t, 'amenity', 'kindergarten') },
  { id: 'childcare', name_zh: '托育点/托儿所', name_en: 'Childcare', threshold_m: 300, match: (t) => is(t, 'amenity', 'childcare') },
  {
    id: 'primary_school', name_zh: '小学', name_en: 'Primary school', threshold_m: 500,
    match: (t) => is(t, 'amenity', 'school') && (listHas(t['isced:level'], '1') || t.school === 'primary' || nameHas(t, '小学')),
  },
  {
    id: 'middle_school', name_zh: '中学', name_en: 'Middle school', threshold_m: 1000,
    // issue 10 §3: isced:level, school / school:type, grades 7–12, and the name forms 中学/初中/高中/附中/一贯制 (九年/十二年)
    match: (t) => is(t, 'amenity', 'school') && (listHas(t['isced:level'], '2', '3') || is(t, 'school', 'secondary', 'middle', 'high', 'upper_secondary', 'lower_secondary') ||
      is(t, 'school:type', 'secondary', 'middle', 'high') || hasMiddleGrades(t.grades) || MIDDLE_NAME.test(t.name ?? t['name:zh'] ?? '')),
  },
  {
    id: 'clinic', name_zh: '社区卫生服务站/诊所', name_en: 'Clinic', threshold_m: 300,
    match: (t) => is(t, 'amenity', 'clinic', 'doctors') || is(t, 'healthcare', 'clinic', 'doctor', 'centre'),
  },
  { id: 'hospital', name_zh: '医院/卫生服务中心', name_en: 'Hospital', threshold_m: 1000, match: (t) => is(t, 'amenity', 'hospital') || is(t, 'healthcare', 'hospital') },
  {
    id: 'pharmacy', name_zh: '药店', name_en: 'Pharmacy', threshold_m: 500,
    match: (t) => is(t, 'amenity', 'pharmacy') || is(t, 'shop', 'chemist') || is(t, 'healthcare', 'pharmacy'),
  },
  {
    id: 'elderly_care', name_zh: '养老/日间照料', name_en: 'Elderly care', threshold_m: 300,
    match: (t) =>
      (is(t, 'amenity', 'social_facility') && (t['social_facility:for'] ?? '').includes('senior')) ||
      is(t, 'social_facility', 'nursing_home', 'assisted_living') ||
      is(t, 'amenity', 'nursing_home') ||
      nameHas(t, '养老', '敬老', '老年', '日间照料'),
  },
  {
    id: 'community_service', name_zh: '社区综合服务站', name_en: 'Community service centre', threshold_m: 300,
    match: (t) =>
      is(t, 'amenity', 'community_centre', 'social_centre') ||
      (is(t, 'office', 'government') && (t.government ?? '').includes('community')) ||
      nameHas(t, '社区服务', '居委会', '社区居民委员会', '党群服务'),
  },
  { id: 'supermarket', name_zh: '综合超市/便利店', name_en: 'Supermarket / convenience', threshold_m: 300, match: (t) => is(t, 'shop', 'supermarket', 'convenience', 'general', 'department_store') },
  {
    id: 'fresh_market', name_zh: '菜市场/生鲜超市', name_en: 'Fresh market', threshold_m: 500,
    match: (t) => is(t, 'amenity', 'marketplace') || is(t, 'shop', 'greengrocer', 'butcher', 'seafood', 'farm') || nameHas(t, '菜市场', '农贸市场'),
  },
  {
    id: 'express_delivery', name_zh: '邮件快件服务', name_en: 'Post / parcel service', threshold_m: 300,
    match: (t) => is(t, 'amenity', 'post_office', 'parcel_locker') || is(t, 'shop', 'outpost') || is(t, 'office', 'courier'),
  },
  {
    id: 'sports', name_zh: '体育健身场地', name_en: 'Sports and fitness', threshold_m: 500,
    match: (t) => is(t, 'leisure', 'sports_centre', 'pitch', 'fitness_centre', 'fitness_station', 'track', 'stadium', 'playground'),
  },
  { id: 'park', name_zh: '公园绿地', name_en: 'Park', threshold_m: 500, match: (t) => isPark(t) },
  {
    id: 'bus_stop', name_zh: '公交站', name_en: 'Bus stop', threshold_m: 500,
    match: (t) => is(t, 'highway', 'bus_stop') || (is(t, 'public_transport', 'platform') && t.bus === 'yes') || is(t, 'amenity', 'bus_station'),
  },
  {
    id: 'metro_station', name_zh: '轨道交通站点', name_en: 'Metro station', threshold_m: 800,
    match: (t) =>
      (is(t, 'railway', 'station', 'halt', 'subway_entrance') && (is(t, 'station', 'subway', 'light_rail') || t.subway === 'yes')) ||
      (is(t, 'public_transport', 'station') && t.subway === 'yes'),
  },
  { id: 'public_toilet', name_zh: '公共厕所', name_en: 'Public toilet', threshold_m: 500, match: (t) => is(t, 'amenity', 'toilets') },
  {
    id: 'culture', name_zh: '文化活动设施', name_en: 'Culture', threshold_m: 1000,
    match: (t) => is(t, 'amenity', 'library', 'community_centre', 'arts_centre', 'theatre') || is(t, 'tourism', 'museum'),
  },
  {
    id: 'waste_collection', name_zh: '垃圾收集点', name_en: 'Waste collection', threshold_m: 300,
    match: (t) => is(t, 'amenity', 'waste_disposal', 'recycling', 'waste_transfer_station'),
  },
  { id: 'ev_charging', name_zh: '充电设施', name_en: 'EV charging', threshold_m: 500, match: (t) => is(t, 'amenity', 'charging_station') },
  { id: 'fire_station', name_zh: '消防站', name_en: 'Fire station', threshold_m: 0, match: (t) => is(t, 'amenity', 'fire_station') },
];

export const CATEGORY_IDS = CATEGORIES.map((c) => c.id);
export const categoryById = new Map(CATEGORIES.map((c) => [c.id, c]));

/** keys some category rule reads: an object with none of them is no facility */
const FACILITY_KEYS = ['amenity', 'shop', 'leisure', 'healthcare', 'social_facility', 'office', 'highway', 'public_transport', 'railway', 'tourism', 'landuse', 'name', 'name:zh'];

export function facilityCategories(t: Tags): string[] {
  const out: string[] = [];
  if (!FACILITY_KEYS.some((k) => t[k] !== undefined)) return out;
  for (const c of CATEGORIES) if (c.match(t)) out.push(c.id);
  return out;
}

const MIDDLE_NAME = /中学|初中|高中|附中|一贯制/;

/** `grades=7-9`, `1-12`, `7;8;9`: does the school teach any of grades 7–12 (middle school)? */
export function hasMiddleGrades(grades: string | undefined): boolean {
  if (!grades) return false;
  for (const part of grades.split(/[;,]/)) {
    const m = /^\s*(\d{1,2})\s*(?:-\s*(\d{1,2}))?\s*$/.exec(part);
    if (!m) continue;
    const a = Number(m[1]), b = m[2] ? Number(m[2]) : a;
    if (b >= 7 && a <= 12) return true;
  }
  return false;
}

const NOT_PUBLIC_ACCESS = new Set(['private', 'no', 'permissive', 'customers', 'members', 'students', 'employees']);

/**
 * Public park green space, the `park` category rule (issue 10 §3, reference/urban-health-check.md §3):
 * leisure=park|garden and landuse=recreation_ground, not restricted (access=private/permissive/
 * customers/... are campus and company gardens) and not on a roof; leisure=nature_reserve is not park
 * green space (it stays a green space of the model).
 */
export function isPark(t: Tags): boolean {
  if (t.access !== undefined && NOT_PUBLIC_ACCESS.has(t.access)) return false;
  if (t.location === 'roof' || t.location === 'rooftop' || t['garden:type'] === 'roof_garden' || t.roof === 'yes' || /屋顶/.test(t.name ?? '')) return false;
  return is(t, 'leisure', 'park', 'garden') || is(t, 'landuse', 'recreation_ground');
}

/** Green spaces kept in the model (public or not): parks plus other green land. */
export function greenKind(t: Tags): string | undefined {
  if (is(t, 'leisure', 'park', 'garden', 'nature_reserve')) return t.leisure;
  if (is(t, 'landuse', 'recreation_ground', 'grass', 'village_green', 'forest')) return t.landuse;
  if (is(t, 'natural', 'wood')) return 'wood';
  return undefined;
}

const NOT_WALKABLE_HIGHWAY = new Set([
  'abandoned', 'bus_guideway', 'construction', 'cycleway', 'motor', 'planned', 'platform',
  'proposed', 'raceway', 'motorway', 'motorway_link',
]);
const FOOT_OK = new Set(['yes', 'designated', 'permissive']);

/** The walk filter (same as OSMnx "walk"); every walkable way is two-way. */
export function isWalkable(t: Tags): boolean {
  const hw = t.highway;
  if (hw === undefined || NOT_WALKABLE_HIGHWAY.has(hw)) return false;
  if (t.area === 'yes') return false;
  if (t.foot === 'no') return false;
  if (t.service === 'private') return false;
  if ((t.access === 'private' || t.access === 'no') && !FOOT_OK.has(t.foot ?? '')) return false;
  return true;
}

/** highway classes that are roads (for vehicles): what a road density can count, walkable or not */
const ROAD_HIGHWAY = new Set([
  'motorway', 'motorway_link', 'trunk', 'trunk_link', 'primary', 'primary_link', 'secondary', 'secondary_link',
  'tertiary', 'tertiary_link', 'unclassified', 'residential', 'living_street', 'service', 'road',
]);

/** A road centreline the walk filter leaves out (foot=no, motorways, private service roads, ...): a `road` record. */
export function isRoadNotWalkable(t: Tags): boolean {
  return t.highway !== undefined && ROAD_HIGHWAY.has(t.highway) && t.area !== 'yes' && !isWalkable(t);
}

const GREENWAY_ROUTE = new Set(['hiking', 'foot', 'walking', 'running', 'fitness_trail', 'bicycle', 'greenway']);
const GREENWAY_NAME = /绿道|greenway/i;

/**
 * A designated greenway route (issue 10 §3): an OSM route relation for walking or cycling whose
 * name or network names it a greenway (广东绿道, 珠三角绿道, "… Greenway"), or route=greenway.
 */
export function isGreenwayRoute(t: Tags): boolean {
  if (t.type !== 'route' || !GREENWAY_ROUTE.has(t.route ?? '')) return false;
  return t.route === 'greenway' || GREENWAY_NAME.test(t.name ?? '') || GREENWAY_NAME.test(t['name:zh'] ?? '') || GREENWAY_NAME.test(t.network ?? '');
}

export function isBuilding(t: Tags): boolean {
  return t.building !== undefined && t.building !== 'no';
}

export function adminLevelName(level: number): 'province' | 'city' | 'district' | 'street' | 'community' | 'other' {
  if (level === 4) return 'province';
  if (level === 5) return 'city';
  if (level === 6) return 'district';
  if (level === 8) return 'street';
  if (level === 9 || level === 10) return 'community';
  return 'other';
}
