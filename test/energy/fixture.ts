import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A hand-made city near Beijing (cold zone, North grid): two districts side by side and six
 * buildings, one for each rule of floor area and use. Squares are given by their south-west
 * corner and side in metres (the reader computes the footprint on the ellipsoid).
 */
const LAT0 = 39.95, LON0 = 116.40;
const kx = 111320 * Math.cos((LAT0 * Math.PI) / 180), ky = 110540;
const sq = (x: number, y: number, side: number) => {
  const w = LON0 + x / kx, s = LAT0 + y / ky, e = w + side / kx, n = s + side / ky;
  return { type: 'Polygon', coordinates: [[[w, s], [e, s], [e, n], [w, n], [w, s]]] };
};
const f = (id: string, properties: Record<string, unknown>, geometry: unknown) => ({ type: 'Feature', id, properties, geometry });

export const FIXTURE = {
  type: 'FeatureCollection',
  features: [
    f('r1', { boundary: 'administrative', admin_level: '6', name: '西区' }, sq(0, 0, 500)),
    f('r2', { boundary: 'administrative', admin_level: '6', name: '东区' }, sq(500, 0, 500)),
    f('w10', { landuse: 'industrial' }, sq(300, 300, 150)),
    // levels: 5 storeys of office
    f('w1', { building: 'office', 'building:levels': '5', start_date: '2010' }, sq(50, 50, 20)),
    // height: 10 m ÷ 3 m = 3.33 → 3 storeys; residential, 1980
    f('w2', { building: 'apartments', height: '10', start_date: '1980' }, sq(150, 50, 20)),
    // default storeys of education (4): a school point inside the footprint
    f('w3', { building: 'yes' }, sq(50, 200, 30)),
    f('n1', { amenity: 'school', name: '小学' }, { type: 'Point', coordinates: [LON0 + 65 / kx, LAT0 + 215 / ky] }),
    // default storeys of industrial (1): inside industrial land use
    f('w4', { building: 'yes' }, sq(350, 350, 40)),
    // default storeys of other (2)
    f('w5', { building: 'yes' }, sq(200, 400, 10)),
    // east district: retail, levels 2, 2020
    f('w6', { building: 'retail', 'building:levels': '2', start_date: '2020', 'addr:street': '东大街', 'addr:housenumber': '8号' }, sq(700, 100, 25)),
  ],
};

export function writeFixture(dir: string): string {
  const p = join(dir, 'city.geojson');
  writeFileSync(p, JSON.stringify(FIXTURE));
  return p;
}
