import type { Tags } from '../../model/taxonomy.js';
import { ERAS, USES, type Era, type EuiTable, type Use } from './params.js';

/**
 * Use class of a building (residential, office, retail, education, health, hotel, industrial,
 * other), decided in this order, the first that speaks wins (the `from` of each building):
 *   1. `tags`: its own tags (building=*, building:use, amenity, healthcare, tourism, office, shop);
 *   2. `facility`: a school / kindergarten / clinic / hospital point inside its footprint; a shop
 *      point (supermarket, market) only when the building is not residential (ground-floor shops in
 *      housing blocks are common and the block stays residential);
 *   3. `residential`: the city model's residential rule (residential use, or building=yes inside
 *      residential land use);
 *   4. `landuse`: the land use or facility grounds around its centroid (commercial → office,
 *      retail → retail, industrial → industrial, school/hospital grounds → education/health);
 *   5. `default`: other.
 */
export const USE_CODE: Record<Use, number> = Object.fromEntries(USES.map((u, k) => [u, k])) as Record<Use, number>;
export const USE_FROM = ['tags', 'facility', 'residential', 'landuse', 'default'] as const;
export type UseFrom = (typeof USE_FROM)[number];

const BUILDING_USE: Record<string, Use> = {};
const put = (use: Use, values: string) => { for (const v of values.split(' ')) BUILDING_USE[v] = use; };
put('residential', 'apartments residential house detached semidetached_house terrace dormitory bungalow villa farm');
put('office', 'office commercial government civic public');
put('retail', 'retail supermarket mall department_store kiosk shop');
put('education', 'school university college kindergarten');
put('health', 'hospital clinic');
put('hotel', 'hotel');
put('industrial', 'industrial warehouse factory manufacture');

const AMENITY_USE: Record<string, Use> = {
  school: 'education', university: 'education', college: 'education', kindergarten: 'education', childcare: 'education',
  hospital: 'health', clinic: 'health', doctors: 'health',
};

/** Step 1: the building's own tags; null when they say nothing about use. */
export function useFromTags(use: string, tags: Tags | undefined): Use | null {
  const own = BUILDING_USE[use] ?? (tags?.['building:use'] !== undefined ? BUILDING_USE[tags['building:use']] : undefined);
  if (own) return own;
  if (!tags) return null;
  if (tags.amenity && AMENITY_USE[tags.amenity]) return AMENITY_USE[tags.amenity];
  if (tags.healthcare) return 'health';
  if (tags.tourism === 'hotel' || tags.tourism === 'hostel' || tags.tourism === 'guest_house' || tags.tourism === 'motel') return 'hotel';
  if (tags.office) return 'office';
  if (tags.shop) return 'retail';
  return null;
}

/** Step 2: facility categories (taxonomy) that name a building's use when inside its footprint. */
export const FACILITY_USE: Record<string, Use> = {
  kindergarten: 'education', childcare: 'education', primary_school: 'education', middle_school: 'education',
  clinic: 'health', hospital: 'health',
  supermarket: 'retail', fresh_market: 'retail',
};

/** Step 4: land use values that name the use of the buildings on them. */
export const LANDUSE_USE: Record<string, Use> = {
  commercial: 'office', retail: 'retail', industrial: 'industrial', education: 'education', institutional: 'office',
};
/** Step 4: facility grounds (polygons) that name the use of the buildings on them. */
export const GROUNDS_USE: Record<string, Use> = {
  primary_school: 'education', middle_school: 'education', kindergarten: 'education', hospital: 'health',
};

/** Era of a construction year (0 = unknown) by the table's year ranges. */
export function eraOf(year: number, eras: EuiTable['eras']): Era {
  if (!(year > 0)) return 'unknown';
  for (const e of eras) {
    if (e.id === 'unknown') continue;
    if ((e.from === null || year >= e.from) && (e.to === null || year <= e.to)) return e.id;
  }
  return 'unknown';
}
export const ERA_CODE: Record<Era, number> = Object.fromEntries(ERAS.map((e, k) => [e, k])) as Record<Era, number>;
