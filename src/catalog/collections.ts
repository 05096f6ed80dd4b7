/**
 * The collections, declared once: where each lives in the store, its feature id, its properties
 * (API name, SQL expression, JSON type) and geometry. The OGC API – Features routes, the CQL2
 * compiler, the queryables, the OpenAPI parameters and the vector tile layers all read this one
 * registry (the pygeoapi way: routes emerge from configuration, one code path serves them all).
 *
 * SQL expressions here are trusted code, never client input; they refer to the row as `t`.
 */
import { asOfSql, type VersionedSpec } from '../store/archive.js';
import { TABLE_BY_NAME } from '../store/tables.js';
import type { Role } from '../store/principals.js';

const archiveOf = (table: string): VersionedSpec => TABLE_BY_NAME.get(table)!.archive;

import { SAFETY_COLLECTIONS } from '../domains/safety/collections.js';
import { BUILDING_CARBON_PROPERTY, ENERGY_COLLECTIONS } from '../domains/energy/collections.js';
import { OPERATIONS_COLLECTIONS } from '../domains/operations/collections.js';

export type GeometryType = 'Point' | 'MultiPoint' | 'LineString' | 'MultiLineString' | 'Polygon' | 'MultiPolygon';

export type PropType = 'string' | 'number' | 'integer' | 'boolean' | 'object';

export interface PropertySpec {
  name: string;
  sql: string;
  type: PropType;
  description: string;
  /** the label a person reads (中文), beside `name` and the English `description` */
  title_zh?: string;
  /** unit of a number, as a symbol (m, m², kg, ...): JSON Schema `x-ogc-unit` in the queryables */
  unit?: string;
  /** usable in filters and as `?name=value` (default: every scalar) */
  queryable?: boolean;
  /** carried into vector tiles (default false) */
  tile?: boolean;
}

export interface CollectionSpec {
  id: string;
  title: string;
  title_zh: string;
  description: string;
  /** FROM clause (alias t) */
  from: string;
  /** the archive behind it, when the collection is versioned: `?as_of=` reads the records as they were */
  archive?: VersionedSpec;
  /** tables (or views) that must exist for the collection to be available */
  requires: string[];
  /** why it may be missing, for the 404 */
  missingHint?: string;
  /** a query ($1 = city) that returns a row when the collection has data for the city (results of a command not yet run are 404) */
  probe?: string;
  /** feature id: the key columns, joined by ':' in the id when more than one */
  key: { name: string; sql: string }[];
  /**
   * the geometry: one type per collection (GDAL and QGIS write Shapefiles, one type a file);
   * `indexed`: an indexed column whose box holds the geometry (a bbox prefilter when `sql` is computed)
   */
  geometry: { sql: string; type: GeometryType; indexed?: string };
  /** a condition on t every row of the collection meets (now and `as_of` a time) */
  only?: string;
  /** the temporal property, as a [start, end) pair of timestamptz SQL expressions; `datetime` filters on it */
  time?: { name: string; start: string; end: string; description: string };
  properties: PropertySpec[];
  /**
   * who may read it (访问策略): absent = whoever may read the server (public unless `publicRead` is
   * off); a list = a principal holding one of these roles (admin holds all). Items, queryables,
   * tiles, styles and the archive's history all apply it; the collection list hides it from others.
   */
  read?: readonly Role[];
  /** fields of its archived records only staff may see (the history API strips them for others) */
  staffOnly?: readonly string[];
  tile?: {
    minzoom: number;
    maxzoom: number;
    /** what the tile's geometry is: fill / line / point layers in the viewer */
    kind: 'polygon' | 'line' | 'point';
    /** add the building's walking distance per category (`d_<category>`) from the latest access run */
    access?: boolean;
    /** extra WHERE for tiles only (e.g. skip tiny features at low zoom) */
  };
}

const src: PropertySpec = { name: 'source_id', sql: 't.source_id', type: 'string', title_zh: '数据来源', description: 'data source (import) the record came from' };
const tags: PropertySpec = { name: 'tags', sql: 't.tags', type: 'object', title_zh: '原始属性', description: 'source attributes (OSM tags) as recorded', queryable: false };
const name: PropertySpec = { name: 'name', sql: 't.name', type: 'string', title_zh: '名称', description: 'name', tile: true };

