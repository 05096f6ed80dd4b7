import type { Areal, Position } from '../../model/geometry.js';
import { arealAreaM2, bboxOf, centroid, distanceM, lineLengthM } from '../../model/geo.js';
import { isResidentialLanduse } from '../../model/residential.js';
import type { Tags } from '../../model/taxonomy.js';
import type { AdminLevelName, CityRecord } from '../../model/types.js';
import type { AccessPlaces } from '../network/access.js';
import type { SafetyCheckInput } from '../../domains/safety/register.js';
import type { OpsCheckInput } from '../../domains/operations/check.js';
import type { GraphOptions } from '../network/graph.js';
import { PlacesCollector } from '../network/access.js';
import type { CheckParameters } from './catalogue.js';
import { estimateInfo, type PopulationInfo } from './population.js';
import { PolygonIndex } from './units.js';

/**
 * What the health check reads, columnar: every building (centroid, footprint, height, levels,
 * year), residential compounds (landuse=residential), administrative areas, green spaces, road
 * centrelines and greenways, plus the accessibility engine's places (walk graph, residential
 * origins with their population estimate, facilities by category). Filled in one pass over a
 * reader's record stream (`CheckCollector`) or from the store (`./store.ts`).
 */
export interface CheckBuildings {
  count: number;
  ids: string[];
  lon: Float64Array;
  lat: Float64Array;
  /** footprint m² */
  area_m2: Float64Array;
  /** metres; NaN unknown */
  height: Float32Array;
  /** NaN unknown */
  levels: Float32Array;
  /** construction year; 0 unknown */
  year: Int16Array;
  residential: Uint8Array;
}

export interface PolygonArea {
  id: string;
  name?: string;
  geometry: Areal;
  area_m2: number;
  bbox: [number, number, number, number];
}

export interface AdminPolygon extends PolygonArea { admin_level: number; level: AdminLevelName }

export interface GreenPatch { id: string; kind: string; is_public: boolean; area_m2: number; lon: number; lat: number }

/** Road centrelines of the classes counted for road density (length, midpoint, geometry, name, oneway). */
export interface Roads { count: number; highway: string[]; length_m: Float64Array; midLon: Float64Array; midLat: Float64Array; coords: Position[][]; name: (string | undefined)[]; oneway: Uint8Array }

export interface Greenway { id: string; name?: string; coordinates: Position[]; length_m: number; rule: 'name' | 'tag' | 'route' }

export interface CheckData {
  buildings: CheckBuildings;
  compounds: PolygonArea[];
  /** whether the source had any landuse at all */
  landuseKnown: boolean;
  /** compounds of other uses whose roads are internal, not city roads (industrial, education, military land; school and hospital grounds) */
  internal: PolygonArea[];
  admin: AdminPolygon[];
  greens: GreenPatch[];
  roads: Roads;
  greenways: Greenway[];
  /** the accessibility engine's input (graph, residential origins, facilities by category) */
  places: AccessPlaces;
  /** the house-safety register, when the store holds one (housing indicators 1–10) */
  safety?: SafetyCheckInput;
  /** cases and unit grids of the operations platform, when the store holds any (waterlogging points, disorderly parking roads, platform coverage) */
  operations?: OpsCheckInput;
  /** where the residents of `places.origins` come from: the floor-area estimate, or imported population data */
  population: PopulationInfo;
}

/** A construction year the check uses (the map's start_date, the register's year_built), else 0 (unknown). */
export const plausibleYear = (y: number): number => (y >= 1000 && y <= 2100 ? Math.trunc(y) : 0);

/** Land uses whose roads are internal (issue 10 §3: compounds, campuses, schools, hospitals, industrial estates). */
export const INTERNAL_LANDUSE = new Set(['industrial', 'education', 'military', 'religious']);
const INTERNAL_CATEGORIES = ['primary_school', 'middle_school', 'kindergarten', 'hospital'];

class GrowF64 {
  arr = new Float64Array(1024);
  n = 0;
  push(v: number): void {
    if (this.n === this.arr.length) { const a = new Float64Array(this.arr.length * 2); a.set(this.arr); this.arr = a; }
    this.arr[this.n++] = v;
  }
  done(): Float64Array { return this.arr.slice(0, this.n); }
}

