/**
 * `generateCity`: a synthetic Chinese city written as OSM PBF or XML, streamed.
 *
 * Three passes over a procedural plan (see city.ts), never holding the city in memory:
 *  1. nodes: street intersections and gates, bus stops and metro stations row by row, then every
 *     block's nodes (ids allocated in order; the first id and count of each block are kept);
 *  2. ways: street ways from the recorded ids, then every block regenerated identically (its node
 *     ids are recomputed from the block's first id), then admin boundary ways; the few relations
 *     (multipolygon compounds, admin areas) are kept;
 *  3. relations.
 * Memory is O(blocks) typed arrays plus the relations; output goes out with backpressure.
 */
import { unlink } from 'node:fs/promises';
import { CATEGORY_IDS, categoriesOf, isWalkable, tagMap, type CategoryId } from './classify.js';
import { emitAdmin, emitBlock, emitRowNodes, emitStreetWays, GridIds, latOf, lonOf, planCity, type BlockKind, type CityPlan, type CitySink, type FeatureInfo, type Tags } from './city.js';
import { formatFromPath, toE7, type OsmFormat, type OsmMember, type OsmWriter, type OsmWriterOptions } from './osm-writer.js';
import { createPbfWriter } from './pbf-writer.js';
import { createXmlWriter } from './xml-writer.js';

export { planCity, type CityPlan } from './city.js';
export { CATEGORY_IDS, type CategoryId, categoriesOf, isWalkable } from './classify.js';
export { createPbfWriter, PbfWriter } from './pbf-writer.js';
export { createXmlWriter, XmlWriter } from './xml-writer.js';
export type { OsmWriter, OsmWriterOptions, OsmMember, OsmTags, OsmFormat } from './osm-writer.js';
export { formatFromPath } from './osm-writer.js';

export interface GenerateOptions {
  /** output file; `.osm.pbf` / `.pbf` → PBF, `.osm` → OSM XML */
  out: string;
  /** approximate number of buildings; the grid is sized from it (actual count in the summary) */
  buildings: number;
  seed: number;
  /** called after every row of blocks; done/total count block visits over the two passes */
  onProgress?: (done: number, total: number) => void;
  /** PBF zlib level (default 6) */
  compressionLevel?: number;
}

export interface GenerateSummary {
  file: string;
  format: OsmFormat;
  bytes: number;
  seed: number;
  buildingsRequested: number;
  /** data bounds [west, south, east, north], degrees */
  bbox: [number, number, number, number];
  /** location name, e.g. the district */
  district: string;
  nodes: number;
  ways: number;
  relations: number;
  /** ways and relations with a building tag (not `no`) */
  buildings: number;
  /** buildings residential by the taxonomy rule (tag value, or `building=yes` inside residential landuse) */
  residentialBuildings: number;
  /** buildings with a `height` over 80 m / over 100 m */
  buildingsOver80m: number;
  buildingsOver100m: number;
  /** `landuse=residential` polygons (ways and multipolygon relations) */
  residentialAreas: number;
  /** features (nodes, ways, relations) per taxonomy category; a feature may count in several */
  facilities: Record<CategoryId, number>;
  /** public park polygons (the `park` category) and their size classes */
  parks: number;
  parkSizes: { under2000: number; from2000to5000: number; atLeast5000: number };
  /** `boundary=administrative` relations by level */
  adminAreas: { district: number; street: number; community: number };
  highways: number;
  /** highway ways passing the taxonomy walk filter */
  walkableWays: number;
  blocks: { columns: number; rows: number; byKind: Partial<Record<BlockKind, number>> };
}

function openWriter(path: string, format: OsmFormat, opts: OsmWriterOptions & { compressionLevel?: number }): OsmWriter {
  return format === 'pbf' ? createPbfWriter(path, opts) : createXmlWriter(path, opts);
}

class Counter {
  nodes = 0;
  ways = 0;
  relations = 0;
  buildings = 0;
  residentialBuildings = 0;
  over80 = 0;
  over100 = 0;
  residentialAreas = 0;
  facilities = Object.fromEntries(CATEGORY_IDS.map((c) => [c, 0])) as Record<CategoryId, number>;
  parkSizes = { under2000: 0, from2000to5000: 0, atLeast5000: 0 };
  admin = { district: 0, street: 0, community: 0 };
  highways = 0;
  walkable = 0;
  minLon = Infinity;
  minLat = Infinity;
  maxLon = -Infinity;
  maxLat = -Infinity;

  feature(kv: Tags, kind: 'node' | 'way' | 'relation', info?: FeatureInfo): void {
    const t = tagMap(kv);
    const isArea = kind !== 'node' && info?.area !== undefined;
    for (const c of categoriesOf(t, isArea)) {
      this.facilities[c]++;
      if (c === 'park') {
        const a = info?.area ?? 0;
        if (a < 2000) this.parkSizes.under2000++;
        else if (a < 5000) this.parkSizes.from2000to5000++;
        else this.parkSizes.atLeast5000++;
      }
    }
    if (kind === 'node') return;
    if (t.building !== undefined && t.building !== 'no') {
      this.buildings++;
      if (info?.residential) this.residentialBuildings++;
      const h = t.height !== undefined ? Number(t.height) : NaN;
      if (h > 80) this.over80++;
      if (h > 100) this.over100++;
    }
    if (t.landuse === 'residential' && isArea) this.residentialAreas++;
    if (t.highway !== undefined && kind === 'way') {
      this.highways++;
      if (isWalkable(t)) this.walkable++;
    }
    if (kind === 'relation' && t.boundary === 'administrative') {
      const l = t.admin_level;
      if (l === '6') this.admin.district++;
      else if (l === '8') this.admin.street++;
      else this.admin.community++;
    }
  }
}