/** polygon facilities (and any other shape) as a point inside them; their polygons are the collection facility_areas */
const AREAL = `GeometryType(t.geom) IN ('POLYGON', 'MULTIPOLYGON')`;
const facilityProps: PropertySpec[] = [
  { name: 'category', sql: 't.category', type: 'string', title_zh: '设施类别', description: 'facility category id (see /api/v1/categories)', tile: true },
  name,
  { name: 'osm_id', sql: 't.id', type: 'string', title_zh: '源数据编号', description: 'id of the source object (w123, n45, r6)', tile: true },
  src, tags,
];

export const COLLECTIONS: CollectionSpec[] = [
  {
    id: 'buildings', title: 'Buildings', title_zh: '建筑',
    description: 'Building footprints with height, levels, use, construction year and whether residential.',
    from: 'buildings_current t', requires: ['buildings_versions'], archive: archiveOf('buildings'),
    key: [{ name: 'id', sql: 't.id' }],
    geometry: { sql: 't.geom', type: 'MultiPolygon' },
    time: {
      name: 'year', description: 'construction year: the feature is dated to that calendar year',
      start: "(CASE WHEN t.year BETWEEN 1 AND 9998 THEN make_timestamptz(t.year, 1, 1, 0, 0, 0, 'UTC') END)",
      end: "(CASE WHEN t.year BETWEEN 1 AND 9998 THEN make_timestamptz(t.year + 1, 1, 1, 0, 0, 0, 'UTC') END)",
    },
    properties: [
      name,
      { name: 'use', sql: 't.use', type: 'string', title_zh: '建筑用途', description: 'building use (OSM building=*)', tile: true },
      { name: 'height', sql: 't.height', type: 'number', title_zh: '高度', unit: 'm', description: 'height in metres as recorded (null when unknown; the viewer uses levels × 3 m then)', tile: true },
      { name: 'levels', sql: 't.levels', type: 'number', title_zh: '地上层数', description: 'number of storeys above ground', tile: true },
      { name: 'year', sql: 't.year', type: 'integer', title_zh: '建成年份', description: 'construction year', tile: true },
      { name: 'residential', sql: 't.residential', type: 'boolean', title_zh: '居住建筑', description: 'residential building (by use, or building=yes inside residential land use)', tile: true },
      { name: 'area_m2', sql: 't.area_m2', type: 'number', title_zh: '占地面积', unit: 'm²', description: 'footprint area, m²' },
      BUILDING_CARBON_PROPERTY,
      src, tags,
    ],
    tile: { minzoom: 13, maxzoom: 16, kind: 'polygon', access: true },
  },
  {
    id: 'facilities', title: 'Facilities', title_zh: '公共服务设施',
    description: 'Facilities by category of the facility taxonomy, as points (one feature per facility and category; id = osm-id:category; a facility mapped as an area is the point ST_PointOnSurface of it, its outline is in facility_areas).',
    from: 'facilities_current t', requires: ['facilities_versions'], archive: archiveOf('facilities'),
    key: [{ name: 'id', sql: 't.id' }, { name: 'category', sql: 't.category' }],
    geometry: { sql: "(CASE WHEN GeometryType(t.geom) = 'POINT' THEN t.geom ELSE ST_PointOnSurface(t.geom) END)", type: 'Point', indexed: 't.geom' },
    properties: [...facilityProps, { name: 'has_area', sql: `(${AREAL})`, type: 'boolean', title_zh: '按面状绘制', description: 'mapped as an area: its outline is the feature of the same id in facility_areas', tile: false }],
    tile: { minzoom: 12, maxzoom: 16, kind: 'point' },
  },
  {
    id: 'facility_areas', title: 'Facility areas', title_zh: '公共服务设施用地范围',
    description: 'The outlines of the facilities mapped as areas (same ids as their points in facilities).',
    from: `(SELECT * FROM facilities_current t WHERE ${AREAL}) t`, only: AREAL,
    requires: ['facilities_versions'], archive: archiveOf('facilities'),
    key: [{ name: 'id', sql: 't.id' }, { name: 'category', sql: 't.category' }],
    geometry: { sql: 'ST_Multi(t.geom)', type: 'MultiPolygon', indexed: 't.geom' },
    properties: facilityProps,
  },
  {
    id: 'green_spaces', title: 'Parks and green spaces', title_zh: '公园绿地',
    description: 'Parks, gardens and other green land, with area and whether public.',
    from: 'green_spaces_current t', requires: ['green_spaces_versions'], archive: archiveOf('green_spaces'),
    key: [{ name: 'id', sql: 't.id' }],
    geometry: { sql: 't.geom', type: 'MultiPolygon' },
    properties: [
      name,
      { name: 'green_kind', sql: 't.green_kind', type: 'string', title_zh: '绿地类型', description: 'park, garden, grass, wood, ...', tile: true },
      { name: 'is_public', sql: 't.is_public', type: 'boolean', title_zh: '是否公共开放', description: 'publicly accessible', tile: true },
      { name: 'area_m2', sql: 't.area_m2', type: 'number', title_zh: '面积', unit: 'm²', description: 'area, m²', tile: true },
      src, tags,
    ],
    tile: { minzoom: 10, maxzoom: 16, kind: 'polygon' },
  },
  {
    id: 'land_use', title: 'Land use', title_zh: '用地',
    description: 'Land use parcels (residential, commercial, industrial, ...).',
    from: 'land_use_current t', requires: ['land_use_versions'], archive: archiveOf('land_use'),
    key: [{ name: 'id', sql: 't.id' }],
    geometry: { sql: 't.geom', type: 'MultiPolygon' },
    properties: [
      name,
      { name: 'landuse', sql: 't.landuse', type: 'string', title_zh: '用地类型', description: 'land use class (OSM landuse=*)', tile: true },
      { name: 'area_m2', sql: 't.area_m2', type: 'number', title_zh: '面积', unit: 'm²', description: 'area, m²' },
      src, tags,
    ],
    tile: { minzoom: 10, maxzoom: 16, kind: 'polygon' },
  },
  {
    id: 'admin_areas', title: 'Administrative areas', title_zh: '行政区划',
    description: 'Districts, streets (街道) and communities (社区) with their OSM admin level.',
    from: 'admin_areas_current t', requires: ['admin_areas_versions'], archive: archiveOf('admin_areas'),
    key: [{ name: 'id', sql: 't.id' }],
    geometry: { sql: 't.geom', type: 'MultiPolygon' },
    properties: [
      name,
      { name: 'admin_level', sql: 't.admin_level', type: 'integer', title_zh: 'OSM 行政级别', description: 'OSM admin_level', tile: true },
      { name: 'level', sql: 't.level', type: 'string', title_zh: '层级', description: 'city | district | street | community', tile: true },
      src, tags,
    ],
    tile: { minzoom: 8, maxzoom: 16, kind: 'polygon' },
  },
  {
    id: 'walk_network', title: 'Walk network', title_zh: '步行网络',
    description: 'Walkable ways (the OSMnx "walk" filter), two-way for pedestrians, with geodesic length.',
    from: 'walk_edges_current t', requires: ['walk_edges_versions'], archive: archiveOf('walk_edges'),
    key: [{ name: 'id', sql: 't.id' }],
    geometry: { sql: 't.geom', type: 'LineString' },
    properties: [
      name,
      { name: 'highway', sql: 't.highway', type: 'string', title_zh: '道路等级', description: 'OSM highway class', tile: true },
      { name: 'length_m', sql: 't.length_m', type: 'number', title_zh: '长度', unit: 'm', description: 'geodesic length, m' },
      src, tags,
    ],
    tile: { minzoom: 12, maxzoom: 16, kind: 'line' },
  },
  {
    id: 'indicator_results', title: 'Health check indicator results (per area)', title_zh: '城市体检指标结果',
    description: 'Results of the latest urban health check (opencim check) per indicator and area (city, district, street, community), with target, status and how each was computed; geometry = the area.',
    from: `(SELECT r.*, a.name AS area_name, a.kind AS area_kind, a.geom FROM indicator_results r
      JOIN check_areas a ON a.city_id = r.city_id AND a.run_id = r.run_id AND a.area_id = r.area_id
      WHERE r.run_id = (SELECT max(c.run_id) FROM check_runs c WHERE c.city_id = r.city_id)) t`,
    requires: ['indicator_results', 'check_areas', 'check_runs'],
    probe: 'SELECT 1 FROM check_runs WHERE city_id = $1 LIMIT 1',
    missingHint: 'no health check results in the store yet: run `opencim check --db D --out DIR`',
    key: [{ name: 'indicator_id', sql: 't.indicator_id' }, { name: 'area_id', sql: 't.area_id' }],
    geometry: { sql: 't.geom', type: 'MultiPolygon' },
    properties: [
      { name: 'indicator_id', sql: 't.indicator_id', type: 'string', title_zh: '指标编号', description: 'indicator id (catalogue)' },
      { name: 'run_id', sql: 't.run_id', type: 'integer', title_zh: '运行编号', description: 'the health check run that computed it (/api/v1/runs/{run})' },
      { name: 'area_id', sql: 't.area_id', type: 'string', title_zh: '评估单元编号', description: 'area of analysis' },
      { name: 'area_name', sql: 't.area_name', type: 'string', title_zh: '评估单元名称', description: 'name of the area' },
      { name: 'area_kind', sql: 't.area_kind', type: 'string', title_zh: '评估单元类型', description: 'city | district | street | community | compound | grid' },
      { name: 'level', sql: 't.level', type: 'string', title_zh: '层级', description: 'city | district | street | community' },
      { name: 'system_level', sql: 't.system_level', type: 'string', title_zh: '体检层级', description: 'housing | community | block | city (MOHURD system)' },
      { name: 'value', sql: 't.value', type: 'number', title_zh: '指标值', description: 'the value, in unit' },
      { name: 'unit', sql: 't.unit', type: 'string', title_zh: '单位', description: 'ratio | m | km/km2 | m2/person | count | ...' },
      { name: 'status', sql: 't.status', type: 'string', title_zh: '状态', description: 'pass | fail | no_target | no_data' },
      { name: 'grade', sql: 't.grade', type: 'string', title_zh: '等级', description: 'grade band, where the catalogue has one' },
      { name: 'source', sql: 't.source', type: 'string', title_zh: '数据来源方式', description: 'computed | manual | none' },
      { name: 'year', sql: 't.year', type: 'integer', title_zh: '数据年份', description: 'year of the data' },
      { name: 'target', sql: 't.target', type: 'object', title_zh: '目标值', description: 'target { op, value }', queryable: false },
      { name: 'explain', sql: 't.explain', type: 'string', title_zh: '计算说明', description: 'how it was computed, from what', queryable: false },
    ],
  },
  {
    id: 'renewal_candidates', title: 'Renewal candidates', title_zh: '城市更新候选',
    description: 'Places the latest health check proposes for renewal, ranked, with the reasons.',
    from: '(SELECT r.* FROM renewal_candidates r WHERE r.run_id = (SELECT max(c.run_id) FROM check_runs c WHERE c.city_id = r.city_id)) t',
    requires: ['renewal_candidates', 'check_runs'],
    probe: 'SELECT 1 FROM check_runs WHERE city_id = $1 LIMIT 1',
    missingHint: 'no renewal candidates in the store yet: run `opencim check --db D --out DIR`',
    key: [{ name: 'rank', sql: 't.rank' }],
    geometry: { sql: 'ST_Multi(t.geom)', type: 'MultiPolygon', indexed: 't.geom' },
    properties: [
      { name: 'rank', sql: 't.rank', type: 'integer', title_zh: '排名', description: '1 = most in need' },
      { name: 'run_id', sql: 't.run_id', type: 'integer', title_zh: '运行编号', description: 'the health check run that proposed it (/api/v1/runs/{run})', tile: true },
      { name: 'place_id', sql: 't.place_id', type: 'string', title_zh: '地块编号', description: 'the place (compound, community, grid cell, building cluster)' },
      name,
      { name: 'kind', sql: 't.kind', type: 'string', title_zh: '类型', description: 'compound | community | grid | old_building_cluster' },
      { name: 'score', sql: 't.score', type: 'number', title_zh: '更新评分', description: 'renewal score' },
      { name: 'residents', sql: 't.residents', type: 'number', title_zh: '估算居住人口', unit: '人', description: 'estimated residents' },
      { name: 'buildings', sql: 't.buildings', type: 'integer', title_zh: '建筑数', description: 'buildings in the place' },
      { name: 'reasons_zh', sql: 'to_jsonb(t.reasons_zh)', type: 'object', title_zh: '更新理由', description: '理由', queryable: false },
      { name: 'reasons_en', sql: 'to_jsonb(t.reasons_en)', type: 'object', title_zh: '更新理由（英文）', description: 'reasons', queryable: false },
      { name: 'components', sql: 't.components', type: 'object', title_zh: '评分构成', description: 'score components', queryable: false },
    ],
    tile: { minzoom: 8, maxzoom: 16, kind: 'polygon' },
  },
  ...SAFETY_COLLECTIONS,
  ...ENERGY_COLLECTIONS,
  // city operations (src/domains/operations): public fields only (no reporter data, no staff names)
  {
    id: 'cases', title: 'City operations cases', title_zh: '城市运行案件',
    description: 'Reports and their case cycle (report → accept → dispatch → handle → verify → close), with the deadline of the current stage.',
    // the reporter's contact details and the request token: staff only (Open311 keeps them private too)
    staffOnly: ['reporter', 'token'],
    from: 'cases_current t', requires: ['cases_versions'], archive: { kind: 'cases', table: 'cases_versions', current: 'cases_current', key: ['id'], geom: true },
    probe: 'SELECT 1 FROM cases_current WHERE city_id = $1 LIMIT 1',
    key: [{ name: 'id', sql: 't.id' }],
    geometry: { sql: 't.geom', type: 'Point' },
    time: { name: 'reported_at', description: 'when the case was reported', start: 't.reported_at', end: "(t.reported_at + interval '1 millisecond')" },
    properties: [
      { name: 'status', sql: 't.status', type: 'string', title_zh: '案件环节', description: 'reported | accepted | dispatched | handled | verified | closed | rejected | duplicate', tile: true },
      { name: 'service_code', sql: 't.service_code', type: 'string', title_zh: '案件类别', description: 'case class (Open311 service_code)', tile: true },
      { name: 'class_code', sql: 't.class_code', type: 'string', title_zh: 'GB/T 30428 类别代码', description: 'GB/T 30428 class code' },
      { name: 'department', sql: 't.department', type: 'string', title_zh: '责任部门', description: 'responsible department', tile: true },
      { name: 'grid_code', sql: 't.grid_code', type: 'string', title_zh: '单元网格', description: 'unit grid' },
      { name: 'channel', sql: 't.channel', type: 'string', title_zh: '来源渠道', description: 'open311 | hotline | grid_worker | staff' },
      { name: 'reported_at', sql: 't.reported_at', type: 'string', title_zh: '上报时间', description: 'when it was reported' },
      { name: 'description', sql: 't.description', type: 'string', title_zh: '问题描述', description: 'what was reported', queryable: false },
      { name: 'deadline', sql: 't.deadline', type: 'string', title_zh: '当前环节时限', description: 'end of the current stage time limit (working time)' },
      { name: 'overdue', sql: 'coalesce(t.deadline < now(), false)', type: 'boolean', title_zh: '是否超时', description: 'past the deadline of its stage now', tile: true },
      { name: 'escalation', sql: 't.escalation', type: 'integer', title_zh: '督办等级', description: '0 none, 1 overdue, 2 yellow card, 3 red card', tile: true },
      { name: 'duplicate_of', sql: 't.duplicate_of', type: 'string', title_zh: '重复案件', description: 'the case this report duplicates' },
    ],
    tile: { minzoom: 10, maxzoom: 16, kind: 'point' },
  },
  {
    id: 'grids', title: 'Management grids', title_zh: '管理网格',
    description: 'District, street, community and unit grids (about 10,000 m²) with their codes.',
    from: 'grids_current t', requires: ['grids_versions'], archive: { kind: 'grids', table: 'grids_versions', current: 'grids_current', key: ['code'], geom: true },
    probe: 'SELECT 1 FROM grids_current WHERE city_id = $1 LIMIT 1',
    key: [{ name: 'code', sql: 't.code' }],
    geometry: { sql: 't.geom', type: 'MultiPolygon' },
    properties: [
      { name: 'level', sql: 't.level', type: 'string', title_zh: '层级', description: 'district | street | community | unit', tile: true },
      { name: 'parent_code', sql: 't.parent_code', type: 'string', title_zh: '上级网格', description: 'the grid it lies in' },
      name,
      { name: 'street', sql: 't.street', type: 'string', title_zh: '所属街道', description: 'street code' },
      { name: 'area_m2', sql: 't.area_m2', type: 'number', title_zh: '面积', unit: 'm²', description: 'area, m²', tile: true },
    ],
    tile: { minzoom: 12, maxzoom: 16, kind: 'polygon' },
  },
  ...OPERATIONS_COLLECTIONS,
];

