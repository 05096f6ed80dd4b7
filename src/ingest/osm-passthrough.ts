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

export function osmPassThrough(f: GeoFeature): MappedFeature {
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
