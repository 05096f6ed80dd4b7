import { describe, expect, it } from 'vitest';
import { loadCatalogue } from '../../src/analysis/indicators/catalogue.js';
import { checkDataFromRecords } from '../../src/analysis/indicators/data.js';
import { runCheck } from '../../src/analysis/indicators/run.js';
import { arealAreaM2, lineLengthM } from '../../src/model/geo.js';
import type { CityRecord } from '../../src/model/types.js';
import { P, rect } from './fixture.js';

/**
 * Official road-density rules on a hand-made scene (local metres, 1 m raster, built-up = 100 m around a building):
 *   buildings (10 × 10 m) centred at (0, 150) and (1000, 150) → built-up = two discs of 100 m: 2 π 100² = 62,832 m²
 *   a primary "滨海大道" on y = 100 from x −500 to 1500 (2 km): inside the discs on chords 2 √(100² − 50²) = 173.2 m each
 *   a dual carriageway "深南大道": two one-way primaries on y = 130 and y = 170, x −100..100 (200 m each): paired (40 m
 *     apart < 60 m) → each counts half; inside the disc around (0, 150): chords 2 √(100² − 20²) = 195.96 m each
 *   an industrial estate (landuse=industrial) x 900..1100, y 160..300 holding a residential road y = 200, x 950..1050:
 *     internal, left out (its midpoint (1000, 200) is inside)
 * Expected road km = 2 × 0.1732 + (0.19596 + 0.19596) / 2 = 0.5424 km on 0.062832 km² → 8.633 km/km².
 */
let node = 1;
function road(id: string, pts: [number, number][], tags: Record<string, string>): CityRecord {
  const g = { type: 'LineString' as const, coordinates: pts.map(([x, y]) => P(x, y)) };
  return { kind: 'walk_edge', id, tags, ...(tags.name ? { name: tags.name } : {}), geometry: g, highway: tags.highway, node_ids: pts.map(() => node++), length_m: lineLengthM(g.coordinates) } as CityRecord;
}
function bldg(id: string, x: number, y: number): CityRecord {
  const g = rect(x - 5, y - 5, x + 5, y + 5);
  return { kind: 'building', id, tags: { building: 'apartments', 'building:levels': '6' }, geometry: g, use: 'apartments', residential: true, area_m2: arealAreaM2(g), levels: 6 } as CityRecord;
}
const ind = rect(900, 160, 1100, 300);
const scene = (): CityRecord[] => [
  bldg('w1', 0, 150), bldg('w2', 1000, 150),
  road('w10', [[-500, 100], [1500, 100]], { highway: 'primary', name: '滨海大道' }),
  road('w11', [[-100, 130], [100, 130]], { highway: 'primary', name: '深南大道', oneway: 'yes' }),
  road('w12', [[100, 170], [-100, 170]], { highway: 'primary', name: '深南大道', oneway: 'yes' }),
  road('w13', [[950, 200], [1050, 200]], { highway: 'residential' }),
  { kind: 'land_use', id: 'w20', tags: { landuse: 'industrial' }, geometry: ind, landuse: 'industrial', area_m2: arealAreaM2(ind) } as CityRecord,
];
const PARAMS = { raster_cell_m: 1, built_up_buffer_m: 100, built_up_min_buildings: 1, reference_year: 2025 };

describe('official road density rules', () => {
  it('clips to built-up land, counts a carriageway pair once, leaves internal roads out', async () => {
    const cat = loadCatalogue('2025');
    const data = await checkDataFromRecords(scene(), { ...cat.parameters, ...PARAMS } as typeof cat.parameters);
    const r = await runCheck(data, { params: PARAMS, access: { workers: 1 } });
    const x = r.results.find((v) => v.id === 'road_network_density' && v.level === 'city')!;
    const chord = (d: number) => 2 * Math.sqrt(100 ** 2 - d ** 2);
    const km = (2 * chord(50) + chord(20)) / 1000; // two halves of chord(20) = one chord(20)
    const built = (2 * Math.PI * 100 ** 2) / 1e6;
    expect(x.details).toMatchObject({ dual_carriageways: { ways: 2 }, left_out_internal: { ways: 1 } });
    expect((x.details!.left_out_internal as { km: number }).km).toBeCloseTo(0.1, 3);
    expect((x.details!.dual_carriageways as { km_counted_once: number }).km_counted_once).toBeCloseTo(0.2, 3);
    expect(Math.abs((x.details!.built_up_km2 as number) / built - 1)).toBeLessThan(0.005);
    expect(Math.abs((x.details!.road_km as number) / km - 1)).toBeLessThan(0.01);
    expect(Math.abs(x.value! / (km / built) - 1)).toBeLessThan(0.015);
    expect(x.explain).toMatch(/reference\/urban-health-check\.md/);
  });

  it('too few buildings: no road or population density, with the reason', async () => {
    const cat = loadCatalogue('2025');
    const data = await checkDataFromRecords(scene(), { ...cat.parameters, ...PARAMS, built_up_min_buildings: 3 } as typeof cat.parameters);
    const r = await runCheck(data, { params: { ...PARAMS, built_up_min_buildings: 3 }, access: { workers: 1 } });
    for (const id of ['road_network_density', 'population_density']) {
      const x = r.results.find((v) => v.id === id && v.level === 'city')!;
      expect(x).toMatchObject({ value: null, status: 'no_data' });
      expect(x.explain).toMatch(/only 2 buildings in the data \(< 3/);
    }
  });
});