/** Point halfway along a line (by length). */
export function lineMidpoint(c: Position[]): Position {
  if (c.length === 1) return c[0];
  let total = 0;
  const seg: number[] = [];
  for (let i = 1; i < c.length; i++) { const d = distanceM(c[i - 1][0], c[i - 1][1], c[i][0], c[i][1]); seg.push(d); total += d; }
  let half = total / 2;
  for (let i = 1; i < c.length; i++) {
    if (half <= seg[i - 1] || i === c.length - 1) {
      const t = seg[i - 1] > 0 ? Math.min(1, half / seg[i - 1]) : 0;
      return [c[i - 1][0] + (c[i][0] - c[i - 1][0]) * t, c[i - 1][1] + (c[i][1] - c[i - 1][1]) * t];
    }
    half -= seg[i - 1];
  }
  return c[c.length - 1];
}

export function polygonArea(id: string, name: string | undefined, geometry: Areal, area_m2?: number): PolygonArea {
  return { id, ...(name !== undefined ? { name } : {}), geometry, area_m2: area_m2 ?? arealAreaM2(geometry), bbox: bboxOf(geometry) as [number, number, number, number] };
}

/** Builds CheckData from a stream of city-model records, feeding the accessibility engine's collector as it goes. */
export class CheckCollector {
  readonly places: PlacesCollector;
  private bIds: string[] = [];
  private bLon = new GrowF64(); private bLat = new GrowF64(); private bArea = new GrowF64();
  private bHeight = new GrowF64(); private bLevels = new GrowF64(); private bYear = new GrowF64(); private bRes = new GrowF64();
  private compounds: PolygonArea[] = [];
  private internal: PolygonArea[] = [];
  private admin: AdminPolygon[] = [];
  private greens: GreenPatch[] = [];
  private rHighway: string[] = [];
  private rLen = new GrowF64(); private rLon = new GrowF64(); private rLat = new GrowF64();
  private rCoords: Position[][] = []; private rName: (string | undefined)[] = []; private rOneway: number[] = [];
  private greenways: Greenway[] = [];
  private landuseKnown = false;
  private readonly roadSet: Set<string>;
  private readonly greenwayName: RegExp;

  constructor(private params: CheckParameters, perCapitaM2?: number) {
    this.places = new PlacesCollector(perCapitaM2);
    this.roadSet = new Set(params.road_highways);
    this.greenwayName = new RegExp(params.greenway_name_pattern, 'i');
  }

  add(r: CityRecord): void {
    this.places.add(r);
    switch (r.kind) {
      case 'building': {
        const [lon, lat] = centroid(r.geometry);
        this.addBuilding(r.id, lon, lat, r.area_m2, r.height, r.levels, r.year, r.residential);
        break;
      }
      case 'land_use':
        this.landuseKnown = true;
        // residential=rural (villages) is not urban residential land (issue 10 §3)
        if ((r.landuse === 'residential' || isResidentialLanduse(r.tags)) && r.tags.residential !== 'rural') this.compounds.push(polygonArea(r.id, r.name, r.geometry, r.area_m2));
        else if (INTERNAL_LANDUSE.has(r.landuse)) this.internal.push(polygonArea(r.id, r.name, r.geometry, r.area_m2));
        break;
      case 'admin_area':
        if (r.level === 'district' || r.level === 'street' || r.level === 'community') {
          this.admin.push({ ...polygonArea(r.id, r.name, r.geometry), admin_level: r.admin_level, level: r.level });
        }
        break;
      case 'green_space': {
        const [lon, lat] = centroid(r.geometry);
        this.greens.push({ id: r.id, kind: r.green_kind, is_public: r.is_public, area_m2: r.area_m2, lon, lat });
        break;
      }
      case 'walk_edge':
      case 'road':
        this.addEdge(r.id, r.highway, r.name, r.tags, r.geometry.coordinates, r.length_m);
        break;
      case 'greenway_route':
        this.addGreenwayRoute(r.id, r.name, r.geometry.coordinates);
        break;
      default:
    }
  }

  addBuilding(id: string, lon: number, lat: number, area: number, height: number | null | undefined, levels: number | null | undefined, year: number | null | undefined, residential: boolean): void {
    this.bIds.push(id); this.bLon.push(lon); this.bLat.push(lat); this.bArea.push(area);
    this.bHeight.push(height ?? NaN); this.bLevels.push(levels ?? NaN); this.bYear.push(year ?? 0); this.bRes.push(residential ? 1 : 0);
  }

