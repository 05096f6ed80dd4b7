/**
 * OSM-like tags for one feature under a user mapping (`mappedTags`), its id and the geometry
 * its kind expects; the source fields are kept as tags too, as `src:<field>` where the name
 * would be read as an OSM key.
 */
import type { Geometry } from '../model/geometry.js';
import { type GeoFeature, tagValue } from './features.js';
import type { FeatureMapping, MappingField, MappingKind } from './mapping-spec.js';
import { OSM_PRIMARY_KEYS, indexId, normaliseId } from './osm-passthrough.js';
import type { ZhEn } from './bilingual.js';
import { LANDUSE_CODE, ROAD_CLASS, adminLevelOf, buildingUse, categoryTags, num, yearOf } from './mapping-values.js';

export function expectedFamily(kind: MappingKind): (g: Geometry) => boolean {
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
 * are reported, in Chinese and English, and the value left out; the feature is still mapped.
 */
export function mappedTags(f: GeoFeature, mapping: FeatureMapping, report: (problem: ZhEn) => void): Record<string, string> {
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
            report({ zh: `未知的设施类别 "${part.trim()}"`, en: `unknown facility category "${part.trim()}"` });
          }
        }
      }
      // nothing matched: only the name is left for the taxonomy's name rules (小学, 养老, ...)
      if (!matched && category === undefined && use === undefined) report({ zh: '没有类别值', en: 'no category value' });
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
      else {
        report(v === undefined ? { zh: '没有行政级别（请用 category=FIELD 指定含 市/区/街道/社区 或数字的字段）', en: 'no admin level (give category=FIELD with 市/区/街道/社区 or a number)' }
          : { zh: `未知的行政级别 "${v}"`, en: `unknown admin level "${v}"` });
      }
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
    else report({ zh: `高度 ${JSON.stringify(h)} 不是以米为单位的高度`, en: `height ${JSON.stringify(h)} is not a height in metres` });
  }
  const l = get('levels');
  if (l !== undefined && l !== null && l !== '') {
    const n = num(l);
    if (n !== undefined && n >= 0 && n < 300 && Number.isInteger(n)) tags['building:levels'] = String(n);
    else report({ zh: `层数 ${JSON.stringify(l)} 不是有效的楼层数`, en: `levels ${JSON.stringify(l)} is not a number of floors` });
  }
  const y = get('year');
  if (y !== undefined && y !== null && y !== '') {
    const n = yearOf(y);
    if (n !== undefined) tags.start_date = String(n);
    else report({ zh: `年份 ${JSON.stringify(y)} 不是有效的年份`, en: `year ${JSON.stringify(y)} is not a year` });
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

export function mappedId(f: GeoFeature, mapping: FeatureMapping | undefined, source?: string): string {
  const field = mapping?.fields?.id;
  if (field) {
    const v = tagValue(f.properties[field]);
    if (v !== undefined) return v;
  }
  return normaliseId(f.id) ?? indexId(f, source);
}
