import { describe, expect, it } from 'vitest';
import { pointInAreal } from '../../src/model/geo.js';
import type { Areal } from '../../src/model/geometry.js';
import { edt, Grid } from '../../src/analysis/indicators/raster.js';
import { PreparedPolygon } from '../../src/analysis/indicators/units.js';
import { P, rect } from './fixture.js';

/** The geometric kernels under the area-based indicators, against brute force. */
function rng(seed: number) { let s = seed >>> 0; return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32); }

describe('raster kernels', () => {
  it('the distance transform equals the brute-force nearest seed distance', () => {
    const W = 37, H = 23, r = rng(7);
    const seed = new Uint8Array(W * H);
    for (let k = 0; k < 12; k++) seed[Math.floor(r() * W * H)] = 1;
    const d = edt(seed, W, H);
    for (let j = 0; j < H; j++) for (let i = 0; i < W; i++) {
      let best = Infinity;
      for (let q = 0; q < W * H; q++) if (seed[q]) { const dx = (q % W) - i, dy = Math.floor(q / W) - j; best = Math.min(best, dx * dx + dy * dy); }
      expect(d[j * W + i]).toBe(best);
    }
    expect(edt(new Uint8Array(6), 3, 2)[0]).toBe(Infinity);
  });

  it('fills a polygon by cell centre: a 200 × 100 m rectangle on a 1 m grid is 20,000 cells', () => {
    const g = new Grid([P(-10, -10)[0], P(-10, -10)[1], P(300, 200)[0], P(300, 200)[1]], 1);
    let n = 0;
    g.fillPolygon(rect(0, 0, 200, 100), () => { n++; });
    expect(n).toBeGreaterThanOrEqual(19_700);
    expect(n).toBeLessThanOrEqual(20_300);
    // a hole is left out (even-odd)
    const withHole: Areal = { type: 'Polygon', coordinates: [rect(0, 0, 200, 100).coordinates[0], rect(50, 25, 150, 75).coordinates[0]] };
    let m = 0;
    g.fillPolygon(withHole, () => { m++; });
    expect(m / n).toBeCloseTo(0.75, 2);
    // within(): cells within 50 m of a single seed ≈ π 50²
    const seed = new Uint8Array(g.size);
    seed[g.at(...P(100, 100))] = 1;
    const disc = g.within(seed, 50).reduce((s, v) => s + v, 0);
    expect(disc / (Math.PI * 2500)).toBeCloseTo(1, 2);
  });

  it('prepared polygons agree with pointInAreal, holes and multipolygons included', () => {
    const r = rng(3);
    // a jagged ring of 400 vertices with a hole, and a second part
    const ring = Array.from({ length: 400 }, (_, k) => { const a = (2 * Math.PI * k) / 400, rad = 300 + 80 * Math.sin(7 * a) + 30 * r(); return P(rad * Math.cos(a), rad * Math.sin(a)); });
    ring.push(ring[0]);
    const g: Areal = { type: 'MultiPolygon', coordinates: [[ring, rect(-50, -50, 50, 50).coordinates[0]], rect(500, 500, 600, 650).coordinates] };
    const p = new PreparedPolygon(g);
    for (let k = 0; k < 5000; k++) {
      const [x, y] = P(-450 + 1100 * r(), -450 + 1150 * r());
      expect(p.contains(x, y)).toBe(pointInAreal(x, y, g));
    }
  });
});
