/**
 * OSM data in the Tilezen (Nextzen) vector-tile schema, as exported to GeoJSON from tiles: every
 * feature has `layer` (buildings, roads, pois, landuse, water, transit, boundaries, places, earth)
 * and `kind` / `kind_detail` in place of OSM tags, and features are clipped at tile edges, so one
 * OSM object arrives as several pieces sharing `id`. This module merges the pieces and translates
 * the schema back to OSM tags, so `classifyFeature` applies the taxonomy rules unchanged.
 *
 * Merging: pieces are grouped by OSM id and by geometry family (areal / linear / point).
 * - areal: the pieces of the first layer in buildings > landuse > water > transit become one
 *   (Multi)Polygon (pieces are not dissolved here: the store unions/repairs them);
 * - linear: pieces are joined end to start where they meet exactly; what stays apart becomes a
 *   MultiLineString (classifyFeature makes one walk edge per part);
 * - a POI point (or address point) whose id is also an areal object's id is the label point of that
 *   polygon: its tags join the polygon's, as they were one OSM way (a school POI on a school
 *   grounds polygon → one `amenity=school` area);
 * - label points (`label_placement`), water/landuse outline lines (`boundary: true`), the `earth`
 *   layer and non-OSM features (Who's On First places) are dropped.
 * Ids get their OSM type letter: negative ids and `osm_relation` → `r`; polygons, lines and POIs
 * derived from polygons (they carry `area`) → `w`; other points → `n`. Features without id get
 * `f<index>`.
 *
 * Tilezen overwrites its `layer` property with the OSM `layer` tag on some buildings (values like 2
 * or -1); those are recognised by kind, and the number is kept as the OSM `layer` tag.
 *
 * Memory: the whole file is held grouped (tile exports of a district are small); use OSM PBF for
 * cities.
 */
import type { Geometry, Position } from '../model/geometry.js';
import type { IngestProblem } from '../model/types.js';
import type { GeoFeature } from './features.js';
import { tagValue } from './features.js';

export interface MappedFeature {
  id: string;
  tags: Record<string, string>;
  geometry: Geometry;
}

export const TILEZEN_LAYERS = new Set(['buildings', 'roads', 'pois', 'landuse', 'water', 'transit', 'boundaries', 'places', 'earth']);

const BUILDING_KINDS = new Set(['building', 'building_part', 'address', 'entrance']);
const ROAD_KINDS = new Set(['highway', 'major_road', 'minor_road', 'path', 'rail', 'ferry', 'aerialway', 'aeroway', 'piste', 'construction', 'racetrack', 'portage_way']);

/** A feature in the Tilezen schema: a string `kind` and a Tilezen `layer` (or a building kind). */
export function isTilezenProperties(p: Record<string, unknown>): boolean {
  if (typeof p.kind !== 'string') return false;
  if (typeof p.layer === 'string') return TILEZEN_LAYERS.has(p.layer);
  return typeof p.layer === 'number' && 'min_zoom' in p && 'sort_rank' in p;
}

// ---------------------------------------------------------------------------------------------
// Tag translation

/** Tilezen properties that are derived by Tilezen (ranks, zooms, areas) rather than OSM tags. */
const DROP = new Set([
  'layer', 'kind', 'kind_detail', 'id', 'source', 'sort_rank', 'min_zoom', 'max_zoom', 'collision_rank', 'scale_rank',
  'area', 'volume', 'label_placement', 'tier', 'kind_tile_rank', 'population_rank', 'landuse_kind', 'root_id',
  'osm_relation', 'bus_network', 'bus_shield_text', 'shield_text', 'hgv_restriction', 'hgv_restriction_shield_text',
  'colour_name', 'subway_routes', 'id:left', 'id:right', 'boundary', 'height', 'min_height', 'mz_transit_level',
  'is_bridge', 'is_tunnel', 'is_link', 'is_bus_route', 'is_bicycle_related', 'is_subway', 'is_hov_lane',
]);
const RENAME: Record<string, string> = {
  addr_housenumber: 'addr:housenumber',
  addr_street: 'addr:street',
  wikidata_id: 'wikidata',
  roof_shape: 'roof:shape',
  roof_material: 'roof:material',
  roof_colour: 'roof:colour',
  roof_height: 'roof:height',
  roof_orientation: 'roof:orientation',
  building_material: 'building:material',
  building_colour: 'building:colour',
  cycleway_left: 'cycleway:left',
  cycleway_right: 'cycleway:right',
  cycleway_both: 'cycleway:both',
  sidewalk_left: 'sidewalk:left',
  sidewalk_right: 'sidewalk:right',
};

