import type { Areal } from '../../model/geometry.js';
import { centroid } from '../../model/geo.js';
import { ResidentialZones } from '../../model/residential.js';
import { CATEGORIES, CATEGORY_IDS, categoryById } from '../../model/taxonomy.js';
import type { CityRecord } from '../../model/types.js';
import { GraphBuilder, graphStats, sharedF64, type GraphOptions, type WalkGraph } from './graph.js';
import { runCategories } from './parallel.js';
import { DEFAULT_PER_CAPITA_M2, estimateResidents, type LevelsFrom } from './population.js';
import {
  DEFAULT_POLYGON_REACH_M, DEFAULT_SNAP_LIMIT_M, SNAP_ISLAND, SNAP_NONE, SegmentIndex, snapPoints, snapSources,
  type Place, type SnappedPoints, type SourceSet,
} from './snap.js';
import { UsageError } from '../../model/errors.js';

export const DEFAULT_CUTOFF_M = 3000;
export const SUMMARY_THRESHOLDS_M = [300, 500, 1000] as const;

/** Residential buildings, columnar. */
export interface Origins {
  count: number;
  ids: string[];
  /** centroid, degrees */
  lon: Float64Array;
  lat: Float64Array;
  /** estimated residents */
  residents: Float64Array;
}

/** What an accessibility run reads: the graph, the origins and the facilities by category. */
export interface AccessPlaces {
  graph: WalkGraph;
  origins: Origins;
  facilities: Map<string, Place[]>;
  /** how each origin's levels were found: counts, for the summary's honesty note */
  levelsFrom: Record<LevelsFrom, number>;
  /** whether residential landuse was available to place buildings (else the classification flag stood in) */
  landuseKnown: boolean;
  perCapitaM2: number;
}

export interface AccessOptions extends GraphOptions {
  /** category ids; default all, always in taxonomy order */
  categories?: string[];
  cutoffM?: number;
  snapLimitM?: number;
  polygonReachM?: number;
  workers?: number;
  /** nodes × categories below which the search stays on the main thread (default 8M) */
  minParallelWork?: number;
  onProgress?: (stage: string, detail?: string) => void;
}

export interface CategoryStats {
  id: string;
  facilities: number;
  snapped: number;
  unsnapped: string[];
  island: string[];
  /** access intervals (snap points and polygon contacts) feeding the search */
  contacts: number;
  settled: number;
  ms: number;
}

export interface AccessResult {
  categories: string[];
  origins: Origins;
  /** metres, category-major: distances[c * origins.count + i]; Infinity beyond the cut-off; NaN when the origin has no snap point */
  distances: Float64Array;
  snap: SnappedPoints;
  categoryStats: CategoryStats[];
  params: { cutoff_m: number; snap_limit_m: number; polygon_reach_m: number; island_max_m: number; workers: number };
  graph: ReturnType<typeof graphStats>;
  timings_ms: Record<string, number>;
}

export function resolveCategories(list?: string[]): string[] {
  if (!list || list.length === 0) return [...CATEGORY_IDS];
  const unknown = list.filter((c) => !categoryById.has(c));
  if (unknown.length) throw new UsageError(`unknown categor${unknown.length > 1 ? 'ies' : 'y'} ${unknown.join(', ')}; known: ${CATEGORY_IDS.join(', ')}`);
  const want = new Set(list);
  return CATEGORIES.map((c) => c.id).filter((c) => want.has(c));
}

const snapCache = new WeakMap<SegmentIndex, WeakMap<Origins, Map<number, SnappedPoints>>>();

