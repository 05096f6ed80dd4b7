import Flatbush from 'flatbush';
import type { Areal, Position } from '../../model/geometry.js';
import type { Tags } from '../../model/taxonomy.js';
import type { CityRecord } from '../../model/types.js';
import type { CheckParameters } from '../../analysis/indicators/catalogue.js';
import { checkDataFromRecords, polygonArea, type CheckData, type PolygonArea } from '../../analysis/indicators/data.js';
import { checkDataFromStore } from '../../analysis/indicators/store.js';
import { PolygonIndex } from '../../analysis/indicators/units.js';
import type { Queryable } from '../../store/driver.js';
import { FACILITY_USE, GROUNDS_USE, LANDUSE_USE, USE_CODE, USE_FROM, useFromTags, type UseFrom } from './classify.js';
import type { EnergyBuildings } from './inventory.js';

/**
 * The city as the energy inventory reads it: the health check's reader (`checkDataFromRecords`
 * over a file's record stream, `checkDataFromStore` over the store) gives the buildings, the
 * administrative units, the facilities and the residents; this module adds, in the same pass
 * over the records (or one keyset read of the store), what only the inventory needs: each
 * building's use tags, outer footprint ring (for facilities inside it) and address, and the
 * land use that names a use (commercial, retail, industrial, ...).
 */
export interface EnergyCity {
  data: CheckData;
  buildings: EnergyBuildings;
  useFrom: Uint8Array;
  /** normalised address → building indices */
  addresses: Map<string, number[]>;
}

const NO_USE = 255;

/** Address key: addr:full, else street + house number; spaces removed, lower case. */
export function addressKey(s: string): string { return s.replace(/\s+/g, '').toLowerCase(); }
function addressOf(tags: Tags | undefined): string | null {
  if (!tags) return null;
  const a = tags['addr:full'] ?? (tags['addr:street'] && tags['addr:housenumber'] ? `${tags['addr:street']}${tags['addr:housenumber']}` : undefined);
  return a ? addressKey(a) : null;
}

class GrowF64 {
  arr = new Float64Array(1 << 12);
  n = 0;
  push(v: number): void {
    if (this.n === this.arr.length) { const a = new Float64Array(this.arr.length * 2); a.set(this.arr); this.arr = a; }
    this.arr[this.n++] = v;
  }
}

/** What the inventory adds to the check's reader, building by building in reader order. */
export class EnergyExtras {
  private ids: string[] = [];
  private tagUse: number[] = [];
  private ringXY = new GrowF64();
  private ringStart: number[] = [0];
  private addresses = new Map<string, number[]>();
  private landuse: (PolygonArea & { use: number })[] = [];

  add(r: CityRecord): void {
    if (r.kind === 'building') {
      const outer = r.geometry.type === 'Polygon' ? r.geometry.coordinates[0] : r.geometry.coordinates[0]?.[0] ?? [];
      this.addBuilding(r.id, r.use, r.tags, outer);
    } else if (r.kind === 'land_use' && LANDUSE_USE[r.landuse]) {
      this.addLanduse(r.id, r.landuse, r.geometry, r.area_m2);
    }
  }

  addBuilding(id: string, use: string, tags: Tags | undefined, outer: Position[]): void {
    const k = this.ids.length;
    this.ids.push(id);
    const u = useFromTags(use, tags);
    this.tagUse.push(u ? USE_CODE[u] : NO_USE);
    for (const [x, y] of outer) { this.ringXY.push(x); this.ringXY.push(y); }
    this.ringStart.push(this.ringXY.n);
    const a = addressOf(tags);
    if (a) { const l = this.addresses.get(a); if (l) l.push(k); else this.addresses.set(a, [k]); }
  }

  addLanduse(id: string, landuse: string, g: Areal, area_m2?: number): void {
    this.landuse.push({ ...polygonArea(id, undefined, g, area_m2), use: USE_CODE[LANDUSE_USE[landuse]] });
  }

