/**
 * A synthetic dense city straight into the engine's columnar inputs (no files, no records), sized
 * like the issue asks: ~2 walk-network nodes per building. A 40 m lattice of walkable ways (every
 * 5th line a street, the rest compound footways, ~12% of footway links missing, every footway link
 * with a bent shape vertex), buildings 8–30 m off a random lattice line, facilities of every
 * category at realistic rates (parks, schools and hospitals as rectangles).
 */
import type { Position } from '../../src/model/geometry.js';
import { metresPerDegree } from '../../src/model/geo.js';
import { CATEGORY_IDS } from '../../src/model/taxonomy.js';
import type { AccessPlaces, Origins } from '../../src/analysis/network/access.js';
import { GraphBuilder, sharedF64 } from '../../src/analysis/network/graph.js';
import type { Place } from '../../src/analysis/network/snap.js';

/** facilities per 1M buildings */
const RATE: Record<string, number> = {
  kindergarten: 5000, childcare: 1500, primary_school: 1000, middle_school: 500, clinic: 3000, hospital: 200, pharmacy: 5000,
  elderly_care: 1500, community_service: 4000, supermarket: 15000, fresh_market: 1500, express_delivery: 6000, sports: 10000,
  park: 2000, bus_stop: 10000, metro_station: 300, public_toilet: 3000, culture: 2500, waste_collection: 6000, ev_charging: 3000,
  fire_station: 100,
};
const POLYGONAL: Record<string, [number, number]> = { park: [40, 300], primary_school: [80, 160], middle_school: [100, 200], hospital: [100, 250] };

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SynthCity extends AccessPlaces {
  /** the lattice: G × G points, spacing metres */
  G: number;
  spacing: number;
}

export function synthCity(buildings: number, seed = 1): SynthCity {
  const r = rng(seed);
  const spacing = 40;
  const G = Math.max(10, Math.round(Math.sqrt(buildings * 2)));
  const lon0 = 114.0, lat0 = 30.4;
  const [kx, ky] = metresPerDegree(lat0 + (G * spacing) / 2 / 111_000);
  const X = (i: number) => lon0 + (i * spacing) / kx;
  const Y = (j: number) => lat0 + (j * spacing) / ky;
  const id = (i: number, j: number) => j * G + i + 1;
  const b = new GraphBuilder();
  // streets: every 5th lattice line, one way per block side (5 links), straight
  // footways: the other lines, one way per link, bent through a private shape vertex, some missing
  let shapeId = G * G + 10;
  const flat = new Float64Array(12), ids = new Float64Array(6);
  for (const horizontal of [true, false]) {
    for (let a = 0; a < G; a++) {
      const street = a % 5 === 0;
      for (let c = 0; c + 1 < G; c += street ? 5 : 1) {
        const P = (k: number): [number, number, number] => (horizontal ? [X(k), Y(a), id(k, a)] : [X(a), Y(k), id(a, k)]);
        if (street) {
          const end = Math.min(G - 1, c + 5);
          const n = end - c + 1;
          const f = new Float64Array(2 * n), d = new Float64Array(n);
          for (let k = c; k <= end; k++) { const [x, y, q] = P(k); f[2 * (k - c)] = x; f[2 * (k - c) + 1] = y; d[k - c] = q; }
          b.addFlat(f, d);
        } else {
          if (r() < 0.12) continue;
          const [x0, y0, q0] = P(c), [x1, y1, q1] = P(c + 1);
          const bend = (r() - 0.5) * 8; // metres off the straight line
          flat[0] = x0; flat[1] = y0; flat[4] = x1; flat[5] = y1;
          flat[2] = (x0 + x1) / 2 + (horizontal ? 0 : bend / kx); flat[3] = (y0 + y1) / 2 + (horizontal ? bend / ky : 0);
          ids[0] = q0; ids[1] = shapeId++; ids[2] = q1;
          b.addFlat(flat.subarray(0, 6), ids.subarray(0, 3));
        }
      }
    }
  }
  const graph = b.finish();

  // buildings: near a random lattice link
  const n = buildings;
  const origins: Origins = { count: n, ids: new Array(n), lon: sharedF64(n), lat: sharedF64(n), residents: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    const gi = r() * (G - 1), gj = Math.floor(r() * G);
    const off = (8 + r() * 22) * (r() < 0.5 ? -1 : 1);
    const horiz = r() < 0.5;
    const x = horiz ? gi * spacing : gj * spacing + off, y = horiz ? gj * spacing + off : gi * spacing;
    origins.ids[i] = `w${100_000_000 + i}`;
    origins.lon[i] = lon0 + x / kx; origins.lat[i] = lat0 + y / ky;
    origins.residents[i] = ((300 + r() * 1200) * (3 + Math.floor(r() * 28))) / 40;
  }

  const facilities = new Map<string, Place[]>();
  const span = (G - 1) * spacing;
  for (const cat of CATEGORY_IDS) {
    const count = Math.max(1, Math.round((RATE[cat] * buildings) / 1e6));
    const list: Place[] = [];
    const poly = POLYGONAL[cat];
    for (let k = 0; k < count; k++) {
      const x = r() * span, y = r() * span;
      if (poly) {
        const w = poly[0] + r() * (poly[1] - poly[0]), h = poly[0] + r() * (poly[1] - poly[0]);
        const ring: Position[] = [[x, y], [x + w, y], [x + w, y + h], [x, y + h], [x, y]].map(([px, py]) => [lon0 + px / kx, lat0 + py / ky]);
        list.push({ id: `w${cat}${k}`, geometry: { type: 'Polygon', coordinates: [ring] } });
      } else {
        list.push({ id: `n${cat}${k}`, geometry: { type: 'Point', coordinates: [lon0 + x / kx, lat0 + y / ky] } });
      }
    }
    facilities.set(cat, list);
  }
  return {
    graph, origins, facilities, G, spacing,
    levelsFrom: { levels: n, height: 0, default_landuse: 0, default: 0 }, landuseKnown: false, perCapitaM2: 40,
  };
}