  addEdge(id: string, highway: string, name: string | undefined, tags: Tags | undefined, coords: Position[], length_m: number): void {
    if (this.roadSet.has(highway)) {
      const [x, y] = lineMidpoint(coords);
      this.rHighway.push(highway); this.rLen.push(length_m); this.rLon.push(x); this.rLat.push(y);
      this.rCoords.push(coords); this.rName.push(name ?? tags?.name); this.rOneway.push(tags?.oneway === 'yes' || tags?.oneway === '1' || tags?.oneway === '-1' ? 1 : 0);
    }
    // greenways per the catalogue's definition (issue 10 §3): named 绿道 (greenway_name_pattern) or tagged greenway=*;
    // a path in a park is not a greenway by itself
    const nm = name ?? tags?.name ?? '';
    if (nm && this.greenwayName.test(nm)) this.greenways.push({ id, name: nm, coordinates: coords, length_m, rule: 'name' });
    else if (tags?.greenway !== undefined) this.greenways.push({ id, ...(nm ? { name: nm } : {}), coordinates: coords, length_m, rule: 'tag' });
  }

  /** a designated greenway route: each of its lines a greenway (rule `route`) */
  addGreenwayRoute(id: string, name: string | undefined, lines: Position[][]): void {
    lines.forEach((coordinates, k) => this.greenways.push({ id: `${id}:${k}`, ...(name ? { name } : {}), coordinates, length_m: lineLengthM(coordinates), rule: 'route' }));
  }

  addCompound(p: PolygonArea): void { this.compounds.push(p); }
  addInternal(p: PolygonArea): void { this.internal.push(p); }
  addAdmin(p: AdminPolygon): void { this.admin.push(p); }
  addGreen(g: GreenPatch): void { this.greens.push(g); }
  noteLanduseKnown(): void { this.landuseKnown = true; }

  async addAll(records: AsyncIterable<CityRecord[]>): Promise<void> {
    for await (const batch of records) for (const r of batch) this.add(r);
  }

  /** Finish: the accessibility places (graph build, population estimate; or given, from the store) and the columns. */
  finish(opts: GraphOptions = {}, places?: AccessPlaces): CheckData {
    const p = places ?? this.places.finish(opts);
    const n = this.bIds.length;
    const height = new Float32Array(n), levels = new Float32Array(n), year = new Int16Array(n), residential = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      height[i] = this.bHeight.arr[i]; levels[i] = this.bLevels.arr[i];
      year[i] = plausibleYear(this.bYear.arr[i]);
      residential[i] = this.bRes.arr[i];
    }
    const buildings: CheckBuildings = {
      count: n, ids: this.bIds, lon: this.bLon.done(), lat: this.bLat.done(), area_m2: this.bArea.done(), height, levels, year, residential,
    };
    const greenways = this.greenways;
    // school and hospital grounds: their roads are internal too
    const internal = [...this.internal];
    for (const c of INTERNAL_CATEGORIES) for (const f of p.facilities.get(c) ?? []) if (f.geometry.type !== 'Point') internal.push(polygonArea(f.id, undefined, f.geometry));
    return {
      buildings, compounds: this.compounds, landuseKnown: this.landuseKnown || p.landuseKnown, admin: this.admin, greens: this.greens, internal,
      roads: {
        count: this.rHighway.length, highway: this.rHighway, length_m: this.rLen.done(), midLon: this.rLon.done(), midLat: this.rLat.done(),
        coords: this.rCoords, name: this.rName, oneway: Uint8Array.from(this.rOneway),
      },
      greenways, places: p, population: estimateInfo(p.origins),
    };
  }
}


/** Read a record stream (a file reader, or hand-made records in tests) into CheckData. */
export async function checkDataFromRecords(
  records: AsyncIterable<CityRecord[]> | Iterable<CityRecord>, params: CheckParameters, opts: GraphOptions & { perCapitaM2?: number } = {},
): Promise<CheckData> {
  const c = new CheckCollector(params, opts.perCapitaM2);
  if (Symbol.asyncIterator in records) await c.addAll(records as AsyncIterable<CityRecord[]>);
  else for (const r of records as Iterable<CityRecord>) c.add(r);
  return c.finish(opts);
}
