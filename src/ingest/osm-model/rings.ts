import type { MultiPolygon, Position } from '../../model/geometry.js';
import { pointInAreal } from '../../model/geo.js';
import type { ZhEn } from '../bilingual.js';

export interface RingWay { wayId: number; role: string; refs: Float64Array }
/** the area, and what went wrong in assembling it, in Chinese and English */
export interface AssembledArea { geometry?: MultiPolygon; problems: ZhEn[] }

const ROLE_ZH = { outer: '外环', inner: '内环' } as const;

/**
 * Multipolygon assembly: join member ways end to end into closed rings (either direction), put
 * each inner ring into the outer ring that contains it. Rings that cannot be closed are reported
 * with the node where they break, never silently dropped.
 */
export function assembleArea(ways: RingWay[], locate: (nodeId: number) => Position | undefined): AssembledArea {
  const problems: ZhEn[] = [];
  const outers: Position[][] = [];
  const inners: Position[][] = [];
  for (const role of ['outer', 'inner'] as const) {
    const members = ways.filter((w) => (role === 'outer' ? w.role !== 'inner' : w.role === 'inner'));
    for (const ring of joinRings(members, problems, role)) {
      const coords: Position[] = [];
      let missing = 0;
      for (const id of ring) {
        const p = locate(id);
        if (p) coords.push(p); else missing++;
      }
      if (missing) { problems.push({ zh: `${ROLE_ZH[role]}有 ${missing} 个节点不在文件中`, en: `${role} ring has ${missing} node(s) missing from the file` }); continue; }
      if (coords.length < 4) { problems.push({ zh: `${ROLE_ZH[role]}少于 4 个点`, en: `${role} ring has fewer than 4 positions` }); continue; }
      (role === 'outer' ? outers : inners).push(coords);
    }
  }
  if (!outers.length) return { problems: problems.length ? problems : [{ zh: '没有外环', en: 'no outer ring' }] };
  const polys: Position[][][] = outers.map((o) => [o]);
  for (const inner of inners) {
    const [x, y] = inner[0];
    const host = polys.find((p) => pointInAreal(x, y, { type: 'Polygon', coordinates: [p[0]] }));
    if (host) host.push(inner); else problems.push({ zh: '内环不在任何外环之内', en: 'inner ring outside every outer ring' });
  }
  return { geometry: { type: 'MultiPolygon', coordinates: polys }, problems };
}

function joinRings(members: RingWay[], problems: ZhEn[], role: 'outer' | 'inner'): number[][] {
  const rings: number[][] = [];
  const used = new Uint8Array(members.length);
  const byEnd = new Map<number, number[]>();
  const addEnd = (node: number, i: number) => {
    const l = byEnd.get(node);
    if (l) l.push(i); else byEnd.set(node, [i]);
  };
  members.forEach((m, i) => {
    if (m.refs.length < 2) { used[i] = 1; problems.push({ zh: `路径 w${m.wayId} 少于 2 个节点`, en: `way w${m.wayId} has fewer than 2 nodes` }); return; }
    addEnd(m.refs[0], i);
    addEnd(m.refs[m.refs.length - 1], i);
  });
  for (let start = 0; start < members.length; start++) {
    if (used[start]) continue;
    used[start] = 1;
    const ring = Array.from(members[start].refs);
    while (ring[0] !== ring[ring.length - 1]) {
      const end = ring[ring.length - 1];
      const next = (byEnd.get(end) ?? []).find((i) => !used[i]);
      if (next === undefined) break;
      used[next] = 1;
      const r = members[next].refs;
      if (r[0] === end) for (let k = 1; k < r.length; k++) ring.push(r[k]);
      else for (let k = r.length - 2; k >= 0; k--) ring.push(r[k]);
    }
    if (ring[0] !== ring[ring.length - 1]) {
      problems.push({
        zh: `${ROLE_ZH[role]}未闭合：在 n${ring[ring.length - 1]} 与 n${ring[0]} 之间断开（从路径 w${members[start].wayId} 开始）`,
        en: `${role} ring not closed: open between n${ring[ring.length - 1]} and n${ring[0]} (starting at way w${members[start].wayId})`,
      });
      continue;
    }
    rings.push(ring);
  }
  return rings;
}
