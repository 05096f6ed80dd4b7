import Flatbush from 'flatbush';
import type { Areal } from '../../model/geometry.js';
import { metresPerDegree } from '../../model/geo.js';
import type { CheckParameters } from './catalogue.js';
import type { CheckData, PolygonArea } from './data.js';

/**
 * Units of analysis: the city; districts (admin_level 6) and streets (8) from administrative
 * boundaries; communities (9/10) where present; residential compounds (小区) from
 * landuse=residential. Where boundaries are missing, a regular grid stands in (streets: 1 km
 * cells, communities: the compounds, else 500 m cells) and `notes` say so.
 */
export type AreaLevel = 'city' | 'district' | 'street' | 'community';
export const AREA_LEVELS: AreaLevel[] = ['city', 'district', 'street', 'community'];
export type AreaKind = 'city' | 'district' | 'street' | 'community' | 'compound' | 'grid';

export interface Area {
  index: number;
  id: string;
  kind: AreaKind;
  level: AreaLevel;
  name?: string;
  /** polygon (grid cells: their square); null for the city */
  geometry: Areal | null;
  area_m2: number;
  /** residential buildings and estimated residents inside (by building centroid) */
  buildings: number;
  residents: number;
}

export interface Units {
  areas: Area[];
  byId: Map<string, Area>;
  /** area indices per reporting level */
  level: Record<AreaLevel, number[]>;
  /** the counting units of the community provision indicators (小区 compounds, else communities, else grid cells) */
  provision: number[];
  provisionKind: AreaKind | 'none';
  /** per residential building (origin order): area index at each level, -1 when outside every area */
  of: Record<AreaLevel, Int32Array>;
  provisionOf: Int32Array;
  /** per residential building: compound index into data.compounds, -1 outside */
  compoundOf: Int32Array;
  /** how each level was formed, for `explain` */
  source: Record<AreaLevel | 'provision', string>;
  /** the same in Chinese (the report's zh mode) */
  source_zh: Record<AreaLevel | 'provision', string>;
  notes: string[];
  /** the same notes in Chinese */
  notesZh: string[];
  /** locate a point at a level (area index or -1) */
  locate(level: AreaLevel, lon: number, lat: number): number;
}

/**
 * A polygon prepared for fast point-in-polygon tests: its edges bucketed into horizontal bands,
 * so a test looks only at the edges crossing the point's band (even-odd over all rings, like
 * `pointInAreal`). District and street boundaries have thousands of vertices; this keeps a test
 * at a few dozen edge checks.
 */
export class PreparedPolygon {
  private readonly minY: number;
  private readonly bandH: number;
  private readonly bands: number;
  private readonly start: Int32Array;
  private readonly edges: Float64Array;
  constructor(g: Areal) {
    const polys = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
    const raw: number[] = [];
    let minY = Infinity, maxY = -Infinity;
    for (const p of polys) for (const ring of p) {
      for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        const [x0, y0] = ring[j], [x1, y1] = ring[i];
        if (y0 === y1) continue;
        raw.push(x0, y0, x1, y1);
        if (y0 < minY) minY = y0; if (y0 > maxY) maxY = y0; if (y1 < minY) minY = y1; if (y1 > maxY) maxY = y1;
      }
    }
    const n = raw.length / 4;
    this.minY = minY;
    this.bands = Math.max(1, Math.min(4096, Math.ceil(n / 4)));
    this.bandH = n ? Math.max((maxY - minY) / this.bands, 1e-12) : 1;
    const band = (y: number) => Math.min(this.bands - 1, Math.max(0, Math.floor((y - minY) / this.bandH)));
    const count = new Int32Array(this.bands + 1);
    for (let e = 0; e < n; e++) { const a = band(Math.min(raw[4 * e + 1], raw[4 * e + 3])), b = band(Math.max(raw[4 * e + 1], raw[4 * e + 3])); for (let k = a; k <= b; k++) count[k + 1]++; }
    for (let k = 0; k < this.bands; k++) count[k + 1] += count[k];
    this.start = count.slice();
    const fill = count.slice(0, this.bands);
    this.edges = new Float64Array(4 * count[this.bands]);
    for (let e = 0; e < n; e++) {
      const a = band(Math.min(raw[4 * e + 1], raw[4 * e + 3])), b = band(Math.max(raw[4 * e + 1], raw[4 * e + 3]));
      for (let k = a; k <= b; k++) { const q = 4 * fill[k]++; for (let c = 0; c < 4; c++) this.edges[q + c] = raw[4 * e + c]; }
    }
  }
  contains(x: number, y: number): boolean {
    const k = Math.floor((y - this.minY) / this.bandH);
    if (!(k >= 0 && k <= this.bands)) return false;
    const b = Math.min(k, this.bands - 1);
    const E = this.edges;
    let inside = false;
    for (let q = 4 * this.start[b], end = 4 * this.start[b + 1]; q < end; q += 4) {
      const x0 = E[q], y0 = E[q + 1], x1 = E[q + 2], y1 = E[q + 3];
      if (y0 > y !== y1 > y && x < ((x1 - x0) * (y - y0)) / (y1 - y0) + x0) inside = !inside;
    }
    return inside;
  }
}

