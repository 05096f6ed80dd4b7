import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalogue } from '../../src/analysis/indicators/catalogue.js';
import { checkDataFromStore } from '../../src/analysis/indicators/store.js';
import { runCheck, type CheckResult } from '../../src/analysis/indicators/run.js';
import { parseRegisterText } from '../../src/domains/safety/csv.js';
import { importRegisterFiles } from '../../src/domains/safety/store.js';
import { statusSummary } from '../../src/report/outputs.js';
import type { Store } from '../../src/store/driver.js';
import { DRIVERS } from '../helpers/stores.js';
import { CITY, cityStore } from '../server/fixture.js';

/**
 * QA's case on a store: the Haidian extract (109 residential buildings of 257, no start_date and no
 * height tag on any), then a register of four residential buildings built 1960, 1985, 1998 and one
 * 95 m tall with no year, two of them inspected; `check --db` reads it all from the store.
 */
describe('health check on a store with a house-safety register (pglite)', () => {
  let store: Store;
  let r: CheckResult;
  let changeset: number;
  beforeAll(async () => {
    store = await cityStore(await DRIVERS[0].fresh(), { access: false });
    const ids = (await store.query<{ id: string }>('SELECT id FROM buildings_current WHERE city_id = $1 AND residential ORDER BY id LIMIT 4', [CITY])).map((x) => x.id);
    const profiles = parseRegisterText('profiles.csv', [
      'building_id,year_built,design_life_years,structure,storeys,height_m,use,households,group_rental,seismic_intensity,isolation,owner,insured,fund',
      `${ids[0]},1960,50,brick_concrete,5,15,residential,40,0,8,0,,1,1`, `${ids[1]},1985,50,prefab_slab,6,18,residential,24,0,8,0,,1,1`,
      `${ids[2]},1998,,frame,12,,residential,60,0,8,0,,,`, `${ids[3]},,,shear_wall,32,95,residential,180,1,8,0,,,`].join('\n'));
    const insp = parseRegisterText('inspections.csv', [
      'inspection_id,building_id,date,organisation,inspector,method,grade,hazards,measure,deadline,remediated_on,verified_by',
      `A1,${ids[0]},2024-03-01,鉴定中心,张三,现场,C,structure;gas,use,2024-12-31,,`, `A2,${ids[1]},2024-04-01,鉴定中心,张三,现场,D,stairwell,use,2024-12-31,,`].join('\n'));
    await importRegisterFiles(store, CITY, [profiles, insp], { actor: 'test-import' });
    const cat = loadCatalogue('2025');
    const data = await checkDataFromStore(store, CITY, { ...cat.parameters, reference_year: 2025 }, { workers: 1 });
    changeset = data.safety!.changeset!;
    r = await runCheck(data, { city: CITY, params: { reference_year: 2025 }, access: { workers: 1 } });
  }, 240_000);
  afterAll(async () => { await store?.close(); });
  const at = (id: string) => r.results.find((x) => x.id === id && x.level === 'city')!;

  it('every computed value is explained in Chinese as computed (never "needs a survey"), the register-based ones naming its change set and date', () => {
    const computed = r.results.filter((x) => x.source === 'computed');
    expect(computed.length).toBeGreaterThan(0);
    for (const x of computed) expect(x.explain_zh, `${x.id} ${x.area_id}`).not.toMatch(/需实地调查|部门统计数据（A）|本版本不由开放地图数据计算|本版本未计算/);
    const recorded = r.data.safety!.recorded_at!;
    expect(recorded).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    for (const id of ['housing_structural_hazard', 'housing_gas_hazard', 'housing_stairwell_hazard', 'housing_envelope_hazard', 'housing_pipe_damage',
      'housing_age_friendly_retrofit', 'housing_energy_retrofit', 'housing_digital_retrofit']) {
      const x = at(id);
      expect(x.source, id).toBe('computed');
      expect(x.explain, id).toContain(`change set #${changeset} of ${recorded}`);
      expect(x.explain_zh, id).toContain(`按房屋安全档案（4 条房屋档案、2 条检查记录；变更集 #${changeset}，${recorded}）计数`);
      expect(x.explain_zh, id).toContain('档案中住宅建筑 4 栋，其中已检查 2 栋。');
    }
    // A1: structure (and grade C) and gas open; A2: grade D (structural) and stairwell
    expect([at('housing_structural_hazard').value, at('housing_gas_hazard').value, at('housing_stairwell_hazard').value, at('housing_envelope_hazard').value]).toEqual([2, 1, 1, 0]);
  });

  it('aged_housing_share and high_rise_count read the register\'s year_built and height_m; 3 dated buildings of 109 are a low-confidence share', () => {
    const a = at('aged_housing_share');
    // 1960 and 1985 are ≥ 30 years old in 2025, 1998 is not: the share of their floor areas (residents × 40 m²)
    const o = r.data.places.origins;
    const res = (k: number) => o.residents[o.ids.indexOf((r.data.safety!.register.ids)[k])];
    expect(a.value).toBeCloseTo((res(0) + res(1)) / (res(0) + res(1) + res(2)), 3);
    expect(a.value).toBeCloseTo(0.764, 3);
    expect(a.details).toMatchObject({ known_year_buildings: 3, residential_buildings: 109, year_from: { register: 3, map: 0, unknown: 106, register_replaced_map: 0 } });
    expect(a.details!.coverage_floor_area as number).toBeLessThan(0.2);
    expect(a.confidence).toBe('low');
    expect(a.confidence_reason).toMatch(/Y: construction year known for \d+\.\d% of the residential floor area \(3 of 109 residential buildings\)/);
    expect(a.explain).toMatch(/Years of the 109 residential buildings: 3 from the register, 0 from the map, 106 unknown\./);
    expect(a.explain_zh).toMatch(/109 栋住宅建筑的建成年代：3 栋来自档案，0 栋来自地图，106 栋未知。/);
    const h = at('high_rise_count');
    expect(h.value).toBe(1); // the 95 m residential building of the register
    expect(h.details).toMatchObject({ residential_over_80: 1, heights_known: { register: 3, tagged: 0, from_levels: 6, buildings: 257 } });
    expect(h.explain).toMatch(/Heights of the 257 buildings: 3 from the register, 0 from the map's height tags, 6 estimated from levels, 248 unknown\./);
    // no target for the count; the cap verdict stays withheld: 9 of 257 buildings with a height or storeys (< 20%)
    expect([h.status, h.verdict?.outcome]).toEqual(['no_target', 'withheld']);
    expect(h.explain).toMatch(/Verdict withheld: too little height data to grade/);
    expect(h.confidence_reason).toMatch(/H: only 3\.5% of buildings have a height or storey count/);
  });

  it('the summary partitions the indicators', () => {
    const s = statusSummary(r) as Record<string, number>;
    expect(s.indicators).toBe(r.results.filter((x) => x.level === 'city').length);
    expect(s.computed + s.manual + s.no_data).toBe(s.indicators);
    expect(s.computed_graded + s.computed_no_target + s.computed_withheld).toBe(s.computed);
    expect(s.computed_withheld).toBeGreaterThanOrEqual(1); // low-confidence values (rule B on this extract): a figure, no verdict
  });
});