/** POI kinds → OSM key (the value is the kind itself unless listed in POI_VALUE). */
const POI_KEY: Record<string, string> = {};
const add = (key: string, kinds: string) => {
  for (const k of kinds.split(/\s+/).filter(Boolean)) POI_KEY[k] = key;
};
add('amenity', `kindergarten childcare school university college library toilets hospital clinic doctors dentist pharmacy
  post_office post_box parcel_locker bank atm bureau_de_change restaurant cafe fast_food bar pub biergarten ice_cream food_court
  community_centre social_centre social_facility nursing_home marketplace fire_station police townhall courthouse prison
  parking bicycle_parking motorcycle_parking fuel charging_station bus_station taxi ferry_terminal bicycle_rental car_rental
  car_sharing car_wash theatre cinema arts_centre nightclub place_of_worship recycling waste_disposal waste_transfer_station
  waste_basket drinking_water shelter bench fountain veterinary embassy music_school language_school driving_school
  childcare public_bookcase toilet grave_yard vending_machine telephone clock emergency_phone boat_rental casino`);
add('shop', `supermarket convenience department_store mall general greengrocer butcher seafood farm chemist bakery
  books clothes shoes jewelry gift computer electronics mobile_phone bicycle car car_repair hairdresser beauty optician
  florist furniture hardware doityourself variety_store toys sports stationery alcohol beverages tea wine tobacco laundry
  dry_cleaning kiosk newsagent pet photo travel_agency outpost copyshop deli confectionery cosmetics massage`);
add('tourism', `hotel hostel motel guest_house apartment attraction museum gallery viewpoint information artwork zoo
  theme_park aquarium camp_site picnic_site`);
add('leisure', `park garden playground pitch sports_centre fitness_centre fitness_station stadium track swimming_pool
  marina nature_reserve dog_park golf_course water_park ice_rink slipway`);
add('office', 'government company diplomatic courier ngo');
add('historic', 'monument memorial castle ruins archaeological_site wayside_cross');
add('natural', 'tree peak spring cave_entrance volcano beach wood');
add('landuse', 'forest cemetery');
add('barrier', 'gate bollard lift_gate toll_booth block');
add('highway', 'bus_stop traffic_signals crossing street_lamp motorway_junction mini_roundabout turning_circle');
add('railway', 'station halt tram_stop subway_entrance level_crossing');
add('aeroway', 'helipad aerodrome gate_aeroway');
add('man_made', 'communications_tower tower lighthouse water_tower mast pier');
add('boundary', 'protected_area national_park');
add('emergency', 'defibrillator phone fire_hydrant');
add('power', 'substation generator plant');
add('healthcare', 'healthcare');

/** POI / landuse kinds whose OSM value differs from the kind. */
const KIND_TAGS: Record<string, Record<string, string>> = {
  fitness: { leisure: 'fitness_centre' },
  communications_tower: { man_made: 'tower', 'tower:type': 'communication' },
  embassy: { office: 'diplomatic', diplomatic: 'embassy' },
  platform: { public_transport: 'platform' },
  shop: { shop: 'yes' },
  natural_wood: { natural: 'wood' },
  natural_forest: { natural: 'wood' },
  natural_park: { leisure: 'park' },
  pedestrian: { highway: 'pedestrian', area: 'yes' },
  footway: { highway: 'footway', area: 'yes' },
  bridge: { man_made: 'bridge' },
  wall: { barrier: 'wall' },
  fence: { barrier: 'fence' },
  hedge: { barrier: 'hedge' },
  retaining_wall: { barrier: 'retaining_wall' },
  city_wall: { barrier: 'city_wall' },
  tree_row: { natural: 'tree_row' },
  grass: { landuse: 'grass' },
  scrub: { natural: 'scrub' },
  wetland: { natural: 'wetland' },
  bare_rock: { natural: 'bare_rock' },
  sand: { natural: 'sand' },
  grassland: { natural: 'grassland' },
  heath: { natural: 'heath' },
  wastewater_plant: { man_made: 'wastewater_plant' },
  water_works: { man_made: 'water_works' },
  works: { man_made: 'works' },
  recreation_ground: { landuse: 'recreation_ground' },
};

