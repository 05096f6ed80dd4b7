import type { Areal, MultiPolygon } from '../model/geometry.js';
import type { CityRecord, RecordKind } from '../model/types.js';
import { copyValue } from './driver.js';
import { toHexEwkb } from './wkb.js';
import { versioned, type VersionedSpec } from './archive.js';

/** How each record kind maps onto its table: declared once, used by the loader and stats. */
export interface TableSpec {
  /** the record kind's name: `<table>_versions` holds every version, `<table>_current` what is true now */
  table: string;
  /** the archive's view of it */
  archive: VersionedSpec;
  kind: RecordKind;
  /** columns written by COPY besides city_id, source_id */
  columns: string[];
  /** primary key columns besides city_id */
  key: string[];
  /** geometry type the table holds, for repair */
  geomType: 'MultiPolygon' | 'LineString' | 'Geometry';
  rows(r: CityRecord): unknown[][];
}

const multi = (g: Areal): MultiPolygon => (g.type === 'Polygon' ? { type: 'MultiPolygon', coordinates: [g.coordinates] } : g);

export const TABLES: TableSpec[] = [
  {
    table: 'buildings', archive: versioned('buildings', 'buildings', ['id'], true), kind: 'building', geomType: 'MultiPolygon', key: ['id'],
    columns: ['id', 'name', 'use', 'height', 'levels', 'year', 'residential', 'area_m2', 'tags', 'geom'],
    rows: (r) => r.kind !== 'building' ? [] : [[r.id, r.name, r.use, r.height, r.levels, r.year, r.residential, r.area_m2, r.tags, toHexEwkb(multi(r.geometry))]],
  },
  {
    table: 'facilities', archive: versioned('facilities', 'facilities', ['id', 'category'], true), kind: 'facility', geomType: 'Geometry', key: ['id', 'category'],
    columns: ['id', 'category', 'name', 'tags', 'geom'],
    rows: (r) => {
      if (r.kind !== 'facility') return [];
      const g = toHexEwkb(r.geometry.type === 'Point' ? r.geometry : multi(r.geometry));
      return r.categories.map((c) => [r.id, c, r.name, r.tags, g]);
    },
  },
  {
    table: 'green_spaces', archive: versioned('green_spaces', 'green_spaces', ['id'], true), kind: 'green_space', geomType: 'MultiPolygon', key: ['id'],
    columns: ['id', 'name', 'green_kind', 'is_public', 'area_m2', 'tags', 'geom'],
    rows: (r) => r.kind !== 'green_space' ? [] : [[r.id, r.name, r.green_kind, r.is_public, r.area_m2, r.tags, toHexEwkb(multi(r.geometry))]],
  },
  {
    table: 'land_use', archive: versioned('land_use', 'land_use', ['id'], true), kind: 'land_use', geomType: 'MultiPolygon', key: ['id'],
    columns: ['id', 'name', 'landuse', 'area_m2', 'tags', 'geom'],
    rows: (r) => r.kind !== 'land_use' ? [] : [[r.id, r.name, r.landuse, r.area_m2, r.tags, toHexEwkb(multi(r.geometry))]],
  },
  {
    table: 'admin_areas', archive: versioned('admin_areas', 'admin_areas', ['id'], true), kind: 'admin_area', geomType: 'MultiPolygon', key: ['id'],
    columns: ['id', 'name', 'admin_level', 'level', 'tags', 'geom'],
    rows: (r) => r.kind !== 'admin_area' ? [] : [[r.id, r.name, r.admin_level, r.level, r.tags, toHexEwkb(multi(r.geometry))]],
  },
  {
    table: 'walk_edges', archive: versioned('walk_edges', 'walk_edges', ['id'], true), kind: 'walk_edge', geomType: 'LineString', key: ['id'],
    columns: ['id', 'name', 'highway', 'length_m', 'node_ids', 'tags', 'geom'],
    rows: (r) => r.kind !== 'walk_edge' ? [] : [[r.id, r.name, r.highway, r.length_m, r.node_ids ? `{${r.node_ids.join(',')}}` : undefined, r.tags, toHexEwkb(r.geometry)]],
  },
  {
    // roads closed to pedestrians (foot=no, motorways, ...): counted by the road density, never walked
    table: 'roads', archive: versioned('roads', 'roads', ['id'], true), kind: 'road', geomType: 'LineString', key: ['id'],
    columns: ['id', 'name', 'highway', 'length_m', 'tags', 'geom'],
    rows: (r) => r.kind !== 'road' ? [] : [[r.id, r.name, r.highway, r.length_m, r.tags, toHexEwkb(r.geometry)]],
  },
  {
    // designated greenway routes (route relations named as greenways): counted by the greenway coverage
    table: 'greenway_routes', archive: versioned('greenway_routes', 'greenway_routes', ['id'], true), kind: 'greenway_route', geomType: 'Geometry', key: ['id'],
    columns: ['id', 'name', 'route', 'length_m', 'tags', 'geom'],
    rows: (r) => r.kind !== 'greenway_route' ? [] : [[r.id, r.name, r.route, r.length_m, r.tags, toHexEwkb(r.geometry)]],
  },
];

export const TABLE_BY_KIND = new Map(TABLES.map((t) => [t.kind, t]));
export const TABLE_BY_NAME = new Map(TABLES.map((t) => [t.table, t]));

/** COPY text fields joined by tabs (no newline) */
export function copyFields(values: unknown[], from = 0, to = values.length): string {
  const parts: string[] = new Array(to - from);
  for (let i = from; i < to; i++) parts[i - from] = copyValue(values[i]);
  return parts.join('\t'); // a flat string: rows wait in memory, ropes would cost the GC
}

export function copyLine(values: unknown[]): string {
  return copyFields(values) + '\n';
}