/** Snap everything and run one multi-source search per category. */
export async function computeAccess(places: AccessPlaces, opts: AccessOptions = {}, index?: SegmentIndex): Promise<AccessResult> {
  const t: Record<string, number> = {};
  let t0 = performance.now();
  const lap = (name: string) => { const now = performance.now(); t[name] = Math.round(now - t0); t0 = now; };
  const categories = resolveCategories(opts.categories);
  const cutoff = opts.cutoffM ?? DEFAULT_CUTOFF_M;
  const limit = opts.snapLimitM ?? DEFAULT_SNAP_LIMIT_M;
  const reach = opts.polygonReachM ?? DEFAULT_POLYGON_REACH_M;
  const { graph, origins } = places;
  opts.onProgress?.('index', `${graph.nodeCount.toLocaleString('en')} nodes`);
  const idx = index ?? new SegmentIndex(graph);
  lap('index');
  opts.onProgress?.('snap', `${origins.count.toLocaleString('en')} buildings`);
  // the same buildings snapped with the same index and limit are reused (indicators run several searches)
  let perIndex = snapCache.get(idx);
  if (!perIndex) snapCache.set(idx, (perIndex = new WeakMap()));
  let perOrigins = perIndex.get(origins);
  if (!perOrigins) perIndex.set(origins, (perOrigins = new Map()));
  let snap = perOrigins.get(limit);
  if (!snap) perOrigins.set(limit, (snap = snapPoints(idx, origins.lon, origins.lat, limit)));
  lap('snap_origins');
  const sets: SourceSet[] = categories.map((c) => snapSources(idx, places.facilities.get(c) ?? [], { snapLimitM: limit, polygonReachM: reach }));
  lap('snap_facilities');
  opts.onProgress?.('search', `${categories.length} categories`);
  let done = 0;
  const { distances, runs, workers } = await runCategories(graph, snap, sets, cutoff, {
    workers: opts.workers, minParallelWork: opts.minParallelWork,
    onCategory: () => opts.onProgress?.('search', `${++done}/${categories.length} categories`),
  });
  lap('search');
  return {
    categories, origins, distances, snap,
    categoryStats: categories.map((id, c) => ({
      id, facilities: sets[c].facilities, snapped: sets[c].snapped, unsnapped: sets[c].unsnapped, island: sets[c].island,
      contacts: sets[c].count, settled: runs[c].settled, ms: Math.round(runs[c].ms),
    })),
    params: { cutoff_m: cutoff, snap_limit_m: limit, polygon_reach_m: reach, island_max_m: opts.islandMaxM ?? 1000, workers },
    graph: graphStats(graph),
    timings_ms: t,
  };
}

// ---- reading the city model ---------------------------------------------------------------------

/**
 * Area-weighted centroid of the outer rings, computed relative to the first vertex: the plain
 * shoelace sums on raw lon/lat (values ~100 against differences ~1e-4) lose ~1e-9 degrees,
 * tenths of a metre. Falls back to the vertex mean for degenerate rings.
 */
interface BuildingRow { id: string; lon: number; lat: number; area_m2: number; levels?: number | null; height?: number | null; use: string; residential: boolean; inLanduse?: boolean }

/**
 * Collects what the accessibility engine needs from a stream of city-model records, keeping only
 * typed arrays and small objects (the walk graph is built as the ways stream by).
 */
export class PlacesCollector {
  readonly builder = new GraphBuilder();
  private buildings: BuildingRow[] = [];
  private facilities = new Map<string, Place[]>();
  private zones = new ResidentialZones();
  private sawLanduse = false;

  constructor(private perCapitaM2 = DEFAULT_PER_CAPITA_M2, private wanted?: Set<string>) {}

  add(r: CityRecord): void {
    switch (r.kind) {
      case 'walk_edge':
        this.builder.addPositions(r.geometry.coordinates, r.node_ids);
        break;
      case 'building': {
        if (!r.residential) break;
        const [lon, lat] = centroid(r.geometry);
        this.buildings.push({ id: r.id, lon, lat, area_m2: r.area_m2, levels: r.levels, height: r.height, use: r.use, residential: r.residential });
        break;
      }
      case 'facility':
        for (const c of r.categories) {
          if (this.wanted && !this.wanted.has(c)) continue;
          let l = this.facilities.get(c);
          if (!l) this.facilities.set(c, (l = []));
          l.push({ id: r.id, geometry: r.geometry as Place['geometry'] });
        }
        break;
      case 'land_use':
        this.sawLanduse = true;
        this.zones.see(r);
        break;
      default:
    }
  }

  /** Add a building already reduced to its centroid (store reader). */
  addBuilding(b: BuildingRow): void { this.buildings.push(b); }
  addFacility(category: string, p: Place): void {
    if (this.wanted && !this.wanted.has(category)) return;
    let l = this.facilities.get(category);
    if (!l) this.facilities.set(category, (l = []));
    l.push(p);
  }
  noteLanduseKnown(): void { this.sawLanduse = true; }
  /** A residential landuse area (store reader): buildings whose centroid lies in one are "in residential landuse". */
  addResidentialZone(g: Areal): void {
    this.sawLanduse = true;
    if (g.type === 'Polygon' || g.type === 'MultiPolygon') this.zones.add(g);
  }

  async addAll(records: AsyncIterable<CityRecord[]>): Promise<void> {
    for await (const batch of records) for (const r of batch) this.add(r);
  }