/** Landuse kinds that are not `landuse=<kind>`: the key, value = kind. */
const LANDUSE_KEY: Record<string, string> = {};
for (const k of 'park garden playground pitch sports_centre stadium track golf_course nature_reserve marina dog_park water_park common'.split(' ')) LANDUSE_KEY[k] = 'leisure';
for (const k of 'school university college kindergarten hospital parking fuel library place_of_worship prison marketplace grave_yard'.split(' ')) LANDUSE_KEY[k] = 'amenity';
for (const k of 'attraction zoo theme_park camp_site picnic_site'.split(' ')) LANDUSE_KEY[k] = 'tourism';
for (const k of 'protected_area national_park'.split(' ')) LANDUSE_KEY[k] = 'boundary';
for (const k of 'pier breakwater groyne dike'.split(' ')) LANDUSE_KEY[k] = 'man_made';
for (const k of 'beach glacier wood'.split(' ')) LANDUSE_KEY[k] = 'natural';
for (const k of 'substation plant generator'.split(' ')) LANDUSE_KEY[k] = 'power';
for (const k of 'aerodrome apron runway taxiway helipad'.split(' ')) LANDUSE_KEY[k] = 'aeroway';

const WATER_TAGS: Record<string, Record<string, string>> = {
  water: { natural: 'water' },
  lake: { natural: 'water', water: 'lake' },
  pond: { natural: 'water', water: 'pond' },
  reservoir: { landuse: 'reservoir' },
  basin: { landuse: 'basin' },
  riverbank: { waterway: 'riverbank' },
  river: { waterway: 'river' },
  canal: { waterway: 'canal' },
  stream: { waterway: 'stream' },
  ditch: { waterway: 'ditch' },
  drain: { waterway: 'drain' },
  dock: { waterway: 'dock' },
  swimming_pool: { leisure: 'swimming_pool' },
  fountain: { amenity: 'fountain' },
  ocean: { natural: 'coastline' },
  bay: { natural: 'bay' },
  strait: { natural: 'strait' },
};

const ADMIN_LEVEL: Record<string, string> = { country: '2', region: '4', macroregion: '3', county: '6', macrocounty: '5', locality: '8' };

function copyTags(p: Record<string, unknown>, tags: Record<string, string>): void {
  for (const [k, v] of Object.entries(p)) {
    if (DROP.has(k) || k.startsWith('all_') || k.startsWith('name:left') || k.startsWith('name:right') || k.includes(':left:') || k.includes(':right:')) continue;
    if (k.startsWith('mz_') || k.startsWith('tz_')) continue;
    const s = tagValue(v);
    if (s === undefined) continue;
    tags[RENAME[k] ?? k] = s;
  }
  if (p.is_bridge === true) tags.bridge = 'yes';
  if (p.is_tunnel === true) tags.tunnel = 'yes';
  for (const k of ['height', 'min_height'] as const) {
    const v = p[k];
    if (typeof v === 'number' && Number.isFinite(v)) tags[k] = String(v);
    else if (typeof v === 'string' && v.trim()) tags[k] = v.trim();
  }
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v.trim() : undefined);

/**
 * OSM tags for one Tilezen feature, or undefined when it carries nothing to keep. `layer` is the
 * Tilezen layer (already recovered for buildings whose `layer` is the OSM layer number).
 */
