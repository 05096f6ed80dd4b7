import { describe, expect, it } from 'vitest';
import { loadCatalogue } from '../../src/analysis/indicators/catalogue.js';
import { checkDataFromRecords } from '../../src/analysis/indicators/data.js';
import { runCheck } from '../../src/analysis/indicators/run.js';
import { registerFrom } from '../../src/domains/safety/register.js';
import type { Inspection, Profile } from '../../src/domains/safety/model.js';
import { PARAMS, town } from '../indicators/fixture.js';

const P = (building_id: string, use: Profile['use']): Profile => ({
  building_id, year_built: 1985, design_life_years: null, structure: null, storeys: null, height_m: null, use, households: null,
  group_rental: null, seismic_intensity: null, isolation: null, owner: null, insured: null, fund: null,
});
const I = (id: string, b: string, date: string, grade: Inspection['grade'], hazards: Inspection['hazards'], remediated_on: string | null = null): Inspection => ({
  inspection_id: id, building_id: b, date, organisation: null, inspector: null, method: null, grade, hazards, measure: null, deadline: null, remediated_on, verified_by: null, photos: [],
});

describe('health check housing indicators 1–10 from the register', () => {
  it('counts residential buildings whose latest inspection has the hazard open; no register → no_data as before', async () => {
    const cat = loadCatalogue('2025');
    const params = { ...cat.parameters, ...PARAMS } as typeof cat.parameters;
    const data = await checkDataFromRecords(town(), params);
    const without = await runCheck(data, { city: 'town', params: PARAMS, access: { workers: 1 } });
    const gas0 = without.results.find((x) => x.id === 'housing_gas_hazard' && x.area_id === 'city')!;
    expect(gas0).toMatchObject({ value: null, status: 'no_data', source: 'none' });
    expect(gas0.explain).toMatch(/^field inspection \(F\)/);

    data.safety = {
      register: registerFrom(
        [P('w1', 'residential'), P('w2', 'residential'), P('w3', null), P('w4', 'residential'), P('w5', 'office'), P('x9', 'residential')],
        [
          I('a', 'w1', '2024-05-01', 'B', ['structure', 'gas', 'digital']),
          I('b', 'w2', '2019-01-01', 'B', ['gas']), I('c', 'w2', '2023-01-01', 'A', []), // a later inspection supersedes
          I('d', 'w3', '2024-01-01', 'B', ['gas', 'energy'], '2024-06-01'), // remediated
          // D counts as structural; its remediation dated in the future (a store written before such dates were refused) is not yet done
          I('e', 'w4', '2022-03-03', 'D', ['stairwell'], '2099-06-01'),
          I('h', 'w1', '2099-01-01', 'A', []), // an inspection dated in the future is not yet made: w1's of 2024 stands
          I('f', 'w5', '2024-01-01', 'C', ['gas']), // not residential
          I('g', 'x9', '2024-01-01', 'B', ['gas']), // not in the city model: city total only
        ]),
      profiles: 6, inspections: 8, changeset: 42, recorded_at: '2026-05-01T08:00:00Z',
    };
    const r = await runCheck(data, { city: 'town', params: PARAMS, access: { workers: 1 } });
    const at = (id: string, area = 'city') => r.results.find((x) => x.id === id && x.area_id === area)!;
    expect(at('housing_structural_hazard')).toMatchObject({ value: 2, source: 'computed', status: 'no_target' });
    expect(at('housing_gas_hazard').value).toBe(2);
    expect(at('housing_stairwell_hazard').value).toBe(1);
    expect(at('housing_envelope_hazard').value).toBe(0);
    expect(at('housing_energy_retrofit').value).toBe(0);
    expect(at('housing_digital_retrofit').value).toBe(1);
    expect(at('housing_pipe_damage').value).toBe(0);
    expect(at('housing_age_friendly_retrofit').value).toBe(0);
    // w1 lies in compound w20, w4 in w21; x9 is counted in the city only
    expect(at('housing_gas_hazard', 'compound:w20').value).toBe(1);
    expect(at('housing_gas_hazard', 'compound:w21').value).toBe(0);
    expect(at('housing_structural_hazard', 'compound:w21').value).toBe(1);
    expect(at('housing_gas_hazard').explain).toMatch(/house-safety register \(6 profiles, 8 inspections; change set #42 of 2026-05-01T08:00:00Z\)/);
    expect(at('housing_gas_hazard').details).toMatchObject({ register_changeset: 42, not_in_model: 1, residential_in_register: 5 }); // w1 w2 w4 x9 by profile, w3 (use unknown) by the city model
    // no item in the hazard catalogue: still manual
    expect(at('housing_non_self_contained')).toMatchObject({ value: null, status: 'no_data' });
    expect(at('housing_tap_water_substandard')).toMatchObject({ value: null, status: 'no_data' });
  });
});
