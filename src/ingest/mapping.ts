/**
 * From feature properties to OSM-like tags, so one set of rules (`classifyFeature`, the taxonomy)
 * serves every source:
 * - Tilezen / Nextzen exports are recognised and translated (nextzen.ts);
 * - properties that already are OSM tags (`building`, `amenity`, `highway`, ...) pass through;
 * - anything else needs a mapping: what the features are (`kind`) and which fields hold height,
 *   levels, use, year, name, category, id. Given on the command line as
 *   `kind=building,height=HEIGHT,levels=FLOORS,name=NAME` (or as JSON).
 * With a mapping, the source fields are kept as tags too (for provenance and display) under their
 * own names, or as `src:<field>` where the name would be read as an OSM key.
 */
import { z } from 'zod';
import { classifyFeature } from '../model/classify.js';
import type { Geometry } from '../model/geometry.js';
import type { CityRecord, IngestProblem } from '../model/types.js';
import { IngestError } from './errors.js';
import { tagValue, type GeoFeature } from './features.js';
import { isTilezenProperties, translateTilezen, type MappedFeature } from './nextzen.js';

export type { MappedFeature } from './nextzen.js';

export const MAPPING_KINDS = ['building', 'facility', 'green_space', 'land_use', 'admin_area', 'walk_edge'] as const;
export type MappingKind = (typeof MAPPING_KINDS)[number];
export const MAPPING_FIELDS = ['height', 'levels', 'use', 'year', 'name', 'category', 'id'] as const;
export type MappingField = (typeof MAPPING_FIELDS)[number];