export function tilezenTags(layer: string, p: Record<string, unknown>): Record<string, string> | undefined {
  const kind = str(p.kind);
  const detail = str(p.kind_detail);
  if (!kind) return undefined;
  const tags: Record<string, string> = {};
  copyTags(p, tags);
  switch (layer) {
    case 'buildings':
      if (kind === 'building') tags.building = detail ?? 'yes';
      else if (kind === 'building_part') tags['building:part'] = detail ?? 'yes';
      else if (kind === 'entrance') tags.entrance = detail ?? 'yes';
      else if (kind !== 'address') return undefined;
      break;
    case 'roads':
      if (kind === 'highway' || kind === 'major_road' || kind === 'minor_road' || kind === 'path') {
        if (detail === 'pier') tags.man_made = 'pier';
        else tags.highway = detail ?? (kind === 'path' ? 'path' : kind === 'highway' ? 'motorway' : 'road');
      } else if (kind === 'construction') {
        tags.highway = 'construction';
        if (detail) tags.construction = detail;
      } else if (kind === 'rail') tags.railway = detail ?? 'rail';
      else if (kind === 'ferry') tags.route = 'ferry';
      else if (kind === 'aerialway') tags.aerialway = detail ?? 'yes';
      else if (kind === 'aeroway') tags.aeroway = detail ?? 'yes';
      else if (kind === 'racetrack') tags.highway = 'raceway';
      else tags[kind] = detail ?? 'yes';
      break;
    case 'pois':
      Object.assign(tags, poiTags(kind, detail, p));
      break;
    case 'landuse':
      if (KIND_TAGS[kind]) Object.assign(tags, KIND_TAGS[kind]);
      else if (LANDUSE_KEY[kind]) tags[LANDUSE_KEY[kind]] = kind;
      else tags.landuse = kind;
      break;
    case 'water':
      Object.assign(tags, WATER_TAGS[kind] ?? { natural: 'water' });
      break;
    case 'transit':
      if (kind === 'station') {
        tags.public_transport = 'station';
        tags.railway = 'station';
        if (isSubway(p)) Object.assign(tags, { station: 'subway', subway: 'yes' });
      } else if (kind === 'bus_stop' || kind === 'platform') {
        tags.public_transport = 'platform';
      } else {
        tags.route = kind; // subway, train, light_rail, bus, ... route relations
      }
      break;
    case 'boundaries':
      tags.boundary = 'administrative';
      tags.admin_level = detail && /^\d+$/.test(detail) ? detail : (ADMIN_LEVEL[kind] ?? '');
      if (!tags.admin_level) delete tags.admin_level;
      break;
    case 'places':
      tags.place = kind;
      break;
    default:
      return undefined;
  }
  return tags;
}

function isSubway(p: Record<string, unknown>): boolean {
  if (p.is_subway === true) return true;
  if (Array.isArray(p.subway_routes) && p.subway_routes.length > 0) return true;
  const net = `${p.network ?? ''} ${p.operator ?? ''}`.toLowerCase();
  return /地铁|轨道交通|metro|subway/.test(net);
}

function poiTags(kind: string, detail: string | undefined, p: Record<string, unknown>): Record<string, string> {
  if (kind === 'station') {
    const t: Record<string, string> = { railway: 'station', public_transport: 'station' };
    if (isSubway(p)) Object.assign(t, { station: 'subway', subway: 'yes' });
    return t;
  }
  if (kind === 'subway_entrance') return { railway: 'subway_entrance', subway: 'yes' };
  if (kind === 'bus_stop') return { highway: 'bus_stop', public_transport: 'platform', bus: 'yes' };
  if (kind === 'tram_stop') return { railway: 'tram_stop', public_transport: 'platform', tram: 'yes' };
  if (kind === 'pitch' && detail) return { leisure: 'pitch', sport: detail };
  if (kind === 'social_facility') {
    const t: Record<string, string> = { amenity: 'social_facility' };
    if (detail) t.social_facility = detail;
    const forWhom = str(p.social_facility_for) ?? str(p['social_facility:for']);
    if (forWhom) t['social_facility:for'] = forWhom;
    return t;
  }
  if (kind === 'school' && detail) return { amenity: 'school', school: detail };
  if ((kind === 'restaurant' || kind === 'fast_food' || kind === 'cafe') && detail) return { amenity: kind, cuisine: detail };
  if (kind === 'gate') return { barrier: 'gate' };
  if (KIND_TAGS[kind]) return { ...KIND_TAGS[kind] };
  const key = POI_KEY[kind];
  if (key) return { [key]: kind };
  // Unknown kind: Tilezen kinds are OSM values, and most POI values are amenity values.
  return { amenity: kind };
}

// ---------------------------------------------------------------------------------------------
// Merging pieces

type Family = 'areal' | 'linear' | 'point';

interface Entity {
  /** numeric Tilezen id, or undefined for features without id */
  rawId: number | string | undefined;
  family: Family;
  relation: boolean;
  fromArea: boolean;
  /** tags by layer, in arrival order */
  tags: Map<string, Record<string, string>>;
  /** geometry pieces by layer; deduplicated by their coordinates */
  pieces: Map<string, { keys: Set<string>; list: Position[][][] | Position[][] | Position[] }>;
  firstIndex: number;
}

