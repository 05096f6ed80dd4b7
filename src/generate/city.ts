/**
 * The synthetic Chinese city, generated procedurally from a block grid so that it can be
 * streamed: every piece of geometry is a pure function of (seed, indices), so the generator can
 * run once to emit nodes and again to emit ways (and collect the few relations) without holding
 * the city in memory.
 *
 * Layout: a grid of street lines (arterial/secondary/tertiary/residential by index) with an
 * intersection node at every crossing and one "gate" node on every street edge; each grid cell
 * is a block (小区 compound, urban village, commercial, school, hospital, park, industrial, public,
 * construction site, one civic centre). Inside a block, internal roads run from the four gates to
 * a centre node (a "+"), and buildings fill the four quadrants around it, so nothing overlaps and
 * the walk network is connected through shared nodes. Facilities are scattered with a smooth
 * "service level" field, so some areas are well served and others are left with real gaps.
 * One area is always left behind (few facilities, no park block), so indicators find gaps.
 * A river takes one row of blocks, crossed by bridges on the arterial and secondary lines only;
 * an elevated motorway runs over the central east-west arterial. Admin areas (district 6,
 * streets 8, communities 10) tile the grid along street centre lines.
 *
 * Coordinates inside the generator are metres in a local plane (x along the grid's columns,
 * y along its rows) from the grid's south-west corner; `lonOf`/`latOf` turn the grid by the
 * plan's rotation about its centre and convert to degrees (WGS84, local scale at the centre).
 */
import { hash32, hashUnit, normaliseSeed, Rng } from './prng.js';
import { CONVENIENCE_NAMES, COMPOUND_SUFFIX_NEW, COMPOUND_SUFFIX_OLD, PHARMACY_NAMES, SUPERMARKET_NAMES, WordPool, cnNumber, districtName } from './names.js';
import type { OsmMember } from './osm-writer.js';

export type Tags = string[];

/** Extra facts the generator knows about a way/relation it emits (for the summary). */
export interface FeatureInfo {
  /** polygon area in m² for closed areas (buildings, landuse, parks, ...) */
  area?: number;
  /** building that is residential by the taxonomy rule (tag value, or `yes` inside residential landuse) */
  residential?: boolean;
}

/** Where generated entities go. Ids are returned so ways can reference nodes, relations ways. */
export interface CitySink {
  node(x: number, y: number, tags?: Tags): number;
  way(refs: number[], tags?: Tags, info?: FeatureInfo): number;
  relation(members: OsmMember[], tags: Tags, info?: FeatureInfo): number;
}

interface Rect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}
const rw = (r: Rect) => r.x1 - r.x0;
const rh = (r: Rect) => r.y1 - r.y0;
const rarea = (r: Rect) => rw(r) * rh(r);

// street classes by line index
const PRIMARY = 0;
const SECONDARY = 1;
const TERTIARY = 2;
const RESIDENTIAL = 3;
const HIGHWAY = ['primary', 'secondary', 'tertiary', 'residential'];
/** distance from the street centre line to the edge of the plots along it */
const SETBACK = [24, 17, 13, 10];
/** river bank distance from the riverside street centre lines */
const RIVER_BANK = 22;

export type BlockKind =
  | 'compound'
  | 'village'
  | 'commercial'
  | 'primary_school'
  | 'middle_school'
  | 'hospital'
  | 'park'
  | 'industrial'
  | 'public'
  | 'construction'
  | 'river'
  | 'civic';

/** Average buildings per block, measured; sizes the grid from the requested building count. */
export const BUILDINGS_PER_BLOCK = 17.3;

const SALT_LAYOUT = 11;
const SALT_KIND = 12;
const SALT_BLOCK = 13;
const SALT_SVC = 14;
const SALT_ERA = 15;
const SALT_EDGE = 16;
const SALT_METRO = 17;
const SALT_NAMES = 18;

export interface CityPlan {
  seed: number;
  requestedBuildings: number;
  nbx: number;
  nby: number;
  /** vertical street lines x (m), length nbx+1; horizontal street lines y, length nby+1 */
  X: Float64Array;
  Y: Float64Array;
  vClass: Uint8Array;
  hClass: Uint8Array;
  /** gate position along the edges of block column i / row j, as a fraction */
  fx: Float64Array;
  fy: Float64Array;
  im: number;
  jm: number;
  civicBx: number;
  civicBy: number;
  /** block row taken by a river (-1: none), crossed by bridges on the major lines only */
  riverRow: number;
  riverName: string;
  /** centre (block units) and radius of the underserved area */
  gapX: number;
  gapY: number;
  gapR: number;
  /** SW corner of the (unrotated) grid in degrees, and metres per degree */
  lon0: number;
  lat0: number;
  /** the grid is turned by this angle (radians, counter-clockwise) about its centre (cxm, cym) */
  rotation: number;
  rotCos: number;
  rotSin: number;
  cxm: number;
  cym: number;
  mPerDegLon: number;
  mPerDegLat: number;
  vName: string[];
  hName: string[];
  district: string;
  /** admin tiling: block indices where streets / communities change, each from 0 to nbx|nby */
  streetX: number[];
  streetY: number[];
  commX: number[];
  commY: number[];
  words: WordPool;
  /** [west, south, east, north] degrees covering everything the generator emits */
  bbox: [number, number, number, number];
}

/** Centre of the city (Wuhan-like location on the Yangtze). */
const CENTRE_LON = 114.3;
const CENTRE_LAT = 30.55;

/**
 * Plan a city of about `requestedBuildings` buildings: the grid is sized from an average per
 * block, then corrected from the buildings actually generated in the plan's blocks. Small cities
 * (up to 5,000 blocks) are counted exactly and the closest of the nearby grids wins; larger ones
 * use the mean of hashed samples of blocks (pooled over the plans tried, which are all of about
 * the right size), so the choice does not chase sampling noise.
 */
export function planCity(requestedBuildings: number, seedIn: number): CityPlan {
  if (!Number.isFinite(requestedBuildings) || requestedBuildings < 1) throw new Error(`buildings must be ≥ 1, got ${requestedBuildings}`);
  const N = requestedBuildings;
  const seed = normaliseSeed(seedIn);
  const dims = (blocks: number): [number, number] => {
    const nbx = Math.max(2, Math.round(Math.sqrt(blocks * 1.15)));
    return [nbx, Math.max(2, Math.round(blocks / nbx))];
  };
  const neighbours = (target: number): [number, number][] => {
    const out: [number, number][] = [];
    const [cx] = dims(target);
    for (let nbx = Math.max(2, cx - 1); nbx <= cx + 1; nbx++)
      for (const nby of new Set([Math.max(2, Math.floor(target / nbx)), Math.max(2, Math.ceil(target / nbx))])) out.push([nbx, nby]);
    return out;
  };
  let best = planGrid(N, seed, ...dims(N / BUILDINGS_PER_BLOCK));
  const first = estimateBuildings(best);
  if (!first.exact) {
    // pooled mean buildings per block, from this plan and one of the right size
    let count = first.count;
    let blocks = first.blocks;
    const again = planGrid(N, seed, ...dims((N * first.blocks) / Math.max(1, first.count)));
    const second = estimateBuildings(again);
    count += second.count;
    blocks += second.blocks;
    const mean = count / blocks;
    let bestErr = Infinity;
    for (const [nbx, nby] of neighbours(N / mean)) {
      const err = Math.abs(nbx * nby * mean - N);
      if (err < bestErr) {
        bestErr = err;
        best = planGrid(N, seed, nbx, nby);
      }
    }
    return best;
  }
  let bestEst = first.count;
  const tried = new Set<string>([`${best.nbx}x${best.nby}`]);
  for (let round = 0; round < 2; round++) {
    const target = (N * best.nbx * best.nby) / Math.max(1, bestEst);
    for (const [nbx, nby] of neighbours(target)) {
      const key = `${nbx}x${nby}`;
      if (tried.has(key)) continue;
      tried.add(key);
      const plan = planGrid(N, seed, nbx, nby);
      const est = estimateBuildings(plan);
      if (Math.abs(est.count - N) < Math.abs(bestEst - N)) {
        best = plan;
        bestEst = est.count;
      }
    }
    if (Math.abs(bestEst - N) <= 0.02 * N) break;
  }
  return best;
}

/**
 * Buildings the plan would generate: every block counted when there are at most 5,000 blocks
 * (`exact`), else a hashed sample of 5,000 (`count` over `blocks` sampled blocks).
 */
export function estimateBuildings(plan: CityPlan): { count: number; blocks: number; exact: boolean } {
  let count = 0;
  let id = 0;
  const sink: CitySink = {
    node: () => ++id,
    way(_refs, tags) {
      if (tags && hasKey(tags, 'building')) count++;
      return ++id;
    },
    relation(_m, tags) {
      if (hasKey(tags, 'building')) count++;
      return ++id;
    },
  };
  const ids = new GridIds(plan);
  const n = plan.nbx * plan.nby;
  const SAMPLE = 5000;
  if (n <= SAMPLE) {
    for (let by = 0; by < plan.nby; by++) for (let bx = 0; bx < plan.nbx; bx++) emitBlock(plan, bx, by, sink, ids);
    return { count, blocks: n, exact: true };
  }
  for (let s = 0; s < SAMPLE; s++) {
    const b = hash32(plan.seed, 0xb10c, s) % n;
    emitBlock(plan, b % plan.nbx, Math.floor(b / plan.nbx), sink, ids);
  }
  return { count, blocks: SAMPLE, exact: false };
}

function hasKey(kv: Tags, key: string): boolean {
  for (let k = 0; k < kv.length; k += 2) if (kv[k] === key) return true;
  return false;
}

