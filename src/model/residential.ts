/**
 * The residential rule, once for every consumer (classify, importer, access, indicators):
 * a building is residential by its own `building` value, or — a `building=yes` (or no use) —
 * when its centroid lies in residential landuse (how most Chinese compounds are mapped).
 */
import Flatbush from 'flatbush';
import { bboxOf, centroid, pointInAreal } from './geo.js';
import type { Areal } from './geometry.js';
import type { Tags } from './taxonomy.js';
import type { Building, CityRecord } from './types.js';

const RESIDENTIAL_BUILDING = new Set([
  'residential', 'apartments', 'house', 'detached', 'semidetached_house', 'terrace', 'dormitory', 'bungalow', 'farm', 'hut',
]);

/** Residential by its own tag (classify); a `building=yes` inside residential landuse is resolved by ResidentialZones. */
export function isResidentialUse(use: string): boolean {
  return RESIDENTIAL_BUILDING.has(use);
}
/** building=yes (or missing use) can become residential from the landuse around it. */
export function mayBeResidentialByLanduse(use: string): boolean {
  return use === 'yes' || use === '';
}
/** The whole rule for one building whose surroundings are known (the generator knows them by construction). */
export function isResidentialBuilding(use: string, inResidentialLanduse: boolean): boolean {
  return isResidentialUse(use) || (inResidentialLanduse && mayBeResidentialByLanduse(use));
}
/** Landuse that makes the buildings in it residential: `landuse=residential` or any `residential=*`. */
export function isResidentialLanduse(t: Tags): boolean {
  return t.landuse === 'residential' || t.residential !== undefined;
}
/** isResidentialLanduse over stored `land_use` rows (classify keeps `landuse` = the tag, else 'residential'). */
export const RESIDENTIAL_LANDUSE_SQL = "(landuse = 'residential' OR tags ? 'residential')";

/**
 * The taxonomy's second residential rule: a `building=yes` whose centroid lies in residential
 * landuse is residential (how most Chinese compounds are mapped). Landuse areas often come after
 * the buildings in a file (relations last), so the decision waits for the end of the stream.
 */
export class ResidentialZones {
  private zones: Areal[] = [];
  private index: Flatbush | undefined;

  /** a building the rule may still turn residential */
  static isCandidate(r: CityRecord): r is Building {
    return r.kind === 'building' && !r.residential && mayBeResidentialByLanduse(r.use);
  }

  see(r: CityRecord): void {
    if (r.kind === 'land_use' && isResidentialLanduse(r.tags)) this.add(r.geometry);
  }

  /** a residential landuse area known by its geometry alone (read from the store) */
  add(g: Areal): void {
    this.zones.push(g);
    this.index = undefined;
  }

  contains(x: number, y: number): boolean {
    if (!this.zones.length) return false;
    if (!this.index) {
      this.index = new Flatbush(this.zones.length);
      for (const z of this.zones) { const [a, b, c, d] = bboxOf(z); this.index.add(a, b, c, d); }
      this.index.finish();
    }
    return this.index.search(x, y, x, y).some((i) => pointInAreal(x, y, this.zones[i]));
  }
}

/** For in-memory consumers: candidate buildings wait until the end of the stream, then get the rule. */
export async function* resolveResidential(records: AsyncIterable<CityRecord[]>): AsyncGenerator<CityRecord[]> {
  const waiting: Building[] = [];
  const zones = new ResidentialZones();
  for await (const batch of records) {
    const out: CityRecord[] = [];
    for (const r of batch) {
      if (ResidentialZones.isCandidate(r)) { waiting.push(r); continue; }
      zones.see(r);
      out.push(r);
    }
    if (out.length) yield out;
  }
  for (const b of waiting) {
    const [x, y] = centroid(b.geometry);
    if (zones.contains(x, y)) b.residential = true;
  }
  for (let i = 0; i < waiting.length; i += 10000) yield waiting.slice(i, i + 10000);
}