export const featureMappingSchema = z
  .object({
    kind: z.enum(MAPPING_KINDS).optional(),
    fields: z
      .object({
        height: z.string().min(1).optional(),
        levels: z.string().min(1).optional(),
        use: z.string().min(1).optional(),
        year: z.string().min(1).optional(),
        name: z.string().min(1).optional(),
        category: z.string().min(1).optional(),
        id: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type FeatureMapping = z.infer<typeof featureMappingSchema>;

/**
 * Parse `kind=building,height=HEIGHT,levels=FLOORS,name=NAME` (keys: kind and the field roles
 * height, levels, use, year, name, category, id; values are source field names) or the same as
 * JSON (`{"kind":"building","fields":{"height":"HEIGHT"}}`). Throws Error with a usable message.
 */
export function parseMapping(spec: string): FeatureMapping {
  const s = spec.trim();
  let raw: unknown;
  if (s.startsWith('{')) {
    try {
      raw = JSON.parse(s);
    } catch (e) {
      throw new Error(`mapping: invalid JSON: ${(e as Error).message}`);
    }
  } else {
    const fields: Record<string, string> = {};
    let kind: string | undefined;
    for (const part of s.split(',')) {
      if (part.trim() === '') continue;
      const eq = part.indexOf('=');
      if (eq < 0) throw new Error(`mapping: "${part.trim()}" is not key=value (e.g. kind=building,height=HEIGHT)`);
      const key = part.slice(0, eq).trim().toLowerCase();
      const value = part.slice(eq + 1).trim();
      if (!value) throw new Error(`mapping: no value for "${key}"`);
      if (key === 'kind') kind = value;
      else if ((MAPPING_FIELDS as readonly string[]).includes(key)) {
        if (fields[key]) throw new Error(`mapping: "${key}" given twice`);
        fields[key] = value;
      } else {
        throw new Error(`mapping: unknown key "${key}" (expected kind, ${MAPPING_FIELDS.join(', ')})`);
      }
    }
    raw = { ...(kind !== undefined ? { kind } : {}), ...(Object.keys(fields).length ? { fields } : {}) };
  }
  const r = featureMappingSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = issue.path.join('.');
    if (where === 'kind') throw new Error(`mapping: kind must be one of ${MAPPING_KINDS.join(', ')}`);
    throw new Error(`mapping: ${where ? `${where}: ` : ''}${issue.message}`);
  }
  return r.data;
}

// ---------------------------------------------------------------------------------------------
// OSM-looking properties

/** Keys whose presence means "these properties are OSM tags". */
export const OSM_PRIMARY_KEYS = new Set([
  'building', 'building:part', 'amenity', 'highway', 'leisure', 'landuse', 'shop', 'boundary', 'tourism', 'railway',
  'public_transport', 'healthcare', 'office', 'natural', 'waterway', 'place', 'man_made', 'social_facility', 'historic',
  'sport', 'craft', 'emergency', 'power', 'aeroway', 'barrier', 'residential', 'admin_level',
]);

export function looksLikeOsmTags(p: Record<string, unknown>): boolean {
  for (const k of Object.keys(p)) if (OSM_PRIMARY_KEYS.has(k) && tagValue(p[k]) !== undefined) return true;
  return false;
}

/** `way/123`, `w123`, `relation/4` → OSM id with type letter; other ids as strings. */
export function normaliseId(v: unknown): string | undefined {
  const s = tagValue(v);
  if (s === undefined) return undefined;
  const m = /^(node|way|relation)\/(\d+)$/.exec(s);
  if (m) return `${m[1][0]}${m[2]}`;
  return s;
}

function osmPassThrough(f: GeoFeature): MappedFeature {
  const tags: Record<string, string> = {};
  for (const [k, v] of Object.entries(f.properties)) {
    if (k.startsWith('@')) continue; // Overpass metadata (@id, @relations, ...)
    const s = tagValue(v);
    if (s !== undefined) tags[k] = s;
  }
  const id =
    normaliseId(f.properties['@id']) ??
    normaliseId(f.id) ??
    (typeof f.properties.osm_type === 'string' && f.properties.osm_id !== undefined
      ? normaliseId(`${f.properties.osm_type}/${tagValue(f.properties.osm_id)}`)
      : undefined) ??
    normaliseId(f.properties.id) ??
    String(f.index);
  return { id, tags, geometry: f.geometry };
}

// ---------------------------------------------------------------------------------------------
// Values of mapped fields

const num = (v: unknown): number | undefined => {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const m = /^\s*([+-]?\d+(?:\.\d+)?)\s*(m|米|层|f|floors?|storeys?)?\s*$/i.exec(v);
  return m ? Number(m[1]) : undefined;
};

function yearOf(v: unknown): number | undefined {
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

function buildingUse(raw: string): string | undefined {
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

const ROAD_CLASS: [RegExp, string][] = [
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

const LANDUSE_CODE: [RegExp, Record<string, string>][] = [
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

function adminLevelOf(v: string): string | undefined {
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

function expectedFamily(kind: MappingKind): (g: Geometry) => boolean {
  const areal = (g: Geometry) => g.type === 'Polygon' || g.type === 'MultiPolygon';
  switch (kind) {
    case 'facility':
      return (g) => g.type === 'Point' || areal(g);
    case 'walk_edge':
      return (g) => g.type === 'LineString' || g.type === 'MultiLineString';
    default:
      return areal;
  }
}

/**
 * Tags for one feature under a user mapping. Problems (an unreadable height, an unknown category)
 * are reported and the value left out; the feature is still mapped.
 */
export function mappedTags(f: GeoFeature, mapping: FeatureMapping, report: (problem: string) => void): Record<string, string> {
  const fields = mapping.fields ?? {};
  const p = f.properties;
  const tags: Record<string, string> = {};
  const get = (role: MappingField): unknown => {
    const field = fields[role];
    return field ? p[field] : undefined;
  };
  const kind = mapping.kind;
  const use = tagValue(get('use'));
  const category = tagValue(get('category'));

  switch (kind) {
    case 'building': {
      const b = use !== undefined ? buildingUse(use) : undefined;
      tags.building = b ?? 'yes';
      if (use !== undefined && b === undefined) tags['building:use'] = use;
      break;
    }
    case 'facility': {
      let matched = false;
      for (const value of [category, use]) {
        if (value === undefined) continue;
        for (const part of value.split(/[;；,，、|]/)) {
          if (!part.trim()) continue;
          const t = categoryTags(part);
          if (t) {
            matched = true;
            for (const [k, v] of Object.entries(t)) if (!(k in tags)) tags[k] = v;
          } else {
            report(`unknown facility category "${part.trim()}"`);
          }
        }
      }
      // nothing matched: only the name is left for the taxonomy's name rules (小学, 养老, ...)
      if (!matched && category === undefined && use === undefined) report('no category value');
      break;
    }
    case 'green_space': {
      const v = use ?? category;
      if (v === undefined || /^g1\d*$|公园|绿地|^park$/i.test(v)) tags.leisure = 'park';
      else if (/花园|游园|^garden$/i.test(v)) tags.leisure = 'garden';
      else if (/保护区|^nature_reserve$/i.test(v)) tags.leisure = 'nature_reserve';
      else if (/^recreation_ground$/i.test(v)) tags.landuse = 'recreation_ground';
      else if (/^g2\d*$|防护/i.test(v)) tags.landuse = 'grass';
      else tags.leisure = 'park';
      break;
    }
    case 'land_use': {
      const v = use ?? category;
      if (v === undefined) tags.landuse = 'yes';
      else {
        const hit = LANDUSE_CODE.find(([re]) => re.test(v.trim()));
        if (hit) Object.assign(tags, hit[1]);
        else tags.landuse = /^[a-z_]+$/i.test(v) ? v.toLowerCase() : v;
      }
      break;
    }
    case 'admin_area': {
      tags.boundary = 'administrative';
      const v = category ?? use;
      const level = v !== undefined ? adminLevelOf(v) : undefined;
      if (level) tags.admin_level = level;
      else report(v === undefined ? 'no admin level (give category=FIELD with 市/区/街道/社区 or a number)' : `unknown admin level "${v}"`);
      break;
    }
    case 'walk_edge': {
      const v = use ?? category;
      if (v === undefined) tags.highway = 'road';
      else if (/^[a-z_]+$/i.test(v)) tags.highway = v.toLowerCase();
      else tags.highway = ROAD_CLASS.find(([re]) => re.test(v))?.[1] ?? 'road';
      break;
    }
    default:
      break;
  }

  const h = get('height');
  if (h !== undefined && h !== null && h !== '') {
    const n = num(h);
    if (n !== undefined && n > 0 && n < 1000) tags.height = String(n);
    else report(`height ${JSON.stringify(h)} is not a height in metres`);
  }
  const l = get('levels');
  if (l !== undefined && l !== null && l !== '') {
    const n = num(l);
    if (n !== undefined && n >= 0 && n < 300 && Number.isInteger(n)) tags['building:levels'] = String(n);
    else report(`levels ${JSON.stringify(l)} is not a number of floors`);
  }
  const y = get('year');
  if (y !== undefined && y !== null && y !== '') {
    const n = yearOf(y);
    if (n !== undefined) tags.start_date = String(n);
    else report(`year ${JSON.stringify(y)} is not a year`);
  }
  const name = tagValue(get('name'));
  if (name !== undefined) tags.name = name;

  // keep the source fields (provenance, display) without letting them pose as OSM tags
  const generated = new Set(Object.keys(tags));
  for (const [k, v] of Object.entries(p)) {
    const s = tagValue(v);
    if (s === undefined) continue;
    const key = generated.has(k) || OSM_PRIMARY_KEYS.has(k) || k.startsWith('src:') || (kind !== undefined && OSM_SIGNIFICANT.has(k)) ? `src:${k}` : k;
    if (!(key in tags)) tags[key] = s;
  }
  return tags;
}

/** Keys the taxonomy reads besides the primary ones: source fields with these names are prefixed. */
const OSM_SIGNIFICANT = new Set([
  'name', 'name:zh', 'height', 'building:levels', 'start_date', 'building:start_date', 'access', 'foot', 'service', 'area',
  'school', 'isced:level', 'station', 'subway', 'bus', 'government', 'social_facility:for', 'layer', 'min_height',
]);

function mappedId(f: GeoFeature, mapping: FeatureMapping | undefined): string {
  const field = mapping?.fields?.id;
  if (field) {
    const v = tagValue(f.properties[field]);
    if (v !== undefined) return v;
  }
  return normaliseId(f.id) ?? String(f.index);
}

/**
 * Resolve the mapping's field names against a feature's properties (exact, else ignoring case):
 * a name that matches nothing is an IngestError listing the fields there are.
 */
export function resolveMapping(mapping: FeatureMapping, properties: Record<string, unknown>, file: string): FeatureMapping {
  if (!mapping.fields) return mapping;
  const keys = Object.keys(properties);
  const fields: Record<string, string> = {};
  for (const [role, name] of Object.entries(mapping.fields)) {
    if (name === undefined) continue;
    const hit = name in properties ? name : keys.find((k) => k.toLowerCase() === name.toLowerCase()) ?? keys.find((k) => k.trim() === name.trim());
    if (hit === undefined) {
      throw new IngestError(file, 'mapping', `no field "${name}" (for ${role}); the fields are: ${keys.join(', ') || '(none)'}`);
    }
    fields[role] = hit;
  }
  return { ...mapping, fields };
}

export interface MapOptions {
  onProblem?: (p: IngestProblem) => void;
}

/**
 * Turn features into `{ id, tags, geometry }` for classifyFeature.
 * - no mapping (or an empty one): a Tilezen export is translated (nextzen.ts); otherwise features
 *   with OSM-looking properties pass through, others are skipped and reported, and a file where
 *   no feature looks like OSM is an IngestError asking for a mapping;
 * - a mapping without kind: OSM pass-through plus the named fields copied onto OSM keys;
 * - a mapping with kind: tags built from the kind and fields (see `mappedTags`).
 * Ids: the mapping's id field, else the feature's own id (`way/1` → `w1`), else its index.
 */
export async function* mapFeatures(
  features: AsyncIterable<GeoFeature>,
  mapping: FeatureMapping | undefined,
  file: string,
  options: MapOptions = {},
): AsyncGenerator<MappedFeature> {
  const it = features[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done) return;
  const rest: AsyncIterable<GeoFeature> = {
    [Symbol.asyncIterator]: () => {
      let sentFirst = false;
      return {
        next: async () => {
          if (!sentFirst) {
            sentFirst = true;
            return first;
          }
          return it.next();
        },
        return: async () => (it.return ? it.return() : { done: true, value: undefined }),
      };
    },
  };
  const empty = !mapping || (!mapping.kind && !mapping.fields);
  if (mapping && !empty) mapping = resolveMapping(mapping, first.value.properties, file);
  if (empty && isTilezenProperties(first.value.properties)) {
    yield* translateTilezen(rest, options.onProblem);
    return;
  }

  let yielded = 0;
  let skipped = 0;
  let firstProblem: string | undefined;
  const problem = (id: string, text: string) => {
    firstProblem ??= `${id}: ${text}`;
    options.onProblem?.({ id, problem: text });
  };
  for await (const f of rest) {
    if (empty || !mapping!.kind) {
      if (!looksLikeOsmTags(f.properties) && empty) {
        skipped++;
        problem(String(f.index), 'no OSM-like tags (building, amenity, highway, ...), skipped');
        continue;
      }
      const m = osmPassThrough(f);
      if (!empty) {
        // mapping without kind: rename the named fields onto OSM keys, keep the rest
        const extra = mappedTags(f, { fields: mapping!.fields }, (t) => problem(m.id, t));
        for (const role of ['height', 'building:levels', 'start_date', 'name'] as const) if (extra[role] !== undefined) m.tags[role] = extra[role];
        if (mapping!.fields?.id) m.id = mappedId(f, mapping);
      }
      yielded++;
      yield m;
      continue;
    }
    const kind = mapping!.kind;
    const id = mappedId(f, mapping);
    if (!expectedFamily(kind)(f.geometry)) {
      skipped++;
      problem(id, `a ${f.geometry.type} cannot be a ${kind}, skipped`);
      continue;
    }
    const tags = mappedTags(f, mapping!, (t) => problem(id, t));
    yielded++;
    yield { id, tags, geometry: f.geometry };
  }
  if (yielded === 0 && skipped > 0) {
    throw new IngestError(
      file,
      undefined,
      empty
        ? 'no feature has OSM-like tags (building, amenity, highway, landuse, ...); give a mapping, e.g. --map kind=building,height=HEIGHT,name=NAME'
        : `no feature could be mapped (${firstProblem})`,
    );
  }
}

/** mapFeatures followed by classifyFeature: the city-model records of a feature file. */
export async function* classifyFeatures(
  features: AsyncIterable<GeoFeature>,
  mapping: FeatureMapping | undefined,
  file: string,
  options: MapOptions = {},
): AsyncGenerator<CityRecord> {
  for await (const m of mapFeatures(features, mapping, file, options)) {
    yield* classifyFeature(m.id, m.tags, m.geometry);
  }
}