/** Index of polygons for point location; the smallest containing polygon wins. */
export class PolygonIndex {
  private index: Flatbush | null;
  private prepared: PreparedPolygon[];
  constructor(readonly polys: PolygonArea[]) {
    this.index = polys.length ? new Flatbush(polys.length) : null;
    for (const p of polys) this.index!.add(p.bbox[0], p.bbox[1], p.bbox[2], p.bbox[3]);
    this.index?.finish();
    this.prepared = polys.map((p) => new PreparedPolygon(p.geometry));
  }
  locate(lon: number, lat: number): number {
    if (!this.index) return -1;
    let best = -1;
    for (const k of this.index.search(lon, lat, lon, lat)) {
      if (this.prepared[k].contains(lon, lat) && (best < 0 || this.polys[k].area_m2 < this.polys[best].area_m2)) best = k;
    }
    return best;
  }
}

/** A regular grid of square cells of `size` metres anchored at (lon0, lat0). */
export class SquareGrid {
  readonly kx: number;
  readonly ky: number;
  constructor(readonly size: number, readonly lon0: number, readonly lat0: number) {
    [this.kx, this.ky] = metresPerDegree(lat0);
  }
  key(lon: number, lat: number): [number, number] {
    return [Math.floor(((lon - this.lon0) * this.kx) / this.size), Math.floor(((lat - this.lat0) * this.ky) / this.size)];
  }
  square(ix: number, iy: number): Areal {
    const w = this.lon0 + (ix * this.size) / this.kx, e = this.lon0 + ((ix + 1) * this.size) / this.kx;
    const s = this.lat0 + (iy * this.size) / this.ky, n = this.lat0 + ((iy + 1) * this.size) / this.ky;
    const r = (v: number) => Math.round(v * 1e7) / 1e7;
    return { type: 'Polygon', coordinates: [[[r(w), r(s)], [r(e), r(s)], [r(e), r(n)], [r(w), r(n)], [r(w), r(s)]]] };
  }
}