export const COLLECTION_BY_ID = new Map(COLLECTIONS.map((c) => [c.id, c]));

/**
 * The archive kinds of the city model: a change set that writes one of them moves the city's data
 * version (the map tiles' ETag, the pyramid's version), as do imports and runs. The domains'
 * records (cases, grids, the safety register, metered energy) are written far more often (a
 * citizen's report) and move only the city's archive head.
 */
export const MODEL_KINDS = ['buildings', 'facilities', 'green_spaces', 'land_use', 'admin_areas', 'walk_edges'] as const;
const MODEL_TABLES = new Set(MODEL_KINDS.map((k) => `${k}_versions`));

/**
 * Does the collection change only with the city model and the runs (then the data version says
 * when it changed), or with the domains' records too (then the archive head does)? A collection
 * that reads a versioned table outside the city model follows the head.
 */
export function followsModel(c: Pick<CollectionSpec, 'requires'>): boolean {
  return c.requires.every((t) => !t.endsWith('_versions') || MODEL_TABLES.has(t));
}

/** FROM clause (alias t) of a versioned collection as it was at a time (`ts`: a timestamptz SQL expression) */
export function archiveFrom(c: CollectionSpec, ts: string): string {
  const from = asOfSql(c.archive!, ts);
  return c.only ? `(SELECT * FROM ${from} t WHERE ${c.only}) t` : `${from} t`;
}

