/** The viewer talks to the server's public APIs only: the same ones third parties use. */
export interface Category { id: string; name_zh: string; name_en: string; threshold_m: number; living_circle: boolean }
export interface Band { min: number; color: string; label: { zh: string; en: string } }
export interface Config {
  basemap: { url: string; attribution: string } | null;
  attribution: string;
  /** the grading bands (src/catalog/legends.ts): the same colours as the report */
  legends: { coverage: Band[]; completeness: Band[]; data_gap: { color: string; label: { zh: string; en: string } } };
  /** the walking search cut-off of the access runs, metres */
  access_cutoff_m: number;
  cities: string[];
  layers: { id: string; kind: string; minzoom: number; maxzoom: number }[];
  report: string | null;
  /** each city's report link (a report per city under the served folder) */
  reports: Record<string, string | null>;
}
export interface Summary {
  city_id: string;
  counts: Record<string, number>;
  residential_buildings: number;
  bbox: [number, number, number, number] | null;
  sources: { source_id: string; format: string; version: string | null; imported_at: string; path: string }[];
  version: string;
  access: { run_id: number; computed_at: string; categories: string[]; summary: AccessSummary } | null;
  health_check: { from: string; generated_at: string | null; indicators: number } | null;
}
export interface AccessSummary {
  residential_buildings: number;
  residents: number;
  categories: { id: string; name_zh: string; name_en: string; facilities: number; buildings_within: Record<string, number>; residents_within: Record<string, number>; median_m: number | null }[];
}
export interface BuildingAccess {
  building_id: string; status: string; residents: number; run_id: number; computed_at: string | null; cutoff_m: number;
  /** data_gap: no facility of the category in the data (无数据), not a building beyond the cut-off */
  distances: { category: string; name_zh: string; name_en: string; distance_m: number | null; threshold_m: number | null; within: boolean | null; data_gap?: boolean }[];
}
export interface Feature { type: 'Feature'; id: string; geometry: unknown; properties: Record<string, unknown> }
export interface Indicator { id: string; name_zh?: string; name_en?: string; level: string; area_id: string; area_name?: string | null; value: number | null; unit?: string; unit_zh?: string | null; target?: { op: string; value: number } | null; status?: string }
export interface Ranking { level: string | null; explain: string; areas: { area_id: string; name: string | null; residents: number; completeness: number }[]; note?: string }
export interface TileJson { tiles: string[]; minzoom: number; maxzoom: number; bounds: number[]; vector_layers: { id: string; fields: Record<string, string> }[] }

export class ApiError extends Error {
  constructor(readonly status: number, message: string) { super(message); }
}

let city: string | null = new URLSearchParams(location.search).get('city');
export function setCity(c: string | null): void { city = c; }
export function currentCity(): string | null { return city; }
export function cityParam(): string { return city ? `city=${encodeURIComponent(city)}` : ''; }

/** GET a JSON document of the server; the chosen city as `?city=` unless the path names it (or `addCity: false`) */
export async function get<T>(path: string, opts: { addCity?: boolean } = {}): Promise<T> {
  const sep = path.includes('?') ? '&' : '?';
  const url = city && opts.addCity !== false && !/[?&]city=/.test(path) ? `${path}${sep}${cityParam()}` : path;
  const r = await fetch(url, { headers: { accept: 'application/json' } });
  if (!r.ok) {
    let msg = `${r.status}`;
    try { msg = ((await r.json()) as { description?: string }).description ?? msg; } catch { /* not JSON */ }
    throw new ApiError(r.status, msg);
  }
  return (await r.json()) as T;
}

/**
 * What the city holds: the ids of the OGC collections the server lists for it (`/collections`
 * names only the collections whose tables exist and whose results were computed for the city),
 * with their extents. null when the document cannot be had (the viewer then trusts the config).
 */
export interface CityCollections { ids: Set<string>; bbox: Map<string, number[]> }
export async function cityCollections(): Promise<CityCollections | null> {
  try {
    const doc = await get<{ collections: { id: string; extent?: { spatial?: { bbox?: number[][] } } }[] }>('/collections?f=json');
    const bbox = new Map<string, number[]>();
    for (const c of doc.collections) { const b = c.extent?.spatial?.bbox?.[0]; if (b?.length === 4) bbox.set(c.id, b); }
    return { ids: new Set(doc.collections.map((c) => c.id)), bbox };
  } catch (e) {
    if (e instanceof ApiError) return null;
    throw e;
  }
}

/** null on 404 (results that do not exist yet), the error otherwise */
export async function getOptional<T>(path: string): Promise<T | null> {
  try {
    return await get<T>(path);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return null;
    throw e;
  }
}