export function buildUnits(data: CheckData, params: CheckParameters, cityName: string): Units {
  const areas: Area[] = [];
  const byId = new Map<string, Area>();
  const add = (a: Omit<Area, 'index' | 'buildings' | 'residents'>): Area => {
    let id = a.id;
    for (let k = 2; byId.has(id); k++) id = `${a.id}~${k}`;
    const area: Area = { ...a, id, index: areas.length, buildings: 0, residents: 0 };
    areas.push(area);
    byId.set(id, area);
    return area;
  };
  const o = data.places.origins;
  const n = o.count;
  const notes: string[] = [];
  const notesZh: string[] = [];
  const note = (en: string, zh: string) => { notes.push(en); notesZh.push(zh); };
  const source = {} as Units['source'];
  const sourceZh = {} as Units['source_zh'];
  const level: Units['level'] = { city: [], district: [], street: [], community: [] };
  const of: Units['of'] = { city: new Int32Array(n), district: new Int32Array(n).fill(-1), street: new Int32Array(n).fill(-1), community: new Int32Array(n).fill(-1) };
  const locators = new Map<AreaLevel, (lon: number, lat: number) => number>();

  // the data's extent, the anchor of fallback grids
  let w = Infinity, s = Infinity;
  const b = data.buildings;
  for (let i = 0; i < b.count; i++) { if (b.lon[i] < w) w = b.lon[i]; if (b.lat[i] < s) s = b.lat[i]; }
  if (!Number.isFinite(w)) { w = data.places.graph.bbox[0]; s = data.places.graph.bbox[1]; }
  if (!Number.isFinite(w)) { w = 0; s = 0; }

  const city = add({ id: 'city', kind: 'city', level: 'city', name: cityName, geometry: null, area_m2: 0 });
  level.city.push(city.index);
  locators.set('city', () => city.index);
  source.city = 'the whole data extent';
  sourceZh.city = '数据的全部范围';

  // compounds: residential landuse polygons
  const compoundIdx = new PolygonIndex(data.compounds);
  const compoundOf = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) compoundOf[i] = compoundIdx.locate(o.lon[i], o.lat[i]);
  const compoundRes = new Float64Array(data.compounds.length);
  for (let i = 0; i < n; i++) if (compoundOf[i] >= 0) compoundRes[compoundOf[i]]++;

  const adminLevel = (lv: 'district' | 'street' | 'community', label: string, labelZh: string) => {
    const polys = data.admin.filter((a) => a.level === lv);
    if (!polys.length) return false;
    const idx = new PolygonIndex(polys);
    const ids = polys.map((p) => add({ id: `${lv}:${p.id}`, kind: lv, level: lv, ...(p.name ? { name: p.name } : {}), geometry: p.geometry, area_m2: p.area_m2 }).index);
    level[lv].push(...ids);
    const loc = (lon: number, lat: number) => { const k = idx.locate(lon, lat); return k < 0 ? -1 : ids[k]; };
    locators.set(lv, loc);
    for (let i = 0; i < n; i++) of[lv][i] = loc(o.lon[i], o.lat[i]);
    const al = [...new Set(polys.map((p) => p.admin_level))].join('/');
    source[lv] = `${polys.length} ${label} from administrative boundaries (admin_level ${al})`;
    sourceZh[lv] = `行政区划边界中的 ${polys.length} 个${labelZh}（admin_level ${al}）`;
    return true;
  };

  const gridLevel = (lv: AreaLevel, size: number, prefix: string) => {
    const g = new SquareGrid(size, w, s);
    const cells = new Map<string, number>();
    const loc = (lon: number, lat: number, create = false) => {
      const [ix, iy] = g.key(lon, lat);
      const key = `${ix}:${iy}`;
      let k = cells.get(key);
      if (k === undefined) {
        if (!create) return -1;
        k = add({ id: `${prefix}:${ix}:${iy}`, kind: 'grid', level: lv, name: `${prefix} ${ix},${iy}`, geometry: g.square(ix, iy), area_m2: size * size }).index;
        cells.set(key, k);
        level[lv].push(k);
      }
      return k;
    };
    // cells holding any building, so that built-up land without residents is still reported
    for (let i = 0; i < b.count; i++) loc(b.lon[i], b.lat[i], true);
    for (let i = 0; i < n; i++) of[lv][i] = loc(o.lon[i], o.lat[i], true);
    locators.set(lv, (lon, lat) => loc(lon, lat));
    return cells.size;
  };

  if (!adminLevel('district', 'districts', '区')) {
    source.district = 'none: no district boundaries (admin_level 6) in the data';
    sourceZh.district = '无：数据中没有区级边界（admin_level 6）';
    note('no district boundaries in the data: district level left empty (the city is reported as a whole)', '数据中没有区级边界（admin_level 6）：区级结果留空，城市作为整体报告');
  }
  if (!adminLevel('street', 'streets (街道)', '街道')) {
    const cells = gridLevel('street', params.grid_street_m, `grid${params.grid_street_m}`);
    source.street = `fallback grid: ${cells} cells of ${params.grid_street_m} m (no street boundaries, admin_level 8, in the data)`;
    sourceZh.street = `替代网格：${cells} 个 ${params.grid_street_m} 米网格（数据中没有街道边界，admin_level 8）`;
    note(`no street (街道) boundaries in the data: a regular grid of ${params.grid_street_m} m cells stands in for the street level`, `数据中没有街道边界（admin_level 8）：以 ${params.grid_street_m} m 规则网格代替街道层级`);
  }
  const compoundAreas: number[] = [];
  const compoundAreaOf = new Int32Array(data.compounds.length).fill(-1);
  const addCompounds = (lv: AreaLevel) => {
    data.compounds.forEach((c, k) => {
      if (!compoundRes[k]) return;
      const a = add({ id: `compound:${c.id}`, kind: 'compound', level: lv, ...(c.name ? { name: c.name } : {}), geometry: c.geometry, area_m2: c.area_m2 });
      compoundAreaOf[k] = a.index;
      compoundAreas.push(a.index);
    });
  };
  let provisionKind: Units['provisionKind'];
  if (adminLevel('community', 'communities (社区)', '社区')) {
    addCompounds('community');
    // compounds are counting units, not a reporting level, when communities exist
  } else if (data.compounds.some((_, k) => compoundRes[k] > 0)) {
    addCompounds('community');
    level.community.push(...compoundAreas);
    for (let i = 0; i < n; i++) of.community[i] = compoundOf[i] >= 0 ? compoundAreaOf[compoundOf[i]] : -1;
    locators.set('community', (lon, lat) => { const k = compoundIdx.locate(lon, lat); return k < 0 ? -1 : compoundAreaOf[k]; });
    source.community = `${compoundAreas.length} residential compounds (小区, landuse=residential) stand in for communities (no community boundaries, admin_level 9/10, in the data)`;
    sourceZh.community = `以 ${compoundAreas.length} 个居住小区（landuse=residential）代替社区（数据中没有社区边界，admin_level 9/10）`;
    note('no community (社区) boundaries in the data: residential compounds (landuse=residential) are the community units', '数据中没有社区边界（admin_level 9/10）：以居住小区（landuse=residential）作为社区单元');
  } else {
    const cells = gridLevel('community', params.grid_community_m, `grid${params.grid_community_m}`);
    source.community = `fallback grid: ${cells} cells of ${params.grid_community_m} m (no community boundaries and no residential compounds in the data)`;
    sourceZh.community = `替代网格：${cells} 个 ${params.grid_community_m} 米网格（数据中既无社区边界也无居住小区）`;
    note(`no community boundaries and no residential compounds in the data: a ${params.grid_community_m} m grid stands in for communities`, `数据中既无社区边界也无居住小区：以 ${params.grid_community_m} m 网格代替社区`);
  }

  const provisionOf = new Int32Array(n).fill(-1);
  let provision: number[];
  if (compoundAreas.length) {
    provision = compoundAreas;
    provisionKind = 'compound';
    for (let i = 0; i < n; i++) provisionOf[i] = compoundOf[i] >= 0 ? compoundAreaOf[compoundOf[i]] : -1;
    source.provision = `${compoundAreas.length} residential compounds (小区, landuse=residential polygons holding residential buildings)`;
    sourceZh.provision = `${compoundAreas.length} 个居住小区（含住宅建筑的 landuse=residential 用地）`;
  } else if (level.community.length) {
    provision = level.community;
    provisionKind = areas[level.community[0]].kind;
    provisionOf.set(of.community);
    source.provision = `the community units (${source.community}): no residential compounds in the data`;
    sourceZh.provision = `社区单元（${sourceZh.community ?? '行政区划中的社区'}）：数据中没有居住小区`;
  } else {
    provision = [];
    provisionKind = 'none';
    source.provision = 'none';
    sourceZh.provision = '无';
  }
  if (!source.community) source.community = 'communities from administrative boundaries';
  if (!sourceZh.community) sourceZh.community = '行政区划中的社区';

  // residents and residential buildings per area
  for (let i = 0; i < n; i++) {
    const r = o.residents[i];
    city.buildings++; city.residents += r;
    for (const lv of ['district', 'street', 'community'] as const) {
      const k = of[lv][i];
      if (k >= 0) { areas[k].buildings++; areas[k].residents += r; }
    }
    const p = provisionOf[i];
    if (p >= 0 && areas[p].level === 'community' && of.community[i] !== p) { areas[p].buildings++; areas[p].residents += r; }
  }
  for (const lv of ['district', 'street', 'community'] as const) {
    if (!level[lv].length) continue;
    let out = 0;
    for (let i = 0; i < n; i++) if (of[lv][i] < 0) out++;
    const zhLv = { district: '区', street: '街道', community: '社区' }[lv];
    if (out) note(`${out} of ${n} residential buildings lie outside every ${lv} unit: they count for the city only`, `${n} 栋住宅建筑中有 ${out} 栋不在任何${zhLv}单元内：只计入城市整体`);
  }
  return {
    areas, byId, level, provision, provisionKind, of, provisionOf, compoundOf, source, source_zh: sourceZh, notes, notesZh,
    locate: (lv, lon, lat) => locators.get(lv)?.(lon, lat) ?? -1,
  };
}
