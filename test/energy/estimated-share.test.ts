/**
 * What is estimated stays labelled so (QA): a building metered for some carriers keeps the estimate
 * of the others, and their CO2e is counted in `co2e_estimated_kg` (per building in the kernel, then
 * per area up to the city), not as metered.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/stores.js';
import { writeFixture } from './fixture.js';
import { applyMetered, BASIS, estimateInventory, type EnergyBuildings } from '../../src/domains/energy/inventory.js';
import { USE_CODE } from '../../src/domains/energy/classify.js';
import { loadEnergyParams } from '../../src/domains/energy/params.js';

const p = loadEnergyParams({ eui: '2025', factors: '2023', zones: '2025' });

describe('the estimated part of CO2e', () => {
  it('per building: the carriers left blank by the metered data, nothing once every carrier is metered', () => {
    const n = 3;
    const b: EnergyBuildings = {
      count: n, ids: ['w1', 'w2', 'w3'], lon: new Float64Array(n), lat: new Float64Array(n), area_m2: Float64Array.of(100, 100, 100),
      height: new Float32Array(n).fill(NaN), levels: Float32Array.of(5, 5, 5), year: Int16Array.of(2010, 2010, 2010), use: new Uint8Array(n).fill(USE_CODE.office),
    };
    const inv = estimateInventory(b, p, 'cold', 'north');
    const est = { gas: inv.gas[1], heat: inv.heat[1] };
    applyMetered(inv, p, new Map([[1, { electricity_kwh: 20000 }], [2, { electricity_kwh: 1, gas_m3: 2, heat_gj: 3 }]]));
    expect(inv.co2eEstimated[0]).toBe(inv.co2e[0]);                                   // not metered: all estimated
    expect(inv.co2eEstimated[1]).toBeCloseTo(est.gas * 2.16 + est.heat * 110, 6);     // gas and heat still estimated
    expect(inv.co2eEstimated[1]).toBeGreaterThan(0);
    expect(inv.co2eEstimated[2]).toBe(0);                                             // every carrier metered
    expect(Array.from(inv.metered, (k) => BASIS[k])).toEqual(['estimated', 'partly_metered', 'metered']);
  });

  let dir: string, city: string;
  beforeAll(() => { dir = tempDir('carbon-est-'); city = writeFixture(dir); });

  it('per area: city, districts and the summary count the estimated heat of a building metered for electricity and gas', async () => {
    const m = join(dir, 'metered.csv');
    writeFileSync(m, 'building_id,year,electricity_kwh,gas_m3\nw1,2024,120000,500\n');
    const out = join(dir, 'out');
    const r = await runCli(['carbon', city, '--out', out, '--metered', m, '--json', '-q']);
    expect(r.code).toBe(0);
    const [h, ...lines] = readFileSync(join(out, 'carbon.csv'), 'utf8').trim().split('\n');
    const rows = Object.fromEntries(lines.map((l) => [l.split(',')[0], Object.fromEntries(h.split(',').map((k, i) => [k, l.split(',')[i]]))]));
    const w1 = rows.w1;
    expect([w1.basis, Number(w1.heat_gj) > 0]).toEqual(['partly_metered', true]);   // a cold-zone office: district heat estimated
    const j = JSON.parse(readFileSync(join(out, 'carbon.json'), 'utf8'));
    const c = j.aggregates.city[0];
    // metered CO2e: only w1's electricity and gas, by hand: 120,000 kWh × 0.6361 + 500 m³ × 2.16
    expect(c.co2e_kg - c.co2e_estimated_kg).toBeCloseTo(120000 * 0.6361 + 500 * 2.16, 0);
    expect(JSON.parse(r.stdout).summary.co2e_estimated_kg).toBeCloseTo(c.co2e_estimated_kg, 6);
    const districts = j.aggregates.district as { co2e_estimated_kg: number }[];
    expect(districts.reduce((s, d) => s + d.co2e_estimated_kg, 0)).toBeCloseTo(c.co2e_estimated_kg, 3);
  });
});
