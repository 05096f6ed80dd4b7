import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/stores.js';
import { writeFixture } from './fixture.js';

describe('the health check picks up the carbon inventory', () => {
  it('carbon_intensity per unit, new_green_building_share from certifications, retrofit reasons in renewal.geojson', async () => {
    const dir = tempDir('carbon-check-');
    const city = writeFixture(dir);
    const green = join(dir, 'green.csv');
    // w6 (built 2020) and w1 (built 2010) certified; with reference year 2024 the new buildings are those of 2020–2024: w6 only
    writeFileSync(green, 'building_id,level,year\nw6,二星,2021\nw1,一星,2012\n');
    const c = await runCli(['carbon', city, '--out', join(dir, 'carbon'), '--green', green, '--year', '2024', '-q']);
    expect(c.code).toBe(0);
    const carbon = JSON.parse(readFileSync(join(dir, 'carbon', 'carbon.json'), 'utf8'));
    const rows = readFileSync(join(dir, 'carbon', 'carbon.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    const floor = (id: string) => Number(rows.find((r) => r[0] === id)![4]);
    // new share = certified new floor ÷ new floor = w6 ÷ w6 = 1; stock share = (w1 + w6) ÷ all
    expect(carbon.green.new_share).toBe(1);
    expect(carbon.green.new_buildings).toBe(1);
    expect(carbon.green.stock_share).toBeCloseTo((floor('w1') + floor('w6')) / rows.reduce((a, r) => a + Number(r[4]), 0), 4);

    const k = await runCli(['check', city, '--out', join(dir, 'check'), '--carbon', join(dir, 'carbon', 'carbon.json'), '-q']);
    expect(k.code).toBe(0);
    const ind = JSON.parse(readFileSync(join(dir, 'check', 'indicators.json'), 'utf8')).indicators as { id: string; area_id: string; value: number; status: string }[];
    const ci = ind.filter((x) => x.id === 'carbon_intensity');
    expect(ci.find((x) => x.area_id === 'city')!.value).toBeCloseTo(carbon.aggregates.city[0].co2e_kg / carbon.aggregates.city[0].floor_area_m2, 9);
    expect(ci.find((x) => x.area_id === 'district:r2')!.value).toBeCloseTo(carbon.aggregates.district.find((a: { area_id: string }) => a.area_id === 'district:r2').co2e_kg_per_m2, 9);
    const g = ind.find((x) => x.id === 'new_green_building_share')!;
    expect([g.value, g.status]).toEqual([1, 'pass']); // target ≥ 100% of new buildings (catalogue green_building_share)
    const ren = JSON.parse(readFileSync(join(dir, 'check', 'renewal.geojson'), 'utf8'));
    const withRetrofit = ren.features.filter((f: { properties: { reasons_zh?: string[] } }) => f.properties.reasons_zh?.some((s) => s.startsWith('节能改造')));
    expect(withRetrofit.length).toBeGreaterThan(0);
    // without --carbon the check has neither indicator
    const plain = await runCli(['check', city, '--out', join(dir, 'plain'), '-q']);
    expect(plain.code).toBe(0);
    const ids = (JSON.parse(readFileSync(join(dir, 'plain', 'indicators.json'), 'utf8')).indicators as { id: string }[]).map((x) => x.id);
    expect(ids.includes('carbon_intensity') || ids.includes('new_green_building_share')).toBe(false);
  });
});