function planGrid(requestedBuildings: number, seed: number, nbx: number, nby: number): CityPlan {
  const rng = new Rng(hash32(seed, SALT_LAYOUT));
  const im = Math.floor(nbx / 2);
  const jm = Math.floor(nby / 2);
  const civicBx = Math.min(im, nbx - 1);
  const civicBy = Math.min(jm, nby - 1);

  const gapCorner = rng.int(0, 3);
  const riverRow = nby >= 6 ? Math.max(1, jm - 2 - Math.floor(rng.next() * Math.max(1, jm - 3))) : -1;
  const widths = (n: number, civic: number, river: number) => {
    const a: number[] = [];
    for (let i = 0; i < n; i++) a.push(i === civic ? 300 : i === river ? Math.round(rng.range(320, 420)) : Math.round(rng.range(175, 285)));
    return a;
  };
  const wx = widths(nbx, civicBx, -1);
  const wy = widths(nby, civicBy, riverRow);
  const X = new Float64Array(nbx + 1);
  const Y = new Float64Array(nby + 1);
  for (let i = 0; i < nbx; i++) X[i + 1] = X[i] + wx[i];
  for (let j = 0; j < nby; j++) Y[j + 1] = Y[j] + wy[j];
  const lineClass = (k: number, mid: number) => {
    const d = Math.abs(k - mid);
    return d % 6 === 0 ? PRIMARY : d % 3 === 0 ? SECONDARY : d % 2 === 0 ? TERTIARY : RESIDENTIAL;
  };
  const vClass = new Uint8Array(nbx + 1);
  const hClass = new Uint8Array(nby + 1);
  for (let i = 0; i <= nbx; i++) vClass[i] = lineClass(i, im);
  for (let j = 0; j <= nby; j++) hClass[j] = lineClass(j, jm);
  const fx = new Float64Array(nbx);
  const fy = new Float64Array(nby);
  for (let i = 0; i < nbx; i++) fx[i] = rng.range(0.38, 0.62);
  for (let j = 0; j < nby; j++) fy[j] = rng.range(0.38, 0.62);

  const mPerDegLat = 111132.954 - 559.822 * Math.cos((2 * CENTRE_LAT * Math.PI) / 180) + 1.175 * Math.cos((4 * CENTRE_LAT * Math.PI) / 180);
  const mPerDegLon = 111412.84 * Math.cos((CENTRE_LAT * Math.PI) / 180) - 93.5 * Math.cos((3 * CENTRE_LAT * Math.PI) / 180);
  // small seeded shift of the centre so different seeds do not sit on the same spot
  const lon0 = CENTRE_LON + rng.range(-0.02, 0.02) - X[nbx] / 2 / mPerDegLon;
  const lat0 = CENTRE_LAT + rng.range(-0.02, 0.02) - Y[nby] / 2 / mPerDegLat;

  const words = new WordPool(hash32(seed, SALT_NAMES));
  // street line names: horizontal lines use words 0.., vertical lines continue after them
  const hName: string[] = [];
  const vName: string[] = [];
  const suffix = (cls: number, vertical: boolean, k: number) =>
    cls === PRIMARY ? (vertical ? '大道' : '路') : cls === SECONDARY ? '路' : cls === TERTIARY ? (k % 4 === 0 ? '街' : '路') : k % 3 === 0 ? '巷' : '街';
  for (let j = 0; j <= nby; j++) hName.push(words.word(j) + suffix(hClass[j], false, j));
  for (let i = 0; i <= nbx; i++) vName.push(words.word(nby + 1 + i) + suffix(vClass[i], true, i));

  const split = (n: number, parts: number) => {
    const b: number[] = [];
    for (let k = 0; k <= parts; k++) b.push(Math.round((k * n) / parts));
    return b;
  };
  const nStreetsAxis = (n: number) => (n < 4 ? 1 : Math.max(2, Math.round(n / 7)));
  const streetX = split(nbx, nStreetsAxis(nbx));
  const streetY = split(nby, nStreetsAxis(nby));
  const nest = (streets: number[]) => {
    const c: number[] = [0];
    for (let s = 0; s + 1 < streets.length; s++) {
      const w = streets[s + 1] - streets[s];
      const parts = Math.max(1, Math.round(w / 2));
      for (let k = 1; k <= parts; k++) c.push(streets[s] + Math.round((k * w) / parts));
    }
    return c;
  };
  const commX = nest(streetX);
  const commY = nest(streetY);

  // outward to whole 1e-7 degrees, so the header box contains every (rounded) node
  const down = (v: number) => Math.floor(v * 1e7) / 1e7;
  const up = (v: number) => Math.ceil(v * 1e7) / 1e7;
  // street grids of Chinese cities rarely run north-south: turn the whole city a little
  const rotation = (rng.range(-20, 20) * Math.PI) / 180;
  const rotCos = Math.cos(rotation);
  const rotSin = Math.sin(rotation);
  const cxm = X[nbx] / 2;
  const cym = Y[nby] / 2;
  const corners = [
    [0, 0],
    [X[nbx], 0],
    [X[nbx], Y[nby]],
    [0, Y[nby]],
  ].map(([x, y]) => [cxm + (x - cxm) * rotCos - (y - cym) * rotSin, cym + (x - cxm) * rotSin + (y - cym) * rotCos]);
  const xs = corners.map((c) => c[0]);
  const ys = corners.map((c) => c[1]);
  const bbox: [number, number, number, number] = [
    down(lon0 + Math.min(...xs) / mPerDegLon),
    down(lat0 + Math.min(...ys) / mPerDegLat),
    up(lon0 + Math.max(...xs) / mPerDegLon),
    up(lat0 + Math.max(...ys) / mPerDegLat),
  ];
  return {
    rotation,
    rotCos,
    rotSin,
    cxm,
    cym,
    seed,
    requestedBuildings,
    nbx,
    nby,
    X,
    Y,
    vClass,
    hClass,
    fx,
    fy,
    im,
    jm,
    civicBx,
    civicBy,
    riverRow,
    gapX: nbx * (gapCorner & 1 ? 0.8 : 0.2),
    gapY: nby * (gapCorner & 2 ? 0.8 : 0.2),
    gapR: Math.max(2, Math.min(5, Math.min(nbx, nby) * 0.2)),
    riverName: words.word(nbx + nby + 2) + (nbx + nby > 40 ? '江' : '河'),
    lon0,
    lat0,
    mPerDegLon,
    mPerDegLat,
    vName,
    hName,
    district: districtName(seed),
    streetX,
    streetY,
    commX,
    commY,
    words,
    bbox,
  };
}

/** Degrees of a point given in plan metres (rotation applied). */
export function lonOf(p: CityPlan, x: number, y: number): number {
  return p.lon0 + (p.cxm + (x - p.cxm) * p.rotCos - (y - p.cym) * p.rotSin) / p.mPerDegLon;
}
export function latOf(p: CityPlan, x: number, y: number): number {
  return p.lat0 + (p.cym + (x - p.cxm) * p.rotSin + (y - p.cym) * p.rotCos) / p.mPerDegLat;
}

// ---------------------------------------------------------------------------------------------
// smooth fields over the block grid

function valueNoise(seed: number, salt: number, x: number, y: number, cell: number): number {
  const gx = x / cell;
  const gy = y / cell;
  const x0 = Math.floor(gx);
  const y0 = Math.floor(gy);
  const tx = gx - x0;
  const ty = gy - y0;
  const sx = tx * tx * (3 - 2 * tx);
  const sy = ty * ty * (3 - 2 * ty);
  const v00 = hashUnit(seed, salt, x0, y0);
  const v10 = hashUnit(seed, salt, x0 + 1, y0);
  const v01 = hashUnit(seed, salt, x0, y0 + 1);
  const v11 = hashUnit(seed, salt, x0 + 1, y0 + 1);
  return (v00 * (1 - sx) + v10 * sx) * (1 - sy) + (v01 * (1 - sx) + v11 * sx) * sy;
}

/** 0 at the centre, 1 at the far corner */
function centreDistance(p: CityPlan, bx: number, by: number): number {
  const dx = (bx + 0.5 - p.nbx / 2) / (p.nbx / 2);
  const dy = (by + 0.5 - p.nby / 2) / (p.nby / 2);
  return Math.min(1, Math.sqrt((dx * dx + dy * dy) / 2));
}

/** service level in [0, 1]: how well an area is provided with facilities */
export function serviceLevel(p: CityPlan, bx: number, by: number): number {
  const n = valueNoise(p.seed, SALT_SVC, bx, by, 5);
  let v = 0.75 * n + 0.35 * (1 - centreDistance(p, bx, by)) - 0.1;
  // one area is always left behind (an old or fringe district): facilities there are rare
  if (Math.hypot(bx + 0.5 - p.gapX, by + 0.5 - p.gapY) < p.gapR) v *= 0.1;
  return Math.max(0, Math.min(1, v));
}

export function blockKind(p: CityPlan, bx: number, by: number): BlockKind {
  if (bx === p.civicBx && by === p.civicBy) return 'civic';
  if (by === p.riverRow) return 'river';
  const d = centreDistance(p, bx, by);
  const r = hashUnit(p.seed, SALT_KIND, bx, by);
  const table: [BlockKind, number][] = [
    ['commercial', 0.04 + 0.12 * (1 - d)],
    ['industrial', 0.01 + 0.1 * d * d],
    ['primary_school', 0.04],
    ['middle_school', 0.025],
    ['hospital', 0.012],
    ['public', 0.02],
    ['park', 0.02 + 0.06 * serviceLevel(p, bx, by)],
    ['construction', 0.012],
    ['village', d > 0.45 ? 0.05 : 0.015],
  ];
  let acc = 0;
  for (const [k, w] of table) {
    acc += w;
    if (r < acc) return k;
  }
  return 'compound';
}

// ---------------------------------------------------------------------------------------------
// row-level nodes (pass 1) and street ways (pass 2)

/** Node ids the block generator and the street ways need; filled during the node pass. */
export class GridIds {
  readonly grid: Float64Array; // (nbx+1)*(nby+1)
  readonly hGate: Float64Array; // nbx*(nby+1)
  readonly vGate: Float64Array; // (nbx+1)*nby
  readonly mwA: Float64Array; // motorway eastbound, nbx+1
  readonly mwB: Float64Array; // westbound
  readonly riverS: Float64Array; // river banks and centre line, nbx+1
  readonly riverN: Float64Array;
  readonly riverC: Float64Array;
  readonly blockFirstNode: Float64Array;
  readonly blockNodeCount: Uint32Array;
  constructor(readonly p: CityPlan) {
    this.grid = new Float64Array((p.nbx + 1) * (p.nby + 1));
    this.hGate = new Float64Array(p.nbx * (p.nby + 1));
    this.vGate = new Float64Array((p.nbx + 1) * p.nby);
    this.mwA = new Float64Array(p.nbx + 1);
    this.mwB = new Float64Array(p.nbx + 1);
    this.riverS = new Float64Array(p.nbx + 1);
    this.riverN = new Float64Array(p.nbx + 1);
    this.riverC = new Float64Array(p.nbx + 1);
    this.blockFirstNode = new Float64Array(p.nbx * p.nby);
    this.blockNodeCount = new Uint32Array(p.nbx * p.nby);
  }
  g(i: number, j: number): number {
    return this.grid[j * (this.p.nbx + 1) + i];
  }
  hg(i: number, j: number): number {
    return this.hGate[j * this.p.nbx + i];
  }
  vg(i: number, j: number): number {
    return this.vGate[j * (this.p.nbx + 1) + i];
  }
}

