import type { Areal, Geometry, LineString, MultiLineString, Point } from './geometry.js';

/**
 * The city model: typed records every reader produces and the store keeps.
 * `id` is stable across re-imports of the same source: for OSM the id with its type letter
 * (`n1`, `w123`, `r45`); for other formats `<source feature id>` or the feature index.
 */
export interface RecordBase {
  id: string;
  name?: string;
  /** Original attributes (OSM tags or source properties), kept for provenance and display. */
  tags: Record<string, string>;
}

export interface Building extends RecordBase {
  kind: 'building';
  geometry: Areal;
  /** metres above ground */
  height?: number;
  levels?: number;
  /** the `building` tag value (`yes`, `residential`, `apartments`, ...) or mapped use */
  use: string;
  /** construction year from start_date / building:start_date */
  year?: number;
  residential: boolean;
  /** footprint area, m² on the ellipsoid */
  area_m2: number;
}

export interface Facility extends RecordBase {
  kind: 'facility';
  geometry: Point | Areal;
  /** taxonomy category ids (reference/facility-taxonomy.md); a feature can have several */
  categories: string[];
}

export interface GreenSpace extends RecordBase {
  kind: 'green_space';
  geometry: Areal;
  /** leisure/landuse value: park, garden, recreation_ground, nature_reserve, ... */
  green_kind: string;
  is_public: boolean;
  area_m2: number;
}

export interface LandParcel extends RecordBase {
  kind: 'land_use';
  geometry: Areal;
  /** landuse value (residential, commercial, ...) */
  landuse: string;
  area_m2: number;
}

export type AdminLevelName = 'province' | 'city' | 'district' | 'street' | 'community' | 'other';
export interface AdminArea extends RecordBase {
  kind: 'admin_area';
  geometry: Areal;
  admin_level: number;
  level: AdminLevelName;
}

export interface WalkEdge extends RecordBase {
  kind: 'walk_edge';
  geometry: LineString;
  highway: string;
  /** OSM node ids along the line (same length as coordinates) when the source has them */
  node_ids?: number[];
  /** geodesic length, metres */
  length_m: number;
}

/** a road centreline closed to pedestrians (foot=no, motorway, ...): a road of the city, not of the walk network */
export interface Road extends RecordBase {
  kind: 'road';
  geometry: LineString;
  highway: string;
  /** geodesic length, metres */
  length_m: number;
}

/** a designated greenway route (an OSM route relation such as 广东绿道): its member ways as one line */
export interface GreenwayRoute extends RecordBase {
  kind: 'greenway_route';
  geometry: MultiLineString;
  /** route=* of the relation (hiking, foot, bicycle, ...) */
  route: string;
  /** geodesic length of the member ways present, metres */
  length_m: number;
}

export type CityRecord = Building | Facility | GreenSpace | LandParcel | AdminArea | WalkEdge | Road | GreenwayRoute;
export type RecordKind = CityRecord['kind'];
export const RECORD_KINDS: RecordKind[] = ['building', 'facility', 'green_space', 'land_use', 'admin_area', 'walk_edge', 'road', 'greenway_route'];

/** Something a reader noticed and did not silently drop (broken ring, unclosed way, ...). */
export interface IngestProblem {
  /** osm id or feature index */
  id: string;
  problem: string;
}

export type { Geometry };
