import { classifyFeature, isModelArea, LAND_USE_KEYS } from '../../model/classify.js';
import type { Geometry, Position } from '../../model/geometry.js';
import type { CityRecord, IngestProblem } from '../../model/types.js';
import { isGreenwayRoute } from '../../model/taxonomy.js';
import { lineLengthM } from '../../model/geo.js';
import { IngestError } from '../../model/errors.js';
import type { OsmHeader, OsmReader, Relation } from '../osm/types.js';
import type { ElementPass } from '../../store/import.js';
import { nodeFingerprint, WayFingerprint } from './elements.js';
import { NodeStore } from './node-store.js';
import { assembleArea, type RingWay } from './rings.js';
import { WayStore } from './way-store.js';

const AREA_RELATION_TYPES = new Set(['multipolygon', 'boundary']);

export interface OsmCityStats { nodes: number; ways: number; relations: number }

/** does the element carry a key that makes land use (never skipped: the residential rule reads all land use) */
function landUseTagged(kv: string[], t0: number, t1: number): boolean {
  for (let j = t0; j < t1; j++) if (LAND_USE_KEYS.has(kv[2 * j])) return true;
  return false;
}

/**
 * OSM entities → city-model records, in one pass: nodes are kept as locations, ways get their
 * geometry as soon as they arrive, relation areas are assembled at the end from the kept way refs.
 * With a `pass`, every tagged node and way is fingerprinted first: one the pass knows with the same
 * fingerprint is skipped (no record is made of it), and the others are noted with theirs.
 */
