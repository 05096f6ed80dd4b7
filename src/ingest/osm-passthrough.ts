/**
 * Properties that already are OSM tags (`building`, `amenity`, `highway`, ...): recognised
 * and passed through with a normalised id.
 */
import { type GeoFeature, tagValue } from './features.js';
import type { MappedFeature } from './nextzen.js';

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

/**
 * The id of a feature without one of its own: its position in the file, qualified by the source
 * (`pois.0`), since a row number means nothing outside its file and two sources' rows must never
 * be taken for one object (a second file's row 0 would otherwise replace the first file's).
 */
export function indexId(f: GeoFeature, source: string | undefined): string {
  return source === undefined ? String(f.index) : `${source}.${f.index}`;
}

export function osmPassThrough(f: GeoFeature, source?: string): MappedFeature {
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
    indexId(f, source);
  return { id, tags, geometry: f.geometry };
}