/** WHERE condition: the geometry's box meets `env` (through the index when the geometry is computed) */
export function boxMeets(c: CollectionSpec, env: string): string {
  const g = c.geometry;
  return g.indexed ? `${g.indexed} && ${env} AND ${g.sql} && ${env}` : `${g.sql} && ${env}`;
}

/** WHERE condition: the geometry intersects `env` (through the index when the geometry is computed) */
export function intersects(c: CollectionSpec, env: string): string {
  const g = c.geometry;
  return g.indexed ? `${g.indexed} && ${env} AND ST_Intersects(${g.sql}, ${env})` : `ST_Intersects(${g.sql}, ${env})`;
}

/** The name filters use for the geometry. */
export const GEOMETRY_NAME = 'geometry';

export function queryables(c: CollectionSpec): PropertySpec[] {
  return c.properties.filter((p) => p.queryable ?? p.type !== 'object');
}

export function propertyByName(c: CollectionSpec, n: string): PropertySpec | undefined {
  return c.properties.find((p) => p.name === n);
}

/** JSON Schema of a property, for queryables and OpenAPI. */
export function jsonSchemaOf(p: PropertySpec): Record<string, unknown> {
  return { type: p.type, ...(p.title_zh ? { title: p.title_zh } : {}), description: p.description, ...(p.unit ? { 'x-ogc-unit': p.unit } : {}) };
}

