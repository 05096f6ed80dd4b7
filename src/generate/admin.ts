/**
 * Admin areas: street (街道) and community (社区) indices and names, boundary ways and relations.
 */
import type { OsmMember } from './osm-writer.js';
import type { CityPlan, CitySink, Tags } from './plan.js';
import { GridIds } from './streets.js';

function indexIn(breaks: number[], v: number): number {
  let k = 0;
  while (k + 2 < breaks.length && breaks[k + 1] <= v) k++;
  return k;
}
export function streetIndex(p: CityPlan, bx: number, by: number): number {
  return indexIn(p.streetY, by) * (p.streetX.length - 1) + indexIn(p.streetX, bx);
}
export function communityIndex(p: CityPlan, bx: number, by: number): number {
  return indexIn(p.commY, by) * (p.commX.length - 1) + indexIn(p.commX, bx);
}
export function streetNameByIndex(p: CityPlan, k: number): string {
  return p.words.word(13 * k + 5) + '街道';
}
export function communityNameByIndex(p: CityPlan, k: number): string {
  // distinct from street words: take them from the middle of the pool onwards
  return p.words.word(Math.floor(p.words.size / 2) + k * 7) + '社区';
}
export function streetName(p: CityPlan, bx: number, by: number): string {
  return streetNameByIndex(p, streetIndex(p, bx, by));
}
export function communityName(p: CityPlan, bx: number, by: number): string {
  return communityNameByIndex(p, communityIndex(p, bx, by));
}
/**
 * Boundary ways along the community grid (pass 2, after the blocks) and the admin relations
 * (returned, written in pass 3). Ways follow the street centre lines through the shared
 * intersection nodes.
 */
export function emitAdmin(p: CityPlan, sink: CitySink, ids: GridIds): { members: OsmMember[]; tags: Tags; area: number }[] {
  const { commX, commY, streetX, streetY, X, Y } = p;
  const ncx = commX.length - 1;
  const ncy = commY.length - 1;
  const levelOfH = (k: number) => (k === 0 || k === ncy ? 6 : streetY.includes(commY[k]) ? 8 : 10);
  const levelOfV = (m: number) => (m === 0 || m === ncx ? 6 : streetX.includes(commX[m]) ? 8 : 10);
  // hSeg[k*ncx + m]: along horizontal line commY[k], from commX[m] to commX[m+1]
  const hSeg = new Float64Array((ncy + 1) * ncx);
  const vSeg = new Float64Array((ncx + 1) * ncy);
  for (let k = 0; k <= ncy; k++) {
    const j = commY[k];
    for (let m = 0; m < ncx; m++) {
      const refs: number[] = [];
      for (let i = commX[m]; i <= commX[m + 1]; i++) refs.push(ids.g(i, j));
      hSeg[k * ncx + m] = sink.way(refs, ['boundary', 'administrative', 'admin_level', String(levelOfH(k))]);
    }
  }
  for (let m = 0; m <= ncx; m++) {
    const i = commX[m];
    for (let k = 0; k < ncy; k++) {
      const refs: number[] = [];
      for (let j = commY[k]; j <= commY[k + 1]; j++) refs.push(ids.g(i, j));
      vSeg[m * ncy + k] = sink.way(refs, ['boundary', 'administrative', 'admin_level', String(levelOfV(m))]);
    }
  }
  /** outer ring of the community-index rectangle [m0, m1) × [k0, k1), counter-clockwise */
  const ring = (m0: number, m1: number, k0: number, k1: number): OsmMember[] => {
    const out: OsmMember[] = [];
    for (let m = m0; m < m1; m++) out.push({ type: 'way', ref: hSeg[k0 * ncx + m], role: 'outer' });
    for (let k = k0; k < k1; k++) out.push({ type: 'way', ref: vSeg[m1 * ncy + k], role: 'outer' });
    for (let m = m1 - 1; m >= m0; m--) out.push({ type: 'way', ref: hSeg[k1 * ncx + m], role: 'outer' });
    for (let k = k1 - 1; k >= k0; k--) out.push({ type: 'way', ref: vSeg[m0 * ncy + k], role: 'outer' });
    return out;
  };
  const areaOf = (m0: number, m1: number, k0: number, k1: number) => (X[commX[m1]] - X[commX[m0]]) * (Y[commY[k1]] - Y[commY[k0]]);
  const rels: { members: OsmMember[]; tags: Tags; area: number }[] = [];
  const admin = (level: number, name: string): Tags => ['type', 'multipolygon', 'boundary', 'administrative', 'admin_level', String(level), 'name', name];
  rels.push({ members: ring(0, ncx, 0, ncy), tags: [...admin(6, p.district), 'place', 'district'], area: areaOf(0, ncx, 0, ncy) });
  const nsx = streetX.length - 1;
  const nsy = streetY.length - 1;
  for (let sy = 0; sy < nsy; sy++)
    for (let sx = 0; sx < nsx; sx++) {
      const m0 = commX.indexOf(streetX[sx]);
      const m1 = commX.indexOf(streetX[sx + 1]);
      const k0 = commY.indexOf(streetY[sy]);
      const k1 = commY.indexOf(streetY[sy + 1]);
      rels.push({ members: ring(m0, m1, k0, k1), tags: admin(8, streetNameByIndex(p, sy * nsx + sx)), area: areaOf(m0, m1, k0, k1) });
    }
  for (let k = 0; k < ncy; k++)
    for (let m = 0; m < ncx; m++) {
      rels.push({ members: ring(m, m + 1, k, k + 1), tags: admin(10, communityNameByIndex(p, k * ncx + m)), area: areaOf(m, m + 1, k, k + 1) });
    }
  return rels;
}
