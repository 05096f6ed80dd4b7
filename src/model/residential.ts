/**
 * The residential rule, once for every consumer (classify, importer, access, indicators):
 * a building is residential by its own `building` value, or — a `building=yes` (or no use) —
 * when its centroid lies in residential landuse (how most Chinese compounds are mapped).
 */
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
/** grid cell of the zones' look-up, degrees (~500 m); a zone over more than BIG_CELLS cells is tested on its own */
const CELL = 0.005;
const BIG_CELLS = 4096;
const cellKey = (cx: number, cy: number) => (cx + 40_000) * 100_000 + (cy + 20_000);

export class ResidentialZones {
  private zones: Areal[] = [];
  /** per zone: its box (minX, minY, maxX, maxY) */
  private boxes: number[] = [];
  /** grid cell → the zones whose box touches it */
  private cells = new Map<number, number[]>();
  /** zones too large for the grid */
  private big: number[] = [];

  /** a building the rule may still turn residential */
  static isCandidate(r: CityRecord): r is Building {
    return r.kind === 'building' && !r.residential && mayBeResidentialByLanduse(r.use);
  }

  see(r: CityRecord): void {
    if (r.kind === 'land_use' && isResidentialLanduse(r.tags)) this.add(r.geometry);
  }

  /** a residential landuse area known by its geometry alone (read from the store) */
  add(g: Areal): void {
    const i = this.zones.length;
    const [x0, y0, x1, y1] = bboxOf(g);
    this.zones.push(g);
    this.boxes.push(x0, y0, x1, y1);
    if (!(x0 <= x1 && y0 <= y1)) return; // no coordinates
    const cx0 = Math.floor(x0 / CELL), cx1 = Math.floor(x1 / CELL), cy0 = Math.floor(y0 / CELL), cy1 = Math.floor(y1 / CELL);
    if ((cx1 - cx0 + 1) * (cy1 - cy0 + 1) > BIG_CELLS) { this.big.push(i); return; }
    for (let cx = cx0; cx <= cx1; cx++) {
      for (let cy = cy0; cy <= cy1; cy++) {
        const k = cellKey(cx, cy);
        const list = this.cells.get(k);
        if (list) list.push(i); else this.cells.set(k, [i]);
      }
    }
  }

  /**
   * Does a zone seen so far hold the point? Zones are only ever added, so a `true` while the
   * stream is read is final (the importer decides such buildings at once); the grid grows with
   * the zones, so asking between additions costs no rebuild.
   */
  contains(x: number, y: number): boolean {
    const list = this.cells.get(cellKey(Math.floor(x / CELL), Math.floor(y / CELL)));
    if (list) for (const i of list) if (this.holds(i, x, y)) return true;
    for (const i of this.big) if (this.holds(i, x, y)) return true;
    return false;
  }

  private holds(i: number, x: number, y: number): boolean {
    const b = this.boxes;
    return x >= b[4 * i] && y >= b[4 * i + 1] && x <= b[4 * i + 2] && y <= b[4 * i + 3] && pointInAreal(x, y, this.zones[i]);
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
