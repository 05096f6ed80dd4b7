import Flatbush from 'flatbush';
import { bboxOf, centroid, pointInAreal } from '../model/geo.js';
import type { Areal } from '../model/geometry.js';
import { isResidentialLanduse, mayBeResidentialByLanduse } from '../model/taxonomy.js';
import type { Building, CityRecord } from '../model/types.js';

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