const gateX = (p: CityPlan, i: number) => p.X[i] + p.fx[i] * (p.X[i + 1] - p.X[i]);
const gateY = (p: CityPlan, j: number) => p.Y[j] + p.fy[j] * (p.Y[j + 1] - p.Y[j]);

function busStopTags(rng: Rng, name: string): Tags {
  const r = rng.next();
  if (r < 0.55) return ['highway', 'bus_stop', 'name', name, 'public_transport', 'platform', 'bus', 'yes'];
  if (r < 0.85) return ['highway', 'bus_stop', 'name', name];
  return ['public_transport', 'platform', 'bus', 'yes', 'name', name];
}

const BUS_P = [0.55, 0.45, 0.18, 0.04];

/**
 * Emits the nodes that belong to street line j (intersections, gates on its edges, bus stops,
 * metro stations, motorway nodes) and, when j < nby, those of the vertical edges between line j
 * and j+1. Pass 1 only.
 */
export function emitRowNodes(p: CityPlan, j: number, sink: CitySink, ids: GridIds): void {
  const { nbx, nby, X, Y } = p;
  const y = Y[j];
  for (let i = 0; i <= nbx; i++) ids.grid[j * (nbx + 1) + i] = sink.node(X[i], y);
  for (let i = 0; i < nbx; i++) ids.hGate[j * nbx + i] = sink.node(gateX(p, i), y);
  // metro stations at arterial crossings
  for (let i = 0; i <= nbx; i++) {
    const vc = p.vClass[i];
    const hc = p.hClass[j];
    const forced = i === p.im && j === p.jm;
    const pm = vc === PRIMARY && hc === PRIMARY ? 0.75 : vc + hc <= 1 ? 0.2 : 0;
    const u = hashUnit(p.seed, SALT_METRO, i, j);
    if (!forced && u >= pm) continue;
    const sx = i < nbx ? 1 : -1;
    const sy = j < nby ? 1 : -1;
    const name = p.vName[i].replace(/(大道|路|街|巷)$/, '') + (u < pm * 0.5 ? '' : p.hName[j].replace(/(大道|路|街|巷)$/, '')) + '站';
    const light = hashUnit(p.seed, SALT_METRO, i, j, 1) < 0.12 && !forced;
    const tags: Tags =
      u < pm * 0.8 || forced
        ? ['railway', 'station', 'station', light ? 'light_rail' : 'subway', 'public_transport', 'station', 'subway', light ? 'no' : 'yes', 'name', name]
        : ['public_transport', 'station', 'subway', 'yes', 'railway', 'station', 'name', name];
    if (light) tags.push('light_rail', 'yes');
    sink.node(X[i] + sx * 16, y + sy * 16, tags);
    sink.node(X[i] + sx * 5, y + sy * 15, ['railway', 'subway_entrance', 'ref', 'A']);
    sink.node(X[i] + sx * 15, y + sy * 5, ['railway', 'subway_entrance', 'ref', 'B']);
  }
  // bus stops along the horizontal edges of this line
  for (let i = 0; i < nbx; i++) {
    const rng = new Rng(hash32(p.seed, SALT_EDGE, 0, i, j));
    const s = serviceLevel(p, i, Math.min(j, nby - 1));
    const forced = i === p.civicBx && j === p.civicBy;
    if (!forced && !rng.chance(BUS_P[p.hClass[j]] * (0.3 + 1.4 * s))) continue;
    const side = j < nby ? 1 : -1;
    const x = X[i] + rng.range(0.25, 0.75) * (X[i + 1] - X[i]);
    sink.node(x, y + side * 12, busStopTags(rng, p.hName[j] + p.vName[i + (rng.chance(0.5) ? 1 : 0)]));
  }
  if (j === p.jm) {
    for (let i = 0; i <= nbx; i++) ids.mwA[i] = sink.node(X[i], y - 9);
    for (let i = 0; i <= nbx; i++) ids.mwB[i] = sink.node(X[i], y + 9);
  }
  if (j === p.riverRow) {
    const y0 = Y[j] + RIVER_BANK;
    const y1 = Y[j + 1] - RIVER_BANK;
    for (let i = 0; i <= nbx; i++) ids.riverS[i] = sink.node(X[i], y0);
    for (let i = 0; i <= nbx; i++) ids.riverN[i] = sink.node(X[i], y1);
    for (let i = 0; i <= nbx; i++) ids.riverC[i] = sink.node(X[i], (y0 + y1) / 2 + (y1 - y0) * 0.2 * Math.sin(i * 0.7 + (p.seed % 7)));
  }
  if (j < nby) {
    const gy = gateY(p, j);
    for (let i = 0; i <= nbx; i++) if (j !== p.riverRow || p.vClass[i] <= SECONDARY) ids.vGate[j * (nbx + 1) + i] = sink.node(X[i], gy);
    for (let i = 0; i <= nbx; i++) {
      if (j === p.riverRow) continue;
      const rng = new Rng(hash32(p.seed, SALT_EDGE, 1, i, j));
      const s = serviceLevel(p, Math.min(i, nbx - 1), j);
      if (!rng.chance(BUS_P[p.vClass[i]] * (0.3 + 1.4 * s))) continue;
      const side = i < nbx ? 1 : -1;
      const yy = Y[j] + rng.range(0.25, 0.75) * (Y[j + 1] - Y[j]);
      sink.node(X[i] + side * 12, yy, busStopTags(rng, p.vName[i] + p.hName[j + (rng.chance(0.5) ? 1 : 0)]));
    }
  }
}

function streetTags(cls: number, name: string, rng: Rng): Tags {
  const t: Tags = ['highway', HIGHWAY[cls], 'name', name];
  if (cls === PRIMARY) t.push('lanes', '6', 'maxspeed', '60', 'sidewalk', 'both');
  else if (cls === SECONDARY) t.push('lanes', '4', 'maxspeed', '50', 'sidewalk', 'both');
  else if (cls === TERTIARY) t.push('lanes', '2');
  else if (rng.chance(0.15)) t.push('oneway', 'yes');
  return t;
}