  /** Decide every building's use (classify.ts order) and assemble the columns. */
  finish(data: CheckData): EnergyCity {
    const b = data.buildings;
    const n = b.count;
    if (n !== this.ids.length) throw new Error(`energy reader: ${this.ids.length} buildings beside the check reader's ${n}`);
    for (let i = 0; i < n; i++) if (b.ids[i] !== this.ids[i]) throw new Error(`energy reader: building ${i} is ${this.ids[i]} here, ${b.ids[i]} in the check reader`);
    const xy = this.ringXY.arr, start = this.ringStart;
    // 2. facility points inside a footprint
    const facUse = new Uint8Array(n).fill(NO_USE);
    const points: [number, number, number][] = [];
    const grounds: (PolygonArea & { use: number })[] = [];
    for (const [cat, places] of data.places.facilities) {
      const fu = FACILITY_USE[cat];
      const gu = GROUNDS_USE[cat];
      for (const p of places) {
        if (p.geometry.type === 'Point' && fu) points.push([p.geometry.coordinates[0], p.geometry.coordinates[1], USE_CODE[fu]]);
        else if (p.geometry.type !== 'Point' && gu) grounds.push({ ...polygonArea(p.id, undefined, p.geometry as Areal), use: USE_CODE[gu] });
      }
    }
    if (points.length && n) {
      const idx = new Flatbush(n);
      for (let i = 0; i < n; i++) {
        let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
        for (let q = start[i]; q < start[i + 1]; q += 2) {
          const x = xy[q], y = xy[q + 1];
          if (x < x0) x0 = x; if (x > x1) x1 = x; if (y < y0) y0 = y; if (y > y1) y1 = y;
        }
        if (x0 > x1) { x0 = x1 = b.lon[i]; y0 = y1 = b.lat[i]; }
        idx.add(x0, y0, x1, y1);
      }
      idx.finish();
      const retail = USE_CODE.retail;
      for (const [x, y, u] of points) {
        for (const i of idx.search(x, y, x, y)) {
          if (!inRing(xy, start[i], start[i + 1], x, y)) continue;
          if (u === retail && b.residential[i]) continue;
          if (facUse[i] === NO_USE || facUse[i] === retail) facUse[i] = u;
        }
      }
    }
    // 4. land use and facility grounds around the centroid (smallest containing polygon)
    const areas = [...this.landuse, ...grounds];
    const areaIdx = areas.length ? new PolygonIndex(areas) : null;
    const use = new Uint8Array(n), useFrom = new Uint8Array(n);
    const from = (f: UseFrom) => USE_FROM.indexOf(f);
    for (let i = 0; i < n; i++) {
      if (this.tagUse[i] !== NO_USE) { use[i] = this.tagUse[i]; useFrom[i] = from('tags'); continue; }
      if (facUse[i] !== NO_USE) { use[i] = facUse[i]; useFrom[i] = from('facility'); continue; }
      if (b.residential[i]) { use[i] = USE_CODE.residential; useFrom[i] = from('residential'); continue; }
      const k = areaIdx ? areaIdx.locate(b.lon[i], b.lat[i]) : -1;
      if (k >= 0) { use[i] = areas[k].use; useFrom[i] = from('landuse'); continue; }
      use[i] = USE_CODE.other; useFrom[i] = from('default');
    }
    this.ringXY = new GrowF64();
    return {
      data,
      buildings: { count: n, ids: b.ids, lon: b.lon, lat: b.lat, area_m2: b.area_m2, height: b.height, levels: b.levels, year: b.year, use },
      useFrom, addresses: this.addresses,
    };
  }
}

/** even-odd point in one ring stored flat in xy[from, to) */
function inRing(xy: Float64Array, from: number, to: number, x: number, y: number): boolean {
  let inside = false;
  for (let i = from, j = to - 2; i < to; j = i, i += 2) {
    const xi = xy[i], yi = xy[i + 1], xj = xy[j], yj = xy[j + 1];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** From a reader's record stream (a file) or hand-made records: one pass feeds both readers. */
export async function energyCityFromRecords(records: AsyncIterable<CityRecord[]> | Iterable<CityRecord>, params: CheckParameters, opts: { perCapitaM2?: number } = {}): Promise<EnergyCity> {
  const ex = new EnergyExtras();
  let data: CheckData;
  if (Symbol.asyncIterator in records) {
    const tee = async function* (): AsyncIterable<CityRecord[]> {
      for await (const batch of records as AsyncIterable<CityRecord[]>) { for (const r of batch) ex.add(r); yield batch; }
    };
    data = await checkDataFromRecords(tee(), params, opts);
  } else {
    const list = [...(records as Iterable<CityRecord>)];
    for (const r of list) ex.add(r);
    data = await checkDataFromRecords(list, params, opts);
  }
  return ex.finish(data);
}

const PAGE = 50_000;
const TAG_KEYS = ['building:use', 'amenity', 'healthcare', 'tourism', 'office', 'shop', 'addr:full', 'addr:street', 'addr:housenumber'];

/** From the store: the check's reader, plus one keyset read of the buildings in the same (id) order. */
export async function energyCityFromStore(db: Queryable, city: string, params: CheckParameters, opts: { perCapitaM2?: number; onRows?: (what: string, n: number) => void } = {}): Promise<EnergyCity> {
  const data = await checkDataFromStore(db, city, params, opts);
  const ex = new EnergyExtras();
  const pick = `jsonb_strip_nulls(jsonb_build_object(${TAG_KEYS.map((k) => `'${k}', tags->'${k}'`).join(', ')}))`;
  let last = '';
  let n = 0;
  for (;;) {
    const rows = await db.query<{ id: string; use: string; t: Tags; ring: string }>(
      `SELECT id, use, ${pick} AS t, ST_AsGeoJSON(ST_ExteriorRing(ST_GeometryN(geom, 1))) AS ring
       FROM buildings_current WHERE city_id = $1 AND id > $2 ORDER BY id LIMIT ${PAGE}`, [city, last]);
    for (const r of rows) ex.addBuilding(r.id, r.use, typeof r.t === 'string' ? JSON.parse(r.t) : r.t, r.ring ? (JSON.parse(r.ring) as { coordinates: Position[] }).coordinates : []);
    n += rows.length;
    opts.onRows?.('buildings (use, footprint)', n);
    if (rows.length < PAGE) break;
    last = rows[rows.length - 1].id;
  }
  for (const r of await db.query<{ id: string; landuse: string; area_m2: number; g: string }>(
    'SELECT id, landuse, area_m2, ST_AsGeoJSON(geom) AS g FROM land_use_current WHERE city_id = $1 AND landuse = ANY($2) ORDER BY id', [city, Object.keys(LANDUSE_USE)])) {
    ex.addLanduse(r.id, r.landuse, JSON.parse(r.g) as Areal, Number(r.area_m2));
  }
  return ex.finish(data);
}