export async function* osmToCity(
  reader: OsmReader, file: string, problems: IngestProblem[], stats: OsmCityStats, pass?: ElementPass,
): AsyncGenerator<CityRecord[]> {
  const nodes = new NodeStore();
  const ways = new WayStore();
  const relations: Relation[] = [];
  const routes: Relation[] = [];
  let waysStarted = false;
  let missingNodeWays = 0;
  let at = new Int32Array(64);
  const wayFp = new WayFingerprint();
  let empty = true;

  for await (const b of reader.batches()) {
    const out: CityRecord[] = [];
    const n = b.nodes;
    if (n.count) {
      if (waysStarted) {
        throw new IngestError(file, `block ${b.seq}`, '节点出现在路径之后：文件没有排序（请先对它运行 `osmium sort`） / nodes appear after ways: the file is not sorted (run `osmium sort` on it first)');
      }
      nodes.add(n.id, n.lon, n.lat, n.count);
      stats.nodes += n.count;
      for (let i = 0; i < n.count; i++) {
        const t0 = n.tagOffset[i], t1 = n.tagOffset[i + 1];
        if (t1 === t0) continue;
        const origin = `n${n.id[i]}`;
        const fp = pass ? nodeFingerprint(n.tagKV, t0, t1, n.lon[i], n.lat[i]) : 0;
        const noted = pass !== undefined && !landUseTagged(n.tagKV, t0, t1);
        if (noted && pass.known?.get(origin) === fp) { pass.skipped.push(origin); continue; }
        const tags: Record<string, string> = {};
        for (let j = t0; j < t1; j++) tags[n.tagKV[2 * j]] = n.tagKV[2 * j + 1];
        const made = out.length;
        for (const r of classifyFeature(origin, tags, { type: 'Point', coordinates: [n.lon[i], n.lat[i]] })) out.push(r);
        if (noted && out.length > made) { pass.origins.push(origin); pass.fps.push(fp); }
      }
    }
    const w = b.ways;
    if (w.count) {
      if (!waysStarted) { waysStarted = true; nodes.finish(); }
      stats.ways += w.count;
      for (let i = 0; i < w.count; i++) {
        const r0 = w.refOffset[i], r1 = w.refOffset[i + 1];
        ways.add(w.id[i], w.refs, r0, r1);
        const t0 = w.tagOffset[i], t1 = w.tagOffset[i + 1];
        if (t1 === t0) continue;
        // where each node is (once), the fingerprint on the way
        if (at.length < r1 - r0) at = new Int32Array(2 * (r1 - r0));
        if (pass) wayFp.begin(w.tagKV, t0, t1, r1 - r0);
        let located = 0;
        for (let k = r0; k < r1; k++) {
          const idx = nodes.indexOf(w.refs[k]);
          at[k - r0] = idx;
          if (idx >= 0) located++;
          if (pass) wayFp.node(w.refs[k], idx >= 0, idx >= 0 ? nodes.lonE7(idx) : 0, idx >= 0 ? nodes.latE7(idx) : 0);
        }
        const closedInFile = r1 - r0 >= 4 && w.refs[r0] === w.refs[r1 - 1];
        if (located < r1 - r0) {
          missingNodeWays++;
          if (closedInFile) {
            const lost = r1 - r0 - located;
            problems.push({ id: `w${w.id[i]}`, problem: `闭合路径缺少 ${lost} 个文件中没有的节点，未作为面导入 / closed way lost ${lost} node(s) missing from the file; skipped as an area` });
          }
        }
        if (located < 2) continue;
        const origin = `w${w.id[i]}`;
        const fp = pass ? wayFp.end() : 0;
        const noted = pass !== undefined && !landUseTagged(w.tagKV, t0, t1);
        if (noted && pass.known?.get(origin) === fp) { pass.skipped.push(origin); continue; }
        const tags: Record<string, string> = {};
        for (let j = t0; j < t1; j++) tags[w.tagKV[2 * j]] = w.tagKV[2 * j + 1];
        const coords: Position[] = [];
        const ids: number[] = [];
        for (let k = r0; k < r1; k++) {
          const idx = at[k - r0];
          if (idx < 0) continue;
          coords.push([nodes.lon(idx), nodes.lat(idx)]);
          ids.push(w.refs[k]);
        }
        const geometry: Geometry = { type: 'LineString', coordinates: coords };
        const made = out.length;
        if (coords.length < r1 - r0 && closedInFile) {
          // an area cut by the extract: keep it only as a line (e.g. a walkable loop)
          for (const r of classifyFeature(origin, tags, geometry, { nodeIds: ids })) if (r.kind === 'walk_edge' || r.kind === 'road') out.push(r);
        } else {
          for (const r of classifyFeature(origin, tags, geometry, { nodeIds: ids })) out.push(r);
        }
        if (noted && out.length > made) { pass.origins.push(origin); pass.fps.push(fp); }
      }
    }
    if (b.relations.length) {
      if (!waysStarted) { waysStarted = true; nodes.finish(); }
      stats.relations += b.relations.length;
      for (const r of b.relations) {
        if (AREA_RELATION_TYPES.has(r.tags.type ?? '')) relations.push(r);
        else if (isGreenwayRoute(r.tags)) routes.push(r);
      }
    }
    if (out.length) yield out;
    empty &&= !n.count && !w.count && !b.relations.length;
  }
  // nothing to import is an error, not an empty source: a re-import of it would close every record the source holds
  if (empty) throw new IngestError(file, undefined, '文件中没有 OSM 要素（没有节点、路径或关系） / no OSM elements in the file (no node, way or relation)');
  if (!waysStarted) nodes.finish();
  if (missingNodeWays) {
    problems.push({ id: '*', problem: `${missingNodeWays} 条路径引用了文件中没有的节点（在提取范围的边缘），其几何已截到现有的节点 / ` +
      `${missingNodeWays} way(s) reference nodes missing from the file (extract edge); their geometry was cut to the nodes present` });
  }

  const locate = (id: number): Position | undefined => {
    const i = nodes.indexOf(id);
    return i < 0 ? undefined : [nodes.lon(i), nodes.lat(i)];
  };
  const out: CityRecord[] = [];
  for (const rel of relations) {
    const { tags } = rel;
    if (!isModelArea(tags)) continue; // e.g. a country boundary cut by the extract: not ours to report
    const members: RingWay[] = [];
    const missing: number[] = [];
    for (const m of rel.members) {
      if (m.type !== 'way' || (m.role !== 'outer' && m.role !== 'inner' && m.role !== '')) continue;
      const refs = ways.get(m.ref);
      if (refs) members.push({ wayId: m.ref, role: m.role, refs }); else missing.push(m.ref);
    }
    const area = assembleArea(members, locate);
    const what = tags.name ? `${tags.type} "${tags.name}"` : tags.type;
    if (missing.length) {
      problems.push({ id: `r${rel.id}`, problem: `${what}：文件中缺少 ${missing.length} 条成员路径（如 w${missing[0]}） / ${what}: ${missing.length} member way(s) missing from the file (e.g. w${missing[0]})` });
    }
    for (const p of area.problems) problems.push({ id: `r${rel.id}`, problem: `${what}：${p.zh} / ${what}: ${p.en}` });
    if (!area.geometry) continue;
    for (const r of classifyFeature(`r${rel.id}`, tags, area.geometry)) out.push(r);
  }
  // designated greenway routes (广东绿道 ...): the member ways present, as one multi-line
  for (const rel of routes) {
    const lines: Position[][] = [];
    let missing = 0;
    for (const m of rel.members) {
      if (m.type !== 'way') continue;
      const refs = ways.get(m.ref);
      if (!refs) { missing++; continue; }
      const line = [...refs].map(locate).filter((p): p is Position => p !== undefined);
      if (line.length >= 2) lines.push(line);
    }
    const label = `"${rel.tags.name ?? rel.tags.network ?? rel.id}"`;
    if (missing) {
      problems.push({ id: `r${rel.id}`, problem: `绿道路线 ${label}：文件中缺少 ${missing} 条成员路径，路线按现有的路径保留 / ` +
        `greenway route ${label}: ${missing} member way(s) missing from the file; the route is kept with the ways present` });
    }
    if (!lines.length) continue;
    const name = rel.tags.name ?? rel.tags['name:zh'];
    out.push({ id: `r${rel.id}`, ...(name ? { name } : {}), tags: rel.tags, kind: 'greenway_route', geometry: { type: 'MultiLineString', coordinates: lines },
      route: rel.tags.route!, length_m: lines.reduce((s, l) => s + lineLengthM(l), 0) });
  }
  if (out.length) yield out;
}

export function describeHeader(h: OsmHeader): { version?: string; bbox?: [number, number, number, number]; generator?: string } {
  return { version: h.timestamp ?? (h.replicationSequence !== undefined ? `seq ${h.replicationSequence}` : undefined), bbox: h.bbox, generator: h.generator };
}
