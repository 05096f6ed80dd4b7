import type { Areal, Geometry, LineString } from './geometry.js';
import { arealAreaM2, lineLengthM } from './geo.js';
import {
  adminLevelName, facilityCategories, greenKind, isBuilding, isPark, isRoadNotWalkable, isWalkable, type Tags,
} from './taxonomy.js';
import { isResidentialUse } from './residential.js';
import type { CityRecord } from './types.js';

/** A closed ring given as a LineString, or any polygon: the areal reading of a geometry. */
export function asAreal(g: Geometry): Areal | undefined {
  if (g.type === 'Polygon' || g.type === 'MultiPolygon') return g;
  if (g.type === 'LineString' && isClosed(g.coordinates)) return { type: 'Polygon', coordinates: [g.coordinates] };
  return undefined;
}

function isClosed(c: [number, number][]): boolean {
  return c.length >= 4 && c[0][0] === c[c.length - 1][0] && c[0][1] === c[c.length - 1][1];
}

function asLines(g: Geometry): LineString[] {
  if (g.type === 'LineString') return [g];
  if (g.type === 'MultiLineString') return g.coordinates.map((coordinates) => ({ type: 'LineString', coordinates }));
  return [];
}

/** "25", "25 m", "25.5m", "82 ft" → metres; undefined when unreadable */
export function parseMetres(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const m = /^\s*(-?\d+(?:[.,]\d+)?)\s*(m|metres|meters|米|ft|')?\s*$/i.exec(v);
  if (!m) return undefined;
  const n = Number(m[1].replace(',', '.'));
  if (!Number.isFinite(n) || n < 0) return undefined;
  return m[2] && /ft|'/i.test(m[2]) ? n * 0.3048 : n;
}

function parseLevels(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v.trim().replace(',', '.'));
  return Number.isFinite(n) && n >= 0 && n < 300 ? n : undefined;
}

/** first 4-digit year in start_date-like values ("1998", "1998-05", "~1990", "C20" is ignored) */
export function parseYear(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const m = /(?:^|[^\d])(\d{4})(?:$|[^\d])/.exec(v);
  if (!m) return undefined;
  const y = Number(m[1]);
  return y >= 1000 && y <= 2100 ? y : undefined;
}

/** Would an area with these tags become any model record? (decides whether to assemble a relation) */
export function isModelArea(tags: Tags): boolean {
  return isBuilding(tags) || facilityCategories(tags).length > 0 || greenKind(tags) !== undefined || makesLandUse(tags) ||
    (tags.boundary === 'administrative' && tags.admin_level !== undefined) || isWalkable(tags);
}

/**
 * The keys that make an area land use (`landuse=*`, or residential landuse by `residential=*`, as
 * `isResidentialLanduse` reads it): the importer never skips an element carrying one, since the
 * residential rule needs all land use.
 */
export const LAND_USE_KEYS: ReadonlySet<string> = new Set(['landuse', 'residential']);
function makesLandUse(tags: Tags): boolean {
  for (const k of LAND_USE_KEYS) if (tags[k] !== undefined) return true;
  return false;
}

export interface ClassifyExtra {
  /** OSM node ids along a line geometry */
  nodeIds?: number[];
}

/** the point halfway along a line, by length */
function halfway(c: LineString['coordinates']): [number, number] {
  const total = lineLengthM(c);
  let left = total / 2;
  for (let i = 1; i < c.length; i++) {
    const d = lineLengthM([c[i - 1], c[i]]);
    if (d >= left && d > 0) { const t = left / d; return [c[i - 1][0] + (c[i][0] - c[i - 1][0]) * t, c[i - 1][1] + (c[i][1] - c[i - 1][1]) * t]; }
    left -= d;
  }
  return [c[c.length - 1][0], c[c.length - 1][1]];
}

/**
 * Apply the taxonomy's tag rules to one feature: every model record it is (a school building is
 * both a building and a facility; a park is a facility and a green space).
 * Residential use by surrounding landuse is resolved later, once all landuse is known.
 */
export function classifyFeature(id: string, tags: Tags, geometry: Geometry, extra: ClassifyExtra = {}): CityRecord[] {
  const out: CityRecord[] = [];
  const name = tags.name ?? tags['name:zh'];
  const areal = asAreal(geometry);
  // (records built as literals of one shape per kind: a spread of a shared base was most of this function's time)

  if (areal && isBuilding(tags)) {
    const use = tags.building;
    out.push({
      id, name, tags, kind: 'building', geometry: areal, use, residential: isResidentialUse(use),
      height: parseMetres(tags.height) ?? parseMetres(tags['building:height']),
      levels: parseLevels(tags['building:levels']),
      year: parseYear(tags.start_date) ?? parseYear(tags['building:start_date']),
      area_m2: arealAreaM2(areal),
    });
  }

  const categories = facilityCategories(tags);
  if (categories.length) {
    // a facility mapped as an open line (e.g. a bus platform along the kerb) stands at its midpoint (issue 10 §6)
    const line = !areal ? asLines(geometry)[0] : undefined;
    const g = geometry.type === 'Point' ? geometry : areal ?? (line && line.coordinates.length ? { type: 'Point' as const, coordinates: halfway(line.coordinates) } : undefined);
    if (g) out.push({ id, name, tags, kind: 'facility', geometry: g, categories });
  }

  const green = areal ? greenKind(tags) : undefined;
  if (areal && green) out.push({ id, name, tags, kind: 'green_space', geometry: areal, green_kind: green, is_public: isPark(tags), area_m2: arealAreaM2(areal) });

  if (areal && makesLandUse(tags)) {
    const landuse = tags.landuse ?? 'residential';
    out.push({ id, name, tags, kind: 'land_use', geometry: areal, landuse, area_m2: arealAreaM2(areal) });
  }

  if (areal && tags.boundary === 'administrative' && tags.admin_level !== undefined) {
    const level = Number(tags.admin_level);
    if (Number.isInteger(level)) out.push({ id, name, tags, kind: 'admin_area', geometry: areal, admin_level: level, level: adminLevelName(level) });
  }

  const walkable = isWalkable(tags);
  if (walkable || isRoadNotWalkable(tags)) {
    const lines = geometry.type === 'Polygon' ? [{ type: 'LineString' as const, coordinates: geometry.coordinates[0] }] : asLines(geometry);
    lines.forEach((line, k) => {
      if (line.coordinates.length < 2) return;
      const lineId = lines.length > 1 ? `${id}:${k}` : id;
      // a road closed to pedestrians is a road of the city (road density), not an edge of the walk network
      if (!walkable) { out.push({ id: lineId, name, tags, kind: 'road', geometry: line, highway: tags.highway!, length_m: lineLengthM(line.coordinates) }); return; }
      out.push({
        id: lineId, name, tags, kind: 'walk_edge', geometry: line, highway: tags.highway,
        node_ids: extra.nodeIds && lines.length === 1 ? extra.nodeIds : undefined,
        length_m: lineLengthM(line.coordinates),
      });
    });
  }
  return out;
}
