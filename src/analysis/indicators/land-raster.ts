import type { Areal } from '../../model/geometry.js';
import type { Place } from '../network/snap.js';
import { polygonArea, type PolygonArea } from './data.js';
import { metresPerDegree } from '../../model/geo.js';
import { Grid } from './raster.js';
import type { CheckContext } from './types.js';
import type { AreaLevel } from './units.js';

/**
 * The raster side of the health check: residential land, built-up land and the park union on one
 * grid, plus per-cell area labels, so that the official area-based coverage indicators
 * (covered residential land ÷ residential land) can be summed per district and street.
 */
export interface ParkPoly extends PolygonArea { sizeClass: number }

export interface CoverageRaster {
  grid: Grid;
  /** residential land (landuse=residential compounds); null when the data has none */
  residential: Uint8Array | null;
  /** built-up land: within built_up_buffer_m of a building, or residential land; all zero when not estimable */
  builtUp: Uint8Array;
  /** why built-up land could not be estimated (too few buildings), else null */
  builtUpMissing: string | null;
  /** the same in Chinese */
  builtUpMissingZh: string | null;
  /** public parks (areal), with their size class index (-1 below the smallest class) */
  parks: ParkPoly[];
  /** union of all public park polygons */
  parkMask: Uint8Array;
  /** area index of a cell at a level (-1 outside every area of the level) */
  label(level: 'district' | 'street', k: number): number;
  describe: string;
}

export function buildRaster(ctx: CheckContext): CoverageRaster {
  const { data, params, units } = ctx;
  // extent: buildings, residential land, the walk network and every facility
  const bb: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity];
  const grow = (x: number, y: number) => { if (x < bb[0]) bb[0] = x; if (y < bb[1]) bb[1] = y; if (x > bb[2]) bb[2] = x; if (y > bb[3]) bb[3] = y; };
  const b = data.buildings;
  for (let i = 0; i < b.count; i++) grow(b.lon[i], b.lat[i]);
  for (const c of data.compounds) { grow(c.bbox[0], c.bbox[1]); grow(c.bbox[2], c.bbox[3]); }
  const gb = data.places.graph.bbox;
  if (Number.isFinite(gb[0])) { grow(gb[0], gb[1]); grow(gb[2], gb[3]); }
  for (const list of data.places.facilities.values()) for (const p of list) {
    if (p.geometry.type === 'Point') grow(p.geometry.coordinates[0], p.geometry.coordinates[1]);
    else { const q = polygonArea(p.id, undefined, p.geometry); grow(q.bbox[0], q.bbox[1]); grow(q.bbox[2], q.bbox[3]); }
  }
  if (!Number.isFinite(bb[0])) { bb[0] = bb[1] = 0; bb[2] = bb[3] = 0.001; }
  // room for the built-up buffer around the outermost buildings
  const [mx, my] = metresPerDegree((bb[1] + bb[3]) / 2);
  bb[0] -= params.built_up_buffer_m / mx; bb[2] += params.built_up_buffer_m / mx; bb[1] -= params.built_up_buffer_m / my; bb[3] += params.built_up_buffer_m / my;
  const grid = new Grid(bb, params.raster_cell_m, params.raster_max_cells);

  let residential: Uint8Array | null = null;
  if (data.compounds.length) {
    residential = new Uint8Array(grid.size);
    const r = residential;
    for (const c of data.compounds) grid.fillPolygon(c.geometry, (k) => { r[k] = 1; });
  }

  // built-up land (issue 10 §3): land within built_up_buffer_m of a building, and residential land; a
  // morphological stand-in for 城市建设用地 (GB 50137-2011) that does not depend on where a grid starts
  // (the fine raster's cells are metres, not hundreds of metres). Too few buildings: not estimable.
  const seed = new Uint8Array(grid.size);
  for (let i = 0; i < b.count; i++) { const k = grid.at(b.lon[i], b.lat[i]); if (k >= 0) seed[k] = 1; }
  const builtUp = b.count >= params.built_up_min_buildings ? grid.within(seed, params.built_up_buffer_m) : new Uint8Array(grid.size);
  if (residential && b.count >= params.built_up_min_buildings) for (let k = 0; k < builtUp.length; k++) builtUp[k] |= residential[k];

  const parks: ParkPoly[] = [];
  const parkMask = new Uint8Array(grid.size);
  const classes = params.park_size_classes;
  for (const p of data.places.facilities.get('park') ?? []) {
    if (p.geometry.type === 'Point') continue;
    const q = polygonArea(p.id, undefined, p.geometry as Areal);
    const sizeClass = classes.findIndex((c) => q.area_m2 >= c.min_m2 && (c.max_m2 === null || q.area_m2 < c.max_m2));
    parks.push({ ...q, sizeClass });
    grid.fillPolygon(q.geometry, (k) => { parkMask[k] = 1; });
  }

  const labels = new Map<string, Int32Array>();
  const label = (level: 'district' | 'street', k: number): number => {
    let l = labels.get(level);
    if (!l) {
      l = new Int32Array(grid.size).fill(-2);
      const ids = units.level[level];
      if (ids.length && units.areas[ids[0]].kind !== 'grid') {
        l.fill(-1);
        // smaller polygons last, so they win where polygons overlap
        const order = [...ids].sort((a, c) => units.areas[c].area_m2 - units.areas[a].area_m2);
        const arr = l;
        for (const a of order) { const g = units.areas[a].geometry; if (g) grid.fillPolygon(g, (kk) => { arr[kk] = a; }); }
      } else if (!ids.length) l.fill(-1);
      labels.set(level, l);
    }
    let v = l[k];
    if (v === -2) { const [x, y] = grid.centre(k); v = l[k] = units.locate(level, x, y); }
    return v;
  };
  return {
    grid, residential, builtUp, parks, parkMask, label,
    builtUpMissing: b.count >= params.built_up_min_buildings ? null : `only ${b.count} buildings in the data (< ${params.built_up_min_buildings}, built_up_min_buildings): built-up land cannot be estimated`,
    builtUpMissingZh: b.count >= params.built_up_min_buildings ? null : `数据中只有 ${b.count} 栋建筑（少于 ${params.built_up_min_buildings} 栋，参数 built_up_min_buildings）：无法估算建成区`,
    describe: `${grid.W}×${grid.H} grid of ${round(grid.cell, 1)} m cells (local equirectangular projection at ${round(grid.lat0, 4)}°)`,
  };
}

