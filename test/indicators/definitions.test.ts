import { describe, expect, it } from 'vitest';
import { estimateResidents } from '../../src/analysis/network/population.js';
import { loadCatalogue } from '../../src/analysis/indicators/catalogue.js';
import { checkDataFromRecords } from '../../src/analysis/indicators/data.js';
import { classifyFeature } from '../../src/model/classify.js';
import { centroid } from '../../src/model/geo.js';
import { facilityCategories, hasMiddleGrades, isPark } from '../../src/model/taxonomy.js';
import type { CityRecord } from '../../src/model/types.js';
import { PARAMS, rect, town } from './fixture.js';

/** The definitions changed by issue 10 §3 and §6, each against its rule. */
describe('definitions (issue 10)', () => {
  it('building centroids with holes: the hole subtracts, whatever the ring orientation', () => {
    // 10 × 10 square (centroid 5, 5; area 100) with a 4 × 4 hole at 1..5 (centroid 3, 3; area 16):
    // ((100 × 5 − 16 × 3) / 84) = 452 / 84 = 5.38095 on both axes
    const outer = [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]];
    const hole = [[1, 1], [5, 1], [5, 5], [1, 5], [1, 1]];
    for (const h of [hole, [...hole].reverse()]) {
      const [x, y] = centroid({ type: 'Polygon', coordinates: [outer, h] } as never);
      expect(x).toBeCloseTo(452 / 84, 9);
      expect(y).toBeCloseTo(452 / 84, 9);
    }
    expect(centroid({ type: 'Polygon', coordinates: [outer] } as never)).toEqual([5, 5]);
  });

  it('a bus platform mapped as a line is a bus stop at its midpoint', () => {
    const recs = classifyFeature('w1', { public_transport: 'platform', bus: 'yes', highway: 'platform' }, { type: 'LineString', coordinates: [[116.3, 39.9], [116.302, 39.9]] });
    const f = recs.find((r) => r.kind === 'facility')!;
    expect(f).toMatchObject({ categories: ['bus_stop'], geometry: { type: 'Point' } });
    const [x, y] = (f.geometry as { coordinates: number[] }).coordinates;
    expect(x).toBeCloseTo(116.301, 9);
    expect(y).toBeCloseTo(39.9, 9);
  });

  it('public park green: no restricted access, no rooftop gardens, no nature reserves', () => {
    expect(isPark({ leisure: 'park' })).toBe(true);
    expect(isPark({ leisure: 'garden', access: 'yes' })).toBe(true);
    for (const access of ['private', 'permissive', 'customers', 'no']) expect(isPark({ leisure: 'garden', access }), access).toBe(false);
    expect(isPark({ leisure: 'garden', location: 'roof' })).toBe(false);
    expect(isPark({ leisure: 'garden', name: '屋顶花园' })).toBe(false);
    expect(isPark({ leisure: 'nature_reserve' })).toBe(false);
    expect(isPark({ landuse: 'recreation_ground' })).toBe(true);
  });

  it('middle schools: isced:level, school, grades and the name forms', () => {
    const ms = (t: Record<string, string>) => facilityCategories({ amenity: 'school', ...t }).includes('middle_school');
    expect(ms({ 'isced:level': '2;3' })).toBe(true);
    expect(ms({ name: '北京大学附中' })).toBe(true);
    expect(ms({ name: '某某九年一贯制学校' })).toBe(true);
    expect(ms({ name: '某某十二年一贯制学校' })).toBe(true);
    expect(ms({ name: '某某学校', grades: '1-9' })).toBe(true);
    expect(ms({ name: '某某学校', grades: '1-6' })).toBe(false);
    expect(ms({ name: '某某小学' })).toBe(false);
    expect(ms({ school: 'secondary' })).toBe(true);
    expect(hasMiddleGrades('7;8;9')).toBe(true);
    expect(hasMiddleGrades('K-5')).toBe(false);
  });

  it('residents: dormitories and apartments are multi-storey by type; the default storeys are stated', () => {
    expect(estimateResidents({ area_m2: 400, use: 'dormitory', residential: true }, false)).toMatchObject({ levels: 6, residents: 60 });
    expect(estimateResidents({ area_m2: 400, use: 'house', residential: true }, true)).toMatchObject({ levels: 2, residents: 20 });
  });

  it('residential=rural is not urban residential land; a path in a park is not a greenway', async () => {
    const cat = loadCatalogue('2025');
    const village = rect(3000, 0, 3200, 200);
    const extra: CityRecord[] = [
      { kind: 'land_use', id: 'w30', tags: { landuse: 'residential', residential: 'rural' }, geometry: village, landuse: 'residential', area_m2: 40000 } as CityRecord,
      { kind: 'walk_edge', id: 'w31', tags: { highway: 'footway' }, geometry: { type: 'LineString', coordinates: [rect(-90, -90, -10, -10).coordinates[0][0], rect(-90, -90, -10, -10).coordinates[0][2]] }, highway: 'footway', node_ids: [901, 902], length_m: 113 } as CityRecord,
    ];
    const data = await checkDataFromRecords(town(extra), { ...cat.parameters, ...PARAMS } as typeof cat.parameters);
    expect(data.compounds.map((c) => c.id).sort()).toEqual(['w20', 'w21']);
    // the fixture's greenway is named 滨河绿道; the footway inside the park is not one
    expect(data.greenways.map((g) => g.id)).toEqual(['w102']);
  });
});
