import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalogueVersions, loadCatalogue } from '../../src/analysis/indicators/catalogue.js';
import { checkDataFromRecords } from '../../src/analysis/indicators/data.js';
import { compareWith, gradeBand, gradeStatus } from '../../src/analysis/indicators/grading.js';
import { parseCsv, readManual } from '../../src/analysis/indicators/manual.js';
import { runCheck } from '../../src/analysis/indicators/run.js';
import type { IndicatorResult } from '../../src/analysis/indicators/types.js';
import { tempDir } from '../helpers/stores.js';
import { PARAMS, town } from './fixture.js';

const cat = loadCatalogue('2025');
function file(name: string, text: string): string {
  const p = join(tempDir('manual-'), name);
  writeFileSync(p, text);
  return p;
}

describe('catalogue', () => {
  it('2025: 61 MOHURD indicators over four levels, plus supplementary ones; ids unique', () => {
    const m = cat.indicators.filter((e) => !e.supplementary);
    expect(m).toHaveLength(61);
    expect(m.map((e) => e.seq)).toEqual(Array.from({ length: 61 }, (_, i) => i + 1));
    expect(new Set(m.map((e) => e.level))).toEqual(new Set(['housing', 'community', 'block', 'city']));
    expect(m.filter((e) => e.level === 'housing')).toHaveLength(10);
    expect(m.filter((e) => e.level === 'community')).toHaveLength(12);
    expect(m.filter((e) => e.level === 'block')).toHaveLength(8);
    expect(m.filter((e) => e.level === 'city')).toHaveLength(31);
    for (const id of ['park_service_coverage', 'middle_school_coverage', 'greenway_coverage', 'fire_station_coverage', 'road_network_density', 'transit_access',
      'living_circle_completeness', 'community_kindergarten_shortfall', 'community_elderly_shortfall', 'community_childcare_shortfall',
      'community_activity_space_shortfall', 'park_green_per_capita', 'population_density', 'aged_housing_share', 'high_rise_count', 'service_equity']) {
      expect(cat.byId.has(id), id).toBe(true);
    }
  });

  it('2023 extends 2025 with the recorded variant of indicator 5', () => {
    expect(catalogueVersions()).toEqual(expect.arrayContaining(['2023', '2025']));
    const c23 = loadCatalogue('2023');
    expect(c23.indicators).toHaveLength(cat.indicators.length);
    expect(c23.byId.get('housing_substandard_performance')?.name_zh).toBe('住宅性能不达标的住宅数量');
    expect(c23.byId.has('housing_non_self_contained')).toBe(false);
    expect(c23.byId.get('housing_tap_water_substandard')?.note).toMatch(/version difference/);
    expect(c23.parameters.park_size_classes).toEqual(cat.parameters.park_size_classes);
    expect(() => loadCatalogue('1999')).toThrow(/unknown indicator catalogue "1999"/);
  });

  it('grades against targets and bands', () => {
    const park = cat.byId.get('park_service_coverage')!;
    expect(gradeStatus(park, 0.92)).toBe('pass');
    expect(gradeStatus(park, 0.85)).toBe('fail');
    expect(gradeStatus(park, null)).toBe('no_data');
    expect(gradeBand(park, 0.92)?.zh).toBe('很好');
    expect(gradeBand(park, 0.85)?.zh).toBe('较好');
    expect(gradeBand(park, 0.5)?.zh).toBe('不足');
    expect(gradeStatus(cat.byId.get('transit_access')!, 0.5)).toBe('no_target');
    const pg = cat.byId.get('park_green_per_capita')!;
    expect(gradeStatus(pg, 8)).toBe('fail'); // "> 8.0"
    expect(gradeStatus(pg, 8.01)).toBe('pass');
  });
});