export async function generateCity(opts: GenerateOptions): Promise<GenerateSummary> {
  const format = formatFromPath(opts.out);
  if (!Number.isFinite(opts.buildings) || opts.buildings < 1) throw new Error(`--buildings must be a positive number, got ${opts.buildings}`);
  const plan = planCity(Math.round(opts.buildings), opts.seed);
  const writer = openWriter(opts.out, format, { bbox: plan.bbox, generator: 'opencim', compressionLevel: opts.compressionLevel });
  try {
    const summary = await run(plan, writer, opts, format);
    return summary;
  } catch (e) {
    writer.abort();
    await unlink(opts.out).catch(() => undefined);
    throw e;
  }
}

async function run(plan: CityPlan, writer: OsmWriter, opts: GenerateOptions, format: OsmFormat): Promise<GenerateSummary> {
  const { nbx, nby } = plan;
  const nBlocks = nbx * nby;
  const total = 2 * nBlocks;
  let done = 0;
  const cnt = new Counter();
  const ids = new GridIds(plan);
  const byKind: Partial<Record<BlockKind, number>> = {};

  // ---- pass 1: nodes
  let nodeId = 0;
  const nodeSink: CitySink = {
    node(x, y, tags) {
      const id = ++nodeId;
      const lon = lonOf(plan, x, y);
      const lat = latOf(plan, x, y);
      writer.addNode(id, lon, lat, tags);
      cnt.nodes++;
      const qx = toE7(lon);
      const qy = toE7(lat);
      if (qx < cnt.minLon) cnt.minLon = qx;
      if (qx > cnt.maxLon) cnt.maxLon = qx;
      if (qy < cnt.minLat) cnt.minLat = qy;
      if (qy > cnt.maxLat) cnt.maxLat = qy;
      if (tags && tags.length) cnt.feature(tags, 'node');
      return id;
    },
    way: () => 0,
    relation: () => 0,
  };
  for (let j = 0; j <= nby; j++) {
    emitRowNodes(plan, j, nodeSink, ids);
    if (j === nby) break;
    for (let i = 0; i < nbx; i++) {
      const b = j * nbx + i;
      ids.blockFirstNode[b] = nodeId + 1;
      const kind = emitBlock(plan, i, j, nodeSink, ids);
      byKind[kind] = (byKind[kind] ?? 0) + 1;
      ids.blockNodeCount[b] = nodeId + 1 - ids.blockFirstNode[b];
    }
    done += nbx;
    opts.onProgress?.(done, total);
    await writer.drain();
  }

  // ---- pass 2: ways (blocks regenerated; their node ids recomputed)
  let wayId = 0;
  let relId = 0;
  let localNext = -1;
  let localEnd = -1;
  const relations: { id: number; members: OsmMember[]; tags: Tags; info?: FeatureInfo }[] = [];
  const waySink: CitySink = {
    node() {
      if (localNext < 0 || localNext >= localEnd) throw new Error('internal: node outside the node pass layout');
      return localNext++;
    },
    way(refs, tags, info) {
      const id = ++wayId;
      writer.addWay(id, refs, tags);
      cnt.ways++;
      if (tags && tags.length) cnt.feature(tags, 'way', info);
      return id;
    },
    relation(members, tags, info) {
      const id = ++relId;
      relations.push({ id, members, tags, info });
      return id;
    },
  };
  emitStreetWays(plan, waySink, ids);
  for (let j = 0; j < nby; j++) {
    for (let i = 0; i < nbx; i++) {
      const b = j * nbx + i;
      localNext = ids.blockFirstNode[b];
      localEnd = localNext + ids.blockNodeCount[b];
      emitBlock(plan, i, j, waySink, ids);
      if (localNext !== localEnd) throw new Error(`internal: block ${i},${j} regenerated differently (${localEnd - localNext} nodes left)`);
    }
    localNext = localEnd = -1;
    done += nbx;
    opts.onProgress?.(done, total);
    await writer.drain();
  }
  for (const r of emitAdmin(plan, waySink, ids)) relations.push({ id: ++relId, members: r.members, tags: r.tags, info: { area: r.area } });

  // ---- pass 3: relations
  for (const r of relations) {
    writer.addRelation(r.id, r.members, r.tags);
    cnt.relations++;
    cnt.feature(r.tags, 'relation', r.info);
  }
  const bytes = await writer.close();

  return {
    file: opts.out,
    format,
    bytes,
    seed: opts.seed,
    buildingsRequested: opts.buildings,
    bbox: [cnt.minLon / 1e7, cnt.minLat / 1e7, cnt.maxLon / 1e7, cnt.maxLat / 1e7],
    district: plan.district,
    nodes: cnt.nodes,
    ways: cnt.ways,
    relations: cnt.relations,
    buildings: cnt.buildings,
    residentialBuildings: cnt.residentialBuildings,
    buildingsOver80m: cnt.over80,
    buildingsOver100m: cnt.over100,
    residentialAreas: cnt.residentialAreas,
    facilities: cnt.facilities,
    parks: cnt.facilities.park,
    parkSizes: cnt.parkSizes,
    adminAreas: cnt.admin,
    highways: cnt.highways,
    walkableWays: cnt.walkable,
    blocks: { columns: nbx, rows: nby, byKind },
  };
}
