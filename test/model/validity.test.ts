import { describe, expect, it } from 'vitest';
import type { Geometry, Position } from '../../src/model/geometry.js';
import { provablyValid } from '../../src/model/validity.js';
import { openSource } from '../../src/ingest/index.js';
import { openStore } from '../../src/store/driver.js';
import { toHexEwkb } from '../../src/store/wkb.js';
import { dataFile, DRIVERS } from '../helpers/stores.js';

/** a small deterministic generator (mulberry32) */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Rings built to be hard: vertices on a 4×4 grid (collinear points, spikes, touching vertices,
 * bow-ties, repeated points), on exactly representable (dyadic) and on decimal coordinates,
 * and near-degenerate ones (a vertex moved by about one unit in the last place).
 */
function hardCases(n: number): Geometry[] {
  const r = rng(20261203);
  const out: Geometry[] = [];
  for (let k = 0; k < n; k++) {
    const m = 3 + Math.floor(r() * 5);
    const dyadic = k % 2 === 0;
    const pt = (i: number, j: number): Position => dyadic ? [116 + i / 1024, 39.5 + j / 1024] : [116.3 + i * 1e-4, 39.9 + j * 1e-4];
    const ring: Position[] = [];
    for (let i = 0; i < m; i++) {
      const p = pt(Math.floor(r() * 4), Math.floor(r() * 4));
      ring.push(p);
      if (r() < 0.1) ring.push([p[0], p[1]]); // a repeated point
    }
    if (k % 7 === 3) { const p = ring[1]; ring[1] = [p[0] + p[0] * 2 ** -52 * (r() < 0.5 ? 1 : -1), p[1]]; } // one ulp off
    ring.push([ring[0][0], ring[0][1]]);
    out.push(k % 3 === 0 ? { type: 'MultiPolygon', coordinates: [[ring]] } : { type: 'Polygon', coordinates: [ring] });
  }
  // rectangles and convex shapes, valid by construction: most must be proved
  for (let k = 0; k < n / 4; k++) {
    const x = 116 + r() * 0.5, y = 39.5 + r() * 0.5, w = 1e-5 + r() * 1e-3, h = 1e-5 + r() * 1e-3;
    out.push({ type: 'Polygon', coordinates: [[[x, y], [x + w, y], [x + w, y + h], [x, y + h], [x, y]]] });
  }
  // lines, with repeated points and a line of one point repeated
  for (let k = 0; k < n / 8; k++) {
    const p: Position = [116 + r(), 39 + r()];
    out.push({ type: 'LineString', coordinates: k % 5 === 0 ? [p, [p[0], p[1]]] : [p, [p[0], p[1]], [p[0] + r() * 1e-3, p[1] + r() * 1e-3]] });
  }
  return out;
}

async function postgisVerdicts(db: string, geoms: Geometry[]): Promise<boolean[]> {
  const store = await openStore(db);
  try {
    const rows = await store.query<{ i: number; ok: boolean }>(
      `SELECT i::int AS i, ST_IsValid(g::geometry) AS ok FROM unnest($1::text[]) WITH ORDINALITY AS t(g, i) ORDER BY i`, [geoms.map(toHexEwkb)]);
    return rows.map((r) => r.ok);
  } finally { await store.close(); }
}

describe.each(DRIVERS)('geometry validity proved before the database (model/validity.ts, $name)', (driver) => {
  it('never calls valid what PostGIS (GEOS) calls invalid, and proves most valid buildings', async () => {
    const geoms = hardCases(6000);
    const proved = geoms.map(provablyValid);
    const valid = await postgisVerdicts(await driver.fresh(), geoms);
    const wrong = geoms.filter((_, i) => proved[i] && !valid[i]);
    expect(wrong.map((g) => JSON.stringify(g))).toEqual([]);
    // the generator makes both kinds in number, so the test is about something
    const invalid = valid.filter((v) => !v).length;
    expect(invalid).toBeGreaterThan(1000);
    expect(valid.filter((v) => v).length).toBeGreaterThan(2000);
    // every rectangle is proved (they are all valid, and none is near-degenerate)
    const rects = geoms.slice(6000, 7500);
    expect(rects.every(provablyValid)).toBe(true);
    // most valid grid rings are proved too (the unsure ones are left to the database)
    const validGrid = geoms.slice(0, 6000).filter((_, i) => valid[i]);
    expect(validGrid.filter(provablyValid).length / validGrid.length).toBeGreaterThan(0.9);
  }, 60_000);

  it('agrees with PostGIS on the buildings and areas of a real extract', async () => {
    const src = await openSource(dataFile('beijing-haidian-cau.osm.pbf'));
    const geoms: Geometry[] = [];
    for await (const batch of src.records) for (const r of batch) if (r.kind !== 'greenway_route') geoms.push(r.geometry);
    const valid = await postgisVerdicts(await driver.fresh(), geoms);
    const proved = geoms.map(provablyValid);
    expect(geoms.filter((_, i) => proved[i] && !valid[i])).toEqual([]);
    expect(proved.filter(Boolean).length / geoms.length).toBeGreaterThan(0.8);
  }, 60_000);
});