describe('manual values', () => {
  it('reads CSV (BOM, quotes) and JSON', () => {
    const csv = file('v.csv', '\uFEFFindicator_id,area_id,value,year,source\nsewage_collection_rate,city,0.82,2024,"住建局, 2024 年报"\nblack_odorous_water_bodies,,3,2024,生态环境局\n');
    const v = readManual(csv, cat);
    expect(v).toHaveLength(2);
    expect(v[0]).toMatchObject({ indicator_id: 'sewage_collection_rate', area_id: 'city', value: 0.82, year: 2024, source: '住建局, 2024 年报' });
    expect(v[1].area_id).toBe('city');
    const json = file('v.json', JSON.stringify([{ indicator_id: 'peak_motor_vehicle_speed', area_id: 'city', value: 24.5, year: 2024, source: '交通委' }]));
    expect(readManual(json, cat)[0]).toMatchObject({ indicator_id: 'peak_motor_vehicle_speed', value: 24.5 });
    expect(parseCsv('a,"b\nc",d\n1,2,3\n')).toEqual([{ line: 1, cells: ['a', 'b\nc', 'd'] }, { line: 3, cells: ['1', '2', '3'] }]);
  });

  it('names the line of an unknown id, a wrong unit, an out-of-range value', () => {
    const head = 'indicator_id,area_id,value,year,source,unit\n';
    expect(() => readManual(file('a.csv', head + 'sewage_collection_rate,city,0.8,2024,x,ratio\nno_such_thing,city,1,2024,x,\n'), cat)).toThrow(/a\.csv line 3: unknown indicator "no_such_thing"/);
    expect(() => readManual(file('b.csv', head + 'sewage_collection_rate,city,0.8,2024,x,%\n'), cat)).toThrow(/b\.csv line 2: unit "%" does not match the unit of sewage_collection_rate, "ratio"/);
    expect(() => readManual(file('c.csv', head + 'sewage_collection_rate,city,82,2024,x,\n'), cat)).toThrow(/c\.csv line 2: value 82 of sewage_collection_rate is out of range \[0, 1\].*0\.561 for 56\.1%/);
    expect(() => readManual(file('d.csv', head + 'black_odorous_water_bodies,city,2.5,2024,x,\n'), cat)).toThrow(/d\.csv line 2: .* not a whole number/);
    expect(() => readManual(file('e.csv', head + 'black_odorous_water_bodies,city,abc,2024,x,\n'), cat)).toThrow(/e\.csv line 2: value "abc"/);
    expect(() => readManual(file('f.csv', 'id,value\n'), cat)).toThrow(/f\.csv line 1: the header must name/);
    expect(() => readManual(file('g.json', '[{"indicator_id":"x","value":1}]'), cat)).toThrow(/g\.json item 1: unknown indicator "x"/);
    expect(() => readManual(file('h.csv', head + 'black_odorous_water_bodies,city,2,2024,x,\nblack_odorous_water_bodies,city,3,2024,x,\n'), cat)).toThrow(/h\.csv line 3: .*given twice/);
  });

  it('manual values enter the results, replace computed ones, and unknown areas fail', async () => {
    const data = await checkDataFromRecords(town(), { ...cat.parameters, ...PARAMS } as typeof cat.parameters);
    const manual = readManual(file('m.csv', 'indicator_id,area_id,value,year,source\nsewage_collection_rate,city,0.65,2024,住建局\nroad_network_density,city,7.5,2024,规划院\n'), cat);
    const r = await runCheck(data, { params: PARAMS, manual, access: { workers: 1 } });
    const sew = r.results.find((x) => x.id === 'sewage_collection_rate' && x.area_id === 'city')!;
    expect(sew).toMatchObject({ value: 0.65, source: 'manual', status: 'fail', year: 2024, data_source: '住建局' }); // target ≥ 0.7
    const road = r.results.find((x) => x.id === 'road_network_density' && x.area_id === 'city')!;
    expect(road).toMatchObject({ value: 7.5, source: 'manual', status: 'fail' });
    expect(road.details!.computed_value as number).toBeGreaterThan(1); // 0.12 km on 0.069 km² (computed.test.ts)
    const bad = readManual(file('n.csv', 'indicator_id,area_id,value\nsewage_collection_rate,district:r99,0.7\n'), cat);
    const data2 = await checkDataFromRecords(town(), { ...cat.parameters, ...PARAMS } as typeof cat.parameters);
    await expect(runCheck(data2, { params: PARAMS, manual: bad, access: { workers: 1 } })).rejects.toThrow(/n\.csv line 2: unknown area "district:r99"/);
  });
});

describe('year-on-year comparison', () => {
  it('delta and direction of improvement', () => {
    const row = (id: string, value: number | null, direction: IndicatorResult['direction']): IndicatorResult =>
      ({ id, area_id: 'city', value, direction } as IndicatorResult);
    const now = [row('park_service_coverage', 0.8, 'higher_better'), row('community_kindergarten_shortfall', 12, 'lower_better'), row('population_density', 9000, 'neutral'), row('transit_access', 0.5, 'higher_better'), row('greenway_coverage', null, 'higher_better')];
    compareWith(now, { generated_at: '2024-06-01T00:00:00Z', indicators: [
      { id: 'park_service_coverage', area_id: 'city', value: 0.75 }, { id: 'community_kindergarten_shortfall', area_id: 'city', value: 10 },
      { id: 'population_density', area_id: 'city', value: 9500 }, { id: 'greenway_coverage', area_id: 'city', value: 0.3 },
    ] });
    expect(now[0].previous).toMatchObject({ value: 0.75, delta: 0.05, change: 'improved', generated_at: '2024-06-01T00:00:00Z' });
    expect(now[1].previous).toMatchObject({ value: 10, delta: 2, change: 'worsened' });
    expect(now[2].previous).toMatchObject({ delta: -500, change: 'changed' });
    expect(now[3].previous).toMatchObject({ change: 'new' });
    expect(now[4].previous).toMatchObject({ value: 0.3, change: 'not_comparable' });
  });
});