/** JSON Schema of a collection's features: a GeoJSON Feature whose `properties` are every property, typed and labelled */
export function featureSchema(c: CollectionSpec) {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object' as const,
    title: `${c.title_zh} ${c.title}`,
    required: ['type', 'geometry', 'properties'],
    properties: {
      type: { type: 'string', enum: ['Feature'] },
      id: { type: 'string', description: `feature id: ${c.key.map((k) => k.name).join(':')}` },
      geometry: { format: `geometry-${c.geometry.type.toLowerCase()}`, description: `${c.geometry.type} (CRS84)` },
      properties: { type: 'object' as const, properties: Object.fromEntries(c.properties.map((p) => [p.name, jsonSchemaOf(p)])) as Record<string, Record<string, unknown>> },
    },
  };
}

/** the archive kind of a name given for history: a collection's (walk_network → walk_edges, facility_areas → facilities), else the name itself */
export function archiveKindFor(name: string): string {
  return COLLECTION_BY_ID.get(name)?.archive?.kind ?? name;
}

/** the collection whose records an archive kind holds (history and changes are read through it) */
export function collectionOfKind(kind: string): CollectionSpec | undefined {
  return COLLECTION_BY_ID.get(kind) ?? COLLECTIONS.find((c) => c.archive?.kind === kind);
}