const LAYER_PRIORITY = ['buildings', 'landuse', 'water', 'transit', 'roads', 'boundaries', 'pois', 'places'];

function familyOf(g: Geometry): Family {
  return g.type === 'Polygon' || g.type === 'MultiPolygon' ? 'areal' : g.type === 'LineString' || g.type === 'MultiLineString' ? 'linear' : 'point';
}

const posKey = (p: Position) => `${p[0]},${p[1]}`;

/** Join line pieces end to start where they meet exactly (clipped pieces keep the way's direction). */
export function joinLines(lines: Position[][]): Position[][] {
  const rest = lines.map((l) => l.slice());
  const out: Position[][] = [];
  const byStart = new Map<string, number[]>();
  rest.forEach((l, i) => {
    const k = posKey(l[0]);
    const a = byStart.get(k);
    if (a) a.push(i);
    else byStart.set(k, [i]);
  });
  const used = new Array<boolean>(rest.length).fill(false);
  const byEnd = new Map<string, number[]>();
  rest.forEach((l, i) => {
    const k = posKey(l[l.length - 1]);
    const a = byEnd.get(k);
    if (a) a.push(i);
    else byEnd.set(k, [i]);
  });
  const take = (m: Map<string, number[]>, k: string, self: number): number | undefined => {
    const a = m.get(k);
    if (!a) return undefined;
    for (const i of a) if (!used[i] && i !== self) return i;
    return undefined;
  };
  for (let i = 0; i < rest.length; i++) {
    if (used[i]) continue;
    used[i] = true;
    let line = rest[i];
    // extend forward
    for (;;) {
      const j = take(byStart, posKey(line[line.length - 1]), i);
      if (j === undefined) break;
      used[j] = true;
      line = line.concat(rest[j].slice(1));
    }
    // extend backward
    for (;;) {
      const j = take(byEnd, posKey(line[0]), i);
      if (j === undefined) break;
      used[j] = true;
      line = rest[j].slice(0, -1).concat(line);
    }
    out.push(line);
  }
  return out;
}

function osmId(e: Entity): string {
  const raw = e.rawId;
  if (raw === undefined) return `f${e.firstIndex}`;
  if (typeof raw === 'string') return raw;
  if (raw < 0 || e.relation) return `r${Math.abs(raw)}`;
  if (e.family === 'point' && !e.fromArea) return `n${raw}`;
  return `w${raw}`;
}

function mergedTags(e: Entity, extra: Record<string, string>[] = []): Record<string, string> {
  const layers = [...e.tags.keys()].sort((a, b) => LAYER_PRIORITY.indexOf(a) - LAYER_PRIORITY.indexOf(b));
  const out: Record<string, string> = {};
  for (const t of [...layers.map((l) => e.tags.get(l)!), ...extra]) {
    for (const [k, v] of Object.entries(t)) if (!(k in out)) out[k] = v;
  }
  return out;
}

/**
 * Translate and merge a stream of Tilezen-schema features (the whole stream is consumed before the
 * first output: pieces of one object can be anywhere in the file).
 */
