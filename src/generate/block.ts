/**
 * One block's environment and the emit helpers shared by the block kinds (closed ways,
 * building tags, POIs, the internal "+" of roads).
 */
import { Rng, hash32 } from './prng.js';
import { type CityPlan, type CitySink, type FeatureInfo, SALT_BLOCK, SETBACK, type Tags } from './plan.js';
import { type Rect, polyArea, rarea, rh, rw } from './geometry.js';
import { serviceLevel } from './fields.js';
import { GridIds, gateX, gateY } from './streets.js';
import { communityName, streetName } from './admin.js';

export interface BlockEnv {
  p: CityPlan;
  bx: number;
  by: number;
  rng: Rng;
  sink: CitySink;
  /** service level 0..1 */
  s: number;
  /** street edges around the block */
  X0: number;
  X1: number;
  Y0: number;
  Y1: number;
  plot: Rect;
  gx: number;
  gy: number;
  gates: { S: number; N: number; W: number; E: number };
  community: string;
  street: string;
  quads: Rect[]; // SW, SE, NW, NE
}

const CORRIDOR = 9;

export function makeEnv(p: CityPlan, bx: number, by: number, sink: CitySink, ids: GridIds): BlockEnv {
  const X0 = p.X[bx];
  const X1 = p.X[bx + 1];
  const Y0 = p.Y[by];
  const Y1 = p.Y[by + 1];
  const plot: Rect = { x0: X0 + SETBACK[p.vClass[bx]], x1: X1 - SETBACK[p.vClass[bx + 1]], y0: Y0 + SETBACK[p.hClass[by]], y1: Y1 - SETBACK[p.hClass[by + 1]] };
  const gx = gateX(p, bx);
  const gy = gateY(p, by);
  const inset = 6;
  const quads: Rect[] = [
    { x0: plot.x0 + inset, y0: plot.y0 + inset, x1: gx - CORRIDOR, y1: gy - CORRIDOR },
    { x0: gx + CORRIDOR, y0: plot.y0 + inset, x1: plot.x1 - inset, y1: gy - CORRIDOR },
    { x0: plot.x0 + inset, y0: gy + CORRIDOR, x1: gx - CORRIDOR, y1: plot.y1 - inset },
    { x0: gx + CORRIDOR, y0: gy + CORRIDOR, x1: plot.x1 - inset, y1: plot.y1 - inset },
  ];
  return {
    p,
    bx,
    by,
    rng: new Rng(hash32(p.seed, SALT_BLOCK, bx, by)),
    sink,
    s: serviceLevel(p, bx, by),
    X0,
    X1,
    Y0,
    Y1,
    plot,
    gx,
    gy,
    gates: { S: ids.hg(bx, by), N: ids.hg(bx, by + 1), W: ids.vg(bx, by), E: ids.vg(bx + 1, by) },
    community: communityName(p, bx, by),
    street: streetName(p, bx, by),
    quads,
  };
}
export const bare = (n: string) => n.replace(/(街道|社区)$/, '');

// ---- geometry helpers

export function closedRect(e: BlockEnv, r: Rect, tags: Tags | undefined, info?: FeatureInfo): number {
  const s = e.sink;
  const a = s.node(r.x0, r.y0);
  const b = s.node(r.x1, r.y0);
  const c = s.node(r.x1, r.y1);
  const d = s.node(r.x0, r.y1);
  return s.way([a, b, c, d, a], tags, { area: rarea(r), ...info });
}

export function closedPoly(e: BlockEnv, pts: number[], tags: Tags | undefined, info?: FeatureInfo): number {
  const ids: number[] = [];
  for (let k = 0; k < pts.length; k += 2) ids.push(e.sink.node(pts[k], pts[k + 1]));
  ids.push(ids[0]);
  return e.sink.way(ids, tags, { area: polyArea(pts), ...info });
}
function fmtHeight(h: number): string {
  return String(Math.round(h * 10) / 10);
}

/** building tags with optional levels / height / start_date, as patchy as real Chinese OSM data */
export function buildingTags(rng: Rng, value: string, levels: number, year: number | undefined, pLevels = 0.75, pHeight = 0.35, pDate = 0.3): Tags {
  const t: Tags = ['building', value];
  if (rng.chance(pLevels)) t.push('building:levels', String(levels));
  if (rng.chance(pHeight)) t.push('height', fmtHeight(levels * rng.range(2.85, 3.1) + rng.range(0, 1.5)));
  if (year !== undefined && rng.chance(pDate)) t.push('start_date', String(year));
  return t;
}

export function poi(e: BlockEnv, x: number, y: number, tags: Tags): void {
  e.sink.node(x, y, tags);
}

/** a point just inside the southern face of a footprint (a shop or office on the ground floor) */
export function groundFloor(e: BlockEnv, r: Rect): [number, number] {
  return [r.x0 + e.rng.range(0.2, 0.8) * rw(r), r.y0 + Math.min(3, rh(r) / 3)];
}

export const p01 = (e: BlockEnv, base: number) => Math.min(0.95, base * (0.25 + 1.5 * e.s));

// ---- internal roads

export interface Arms {
  /** extra nodes along the N-S arm (besides gates and centre), by y */
  nsExtra: { y: number; id: number }[];
  ewExtra: { x: number; id: number }[];
}

/**
 * The "+" of internal roads from the four gates to the centre node. `which` selects arms
 * (S, N, W, E); tags per axis. Returns the centre node id.
 */
export function arms(e: BlockEnv, which: { S: boolean; N: boolean; W: boolean; E: boolean }, nsTags: Tags | null, ewTags: Tags | null, extra: Arms): number {
  const centre = e.sink.node(e.gx, e.gy);
  if (nsTags && (which.S || which.N)) {
    const refs: number[] = [];
    const ex = extra.nsExtra.slice().sort((a, b) => a.y - b.y);
    if (which.S) refs.push(e.gates.S);
    for (const n of ex) if (n.y < e.gy && (which.S || n.y > e.plot.y0)) refs.push(n.id);
    refs.push(centre);
    for (const n of ex) if (n.y > e.gy) refs.push(n.id);
    if (which.N) refs.push(e.gates.N);
    if (refs.length >= 2) e.sink.way(refs, nsTags);
  }
  if (ewTags && (which.W || which.E)) {
    const refs: number[] = [];
    const ex = extra.ewExtra.slice().sort((a, b) => a.x - b.x);
    if (which.W) refs.push(e.gates.W);
    for (const n of ex) if (n.x < e.gx) refs.push(n.id);
    refs.push(centre);
    for (const n of ex) if (n.x > e.gx) refs.push(n.id);
    if (which.E) refs.push(e.gates.E);
    if (refs.length >= 2) e.sink.way(refs, ewTags);
  }
  return centre;
}
