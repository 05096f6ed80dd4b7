import { arealAreaM2, lineLengthM, metresPerDegree } from '../../src/model/geo.js';
import type { Polygon, Position } from '../../src/model/geometry.js';
import type { CityRecord } from '../../src/model/types.js';

/**
 * A hand-made town in local metres (x east, y north), small enough to work every indicator out by
 * hand. Everything sits along one straight street on y = 0 from x = 0 to x = 2000:
 *
 *   residential buildings (10 × 10 m, centroid 20 m north of the street, so the access leg is 20 m):
 *     b1 x=100  levels 4  → 100 m² × 4 ÷ 40 = 10 residents, built 1980
 *     b2 x=400  levels 8  → 20 residents, built 2010
 *     b3 x=600  levels 4  → 10 residents, year unknown
 *     b4 x=1000 levels 16 → 40 residents, built 1990, height 85 m
 *   facilities (points 10 m south of the street: leg 10 m; so building→facility = |Δx| + 30 m):
 *     kindergarten x=250, supermarket x=600, middle school x=1300, bus stop x=0, metro x=1900,
 *     elderly care x=1000, fire station x=1000
 *   compounds (landuse=residential): A x 50..450, B x 550..1050, both y 10..80 (28,000 and 35,000 m²)
 *   park (leisure=park) x −100..0, y −100..80 = 18,000 m², touching the street's west end
 *   garden (private green, 20 × 20 = 400 m²) inside compound B
 *   greenway: footway "滨河绿道" on y = −300 from x = 1500 to 2000
 *   roads: the street (tertiary, 2,000 m); a residential road inside B on y = 70 (x 600..1000, left out)
 *   non-residential: office at (1800, 100) height 260 m; tower at (1850, 100) 40 levels, no height
 */
export const LON0 = 116.3;
export const LAT0 = 39.9;
const [KX, KY] = metresPerDegree(LAT0);
export const P = (x: number, y: number): Position => [LON0 + x / KX, LAT0 + y / KY];
export const rect = (x0: number, y0: number, x1: number, y1: number): Polygon => ({ type: 'Polygon', coordinates: [[P(x0, y0), P(x1, y0), P(x1, y1), P(x0, y1), P(x0, y0)]] });
const line = (pts: [number, number][]) => ({ type: 'LineString' as const, coordinates: pts.map(([x, y]) => P(x, y)) });

let nextNode = 1;
function way(id: string, highway: string, pts: [number, number][], name?: string): CityRecord {
  const g = line(pts);
  return { kind: 'walk_edge', id, tags: { highway, ...(name ? { name } : {}) }, ...(name ? { name } : {}), geometry: g, highway, node_ids: pts.map(() => nextNode++), length_m: lineLengthM(g.coordinates) };
}
function building(id: string, x: number, levels: number | undefined, opts: { year?: number; height?: number; use?: string; residential?: boolean; y?: number } = {}): CityRecord {
  const y = opts.y ?? 20;
  const g = rect(x - 5, y - 5, x + 5, y + 5);
  const use = opts.use ?? 'apartments';
  return {
    kind: 'building', id, tags: { building: use }, geometry: g, use, residential: opts.residential ?? true, area_m2: arealAreaM2(g),
    ...(levels !== undefined ? { levels } : {}), ...(opts.year !== undefined ? { year: opts.year } : {}), ...(opts.height !== undefined ? { height: opts.height } : {}),
  };
}
function poi(id: string, x: number, categories: string[], tags: Record<string, string>): CityRecord {
  return { kind: 'facility', id, tags, geometry: { type: 'Point', coordinates: P(x, -10) }, categories };
}

export function town(extra: CityRecord[] = []): CityRecord[] {
  nextNode = 1;
  const park = rect(-100, -100, 0, 80);
  const garden = rect(800, 50, 820, 70);
  const A = rect(50, 10, 450, 80), B = rect(550, 10, 1050, 80);
  return [
    way('w100', 'tertiary', [[0, 0], [2000, 0]], '学院路'),
    way('w101', 'residential', [[600, 70], [1000, 70]]),
    way('w102', 'footway', [[1500, -300], [2000, -300]], '滨河绿道'),
    building('w1', 100, 4, { year: 1980 }),
    building('w2', 400, 8, { year: 2010 }),
    building('w3', 600, 4),
    building('w4', 1000, 16, { year: 1990, height: 85 }),
    building('w5', 1800, undefined, { height: 260, use: 'office', residential: false, y: 100 }),
    building('w6', 1850, 40, { use: 'office', residential: false, y: 100 }),
    poi('n1', 250, ['kindergarten'], { amenity: 'kindergarten' }),
    poi('n2', 600, ['supermarket'], { shop: 'supermarket' }),
    poi('n3', 1300, ['middle_school'], { amenity: 'school', 'isced:level': '2' }),
    poi('n4', 0, ['bus_stop'], { highway: 'bus_stop' }),
    poi('n5', 1900, ['metro_station'], { railway: 'station', station: 'subway' }),
    poi('n6', 1000, ['elderly_care'], { amenity: 'nursing_home' }),
    poi('n7', 1000, ['fire_station'], { amenity: 'fire_station' }),
    { kind: 'facility', id: 'w10', tags: { leisure: 'park' }, geometry: park, categories: ['park'] },
    { kind: 'green_space', id: 'w10', tags: { leisure: 'park' }, geometry: park, green_kind: 'park', is_public: true, area_m2: arealAreaM2(park) },
    { kind: 'green_space', id: 'w11', tags: { leisure: 'garden', access: 'private' }, geometry: garden, green_kind: 'garden', is_public: false, area_m2: arealAreaM2(garden) },
    { kind: 'land_use', id: 'w20', name: '甲小区', tags: { landuse: 'residential', name: '甲小区' }, geometry: A, landuse: 'residential', area_m2: arealAreaM2(A) },
    { kind: 'land_use', id: 'w21', name: '乙小区', tags: { landuse: 'residential', name: '乙小区' }, geometry: B, landuse: 'residential', area_m2: arealAreaM2(B) },
    ...extra,
  ];
}

/** Parameters that make the hand arithmetic exact: 1 m raster, built-up = residential land and land within 25 m of a building centroid, 3 living-circle checks. */
export const PARAMS = {
  raster_cell_m: 1,
  built_up_buffer_m: 25,
  built_up_min_buildings: 1,
  reference_year: 2025,
  // a service area of π × 0.5² km² is a circle of 500 m
  fire_station_service_area_km2: Math.PI * 0.25,
  // the town is tiny: the confidence rules' thresholds are off here (test/indicators/computed.test.ts tests them with the defaults)
  confidence: { unallocated_share_medium: 0.2, default_storeys_share_low: 1.01, residential_buildings_low: 0, buildings_per_km2_low: 0, buildings_per_km2_medium: 0, facilities_medium: 0, unit_residents_low: 0, height_known_share_low: 0, year_known_share_low: 0, year_known_share_medium: 0 },
  living_circles: [
    { minutes: 5, radius_m: 300, categories: ['kindergarten', 'supermarket'] },
    { minutes: 15, radius_m: 1000, categories: ['middle_school'] },
  ],
};

/** ∫ f(y) dy over [a, b] by Simpson's rule (for the areas cut by circles). */
export function integrate(f: (y: number) => number, a: number, b: number, n = 2000): number {
  const h = (b - a) / n;
  let s = f(a) + f(b);
  for (let i = 1; i < n; i++) s += f(a + i * h) * (i % 2 ? 4 : 2);
  return (s * h) / 3;
}
