/**
 * Row-level nodes (pass 1) and the street ways (pass 2): streets, motorway, river.
 */
import { Rng, hash32, hashUnit } from './prng.js';
import { type CityPlan, type CitySink, HIGHWAY, PRIMARY, RIVER_BANK, SALT_EDGE, SALT_METRO, SECONDARY, TERTIARY, type Tags } from './plan.js';
import { serviceLevel } from './fields.js';

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

export const gateX = (p: CityPlan, i: number) => p.X[i] + p.fx[i] * (p.X[i + 1] - p.X[i]);
export const gateY = (p: CityPlan, j: number) => p.Y[j] + p.fy[j] * (p.Y[j + 1] - p.Y[j]);

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
