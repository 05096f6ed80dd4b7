import type { Origins } from '../network/access.js';
import type { PolygonArea } from './data.js';
import { PolygonIndex } from './units.js';

/**
 * Dasymetric allocation (issue 10 §1): each population zone (a census 街道/社区, a raster cell)
 * is distributed onto the residential buildings whose centroid lies in it, in proportion to their
 * floor area (footprint × storeys, the same floor area the estimate uses). A zone holding no
 * residential building keeps its people as `unallocated` (reported, never dropped). Buildings
 * outside every zone keep the floor-area estimate for a census (the table does not cover them) and
 * get none for a raster (the raster covers the extent: their cells are empty or no-data).
 */
export interface PopulationZone extends PolygonArea { population: number }

export interface PopulationInfo {
  /** 'estimate' when no population data is loaded */
  source: string;
  kind: 'census' | 'raster' | 'estimate';
  year: number | null;
  /** people in the zones (census / raster over the city), or the estimate's total */
  total: number;
  /** people placed on residential buildings */
  allocated: number;
  /** people in zones without any residential building */
  unallocated: number;
  zones: number;
  unallocated_zones: number;
  /** residential buildings outside every zone, and the residents the estimate gives them (census only) */
  outside_buildings: number;
  outside_residents_estimated: number;
}

export interface Allocation extends PopulationInfo { residents: Float64Array; unallocatedList: { id: string; name?: string; population: number }[] }

export function allocatePopulation(origins: Origins, zones: PopulationZone[], o: { source: string; kind: 'census' | 'raster'; year: number | null }): Allocation {
  const n = origins.count;
  const idx = new PolygonIndex(zones);
  const zoneOf = new Int32Array(n);
  const weight = new Float64Array(zones.length);
  for (let i = 0; i < n; i++) {
    const z = idx.locate(origins.lon[i], origins.lat[i]);
    zoneOf[i] = z;
    if (z >= 0) weight[z] += origins.residents[i];
  }
  const residents = new Float64Array(n);
  let outside = 0, outsideRes = 0;
  for (let i = 0; i < n; i++) {
    const z = zoneOf[i];
    if (z < 0) {
      outside++;
      if (o.kind === 'census') { residents[i] = origins.residents[i]; outsideRes += origins.residents[i]; }
      continue;
    }
    residents[i] = weight[z] > 0 ? (zones[z].population * origins.residents[i]) / weight[z] : 0;
  }
  let total = 0, unallocated = 0;
  const unallocatedList: Allocation['unallocatedList'] = [];
  zones.forEach((z, k) => {
    total += z.population;
    if (!(weight[k] > 0) && z.population > 0) { unallocated += z.population; unallocatedList.push({ id: z.id, ...(z.name ? { name: z.name } : {}), population: z.population }); }
  });
  return {
    source: o.source, kind: o.kind, year: o.year, total, allocated: total - unallocated, unallocated, zones: zones.length, unallocated_zones: unallocatedList.length,
    outside_buildings: outside, outside_residents_estimated: outsideRes, residents, unallocatedList,
  };
}

/** The summary when no population data is loaded: the floor-area estimate. */
export function estimateInfo(origins: Origins): PopulationInfo {
  let t = 0;
  for (let i = 0; i < origins.count; i++) t += origins.residents[i];
  return { source: 'estimate', kind: 'estimate', year: null, total: t, allocated: t, unallocated: 0, zones: 0, unallocated_zones: 0, outside_buildings: 0, outside_residents_estimated: 0 };
}

/** `{source, year, total, allocated, unallocated}` (the contract) plus the rest, rounded. */
export function populationJson(p: PopulationInfo): Record<string, unknown> {
  const r = (v: number) => Math.round(v);
  return { source: p.source, year: p.year, total: r(p.total), allocated: r(p.allocated), unallocated: r(p.unallocated), kind: p.kind, zones: p.zones, unallocated_zones: p.unallocated_zones, outside_buildings: p.outside_buildings, outside_residents_estimated: r(p.outside_residents_estimated) };
}