export async function* translateTilezen(
  features: AsyncIterable<GeoFeature>,
  onProblem?: (p: IngestProblem) => void,
): AsyncGenerator<MappedFeature> {
  const entities = new Map<string, Entity>();
  const order: Entity[] = [];
  const partHeights = new Map<number | string, number>();

  for await (const f of features) {
    const p = f.properties;
    let layer = p.layer;
    const kind = p.kind;
    if (typeof kind !== 'string') {
      onProblem?.({ id: String(f.index), problem: '没有 kind 的 Tilezen 要素，已跳过 / Tilezen feature without kind, skipped' });
      continue;
    }
    const tagsExtra: Record<string, string> = {};
    if (typeof layer === 'number') {
      // the OSM `layer` tag overwrote Tilezen's layer name
      tagsExtra.layer = String(layer);
      layer = BUILDING_KINDS.has(kind) ? 'buildings' : ROAD_KINDS.has(kind) ? 'roads' : undefined;
    }
    if (typeof layer !== 'string' || !TILEZEN_LAYERS.has(layer)) {
      onProblem?.({ id: String(f.index), problem: `未知的 Tilezen 图层 ${JSON.stringify(p.layer)}（kind ${kind}），已跳过 / unknown Tilezen layer ${JSON.stringify(p.layer)} (kind ${kind}), skipped` });
      continue;
    }
    if (layer === 'earth') continue; // land polygons, not OSM objects
    if (typeof p.source === 'string' && p.source !== 'openstreetmap.org') continue; // Who's On First, Natural Earth, ...
    if (p.label_placement === true) continue; // label point of a polygon
    if (p.boundary === true) continue; // outline line of a water/landuse polygon
    const family = familyOf(f.geometry);
    if (layer === 'buildings' && (kind === 'building' || kind === 'building_part') && family !== 'areal') {
      onProblem?.({ id: String(p.id ?? f.index), problem: `建筑被绘制为 ${f.geometry.type}（应为面），已跳过 / building mapped as a ${f.geometry.type}, skipped` });
      continue;
    }
    const tags = tilezenTags(layer, p);
    if (!tags) continue;
    Object.assign(tags, tagsExtra);
    if (kind === 'building_part' && (typeof p.root_id === 'number' || typeof p.root_id === 'string') && typeof p.height === 'number') {
      partHeights.set(p.root_id, Math.max(partHeights.get(p.root_id) ?? 0, p.height));
    }

    const rawId = typeof p.id === 'number' || typeof p.id === 'string' ? p.id : undefined;
    const key = rawId === undefined ? `f:${f.index}` : `${family}:${rawId}`;
    let e = entities.get(key);
    if (!e) {
      e = { rawId, family, relation: false, fromArea: false, tags: new Map(), pieces: new Map(), firstIndex: f.index };
      entities.set(key, e);
      order.push(e);
    }
    if (p.osm_relation === true) e.relation = true;
    if (typeof p.area === 'number') e.fromArea = true;
    const prev = e.tags.get(layer);
    e.tags.set(layer, prev ? { ...tags, ...prev } : tags);
    let pc = e.pieces.get(layer);
    if (!pc) {
      pc = { keys: new Set(), list: [] };
      e.pieces.set(layer, pc);
    }
    const g = f.geometry;
    const parts: unknown[] =
      g.type === 'MultiPolygon' || g.type === 'MultiLineString' || g.type === 'MultiPoint' ? g.coordinates : [g.coordinates];
    for (const part of parts) {
      const k = JSON.stringify(part);
      if (pc.keys.has(k)) continue;
      pc.keys.add(k);
      (pc.list as unknown[]).push(part);
    }
  }

  // POI / address points that label an areal object with the same id: fold into it.
  const folded = new Map<Entity, Record<string, string>[]>();
  for (const e of order) {
    if (e.family !== 'point' || e.rawId === undefined) continue;
    const area = entities.get(`areal:${e.rawId}`);
    if (area) {
      const list = folded.get(area) ?? [];
      list.push(mergedTags(e));
      folded.set(area, list);
      e.tags.clear(); // consumed
    }
  }

  for (const e of order) {
    if (e.tags.size === 0) continue;
    const id = osmId(e);
    const tags = mergedTags(e, folded.get(e) ?? []);
    const primary = [...e.pieces.keys()].sort((a, b) => LAYER_PRIORITY.indexOf(a) - LAYER_PRIORITY.indexOf(b))[0];
    const list = e.pieces.get(primary)!.list;
    if (e.family === 'areal') {
      if (tags.building && !tags.height && e.rawId !== undefined && partHeights.has(e.rawId)) {
        tags.height = String(partHeights.get(e.rawId));
      }
      const polys = list as Position[][][];
      yield { id, tags, geometry: polys.length === 1 ? { type: 'Polygon', coordinates: polys[0] } : { type: 'MultiPolygon', coordinates: polys } };
    } else if (e.family === 'linear') {
      const lines = joinLines(list as Position[][]);
      // classifyFeature makes one walk edge per part (`w1:0`, `w1:1`) when they stay apart
      if (lines.length === 1) yield { id, tags, geometry: { type: 'LineString', coordinates: lines[0] } };
      else yield { id, tags, geometry: { type: 'MultiLineString', coordinates: lines } };
    } else {
      const pts = list as Position[];
      yield { id, tags, geometry: pts.length === 1 ? { type: 'Point', coordinates: pts[0] } : { type: 'MultiPoint', coordinates: pts } };
    }
  }
}
