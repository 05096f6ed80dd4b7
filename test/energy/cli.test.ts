import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { dataFile, tempDir } from '../helpers/stores.js';
import { writeFixture } from './fixture.js';

const HEADER = 'building_id,use,climate_zone,era,floor_area_m2,floor_area_basis,eui_kwh_m2,electricity_kwh,gas_m3,heat_gj,co2e_kg,basis';
type Row = Record<string, string>;
const readCsv = (p: string): Row[] => {
  const [h, ...lines] = readFileSync(p, 'utf8').trim().split('\n');
  expect(h).toBe(HEADER);
  return lines.map((l) => Object.fromEntries(h.split(',').map((k, i) => [k, l.split(',')[i]])));
};
const num = (r: Row, k: string) => Number(r[k]);

let dir: string;
let city: string;
beforeAll(() => { dir = tempDir('carbon-'); city = writeFixture(dir); });

describe('opencim carbon FILE', () => {
  it('classifies, estimates and explains every building of the hand-made city', async () => {
    const out = join(dir, 'plain');
    const r = await runCli(['carbon', city, '--out', out, '--json', '-q']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.zone).toMatchObject({ zone: 'cold', grid: 'north', zone_from: 'nearest_reference_city', district_heating: true });
    const rows = Object.fromEntries(readCsv(join(out, 'carbon.csv')).map((x) => [x.building_id, x]));
    const pick = (id: string) => [rows[id].use, rows[id].era, rows[id].floor_area_basis, rows[id].basis];
    expect(pick('w1')).toEqual(['office', '2006_2015', 'levels', 'estimated']);
    expect(pick('w2')).toEqual(['residential', 'pre1986', 'height', 'estimated']);
    expect(pick('w3')).toEqual(['education', 'unknown', 'default', 'estimated']);   // the school point inside it
    expect(pick('w4')).toEqual(['industrial', 'unknown', 'default', 'estimated']);  // inside industrial land use
    expect(pick('w5')).toEqual(['other', 'unknown', 'default', 'estimated']);
    expect(pick('w6')).toEqual(['retail', '2016_on', 'levels', 'estimated']);
    expect(s.summary.use_from).toEqual({ tags: 3, facility: 1, residential: 0, landuse: 1, default: 1 });
    // w3: 30 m square ≈ 905 m² footprint × 4 storeys (education default); cold education cell 30 kWh, 1.0 m³, 0.32 GJ per m², era unknown (×1)
    const w3 = rows.w3, fa = num(w3, 'floor_area_m2');
    expect(fa / 4).toBeGreaterThan(890);
    expect(fa / 4).toBeLessThan(920);
    expect(num(w3, 'electricity_kwh')).toBeCloseTo(fa * 30, -1);
    expect(num(w3, 'gas_m3')).toBeCloseTo(fa * 1.0, 0);
    expect(num(w3, 'heat_gj')).toBeCloseTo(fa * 0.32, 0);
    // CO2e = kWh × 0.6361 + m³ × 2.16 + GJ × 110
    expect(num(w3, 'co2e_kg')).toBeCloseTo(num(w3, 'electricity_kwh') * 0.6361 + num(w3, 'gas_m3') * 2.16 + num(w3, 'heat_gj') * 110, -1);
    // w2: 10 m → 3 storeys; pre-1986 factors 1.1 (electricity), 1.0 (gas), 1.3 (heat); cold residential 25 kWh, 2.0 m³, 0.35 GJ
    const w2 = rows.w2, fb = num(w2, 'floor_area_m2');
    expect(num(w2, 'electricity_kwh')).toBeCloseTo(fb * 25 * 1.1, -1);
    expect(num(w2, 'heat_gj')).toBeCloseTo(fb * 0.35 * 1.3, 0);
    for (const f of ['carbon.csv', 'carbon.json', 'retrofit.csv', 'carbon.html']) expect(existsSync(join(out, f))).toBe(true);
    const html = readFileSync(join(out, 'carbon.html'), 'utf8');
    expect(html).toContain('建筑能耗与碳排放清单');
    expect(html).toContain('西区'); // the district table
    expect(html).toContain('100.0%</b>估算值 estimated (6 / 6');
  });

  it('aggregates are the sums of their buildings (hand-made districts)', async () => {
    const out = join(dir, 'agg');
    expect((await runCli(['carbon', city, '--out', out, '-q'])).code).toBe(0);
    const rows = readCsv(join(out, 'carbon.csv'));
    const j = JSON.parse(readFileSync(join(out, 'carbon.json'), 'utf8'));
    const sum = (ids: string[], k: string) => rows.filter((x) => ids.includes(x.building_id)).reduce((a, x) => a + num(x, k), 0);
    const west = j.aggregates.district.find((a: { name: string }) => a.name === '西区');
    const east = j.aggregates.district.find((a: { name: string }) => a.name === '东区');
    expect([west.buildings, east.buildings]).toEqual([5, 1]);
    for (const k of ['floor_area_m2', 'electricity_kwh', 'gas_m3', 'heat_gj', 'co2e_kg']) {
      expect(west[k]).toBeCloseTo(sum(['w1', 'w2', 'w3', 'w4', 'w5'], k), 0);
      expect(east[k]).toBeCloseTo(sum(['w6'], k), 0);
      expect(j.aggregates.city[0][k]).toBeCloseTo(west[k] + east[k], 6);
    }
    expect(j.aggregates.city[0].co2e_kg_per_m2).toBeCloseTo(j.aggregates.city[0].co2e_kg / j.aggregates.city[0].floor_area_m2, 9);
    expect(j.parameters.eui.version).toBe('2025');
    expect(j.parameters.factors.version).toBe('2023');
    expect(j.run_id).toBeNull();
  });

  it('aggregates are the sums of their buildings at every level (real data, fallback units)', async () => {
    const out = join(dir, 'bj');
    expect((await runCli(['carbon', dataFile('beijing-haidian-cau.osm.pbf'), '--out', out, '-q'])).code).toBe(0);
    const rows = readCsv(join(out, 'carbon.csv'));
    const j = JSON.parse(readFileSync(join(out, 'carbon.json'), 'utf8'));
    expect(j.attribution).toBe('© OpenStreetMap contributors');
    const total = rows.reduce((a, x) => a + num(x, 'co2e_kg'), 0);
    expect(j.aggregates.city[0].co2e_kg).toBeCloseTo(total, -1);
    expect(j.aggregates.city[0].buildings).toBe(rows.length);
    // the street level is a fallback grid covering every building: its units add up to the city
    const streets = j.aggregates.street as { co2e_kg: number; buildings: number }[];
    expect(streets.reduce((a, x) => a + x.buildings, 0)).toBe(rows.length);
    expect(streets.reduce((a, x) => a + x.co2e_kg, 0)).toBeCloseTo(j.aggregates.city[0].co2e_kg, 3);
    // retrofit list: ranked by CO2e saved, saved = CO2e × the era's share
    const ret = readFileSync(join(out, 'retrofit.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    expect(ret.length).toBe(100);
    for (let k = 1; k < ret.length; k++) expect(Number(ret[k][9])).toBeLessThanOrEqual(Number(ret[k - 1][9]));
    expect(Number(ret[0][9])).toBeCloseTo(Number(ret[0][6]) * Number(ret[0][7]), 0);
  });

  it('--zone and --grid override the lookup', async () => {
    const out = join(dir, 'override');
    const r = await runCli(['carbon', city, '--out', out, '--zone', 'hscw', '--grid', 'southwest', '--json', '-q']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect([s.zone.zone, s.zone.grid, s.summary.heat_gj]).toEqual(['hscw', 'southwest', 0]);
    expect(readCsv(join(out, 'carbon.csv')).every((x) => x.climate_zone === 'hscw')).toBe(true);
  });
});

describe('metered data', () => {
  it('override the estimate of the buildings they cover; the output says metered', async () => {
    const m = join(dir, 'metered.csv');
    writeFileSync(m, [
      'building_id,address,year,electricity_kwh,gas_m3,heat_gj,account',
      'w1,,2023,999999,,,A',       // an older year: not used
      'w1,,2024,100000,500,,A',
      'w1,,2024,20000,,,B',        // second account of w1 in 2024: summed
      ',东大街 8号,2024,50000,100,200,', // w6 by address (spaces ignored)
    ].join('\n'));
    const out = join(dir, 'metered');
    const r = await runCli(['carbon', city, '--out', out, '--metered', m, '-q']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const est = Object.fromEntries(readCsv(join(dir, 'plain', 'carbon.csv')).map((x) => [x.building_id, x]));
    const rows = Object.fromEntries(readCsv(join(out, 'carbon.csv')).map((x) => [x.building_id, x]));
    expect(rows.w1.basis).toBe('partly_metered');   // its heat is not metered: the estimate stays
    expect(rows.w6.basis).toBe('metered');
    expect(['w2', 'w3', 'w4', 'w5'].every((id) => rows[id].basis === 'estimated' && rows[id].co2e_kg === est[id].co2e_kg)).toBe(true);
    // w1: electricity 100,000 + 20,000; gas 500; heat not metered → the estimate stays
    expect([num(rows.w1, 'electricity_kwh'), num(rows.w1, 'gas_m3'), rows.w1.heat_gj]).toEqual([120000, 500, est.w1.heat_gj]);
    // 120,000 × 0.6361 + 500 × 2.16 + heat × 110
    expect(num(rows.w1, 'co2e_kg')).toBeCloseTo(120000 * 0.6361 + 500 * 2.16 + num(est.w1, 'heat_gj') * 110, 0);
    // w6: 50,000 × 0.6361 + 100 × 2.16 + 200 × 110 = 31,805 + 216 + 22,000 = 54,021 kg
    expect(num(rows.w6, 'co2e_kg')).toBe(54021);
    const j = JSON.parse(readFileSync(join(out, 'carbon.json'), 'utf8'));
    expect(j.summary.metered_buildings).toBe(2);
    expect(j.metered).toMatchObject({ rows: 4, buildings: 2 });
    // metered CO2e: all of w6's, and w1's but its heat (left blank, so still estimated)
    expect(j.aggregates.city[0].co2e_kg - j.aggregates.city[0].co2e_estimated_kg).toBeCloseTo(num(rows.w1, 'co2e_kg') - num(rows.w1, 'heat_gj') * 110 + 54021, -1);
  });

  const bad: [string, string[], string][] = [
    ['a number that is not', ['building_id,year,electricity_kwh,gas_m3', 'w1,2024,100,abc'],
      'bad.csv 第 2 行 gas_m3 列: “abc” 不是非负数（m³/年） (row 2, column gas_m3: "abc" is not a number ≥ 0 (m³ per year))'],
    ['a negative reading', ['building_id,year,electricity_kwh', 'w1,2024,100', 'w2,2024,-5'],
      'bad.csv 第 3 行 electricity_kwh 列: “-5” 不是非负数（kWh/年） (row 3, column electricity_kwh: "-5" is not a number ≥ 0 (kWh per year))'],
    ['a year that is not', ['building_id,year,heat_gj', 'w1,24,1'],
      'bad.csv 第 2 行 year 列: “24” 不是年份 (1949–2100) (row 2, column year: "24" is not a year (1949–2100))'],
    ['an unknown building', ['building_id,year,electricity_kwh', 'w1,2024,1', 'w999,2024,1'],
      'bad.csv 第 3 行 building_id 列: 城市中没有建筑 “w999” (row 3, column building_id: no building "w999" in the city (ids like w123 for OSM ways))'],
    ['an unknown column', ['building_id,year,kwh', 'w1,2024,1'],
      'bad.csv 第 1 行 (row 1): unknown column(s) 未知列 kwh; expected building_id,address,year,electricity_kwh,gas_m3,heat_gj,account'],
    ['a repeated row', ['building_id,year,electricity_kwh', 'w1,2024,1', 'w1,2024,2'],
      'bad.csv 第 3 行 building_id 列: 与第 2 行重复（同一建筑、年份、账户） (row 3, column building_id: repeats row 2 (same building, year and account; give an account column for several meters))'],
    ['every bad row at once', ['building_id,year,electricity_kwh', 'w1,24,1', 'w1,2024,1', 'w6,2024,-5'],
      'bad.csv 第 2 行 year 列: “24” 不是年份 (1949–2100) (row 2, column year: "24" is not a year (1949–2100))\n' +
      'bad.csv 第 4 行 electricity_kwh 列: “-5” 不是非负数（kWh/年） (row 4, column electricity_kwh: "-5" is not a number ≥ 0 (kWh per year))'],
    ['an empty row of readings', ['building_id,year,electricity_kwh,gas_m3', 'w1,2024,,'],
      'bad.csv 第 2 行 electricity_kwh 列: 三种能源均为空 (row 2, column electricity_kwh: electricity_kwh, gas_m3 and heat_gj are all empty)'],
  ];
  for (const [what, lines, message] of bad) {
    it(`rejects ${what}, naming the row and column, writing nothing`, async () => {
      const m = join(tempDir('bad-'), 'bad.csv');
      writeFileSync(m, lines.join('\n') + '\n');
      const out = join(dir, `bad-${what.replace(/\W+/g, '-')}`);
      const r = await runCli(['carbon', city, '--out', out, '--metered', m, '-q']);
      expect(r.code).toBe(1); // bad data, not a bad command line
      expect(r.stderr).toBe(`error: ${message}\n`);
      expect(existsSync(out)).toBe(false);
    });
  }
});
