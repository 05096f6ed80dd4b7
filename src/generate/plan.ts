/**
 * The city plan: the street grid, its classes and names, the admin tiling, the rotation
 * and the plan-metre → degree conversion (everything else is a pure function of it).
 */
import { Rng, hash32 } from './prng.js';
import { WordPool, districtName } from './names.js';
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
// street classes by line index
export const PRIMARY = 0;
export const SECONDARY = 1;
export const TERTIARY = 2;
const RESIDENTIAL = 3;
export const HIGHWAY = ['primary', 'secondary', 'tertiary', 'residential'];
/** distance from the street centre line to the edge of the plots along it */
export const SETBACK = [24, 17, 13, 10];
/** river bank distance from the riverside street centre lines */
export const RIVER_BANK = 22;
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
export const SALT_KIND = 12;
export const SALT_BLOCK = 13;
export const SALT_SVC = 14;
export const SALT_ERA = 15;
export const SALT_EDGE = 16;
export const SALT_METRO = 17;
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
export function planGrid(requestedBuildings: number, seed: number, nbx: number, nby: number): CityPlan {
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