const round = (v: number, d: number) => Math.round(v * 10 ** d) / 10 ** d;

/** Seed cells of a set of places: points mark their cell, polygons their cells. */
export function seedPlaces(grid: Grid, places: readonly Place[]): Uint8Array {
  const seed = new Uint8Array(grid.size);
  for (const p of places) {
    if (p.geometry.type === 'Point') { const k = grid.at(p.geometry.coordinates[0], p.geometry.coordinates[1]); if (k >= 0) seed[k] = 1; }
    else grid.fillPolygon(p.geometry, (k) => { seed[k] = 1; });
  }
  return seed;
}

export interface LandShare { covered_m2: number; total_m2: number }

/**
 * Sum land over the cells of `land` (a mask) that are `covered`, for the city and each district
 * and street. With no land mask, residential building footprints stand in (by centroid cell).
 */
export function landShares(ctx: CheckContext, land: Uint8Array | null, covered: Uint8Array, levels: AreaLevel[]): Map<number, LandShare> {
  const r = ctx.raster();
  const out = new Map<number, LandShare>();
  const acc = (a: number, w: number, hit: boolean) => {
    let e = out.get(a);
    if (!e) out.set(a, (e = { covered_m2: 0, total_m2: 0 }));
    e.total_m2 += w;
    if (hit) e.covered_m2 += w;
  };
  const subLevels = levels.filter((l): l is 'district' | 'street' => l === 'district' || l === 'street');
  const city = ctx.units.level.city[0];
  if (land) {
    const ca = r.grid.cellArea;
    for (let k = 0; k < land.length; k++) {
      if (!land[k]) continue;
      const hit = covered[k] === 1;
      acc(city, ca, hit);
      for (const lv of subLevels) { const a = r.label(lv, k); if (a >= 0) acc(a, ca, hit); }
    }
  } else {
    const o = ctx.data.places.origins;
    const fp = originFootprints(ctx);
    for (let i = 0; i < o.count; i++) {
      const k = r.grid.at(o.lon[i], o.lat[i]);
      const hit = k >= 0 && covered[k] === 1;
      acc(city, fp[i], hit);
      for (const lv of subLevels) { const a = ctx.units.of[lv][i]; if (a >= 0) acc(a, fp[i], hit); }
    }
  }
  return out;
}

/** Footprint m² of each residential building (origin order). */
export function originFootprints(ctx: CheckContext): Float64Array {
  return ctx.memo('originFootprints', () => {
    const idx = originBuildings(ctx);
    const out = new Float64Array(idx.length);
    for (let i = 0; i < idx.length; i++) out[i] = idx[i] >= 0 ? ctx.data.buildings.area_m2[idx[i]] : 0;
    return out;
  });
}

/** Index into data.buildings of each residential building (origin order). */
export function originBuildings(ctx: CheckContext): Int32Array {
  return ctx.memo('originBuildings', () => {
    const b = ctx.data.buildings;
    const o = ctx.data.places.origins;
    const out = new Int32Array(o.count).fill(-1);
    // fast path: same order
    let j = 0;
    for (let i = 0; i < o.count; i++) {
      while (j < b.count && b.ids[j] !== o.ids[i]) j++;
      if (j >= b.count) break;
      out[i] = j++;
    }
    if (o.count && out[o.count - 1] < 0) {
      const map = new Map<string, number>();
      for (let k = 0; k < b.count; k++) if (b.residential[k]) map.set(b.ids[k], k);
      for (let i = 0; i < o.count; i++) out[i] = map.get(o.ids[i]) ?? -1;
    }
    return out;
  });
}
