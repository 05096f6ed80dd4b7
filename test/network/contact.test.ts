import { describe, expect, it } from 'vitest';
import { segmentPolygonContact } from '../../src/analysis/network/snap.js';

// A ring of n vertices around (0, 0), radius 40–120 m, closed, as polygonContacts builds them (local metres)
function ring(n: number, rnd: () => number): Float64Array {
  const a = new Float64Array(2 * (n + 1));
  for (let i = 0; i < n; i++) {
    const t = (2 * Math.PI * i) / n, r = 40 + 80 * rnd();
    a[2 * i] = r * Math.cos(t); a[2 * i + 1] = r * Math.sin(t);
  }
  a[2 * n] = a[0]; a[2 * n + 1] = a[1];
  return a;
}

describe('segmentPolygonContact', () => {
  // the edges passed over for being out of reach change nothing the caller reads: within reach the same gap and
  // stretches, beyond it a gap beyond it
  it('gives within reach exactly what the full scan gives, and beyond it a gap beyond it', () => {
    let seed = 11;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const full = { dist: 0, t: 0, intervals: [] as number[] }, near = { dist: 0, t: 0, intervals: [] as number[] };
    let within = 0, beyond = 0, inside = 0;
    for (let p = 0; p < 40; p++) {
      const rings = [ring(8 + Math.floor(rnd() * 200), rnd)];
      if (p % 4 === 0) rings.push(ring(6, () => 0.05)); // a hole
      for (let s = 0; s < 200; s++) {
        const ax = (rnd() - 0.5) * 400, ay = (rnd() - 0.5) * 400;
        const ang = rnd() * 2 * Math.PI, len = 1 + rnd() * 80;
        const bx = ax + len * Math.cos(ang), by = ay + len * Math.sin(ang);
        const apart = Math.max(ax, bx) < -120 || Math.min(ax, bx) > 120 || Math.max(ay, by) < -120 || Math.min(ay, by) > 120;
        const reach = [5, 25, 60][s % 3];
        segmentPolygonContact(ax, ay, bx, by, rings, full, apart);
        segmentPolygonContact(ax, ay, bx, by, rings, near, apart, reach);
        if (full.dist <= reach) {
          within++; if (full.dist === 0) inside++;
          expect([near.dist, near.t, near.intervals]).toEqual([full.dist, full.t, full.intervals]);
        } else {
          beyond++;
          expect(near.dist).toBeGreaterThan(reach);
        }
      }
    }
    expect(Math.min(within, beyond, inside)).toBeGreaterThan(100);
  });
});