  finish(opts: GraphOptions = {}): AccessPlaces {
    const graph = this.builder.finish(opts);
    const n = this.buildings.length;
    const origins: Origins = { count: n, ids: new Array(n), lon: sharedF64(n), lat: sharedF64(n), residents: new Float64Array(n) };
    const levelsFrom: Record<LevelsFrom, number> = { levels: 0, height: 0, default_landuse: 0, default: 0 };
    this.buildings.forEach((b, i) => {
      origins.ids[i] = b.id; origins.lon[i] = b.lon; origins.lat[i] = b.lat;
      let inside = b.inLanduse;
      if (inside === undefined && this.sawLanduse) {
        inside = this.zones.contains(b.lon, b.lat); // residential landuse around the building
      }
      const est = estimateResidents(b, inside, this.perCapitaM2);
      origins.residents[i] = est.residents;
      levelsFrom[est.from]++;
    });
    this.buildings = [];
    return { graph, origins, facilities: this.facilities, levelsFrom, landuseKnown: this.sawLanduse, perCapitaM2: this.perCapitaM2 };
  }
}

/** Read places from city-model records (a file reader's stream, or hand-made records). */
export async function placesFromRecords(records: AsyncIterable<CityRecord[]> | Iterable<CityRecord>, opts: AccessOptions & { perCapitaM2?: number } = {}): Promise<AccessPlaces> {
  const c = new PlacesCollector(opts.perCapitaM2, opts.categories ? new Set(resolveCategories(opts.categories)) : undefined);
  if (Symbol.asyncIterator in records) await c.addAll(records as AsyncIterable<CityRecord[]>);
  else for (const r of records as Iterable<CityRecord>) c.add(r);
  return c.finish(opts);
}

// ---- summary --------------------------------------------------------------------------------------

export interface CategorySummary {
  id: string;
  name_zh: string;
  name_en: string;
  facilities: number;
  unsnapped_facilities: number;
  island_facilities: number;
  /** share of residential buildings within 300/500/1000 m (keys are metres) */
  buildings_within: Record<string, number>;
  /** share of estimated residents within 300/500/1000 m */
  residents_within: Record<string, number>;
  median_m: number | null;
}

export interface AccessSummary {
  residential_buildings: number;
  residents: number;
  unsnapped_buildings: number;
  island_buildings: number;
  snapped_past_island: number;
  categories: CategorySummary[];
}

/** Per category, the share of residential buildings and of residents within each threshold. Unsnapped buildings count as not within. */
export function summarize(r: AccessResult, thresholds: readonly number[] = SUMMARY_THRESHOLDS_M): AccessSummary {
  const n = r.origins.count;
  const res = r.origins.residents;
  let total = 0;
  for (let i = 0; i < n; i++) total += res[i];
  let unsnapped = 0, island = 0;
  for (let i = 0; i < n; i++) { if (r.snap.status[i] === SNAP_NONE) unsnapped++; else if (r.snap.status[i] === SNAP_ISLAND) island++; }
  const categories = r.categories.map((id, c) => {
    const cat = categoryById.get(id)!;
    const bw: Record<string, number> = {}, rw: Record<string, number> = {};
    const vals = new Float64Array(n);
    let m = 0;
    const nt = thresholds.length;
    const bCount = new Float64Array(nt), pSum = new Float64Array(nt);
    for (let i = 0; i < n; i++) {
      const d = r.distances[c * n + i];
      if (!(d < Infinity)) continue;
      vals[m++] = d;
      for (let t = 0; t < nt; t++) if (d <= thresholds[t]) { bCount[t]++; pSum[t] += res[i]; }
    }
    thresholds.forEach((th, t) => { bw[th] = n ? bCount[t] / n : 0; rw[th] = total > 0 ? pSum[t] / total : 0; });
    const sorted = vals.subarray(0, m).sort();
    // median over all buildings (unreachable ones count as beyond): null when more than half are beyond
    const median = n && m > (n - 1) / 2 ? sorted[Math.floor((n - 1) / 2)] : null;
    const st = r.categoryStats[c];
    return {
      id, name_zh: cat.name_zh, name_en: cat.name_en, facilities: st.facilities, unsnapped_facilities: st.unsnapped.length,
      island_facilities: st.island.length, buildings_within: bw, residents_within: rw, median_m: median === null ? null : Math.round(median * 10) / 10,
    };
  });
  return { residential_buildings: n, residents: Math.round(total), unsnapped_buildings: unsnapped, island_buildings: island, snapped_past_island: r.snap.passedIsland, categories };
}

/** Distance of origin i to category c (metres; Infinity beyond cut-off; NaN unsnapped). */
export function distanceOf(r: AccessResult, c: number, i: number): number {
  return r.distances[c * r.origins.count + i];
}