/** Street ways along every grid line, the motorway and its links. Pass 2. */
export function emitStreetWays(p: CityPlan, sink: CitySink, ids: GridIds): void {
  const { nbx, nby } = p;
  /**
   * One street line as a few ways of up to 4 edges; edge modes: a tunnel segment closed to
   * pedestrians (some arterials), a bridge over the river (major lines), or no street at all
   * (minor lines end at the river).
   */
  const line = (n: number, cls: number, name: string, salt: number, k: number, node: (e: number) => number, gate: (e: number) => number) => {
    const rng = new Rng(hash32(p.seed, SALT_EDGE, 2 + salt, k));
    const NORMAL = 0;
    const TUNNEL = 1;
    const BRIDGE = 2;
    const NONE = 3;
    const mode = (e: number): number => {
      if (salt === 1 && e === p.riverRow) return cls <= SECONDARY ? BRIDGE : NONE;
      if (salt === 1 && k === p.im && e === 0) return TUNNEL; // at least one, whatever the seed
      return cls === PRIMARY && !(salt === 0 && k === p.jm) && hashUnit(p.seed, SALT_EDGE, 4 + salt, k, e) < 0.035 ? TUNNEL : NORMAL;
    };
    let refs: number[] = [];
    const flush = (m: number) => {
      if (refs.length >= 2) {
        const t = streetTags(cls, name, rng);
        if (m === TUNNEL) t.push('tunnel', 'yes', 'layer', '-1', 'foot', 'no');
        if (m === BRIDGE) t.push('bridge', 'yes', 'layer', '1');
        sink.way(refs, t);
      }
      refs = [];
    };
    for (let e = 0; e < n; e++) {
      const m = mode(e);
      if (m === NONE) {
        flush(NORMAL);
        continue;
      }
      if (m !== NORMAL || (e > 0 && (e % 4 === 0 || mode(e - 1) !== NORMAL))) flush(NORMAL);
      if (refs.length === 0) refs.push(node(e));
      refs.push(gate(e), node(e + 1));
      if (m !== NORMAL) flush(m);
    }
    flush(NORMAL);
  };
  for (let j = 0; j <= nby; j++)
    line(nbx, p.hClass[j], p.hName[j], 0, j, (e) => ids.g(e, j), (e) => ids.hg(e, j));
  for (let i = 0; i <= nbx; i++)
    line(nby, p.vClass[i], p.vName[i], 1, i, (e) => ids.g(i, e), (e) => ids.vg(i, e));

  // elevated motorway over the central east-west arterial, two one-way carriageways
  const mwName = p.hName[p.jm].replace(/(大道|路|街|巷)$/, '') + '高架';
  const mwTags: Tags = ['highway', 'motorway', 'oneway', 'yes', 'bridge', 'yes', 'layer', '1', 'name', mwName, 'ref', 'S' + (1 + (p.seed % 9)) + '1'];
  for (let a = 0; a < nbx; a += 25) {
    const b = Math.min(nbx, a + 25);
    const east: number[] = [];
    for (let i = a; i <= b; i++) east.push(ids.mwA[i]);
    sink.way(east, mwTags);
  }
  for (let b = nbx; b > 0; b -= 25) {
    const a = Math.max(0, b - 25);
    const west: number[] = [];
    for (let i = b; i >= a; i--) west.push(ids.mwB[i]);
    sink.way(west, mwTags);
  }
  const link: Tags = ['highway', 'motorway_link', 'oneway', 'yes'];
  sink.way([ids.g(0, p.jm), ids.mwA[0]], link);
  sink.way([ids.mwB[0], ids.g(0, p.jm)], link);
  sink.way([ids.mwA[nbx], ids.g(nbx, p.jm)], link);
  sink.way([ids.g(nbx, p.jm), ids.mwB[nbx]], link);

  // the river: water polygons in pieces of up to 100 columns, and its centre line
  if (p.riverRow >= 0) {
    for (let a = 0; a < nbx; a += 100) {
      const b = Math.min(nbx, a + 100);
      const refs: number[] = [];
      for (let i = a; i <= b; i++) refs.push(ids.riverS[i]);
      for (let i = b; i >= a; i--) refs.push(ids.riverN[i]);
      refs.push(refs[0]);
      const area = (p.X[b] - p.X[a]) * (p.Y[p.riverRow + 1] - p.Y[p.riverRow] - 2 * RIVER_BANK);
      sink.way(refs, ['natural', 'water', 'water', 'river', 'name', p.riverName], { area });
    }
    for (let a = 0; a < nbx; a += 100) {
      const refs: number[] = [];
      for (let i = a; i <= Math.min(nbx, a + 100); i++) refs.push(ids.riverC[i]);
      sink.way(refs, ['waterway', 'river', 'name', p.riverName]);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// blocks

interface BlockEnv {
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

function makeEnv(p: CityPlan, bx: number, by: number, sink: CitySink, ids: GridIds): BlockEnv {
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
function streetName(p: CityPlan, bx: number, by: number): string {
  return streetNameByIndex(p, streetIndex(p, bx, by));
}
function communityName(p: CityPlan, bx: number, by: number): string {
  return communityNameByIndex(p, communityIndex(p, bx, by));
}
const bare = (n: string) => n.replace(/(街道|社区)$/, '');

// ---- geometry helpers

function closedRect(e: BlockEnv, r: Rect, tags: Tags | undefined, info?: FeatureInfo): number {
  const s = e.sink;
  const a = s.node(r.x0, r.y0);
  const b = s.node(r.x1, r.y0);
  const c = s.node(r.x1, r.y1);
  const d = s.node(r.x0, r.y1);
  return s.way([a, b, c, d, a], tags, { area: rarea(r), ...info });
}

function closedPoly(e: BlockEnv, pts: number[], tags: Tags | undefined, info?: FeatureInfo): number {
  const ids: number[] = [];
  for (let k = 0; k < pts.length; k += 2) ids.push(e.sink.node(pts[k], pts[k + 1]));
  ids.push(ids[0]);
  return e.sink.way(ids, tags, { area: polyArea(pts), ...info });
}

function polyArea(pts: number[]): number {
  let a = 0;
  const n = pts.length / 2;
  for (let k = 0; k < n; k++) {
    const k2 = (k + 1) % n;
    a += pts[2 * k] * pts[2 * k2 + 1] - pts[2 * k2] * pts[2 * k + 1];
  }
  return Math.abs(a) / 2;
}

function ellipse(cx: number, cy: number, rx: number, ry: number, n: number, rng: Rng): number[] {
  const pts: number[] = [];
  for (let k = 0; k < n; k++) {
    const t = (2 * Math.PI * k) / n;
    const f = rng.range(0.85, 1);
    pts.push(cx + rx * f * Math.cos(t), cy + ry * f * Math.sin(t));
  }
  return pts;
}

function shrink(r: Rect, m: number): Rect {
  return { x0: r.x0 + m, y0: r.y0 + m, x1: r.x1 - m, y1: r.y1 - m };
}

/** Slots of size w×d laid out on a grid inside q (rows south to north), centred. */
function layoutGrid(q: Rect, w: number, d: number, gapX: number, gapY: number): Rect[] {
  const W = rw(q);
  const H = rh(q);
  if (W < 8 || H < 8) return [];
  let nx = Math.floor((W + gapX) / (w + gapX));
  let ny = Math.floor((H + gapY) / (d + gapY));
  if (nx < 1) {
    if (W < w * 0.5) return [];
    nx = 1;
    w = W;
  }
  if (ny < 1) {
    if (H < d * 0.7) return [];
    ny = 1;
    d = H;
  }
  const ox = q.x0 + (W - (nx * w + (nx - 1) * gapX)) / 2;
  const oy = q.y0 + (H - (ny * d + (ny - 1) * gapY)) / 2;
  const out: Rect[] = [];
  for (let r = 0; r < ny; r++)
    for (let c = 0; c < nx; c++) {
      const x0 = ox + c * (w + gapX);
      const y0 = oy + r * (d + gapY);
      out.push({ x0, y0, x1: x0 + w, y1: y0 + d });
    }
  return out;
}

/** A footprint inside slot r: shrunk a little and moved within the slot (never beyond it). */
function jitter(rng: Rng, r: Rect, minScale = 0.86): Rect {
  const w = rw(r) * rng.range(minScale, 1);
  const h = rh(r) * rng.range(minScale, 1);
  const x0 = r.x0 + rng.next() * (rw(r) - w);
  const y0 = r.y0 + rng.next() * (rh(r) - h);
  return { x0, y0, x1: x0 + w, y1: y0 + h };
}

/** Footprint as a polygon: a rectangle, sometimes with a notch cut from one corner. */
function footprint(rng: Rng, r: Rect, notchP: number): number[] {
  if (!rng.chance(notchP) || rw(r) < 14 || rh(r) < 9) return [r.x0, r.y0, r.x1, r.y0, r.x1, r.y1, r.x0, r.y1];
  const nw = rw(r) * rng.range(0.2, 0.35);
  const nh = rh(r) * rng.range(0.3, 0.45);
  switch (rng.int(0, 3)) {
    case 0: // notch at NE
      return [r.x0, r.y0, r.x1, r.y0, r.x1, r.y1 - nh, r.x1 - nw, r.y1 - nh, r.x1 - nw, r.y1, r.x0, r.y1];
    case 1: // NW
      return [r.x0, r.y0, r.x1, r.y0, r.x1, r.y1, r.x0 + nw, r.y1, r.x0 + nw, r.y1 - nh, r.x0, r.y1 - nh];
    case 2: // SE
      return [r.x0, r.y0, r.x1 - nw, r.y0, r.x1 - nw, r.y0 + nh, r.x1, r.y0 + nh, r.x1, r.y1, r.x0, r.y1];
    default: // SW
      return [r.x0 + nw, r.y0, r.x1, r.y0, r.x1, r.y1, r.x0, r.y1, r.x0, r.y0 + nh, r.x0 + nw, r.y0 + nh];
  }
}

const cx = (r: Rect) => (r.x0 + r.x1) / 2;
const cy = (r: Rect) => (r.y0 + r.y1) / 2;

function fmtHeight(h: number): string {
  return String(Math.round(h * 10) / 10);
}

/** building tags with optional levels / height / start_date, as patchy as real Chinese OSM data */
function buildingTags(rng: Rng, value: string, levels: number, year: number | undefined, pLevels = 0.75, pHeight = 0.35, pDate = 0.3): Tags {
  const t: Tags = ['building', value];
  if (rng.chance(pLevels)) t.push('building:levels', String(levels));
  if (rng.chance(pHeight)) t.push('height', fmtHeight(levels * rng.range(2.85, 3.1) + rng.range(0, 1.5)));
  if (year !== undefined && rng.chance(pDate)) t.push('start_date', String(year));
  return t;
}

function poi(e: BlockEnv, x: number, y: number, tags: Tags): void {
  e.sink.node(x, y, tags);
}

/** a point just inside the southern face of a footprint (a shop or office on the ground floor) */
function groundFloor(e: BlockEnv, r: Rect): [number, number] {
  return [r.x0 + e.rng.range(0.2, 0.8) * rw(r), r.y0 + Math.min(3, rh(r) / 3)];
}

const p01 = (e: BlockEnv, base: number) => Math.min(0.95, base * (0.25 + 1.5 * e.s));

// ---- internal roads

interface Arms {
  /** extra nodes along the N-S arm (besides gates and centre), by y */
  nsExtra: { y: number; id: number }[];
  ewExtra: { x: number; id: number }[];
}

/**
 * The "+" of internal roads from the four gates to the centre node. `which` selects arms
 * (S, N, W, E); tags per axis. Returns the centre node id.
 */
function arms(e: BlockEnv, which: { S: boolean; N: boolean; W: boolean; E: boolean }, nsTags: Tags | null, ewTags: Tags | null, extra: Arms): number {
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

// ---- facilities

function kindergartenName(e: BlockEnv, compound?: string): string {
  const r = e.rng.next();
  if (compound && r < 0.4) return compound + '幼儿园';
  if (r < 0.7) return bare(e.community) + '幼儿园';
  return e.p.words.word(e.rng.int(0, 400)) + '幼儿园';
}

/** POI (node) facilities a residential area may have, each with its own probability. */
function compoundPois(e: BlockEnv, spots: Rect[], compound: string): void {
  const rng = e.rng;
  const at = () => (spots.length ? groundFloor(e, rng.pick(spots)) : ([e.gx + 5, e.gy + 5] as [number, number]));
  const corridor = (): [number, number] => [e.gx + rng.pick([-1, 1]) * rng.range(3, 7), e.gy + rng.range(-30, 30)];
  if (rng.chance(p01(e, 0.14))) poi(e, ...at(), ['amenity', 'kindergarten', 'name', kindergartenName(e, compound)]);
  if (rng.chance(p01(e, 0.12)))
    poi(e, ...at(), rng.chance(0.7) ? ['amenity', 'childcare', 'name', e.p.words.word(rng.int(0, 600)) + '托育中心'] : ['amenity', 'childcare', 'name', bare(compound) + '托儿所']);
  if (rng.chance(p01(e, 0.2))) {
    const r = rng.next();
    poi(
      e,
      ...at(),
      r < 0.5
        ? ['amenity', 'clinic', 'healthcare', 'clinic', 'name', e.community + '卫生服务站']
        : r < 0.8
          ? ['amenity', 'doctors', 'healthcare', 'doctor', 'name', e.p.words.word(rng.int(0, 600)) + '诊所']
          : ['healthcare', 'clinic', 'name', bare(e.community) + '社区卫生服务站'],
    );
  }
  if (rng.chance(p01(e, 0.3))) {
    const r = rng.next();
    poi(e, ...at(), r < 0.7 ? ['amenity', 'pharmacy', 'healthcare', 'pharmacy', 'name', rng.pick(PHARMACY_NAMES)] : r < 0.85 ? ['shop', 'chemist', 'name', rng.pick(PHARMACY_NAMES)] : ['healthcare', 'pharmacy', 'name', rng.pick(PHARMACY_NAMES)]);
  }
  if (rng.chance(p01(e, 0.14))) {
    const r = rng.next();
    poi(
      e,
      ...at(),
      r < 0.4
        ? ['amenity', 'social_facility', 'social_facility', 'outreach', 'social_facility:for', 'senior', 'name', e.community + '养老服务站']
        : r < 0.6
          ? ['amenity', 'social_facility', 'social_facility', 'nursing_home', 'name', e.p.words.word(rng.int(0, 600)) + '颐养院']
          : r < 0.8
            ? ['name', bare(e.community) + '老年日间照料中心'] // name only
            : ['amenity', 'nursing_home', 'name', e.p.words.word(rng.int(0, 600)) + '敬老院'],
    );
  }
  if (rng.chance(p01(e, 0.22))) {
    const r = rng.next();
    poi(
      e,
      ...at(),
      r < 0.35
        ? ['amenity', 'community_centre', 'name', e.community + '党群服务中心']
        : r < 0.6
          ? ['office', 'government', 'government', 'community', 'name', e.community + '居民委员会']
          : r < 0.85
            ? ['office', 'yes', 'name', e.community + '居委会'] // name only
            : ['name', e.community + '服务站'], // only "社区服务" in the name
    );
  }
  if (rng.chance(p01(e, 0.55))) poi(e, ...at(), ['shop', 'convenience', 'name', rng.pick(CONVENIENCE_NAMES)]);
  if (rng.chance(p01(e, 0.12))) poi(e, ...at(), ['shop', 'supermarket', 'name', rng.pick(SUPERMARKET_NAMES)]);
  if (rng.chance(p01(e, 0.1))) {
    const r = rng.next();
    poi(e, ...at(), r < 0.4 ? ['amenity', 'marketplace', 'name', e.p.words.word(rng.int(0, 600)) + '菜市场'] : r < 0.7 ? ['shop', rng.pick(['greengrocer', 'butcher', 'seafood']), 'name', e.p.words.word(rng.int(0, 600)) + '生鲜'] : ['shop', 'yes', 'name', e.p.words.word(rng.int(0, 600)) + '农贸市场']);
  }
  if (rng.chance(p01(e, 0.45))) {
    const r = rng.next();
    poi(e, ...at(), r < 0.45 ? ['amenity', 'parcel_locker', 'name', '丰巢快递柜', 'operator', '丰巢'] : r < 0.85 ? ['shop', 'outpost', 'name', '菜鸟驿站'] : ['amenity', 'post_office', 'name', bare(e.community) + '邮政所']);
  }
  if (rng.chance(p01(e, 0.35))) poi(e, ...corridor(), ['leisure', 'fitness_station', 'name', '健身路径']);
  if (rng.chance(p01(e, 0.25))) poi(e, ...corridor(), ['leisure', 'playground']);
  if (rng.chance(p01(e, 0.05))) poi(e, ...corridor(), ['amenity', 'toilets', 'name', '公共厕所']);
  if (rng.chance(p01(e, 0.5))) poi(e, ...corridor(), rng.chance(0.6) ? ['amenity', 'waste_disposal', 'name', '垃圾分类投放点'] : ['amenity', 'recycling', 'recycling_type', 'container']);
  if (rng.chance(p01(e, 0.18))) poi(e, ...corridor(), ['amenity', 'charging_station', 'name', rng.pick(['特来电', '星星充电', '国家电网']) + '充电站', 'motorcar', 'yes']);
  if (rng.chance(0.004)) poi(e, ...corridor(), ['amenity', 'fire_station', 'name', bare(e.street) + '小型消防站']);
  // noise that belongs to no category
  if (rng.chance(0.4)) poi(e, ...at(), ['amenity', 'restaurant', 'name', e.p.words.word(rng.int(0, 600)) + '餐馆']);
  if (rng.chance(0.2)) poi(e, ...at(), ['shop', 'hairdresser', 'name', e.p.words.word(rng.int(0, 600)) + '理发']);
}

// ---- block kinds

type Variant = 'old' | 'mid' | 'new' | 'villa';

function compoundVariant(e: BlockEnv): Variant {
  const d = centreDistance(e.p, e.bx, e.by);
  const n = valueNoise(e.p.seed, SALT_ERA, e.bx, e.by, 4);
  const oldness = 0.65 * (1 - d) + 0.5 * n - 0.2;
  const r = e.rng.next();
  if (d > 0.55 && r < 0.08) return 'villa';
  if (r < oldness) return 'old';
  if (r < oldness + 0.3) return 'mid';
  return 'new';
}

interface ResSpec {
  w: number;
  d: number;
  gapX: number;
  gapY: number;
  levels: () => number;
  year: () => number;
  values: string[];
  valueWeights: number[];
  notch: number;
}

function resSpec(rng: Rng, v: Variant): ResSpec {
  switch (v) {
    case 'old':
      return {
        w: rng.range(36, 60),
        d: rng.range(10, 12.5),
        gapX: rng.range(8, 14),
        gapY: rng.range(15, 21),
        levels: () => rng.weighted([4, 5, 6, 7, 8], [1, 3, 5, 3, 1]),
        year: () => rng.int(1960, 1999),
        values: ['yes', 'residential', 'apartments'],
        valueWeights: [78, 12, 10],
        notch: 0.12,
      };
    case 'mid':
      return {
        w: rng.range(40, 62),
        d: rng.range(12, 15),
        gapX: rng.range(10, 16),
        gapY: rng.range(24, 34),
        levels: () => rng.int(7, 18),
        year: () => rng.int(1995, 2012),
        values: ['yes', 'residential', 'apartments'],
        valueWeights: [70, 15, 15],
        notch: 0.15,
      };
    case 'new': {
      const s = rng.range(21, 28);
      return {
        w: s,
        d: s * rng.range(0.75, 1),
        gapX: rng.range(20, 30),
        gapY: rng.range(26, 38),
        levels: () => (rng.chance(0.04) ? rng.int(35, 40) : rng.chance(0.25) ? rng.int(28, 34) : rng.int(16, 27)),
        year: () => rng.int(2005, 2024),
        values: ['yes', 'apartments', 'residential'],
        valueWeights: [65, 20, 15],
        notch: 0.2,
      };
    }
    case 'villa':
      return {
        w: rng.range(11, 15),
        d: rng.range(10, 13),
        gapX: rng.range(6, 9),
        gapY: rng.range(8, 12),
        levels: () => rng.int(2, 3),
        year: () => rng.int(1995, 2020),
        values: ['house', 'detached', 'semidetached_house', 'yes'],
        valueWeights: [40, 30, 10, 20],
        notch: 0.1,
      };
  }
}

const COMPOUND_WORDS = (e: BlockEnv, v: Variant): string => {
  const w = e.p.words.word(e.rng.int(0, e.p.words.size - 1));
  return w + e.rng.pick(v === 'old' ? COMPOUND_SUFFIX_OLD : COMPOUND_SUFFIX_NEW);
};

function genCompound(e: BlockEnv): void {
  const { rng, sink } = e;
  const variant = compoundVariant(e);
  const spec = resSpec(rng, variant);
  const name = COMPOUND_WORDS(e, variant);
  const hasLanduse = rng.chance(0.9);
  const holeQuad = hasLanduse && rng.chance(0.18) ? rng.int(0, 3) : -1;
  const year = spec.year();

  // landuse polygon (or multipolygon with a hole for a kindergarten / park plot)
  let holeRect: Rect | undefined;
  if (holeQuad >= 0) holeRect = shrink(e.quads[holeQuad], -2);
  const luTags: Tags = ['landuse', 'residential', 'name', name];
  if (rng.chance(0.3)) luTags.push('residential', 'urban');
  if (holeRect) {
    const outer = closedRect(e, e.plot, undefined);
    const holeKind = rng.chance(p01(e, 0.6)) ? 'kindergarten' : rng.chance(p01(e, 0.8)) && rarea(holeRect) >= 2000 ? 'park' : 'retail';
    const holeIsPark = holeKind === 'park';
    const innerTags: Tags =
      holeKind === 'park'
        ? ['leisure', 'park', 'name', name + '游园']
        : holeKind === 'kindergarten'
          ? ['amenity', 'kindergarten', 'name', kindergartenName(e, name)]
          : ['landuse', 'retail', 'name', name + '商业街'];
    const inner = closedRect(e, holeRect, innerTags);
    sink.relation(
      [
        { type: 'way', ref: outer, role: 'outer' },
        { type: 'way', ref: inner, role: 'inner' },
      ],
      ['type', 'multipolygon', ...luTags],
      { area: rarea(e.plot) - rarea(holeRect) },
    );
    if (!holeIsPark) {
      const ki = shrink(holeRect, Math.min(10, rw(holeRect) / 4));
      const kw = Math.min(rw(ki), rng.range(30, 45));
      const kh = Math.min(rh(ki), rng.range(20, 30));
      const b = jitter(rng, { x0: ki.x1 - kw, y0: ki.y1 - kh, x1: ki.x1, y1: ki.y1 }, 0.85);
      closedPoly(e, footprint(rng, b, 0.3), holeKind === 'kindergarten' ? ['building', 'kindergarten', 'building:levels', String(rng.int(2, 3))] : ['building', 'retail', 'building:levels', '2']);
      if (holeKind === 'kindergarten') {
        const pg = { x0: holeRect.x0 + 2, y0: holeRect.y0 + 2, x1: b.x0 - 1, y1: holeRect.y0 + 2 + Math.min(20, rh(holeRect) / 3) };
        if (rw(pg) > 6) closedRect(e, pg, ['leisure', 'playground']);
      }
    }
  } else if (hasLanduse) {
    closedRect(e, e.plot, luTags);
  }

  // street-front shops along the south edge
  const shopStrip = rng.chance(0.35);
  // a small public park (游园) of 2,000–5,000 m² along the north side of one northern quadrant
  const parkQuad = rng.chance(p01(e, 0.07)) ? rng.int(2, 3) : -1;
  const residentialSlots: { r: Rect; q: number }[] = [];
  const spots: Rect[] = [];
  for (let q = 0; q < 4; q++) {
    if (q === holeQuad) continue;
    let qr = e.quads[q];
    if (q === parkQuad && rw(qr) > 40 && rh(qr) > 50) {
      const h = Math.min(rh(qr) - 20, rng.range(2100, 4900) / rw(qr));
      if (h * rw(qr) >= 2000) {
        closedRect(e, { x0: qr.x0, y0: qr.y1 - h, x1: qr.x1, y1: qr.y1 }, ['leisure', 'park', 'name', name + '游园']);
        qr = { ...qr, y1: qr.y1 - h - 10 };
      }
    }
    if (shopStrip && q < 2 && rh(qr) > 40) {
      const strip: Rect = { x0: qr.x0, y0: qr.y0, x1: qr.x1, y1: qr.y0 + 12 };
      for (const s of layoutGrid(strip, rng.range(18, 30), 12, 3, 0)) {
        const fp = jitter(rng, s, 0.92);
        closedRect(e, fp, buildingTags(rng, rng.chance(0.7) ? 'retail' : 'commercial', rng.int(1, 2), year, 0.5, 0.1, 0.1));
        spots.push(fp);
      }
      qr = { ...qr, y0: qr.y0 + 20 };
    }
    for (const s of layoutGrid(qr, spec.w, spec.d, spec.gapX, spec.gapY)) residentialSlots.push({ r: s, q });
  }

  // a few slots get other uses
  const special = (): Rect | undefined => {
    if (residentialSlots.length < 4) return undefined;
    const k = rng.int(0, residentialSlots.length - 1);
    return residentialSlots.splice(k, 1)[0].r;
  };
  if (holeQuad < 0 && rng.chance(p01(e, 0.18))) {
    const r = special();
    if (r) {
      const fp = jitter(rng, r, 0.8);
      closedPoly(e, footprint(rng, fp, 0.2), ['building', 'kindergarten', 'amenity', 'kindergarten', 'name', kindergartenName(e, name), 'building:levels', String(rng.int(2, 3))]);
    }
  }
  if (rng.chance(p01(e, 0.08))) {
    const r = special();
    if (r) closedRect(e, jitter(rng, r, 0.7), ['building', 'civic', 'amenity', 'community_centre', 'name', e.community + '党群服务中心']);
  }
  if (rng.chance(p01(e, 0.12))) {
    // pocket park: a whole slot area
    const r = special();
    if (r) {
      const pr = shrink(r, -3);
      closedRect(e, pr, ['leisure', rng.chance(0.75) ? 'garden' : 'park', 'name', name + '中心花园', ...(rng.chance(0.3) ? ['access', 'private'] : [])]);
    }
  }
  if (rng.chance(p01(e, 0.1))) {
    const r = special();
    if (r) closedRect(e, jitter(rng, r, 0.9), ['leisure', 'pitch', 'sport', 'basketball']);
  }

  for (const { r } of residentialSlots) {
    const fp = jitter(rng, r);
    const value = rng.weighted(spec.values, spec.valueWeights);
    const levels = spec.levels();
    const tags = buildingTags(rng, value, levels, variant === 'old' ? Math.max(1960, year + rng.int(-2, 2)) : year);
    closedPoly(e, footprint(rng, fp, spec.notch), tags, { residential: value !== 'yes' || hasLanduse });
    spots.push(fp);
  }
  // gate house by the south gate and a garage row
  if (rng.chance(0.6)) {
    const g: Rect = { x0: e.gx + 4, y0: e.plot.y0 + 1, x1: e.gx + 8, y1: e.plot.y0 + 6.5 };
    closedRect(e, g, ['building', 'yes', 'building:levels', '1', 'name', '门卫室'], { residential: hasLanduse });
  }
  if (rng.chance(0.25)) {
    const q = e.quads[rng.int(0, 1)];
    const g: Rect = { x0: q.x0, y0: e.plot.y0 + 0.5, x1: Math.min(q.x1, q.x0 + 24), y1: e.plot.y0 + 5 };
    if (rw(g) > 8 && holeQuad !== 0 && holeQuad !== 1) closedRect(e, g, ['building', 'garages']);
  }

  // internal roads
  const style = rng.weighted(['open', 'private', 'mixed'], [45, 30, 25]);
  const which = { S: true, N: rng.chance(0.8), W: rng.chance(0.55), E: rng.chance(0.55) };
  const nsTags: Tags = style === 'open' ? (rng.chance(0.7) ? ['highway', 'service'] : ['highway', 'living_street']) : ['highway', 'service', 'access', 'private'];
  const ewTags: Tags = style === 'private' ? ['highway', 'service', 'access', 'private'] : ['highway', 'footway'];
  const extra: Arms = { nsExtra: [], ewExtra: [] };
  // footways along the row gaps, hanging off the N-S arm
  const footways: { from: number; to: number }[] = [];
  if (rng.chance(0.5) && style === 'open') {
    const ys = new Set<number>();
    for (const { r, q } of residentialSlots) if (q === 0 || q === 2) ys.add(Math.round(r.y1 + spec.gapY / 2));
    for (const y of ys) {
      if (y < e.plot.y0 + 8 || y > e.plot.y1 - 8 || Math.abs(y - e.gy) < 12) continue;
      const on = sink.node(e.gx, y);
      extra.nsExtra.push({ y, id: on });
      footways.push({ from: on, to: sink.node(e.quads[0].x0 + 2, y) });
    }
  }
  arms(e, which, nsTags, ewTags, extra);
  for (const f of footways) sink.way([f.from, f.to], ['highway', 'footway']);

  compoundPois(e, spots, name);
}

function genVillage(e: BlockEnv): void {
  const { rng } = e;
  const name = e.p.words.word(rng.int(0, e.p.words.size - 1)) + '村';
  const hasLanduse = rng.chance(0.5);
  if (hasLanduse) closedRect(e, e.plot, ['landuse', 'residential', 'name', name, 'residential', 'rural']);
  const w = rng.range(9, 13);
  const d = rng.range(9, 12);
  const spots: Rect[] = [];
  for (let q = 0; q < 4; q++) {
    for (const s of layoutGrid(e.quads[q], w, d, rng.range(2.5, 4), rng.range(3, 5))) {
      const fp = jitter(rng, s, 0.9);
      const value = rng.chance(0.93) ? 'yes' : 'house';
      closedRect(e, fp, buildingTags(rng, value, rng.int(3, 7), rng.int(1985, 2010), 0.4, 0.05, 0.05), { residential: value !== 'yes' || hasLanduse });
      spots.push(fp);
    }
  }
  arms(e, { S: true, N: true, W: rng.chance(0.7), E: rng.chance(0.7) }, ['highway', 'residential', 'name', name + '大街'], ['highway', rng.pick(['footway', 'path'])], { nsExtra: [], ewExtra: [] });
  if (rng.chance(0.3)) poi(e, e.gx + 5, e.gy + 5, ['shop', 'convenience', 'name', name + '小卖部']);
  if (rng.chance(0.2)) poi(e, e.gx - 5, e.gy - 6, ['amenity', 'toilets', 'name', '公共厕所']);
  if (rng.chance(0.15)) poi(e, ...groundFloor(e, rng.pick(spots.length ? spots : [e.plot])), ['amenity', 'clinic', 'name', name + '卫生室']);
}

function genCommercial(e: BlockEnv): void {
  const { rng } = e;
  const base = e.p.words.word(rng.int(0, e.p.words.size - 1));
  closedRect(e, e.plot, ['landuse', rng.chance(0.6) ? 'commercial' : 'retail', 'name', base + '商圈']);
  const spots: Rect[] = [];
  for (let q = 0; q < 4; q++) {
    const qr = e.quads[q];
    const use = rng.weighted(['office', 'mall', 'hotel', 'parking'], [50, 25, 15, 10]);
    if (use === 'mall' && rarea(qr) > 2500) {
      const fp = shrink(qr, 4);
      const ds = rng.chance(0.5);
      closedRect(e, fp, ['building', 'retail', 'building:levels', String(rng.int(3, 6)), ...(ds ? ['shop', 'department_store', 'name', base + '百货'] : ['shop', 'mall', 'name', base + '广场'])]);
      spots.push(fp);
      if (rng.chance(0.5)) poi(e, cx(fp), cy(fp), ['shop', 'supermarket', 'name', rng.pick(SUPERMARKET_NAMES)]);
    } else if (use === 'parking' && rarea(qr) > 600) {
      closedRect(e, shrink(qr, 3), ['amenity', 'parking', 'parking', 'surface']);
      if (rng.chance(0.4)) poi(e, cx(qr), cy(qr), ['amenity', 'charging_station', 'name', base + '充电站', 'capacity', String(rng.int(4, 20))]);
    } else {
      const s = rng.range(28, 42);
      for (const slot of layoutGrid(qr, s, s * rng.range(0.7, 1), 16, 16)) {
        const fp = jitter(rng, slot, 0.85);
        const hotel = use === 'hotel';
        const levels = hotel ? rng.int(10, 25) : rng.chance(0.15) ? rng.int(40, 62) : rng.int(12, 38);
        const tags = buildingTags(rng, hotel ? 'hotel' : rng.pick(['office', 'commercial', 'yes']), levels, rng.int(1995, 2024), 0.8, 0.5, 0.3);
        if (hotel) tags.push('tourism', 'hotel', 'name', base + rng.pick(['酒店', '宾馆', '大酒店']));
        else if (rng.chance(0.4)) tags.push('name', base + rng.pick(['大厦', '中心', '国际', '金融中心']));
        closedPoly(e, footprint(rng, fp, 0.25), tags);
        spots.push(fp);
      }
    }
  }
  const at = () => (spots.length ? groundFloor(e, rng.pick(spots)) : ([e.gx + 4, e.gy + 4] as [number, number]));
  for (let k = rng.int(2, 5); k > 0; k--) poi(e, ...at(), ['amenity', rng.pick(['restaurant', 'fast_food', 'cafe']), 'name', e.p.words.word(rng.int(0, 600)) + rng.pick(['餐厅', '小吃', '咖啡'])]);
  if (rng.chance(0.7)) poi(e, ...at(), ['amenity', 'bank', 'name', rng.pick(['中国银行', '工商银行', '建设银行', '农业银行', '招商银行'])]);
  if (rng.chance(p01(e, 0.45))) poi(e, ...at(), ['amenity', 'pharmacy', 'name', rng.pick(PHARMACY_NAMES)]);
  if (rng.chance(p01(e, 0.5))) poi(e, ...at(), ['shop', 'convenience', 'name', rng.pick(CONVENIENCE_NAMES)]);
  if (rng.chance(p01(e, 0.2))) poi(e, ...at(), ['amenity', 'post_office', 'name', base + '邮政支局']);
  if (rng.chance(p01(e, 0.2))) poi(e, ...at(), ['office', 'courier', 'name', rng.pick(['顺丰速运', '京东快递', '中通快递'])]);
  if (rng.chance(p01(e, 0.2))) poi(e, ...at(), ['amenity', 'doctors', 'name', base + '门诊部']);
  if (rng.chance(0.3)) poi(e, ...at(), ['leisure', 'fitness_centre', 'name', base + '健身']);
  if (rng.chance(0.2)) poi(e, ...at(), ['amenity', rng.pick(['cinema', 'theatre']), 'name', base + rng.pick(['影城', '剧场'])]);
  if (rng.chance(0.25)) poi(e, e.gx + 5, e.gy - 5, ['amenity', 'toilets', 'name', '公共厕所']);
  const ped = rng.chance(0.6);
  arms(e, { S: true, N: true, W: true, E: true }, ped ? ['highway', 'pedestrian', 'name', base + '步行街'] : ['highway', 'service'], ['highway', ped ? 'pedestrian' : 'footway'], { nsExtra: [], ewExtra: [] });
  if (rng.chance(0.3)) {
    const r: Rect = { x0: e.gx + 2, y0: e.gy + 2, x1: e.gx + 8, y1: e.gy + 8 };
    closedRect(e, r, ['highway', 'pedestrian', 'area', 'yes', 'name', base + '广场']);
  }
}

/** polygon approximating a running track (stadium shape) inside r */
function trackShape(r: Rect): number[] {
  const w = rw(r);
  const h = rh(r);
  const rad = Math.min(w, h) / 2;
  const pts: number[] = [];
  const horizontal = w >= h;
  const c1x = horizontal ? r.x0 + rad : cx(r);
  const c1y = horizontal ? cy(r) : r.y0 + rad;
  const c2x = horizontal ? r.x1 - rad : cx(r);
  const c2y = horizontal ? cy(r) : r.y1 - rad;
  const n = 8;
  for (let k = 0; k <= n; k++) {
    const t = horizontal ? Math.PI / 2 + (Math.PI * k) / n : Math.PI + (Math.PI * k) / n;
    pts.push(c1x + rad * Math.cos(t), c1y + rad * Math.sin(t));
  }
  for (let k = 0; k <= n; k++) {
    const t = horizontal ? -Math.PI / 2 + (Math.PI * k) / n : (Math.PI * k) / n;
    pts.push(c2x + rad * Math.cos(t), c2y + rad * Math.sin(t));
  }
  return pts;
}

function schoolName(e: BlockEnv, middle: boolean): string {
  const r = e.rng.next();
  const n = 1 + (hash32(e.p.seed, e.bx, e.by, 99) % 60);
  if (middle) return r < 0.5 ? `第${cnNumber(n)}中学` : r < 0.75 ? bare(e.street) + '初级中学' : e.p.words.word(e.rng.int(0, 600)) + '高中';
  return r < 0.5 ? `第${cnNumber(n)}小学` : r < 0.75 ? e.p.vName[e.bx].replace(/(大道|路|街|巷)$/, '') + '路小学' : e.p.words.word(e.rng.int(0, 600)) + '实验小学';
}

function genSchool(e: BlockEnv, middle: boolean): void {
  const { rng } = e;
  const name = schoolName(e, middle);
  const t: Tags = ['amenity', 'school', 'name', name];
  if (rng.chance(0.5)) t.push('isced:level', middle ? rng.pick(['2', '3', '2;3']) : '1');
  if (!middle && rng.chance(0.1)) t.push('school', 'primary');
  closedRect(e, e.plot, t, {});
  // track in the larger southern quadrant, pitch inside, teaching buildings elsewhere
  const tq = rarea(e.quads[0]) >= rarea(e.quads[1]) ? 0 : 1;
  const tr = shrink(e.quads[tq], 3);
  if (rw(tr) > 30 && rh(tr) > 20) {
    closedPoly(e, trackShape(tr), ['leisure', 'track', 'sport', 'athletics']);
    closedRect(e, shrink(tr, Math.min(rw(tr), rh(tr)) / 4), ['leisure', 'pitch', 'sport', 'soccer']);
  }
  const year = rng.int(1960, 2020);
  for (let q = 0; q < 4; q++) {
    if (q === tq) continue;
    const slots = layoutGrid(e.quads[q], rng.range(40, 56), 14, 10, 18);
    for (let k = 0; k < slots.length; k++) {
      const dorm = middle && q >= 2 && k === slots.length - 1 && rng.chance(0.6);
      const fp = jitter(rng, slots[k]);
      closedPoly(e, footprint(rng, fp, 0.2), buildingTags(rng, dorm ? 'dormitory' : rng.chance(0.7) ? 'school' : 'yes', rng.int(3, 6), Math.min(2024, year + rng.int(0, 10))), { residential: dorm });
    }
  }
  if (rng.chance(0.4)) poi(e, e.gx + 4, e.gy + 4, ['leisure', 'playground']);
  arms(e, { S: true, N: rng.chance(0.5), W: false, E: false }, ['highway', 'service', 'access', 'private'], null, { nsExtra: [], ewExtra: [] });
}

function genHospital(e: BlockEnv): void {
  const { rng } = e;
  const n = 1 + (hash32(e.p.seed, e.bx, e.by, 98) % 12);
  const name = rng.chance(0.5) ? `${e.p.district.replace(/区$/, '')}第${cnNumber(n)}人民医院` : e.p.words.word(rng.int(0, 600)) + '医院';
  closedRect(e, e.plot, ['amenity', 'hospital', 'healthcare', 'hospital', 'name', name]);
  for (let q = 0; q < 4; q++) {
    for (const s of layoutGrid(e.quads[q], rng.range(30, 50), rng.range(18, 26), 14, 18)) {
      closedPoly(e, footprint(rng, jitter(rng, s), 0.3), buildingTags(rng, rng.chance(0.7) ? 'hospital' : 'yes', rng.int(4, 24), rng.int(1970, 2022)));
    }
  }
  poi(e, e.gx + 6, e.gy - 6, ['amenity', 'pharmacy', 'name', name + '药房']);
  arms(e, { S: true, N: true, W: rng.chance(0.5), E: rng.chance(0.5) }, ['highway', 'service'], ['highway', 'footway'], { nsExtra: [], ewExtra: [] });
}

function genPark(e: BlockEnv): void {
  const { rng, sink } = e;
  const name = e.p.words.word(rng.int(0, e.p.words.size - 1)) + rng.pick(['公园', '公园', '森林公园', '湖公园']);
  const recreation = rng.chance(0.08);
  closedRect(e, e.plot, recreation ? ['landuse', 'recreation_ground', 'name', name] : ['leisure', 'park', 'name', name]);
  const lakeQ = rng.int(0, 3);
  const lq = e.quads[lakeQ];
  if (rng.chance(0.55) && rw(lq) > 40 && rh(lq) > 40) {
    closedPoly(e, ellipse(cx(lq), cy(lq), rw(lq) * 0.42, rh(lq) * 0.42, 16, rng), ['natural', 'water', 'water', 'lake', 'name', name.replace(/公园$/, '') + '湖']);
  }
  // paths: the "+" of footways from the four gates, steps to one side, an unconnected loop sometimes
  const extra: Arms = { nsExtra: [], ewExtra: [] };
  const stepsFrom = sink.node(e.gx, e.gy + (e.plot.y1 - e.gy) * 0.5);
  extra.nsExtra.push({ y: e.gy + (e.plot.y1 - e.gy) * 0.5, id: stepsFrom });
  const centre = arms(e, { S: true, N: true, W: true, E: rng.chance(0.8) }, ['highway', 'footway'], ['highway', rng.pick(['footway', 'path'])], extra);
  const stepsTo = sink.node(e.gx + 7, e.gy + (e.plot.y1 - e.gy) * 0.5 + 3);
  sink.way([stepsFrom, stepsTo], ['highway', 'steps']);
  const loopQ = (lakeQ + 2) % 4;
  const q = shrink(e.quads[loopQ], 6);
  if (rw(q) > 20 && rh(q) > 20) {
    const connected = rng.chance(0.75);
    const pts = ellipse(cx(q), cy(q), rw(q) / 2, rh(q) / 2, 10, rng);
    const ids: number[] = [];
    for (let k = 0; k < pts.length; k += 2) ids.push(sink.node(pts[k], pts[k + 1]));
    ids.push(ids[0]);
    sink.way(ids, ['highway', 'footway', 'name', '环湖步道']);
    if (connected) {
      // spur from the loop to the centre of the "+"
      sink.way([ids[0], centre], ['highway', 'path']);
    }
  }
  if (rng.chance(0.3)) {
    const r = shrink(e.plot, 3);
    const a = sink.node(r.x0, r.y0);
    const b = sink.node(r.x1, r.y0);
    const c = sink.node(r.x1, r.y1);
    const d = sink.node(r.x0, r.y1);
    sink.way([a, b, c, d, a], ['highway', 'cycleway', 'name', '绿道']);
  }
  const spot = e.quads[(lakeQ + 1) % 4];
  if (rng.chance(0.7)) poi(e, e.gx + 5, e.gy + 5, ['amenity', 'toilets', 'name', '公园厕所']);
  if (rng.chance(0.6) && rw(spot) > 30 && rh(spot) > 30) closedRect(e, { x0: spot.x0 + 4, y0: spot.y0 + 4, x1: spot.x0 + 24, y1: spot.y0 + 20 }, ['leisure', 'playground', 'name', '儿童乐园']);
  if (rng.chance(0.6)) poi(e, e.gx - 5, e.gy + 12, ['leisure', 'fitness_station']);
  if (rng.chance(0.4) && rw(spot) > 50 && rh(spot) > 45) closedRect(e, { x0: spot.x1 - 32, y0: spot.y1 - 19, x1: spot.x1 - 4, y1: spot.y1 - 4 }, ['leisure', 'pitch', 'sport', 'basketball']);
  if (rng.chance(0.5)) closedRect(e, { x0: e.gx - 8, y0: e.plot.y0 + 1, x1: e.gx - 3, y1: e.plot.y0 + 8 }, ['building', 'yes', 'name', '公园管理处', 'building:levels', '1']);
}

function genIndustrial(e: BlockEnv): void {
  const { rng } = e;
  const name = e.p.words.word(rng.int(0, e.p.words.size - 1));
  closedRect(e, e.plot, ['landuse', 'industrial', 'name', name + rng.pick(['工业园', '产业园', '物流园'])]);
  for (let q = 0; q < 4; q++) {
    for (const s of layoutGrid(e.quads[q], rng.range(45, 80), rng.range(22, 40), 12, 14)) {
      closedRect(e, jitter(rng, s, 0.8), buildingTags(rng, rng.pick(['industrial', 'warehouse', 'yes']), rng.int(1, 4), rng.int(1970, 2020), 0.5, 0.2, 0.1));
    }
  }
  arms(e, { S: true, N: rng.chance(0.5), W: false, E: rng.chance(0.3) }, ['highway', 'service'], ['highway', 'service', 'access', 'private'], { nsExtra: [], ewExtra: [] });
  if (rng.chance(0.2)) poi(e, e.gx + 5, e.gy + 5, ['amenity', 'waste_transfer_station', 'name', name + '垃圾转运站']);
}

function genPublic(e: BlockEnv): void {
  const { rng } = e;
  const dist = e.p.district.replace(/区$/, '');
  const uses: Tags[] = rng.shuffle([
    ['office', 'government', 'name', e.street + '办事处'],
    rng.pick<Tags>([
      ['amenity', 'library', 'name', bare(e.street) + '图书馆'],
      ['tourism', 'museum', 'name', dist + '博物馆'],
      ['amenity', 'arts_centre', 'name', bare(e.street) + '文化馆'],
      ['amenity', 'theatre', 'name', bare(e.street) + '剧院'],
    ]),
    rng.chance(0.5) ? ['amenity', 'fire_station', 'name', bare(e.street) + '消防救援站'] : ['amenity', 'community_centre', 'name', e.street + '综合文化站'],
    rng.chance(0.5) ? ['leisure', 'sports_centre', 'name', bare(e.street) + '全民健身中心'] : ['leisure', 'stadium', 'name', dist + '体育场'],
  ]);
  for (let q = 0; q < 4; q++) {
    const qr = e.quads[q];
    if (rw(qr) < 15 || rh(qr) < 15) continue;
    const fp = shrink(qr, Math.min(rw(qr), rh(qr)) * 0.15);
    const u = uses[q];
    if (u[1] === 'stadium') closedPoly(e, trackShape(fp), ['leisure', 'stadium', 'name', u[3]]);
    else closedPoly(e, footprint(rng, fp, 0.3), [...buildingTags(rng, rng.pick(['public', 'civic', 'yes']), rng.int(2, 8), rng.int(1980, 2022)), ...u]);
  }
  arms(e, { S: true, N: true, W: true, E: true }, ['highway', 'footway'], ['highway', 'footway'], { nsExtra: [], ewExtra: [] });
}

function genConstruction(e: BlockEnv): void {
  const { rng } = e;
  closedRect(e, e.plot, ['landuse', 'construction', 'construction', 'residential', 'name', e.p.words.word(rng.int(0, 600)) + '项目工地']);
  arms(e, { S: true, N: false, W: false, E: false }, ['highway', 'construction', 'construction', 'service'], null, { nsExtra: [], ewExtra: [] });
}

/** The civic centre: one of every facility category, whatever the city size. */
function genCivic(e: BlockEnv): void {
  const { rng } = e;
  const dist = e.p.district.replace(/区$/, '');
  const [sw, se, nw, ne] = e.quads;
  // SW: a large public park (> 5,000 m²) with playground, fitness, toilets
  closedRect(e, sw, ['leisure', 'park', 'name', dist + '中心公园']);
  closedRect(e, { x0: sw.x0 + 6, y0: sw.y0 + 6, x1: sw.x0 + 26, y1: sw.y0 + 22 }, ['leisure', 'playground', 'name', '儿童游乐场']);
  poi(e, cx(sw), cy(sw), ['leisure', 'fitness_station', 'name', '健身广场']);
  poi(e, sw.x1 - 6, sw.y1 - 6, ['amenity', 'toilets', 'name', '公共厕所']);
  // SE: a pocket park of 2,000–5,000 m² and a private garden (< 2,000 m²)
  const pw = Math.min(rw(se) - 4, 62);
  const ph = Math.min(rh(se) - 30, 3000 / pw);
  const pocket: Rect = { x0: se.x0, y0: se.y0, x1: se.x0 + pw, y1: se.y0 + ph };
  closedRect(e, pocket, ['leisure', 'park', 'name', dist + '口袋公园']);
  const garden: Rect = { x0: se.x0, y0: se.y1 - 22, x1: se.x0 + Math.min(60, rw(se)), y1: se.y1 };
  closedRect(e, garden, ['leisure', 'garden', 'access', 'private', 'name', '机关大院花园']);
  // NW and NE: buildings with every category; what does not get a building becomes a node
  const specs: Tags[] = [
    ['amenity', 'hospital', 'healthcare', 'hospital', 'name', dist + '人民医院'],
    ['amenity', 'school', 'isced:level', '1', 'name', '第一小学'],
    ['amenity', 'school', 'isced:level', '2;3', 'name', '第一中学'],
    ['amenity', 'kindergarten', 'name', dist + '机关幼儿园'],
    ['amenity', 'library', 'name', dist + '图书馆'],
    ['amenity', 'community_centre', 'name', e.community + '党群服务中心'],
    ['shop', 'supermarket', 'name', SUPERMARKET_NAMES[0]],
    ['amenity', 'marketplace', 'name', bare(e.community) + '菜市场'],
    ['amenity', 'fire_station', 'name', dist + '消防救援站'],
    ['leisure', 'sports_centre', 'name', dist + '体育中心'],
    ['amenity', 'social_facility', 'social_facility', 'assisted_living', 'social_facility:for', 'senior', 'name', dist + '社会福利院'],
    ['amenity', 'theatre', 'name', dist + '大剧院'],
    ['tourism', 'museum', 'name', dist + '博物馆'],
    ['amenity', 'arts_centre', 'name', dist + '文化艺术中心'],
    ['amenity', 'post_office', 'name', dist + '邮政局'],
  ];
  const nodes: Tags[] = [
    ['amenity', 'childcare', 'name', '阳光托育中心'],
    ['amenity', 'clinic', 'healthcare', 'clinic', 'name', e.community + '卫生服务站'],
    ['amenity', 'pharmacy', 'healthcare', 'pharmacy', 'name', PHARMACY_NAMES[0]],
    ['amenity', 'parcel_locker', 'name', '丰巢快递柜'],
    ['amenity', 'recycling', 'recycling_type', 'container'],
    ['amenity', 'waste_disposal', 'name', '垃圾分类投放点'],
    ['amenity', 'charging_station', 'name', '国家电网充电站'],
    ['amenity', 'bus_station', 'name', dist + '公交总站'],
    ['shop', 'convenience', 'name', CONVENIENCE_NAMES[0]],
    ['name', '第二小学'], // only the name tells
  ];
  const slots = [...layoutGrid(nw, 26, 20, 8, 8), ...layoutGrid(ne, 26, 20, 8, 8)];
  const spots: Rect[] = [];
  for (let k = 0; k < specs.length; k++) {
    if (k < slots.length) {
      const fp = jitter(rng, slots[k], 0.9);
      closedRect(e, fp, [...buildingTags(rng, rng.pick(['public', 'civic', 'yes']), rng.int(2, 8), rng.int(1985, 2020), 1, 0.5, 0.5), ...specs[k]]);
      spots.push(fp);
    } else nodes.push(specs[k]);
  }
  for (const t of nodes) poi(e, ...(spots.length ? groundFloor(e, rng.pick(spots)) : ([e.gx + 5, e.gy + 5] as [number, number])), t);
  arms(e, { S: true, N: true, W: true, E: true }, ['highway', 'pedestrian', 'name', dist + '市民广场'], ['highway', 'footway'], { nsExtra: [], ewExtra: [] });
  closedRect(e, { x0: e.gx - 6, y0: e.gy + 3, x1: e.gx - 2, y1: e.gy + 7 }, ['highway', 'pedestrian', 'area', 'yes']);
}

/** Everything inside block (bx, by). Run identically in both passes. */
export function emitBlock(p: CityPlan, bx: number, by: number, sink: CitySink, ids: GridIds): BlockKind {
  const e = makeEnv(p, bx, by, sink, ids);
  const kind = blockKind(p, bx, by);
  switch (kind) {
    case 'compound':
      genCompound(e);
      break;
    case 'village':
      genVillage(e);
      break;
    case 'commercial':
      genCommercial(e);
      break;
    case 'primary_school':
      genSchool(e, false);
      break;
    case 'middle_school':
      genSchool(e, true);
      break;
    case 'hospital':
      genHospital(e);
      break;
    case 'park':
      genPark(e);
      break;
    case 'industrial':
      genIndustrial(e);
      break;
    case 'public':
      genPublic(e);
      break;
    case 'construction':
      genConstruction(e);
      break;
    case 'civic':
      genCivic(e);
      break;
    case 'river':
      break; // water and bridges belong to the street lines (emitRowNodes / emitStreetWays)
  }
  return kind;
}

// ---------------------------------------------------------------------------------------------
// admin areas

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
