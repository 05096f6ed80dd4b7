import Flatbush from 'flatbush';
import { bboxOf, centroid, pointInAreal } from '../model/geo.js';
import type { Areal } from '../model/geometry.js';
import { isResidentialLanduse, mayBeResidentialByLanduse } from '../model/taxonomy.js';
import type { Building, CityRecord } from '../model/types.js';

/**
 * The taxonomy's second residential rule: a `building=yes` whose centroid lies in residential
 * landuse is residential (how most Chinese compounds are mapped). Such buildings wait until the
 * stream ends, when all landuse is known; every other record passes straight through.
 */
export async function* resolveResidential(records: AsyncIterable<CityRecord[]>): AsyncGenerator<CityRecord[]> {
  const waiting: Building[] = [];
  const zones: Areal[] = [];
  for await (const batch of records) {
    const out: CityRecord[] = [];
    for (const r of batch) {
      if (r.kind === 'building' && !r.residential && mayBeResidentialByLanduse(r.use)) { waiting.push(r); continue; }
      if (r.kind === 'land_use' && isResidentialLanduse(r.tags)) zones.push(r.geometry);
      out.push(r);
    }
    if (out.length) yield out;
  }
  if (zones.length && waiting.length) {
    const index = new Flatbush(zones.length);
    for (const z of zones) { const [a, b, c, d] = bboxOf(z); index.add(a, b, c, d); }
    index.finish();
    for (const b of waiting) {
      const [x, y] = centroid(b.geometry);
      if (index.search(x, y, x, y).some((i) => pointInAreal(x, y, zones[i]))) b.residential = true;
    }
  }
  for (let i = 0; i < waiting.length; i += 10000) yield waiting.slice(i, i + 10000);
}
