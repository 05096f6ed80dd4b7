import { describe, expect, it } from 'vitest';
import { metresPerDegree } from '../../src/model/geo.js';
import { buildGraph } from '../../src/analysis/network/graph.js';
import { isochrone } from '../../src/analysis/network/isochrone.js';

const [KX, KY] = metresPerDegree(39.9);
/** metres east/north of (116.3, 39.9) → lon/lat */
const at = (x: number, y: number): [number, number] => [116.3 + x / KX, 39.9 + y / KY];

function ringSignedArea(r: [number, number][]): number {
  let s = 0;
  for (let i = 0; i + 1 < r.length; i++) s += (r[i][0] - 116.3) * KX * (r[i + 1][1] - 39.9) * KY - (r[i + 1][0] - 116.3) * KX * (r[i][1] - 39.9) * KY;
  return s / 2;
}

describe('isochrones', () => {
  it('a straight street: reached length cut at the remaining distance, buffered', () => {
    const g = buildGraph([{ coordinates: [at(-2000, 0), at(-500, 0), at(0, 0), at(700, 0), at(2000, 0)] }]);
    const fc = isochrone(g, ...at(10, 0), [1, 5], 80, { bufferM: 40, cellM: 5 });
    expect(fc.properties.status).toBe('ok');
    expect(fc.features.map((f) => f.properties.minutes)).toEqual([1, 5]);
    const [one, five] = fc.features;
    // 160 m of street, 40 m each side, round caps: 160 × 80 + π 40²
    expect(one.properties.area_m2 / (160 * 80 + Math.PI * 1600)).toBeGreaterThan(0.97);
    expect(one.properties.area_m2 / (160 * 80 + Math.PI * 1600)).toBeLessThan(1.03);
    expect(five.properties.area_m2 / (800 * 80 + Math.PI * 1600)).toBeCloseTo(1, 1);
    const outer = one.geometry.coordinates[0][0];
    expect(outer[0]).toEqual(outer[outer.length - 1]);
    expect(ringSignedArea(outer)).toBeGreaterThan(0); // counter-clockwise (RFC 7946)
    // the extent: ±80 m along the street from the start, +40 m buffer
    const xs = outer.map((p) => (p[0] - 116.3) * KX);
    expect(Math.min(...xs)).toBeCloseTo(10 - 80 - 40, -0.5);
    expect(Math.max(...xs)).toBeCloseTo(10 + 80 + 40, -0.5);
  });

  it('a block loop gives a polygon with a hole; the access leg is included', () => {
    const sq = [at(0, 0), at(400, 0), at(400, 200), at(400, 400), at(0, 400), at(0, 0)];
    const g = buildGraph([{ coordinates: sq }, { coordinates: [at(400, 200), at(1000, 200)] }]);
    const fc = isochrone(g, ...at(-30, -30), [3, 30], 80, { bufferM: 30 });
    const small = fc.features[0].geometry.coordinates;
    expect(small.length).toBe(1);
    expect(small[0].length).toBe(1); // no hole yet
    const big = fc.features[1].geometry.coordinates;
    expect(big.length).toBe(1);
    expect(big[0].length).toBe(2); // the block's inside is a hole
    expect(ringSignedArea(big[0][1])).toBeLessThan(0);
    // whole loop + the spur + leg: about (1600 + 600) m × 60 m minus overlaps
    expect(fc.features[1].properties.area_m2).toBeGreaterThan(110_000);
    expect(fc.features[1].properties.area_m2).toBeLessThan(140_000);
  });

  it('a point too far from the network gives empty polygons and says so', () => {
    const g = buildGraph([{ coordinates: [at(0, 0), at(100, 0)] }]);
    const fc = isochrone(g, ...at(0, 2000), [5], 80);
    expect(fc.properties.status).toBe('unsnapped');
    expect(fc.features[0].geometry.coordinates).toEqual([]);
  });
});
