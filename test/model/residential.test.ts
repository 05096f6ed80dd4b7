import { describe, expect, it } from 'vitest';
import { pointInAreal } from '../../src/model/geo.js';
import type { Areal } from '../../src/model/geometry.js';
import { ResidentialZones } from '../../src/model/residential.js';

describe('residential zones (model/residential.ts)', () => {
  it('answers as a test of every zone would, asked between additions (the importer decides buildings as it reads)', () => {
    let seed = 7;
    const r = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const zones: Areal[] = [];
    const z = new ResidentialZones();
    let inside = 0, asked = 0;
    for (let k = 0; k < 400; k++) {
      // small blocks, a few large districts (more cells than the grid takes), a triangle now and then
      const x = 116 + r() * 0.2, y = 39.8 + r() * 0.2, w = k % 97 === 0 ? 0.4 + r() : 0.0005 + r() * 0.01;
      const ring: [number, number][] = k % 5 === 0 ? [[x, y], [x + w, y], [x, y + w], [x, y]] : [[x, y], [x + w, y], [x + w, y + w], [x, y + w], [x, y]];
      const g: Areal = k % 2 ? { type: 'Polygon', coordinates: [ring] } : { type: 'MultiPolygon', coordinates: [[ring]] };
      zones.push(g);
      z.add(g);
      for (let q = 0; q < 50; q++) {
        const px = 115.9 + r() * 0.4, py = 39.7 + r() * 0.4;
        const want = zones.some((zone) => pointInAreal(px, py, zone));
        expect(z.contains(px, py)).toBe(want);
        asked++; if (want) inside++;
      }
    }
    expect(inside).toBeGreaterThan(asked / 20);
    expect(new ResidentialZones().contains(116, 39.9)).toBe(false);
  });
});
