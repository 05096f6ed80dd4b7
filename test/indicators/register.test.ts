import { describe, expect, it } from 'vitest';
import { loadCatalogue } from '../../src/analysis/indicators/catalogue.js';
import { checkDataFromRecords, type CheckData } from '../../src/analysis/indicators/data.js';
import { unimplemented } from '../../src/analysis/indicators/explain-zh.js';
import { INDICATOR_BY_ID } from '../../src/analysis/indicators/registry.js';
import { runCheck, type CheckResult } from '../../src/analysis/indicators/run.js';
import type { IndicatorResult } from '../../src/analysis/indicators/types.js';
import { registerFrom } from '../../src/domains/safety/register.js';
import type { Inspection, Profile } from '../../src/domains/safety/model.js';
import type { CityRecord } from '../../src/model/types.js';
import { PARAMS, town } from './fixture.js';

/**
 * The house-safety register in the health check: its year_built and height_m (register first, the
 * map's start_date / height otherwise), the Chinese explanation beside the English one, and the
 * confidence of a share by age that only part of the stock supports. On the hand-made town of
 * ./fixture.ts (floor areas: w1 400 m², w2 800, w3 400, w4 1,600; map years w1 1980, w2 2010, w4 1990;
 * map heights w4 85 m, w5 260 m (office); w6 40 levels (office)). Reference year 2025: aged = built ≤ 1995.
 */
const cat = loadCatalogue('2025');
const params = { ...cat.parameters, ...PARAMS } as typeof cat.parameters;

const P = (building_id: string, o: Partial<Profile> = {}): Profile => ({
  building_id, year_built: null, design_life_years: null, structure: null, storeys: null, height_m: null, use: 'residential', households: null,
  group_rental: null, seismic_intensity: null, isolation: null, owner: null, insured: null, fund: null, ...o,
});
const I = (id: string, b: string, hazards: Inspection['hazards'], grade: Inspection['grade'] = 'B'): Inspection => ({
  inspection_id: id, building_id: b, date: '2024-05-01', organisation: null, inspector: null, method: null, grade, hazards, measure: null, deadline: null, remediated_on: null, verified_by: null, photos: [],
});
function withRegister(data: CheckData, profiles: Profile[], inspections: Inspection[] = []): CheckData {
  data.safety = { register: registerFrom(profiles, inspections), profiles: profiles.length, inspections: inspections.length, changeset: 42, recorded_at: '2026-05-01T08:00:00Z' };
  return data;
}
async function check(data: CheckData, p: Record<string, unknown> = PARAMS, manual?: Parameters<typeof runCheck>[1]['manual']): Promise<CheckResult> {
  return runCheck(data, { city: 'town', params: p, access: { workers: 1 }, manual });
}
const at = (r: CheckResult, id: string, area = 'city'): IndicatorResult => {
  const x = r.results.find((y) => y.id === id && y.area_id === area);
  if (!x) throw new Error(`no ${id} for ${area}`);
  return x;
};
const noMapYears = () => town().map((rec): CityRecord => (rec.kind === 'building' ? { ...rec, year: undefined } : rec));

/** the register of the main case: w2 2001 (the map says 2010), w3 1970 (no map year), w1 95 m, w4 85 m (as the map), w5 2023; x9 is not in the city model */
const REGISTER = [
  P('w1', { height_m: 95 }), P('w2', { year_built: 2001 }), P('w3', { year_built: 1970 }), P('w4', { height_m: 85 }),
  P('w5', { year_built: 2023, use: 'office' }), P('x9', { year_built: 1950, height_m: 120 }),
];

describe('the register\'s year_built and height_m in the health check', () => {
  it('aged_housing_share: the register\'s year first, the map\'s otherwise; explain and explain_zh say how many from each', async () => {
    const r = await check(withRegister(await checkDataFromRecords(town(), params), REGISTER));
    const x = at(r, 'aged_housing_share');
    // years: w1 1980 (map, aged), w2 2001 (register replaces the map's 2010; not aged), w3 1970 (register, aged), w4 1990 (map, aged)
    // aged floor area 400 + 400 + 1,600 = 2,400 of 3,200 known; every residential building has a year: coverage 1
    expect(x.value).toBeCloseTo(2400 / 3200, 4); // 0.75
    expect(x.details).toMatchObject({ coverage_floor_area: 1, known_year_buildings: 4, residential_buildings: 4, year_from: { register: 2, map: 2, unknown: 0, register_replaced_map: 1 } });
    // compound A: w1 (400, aged), w2 (800, not) → 1/3; compound B: w3 (400, aged), w4 (1,600, aged) → 1
    expect(at(r, 'aged_housing_share', 'compound:w20').value).toBeCloseTo(400 / 1200, 4);
    expect(at(r, 'aged_housing_share', 'compound:w21').value).toBe(1);
    expect(x.explain).toMatch(/change set #42 of 2026-05-01T08:00:00Z/);
    expect(x.explain).toMatch(/Years of the 4 residential buildings: 2 from the register, 2 from the map, 0 unknown \(the register's year replaced a different map year on 1\); 1 register buildings with a year_built are not in the city model/);
    expect(x.explain_zh).toMatch(/变更集 #42，2026-05-01T08:00:00Z/);
    expect(x.explain_zh).toMatch(/4 栋住宅建筑的建成年代：2 栋来自档案，2 栋来自地图，0 栋未知（其中 1 栋档案年代与地图不同，采用档案）；档案中 1 栋有建成年代的建筑不在城市模型中/);
    expect(x.explain_zh).toMatch(/4 \/ 4 栋住宅建筑已知建成年代，覆盖 100\.0% 的住宅建筑面积/);
    // without the register: the map's years alone (w1, w2 2010, w4), as before
    const map = at(await check(await checkDataFromRecords(town(), params)), 'aged_housing_share');
    expect(map.value).toBeCloseTo(2000 / 2800, 4);
    expect(map.explain).toMatch(/no house-safety register read.*Years of the 4 residential buildings: 3 from the map, 1 unknown/);
  });

  it('high_rise_count: the register\'s height_m and year_built; a building of the register completed after the notice breaks the 250 m cap of a city of 2 million', async () => {
    const r = await check(withRegister(await checkDataFromRecords(town(), params), REGISTER), { ...PARAMS, city_population: 2_000_000 });
    const x = at(r, 'high_rise_count');
    // residential > 80 m: w1 95 m (register; the map has only 4 levels) and w4 85 m (register = map); over 100: w5 260 m, w6 120 m (40 levels, estimated)
    expect(x.value).toBe(2);
    expect(x.details).toMatchObject({ residential_over_80: 2, over_100: 2, over_150: 1, over_250: 1, estimated_heights: 1, heights_known: { register: 2, tagged: 1, from_levels: 3, buildings: 6 } });
    // w5 has no year in the map: the register's 2023 makes it a building completed after the 2021 notice, above the 250 m cap
    expect(x.details).toMatchObject({ over_cap_new: ['w5 (260 m, 2023)'], over_cap_existing: [] });
    // a city of 2 million (given): the 250 m cap applies and is broken; the count itself has no target
    expect([x.status, x.verdict?.outcome, x.details!.cap_m]).toEqual(['no_target', 'over', 250]);
    expect(x.explain).toMatch(/Heights of the 6 buildings: 2 from the register, 1 from the map's height tags, 3 estimated from levels, 0 unknown; 1 register buildings with a height_m are not in the city model/);
    expect(x.explain_zh).toMatch(/6 栋建筑的高度：2 栋来自档案，1 栋来自地图 height 标签，3 栋按层数估算，0 栋未知；档案中 1 栋有高度的建筑不在城市模型中/);
    expect(x.explain_zh).toMatch(/判定：2021 年以后建成、高于 250 m 限高的建筑 1 栋/);
    // without the register: w4 alone, and w5 of unknown year is information, not a failure
    const map = at(await check(await checkDataFromRecords(town(), params)), 'high_rise_count');
    expect([map.value, map.status, map.verdict?.outcome]).toEqual([1, 'no_target', 'within']);
  });

  it('a share by age that few buildings support is of low confidence (rule Y), of medium when part of the stock has a year', async () => {
    const strictYears = { ...PARAMS, confidence: { ...PARAMS.confidence, year_known_share_low: 0.2, year_known_share_medium: 0.8 } };
    // no year in the map; the register dates w3 only: 400 of 3,200 m² (12.5%) has a year
    const one = at(await check(withRegister(await checkDataFromRecords(noMapYears(), params), [P('w3', { year_built: 1970 })]), strictYears), 'aged_housing_share');
    expect(one.value).toBe(1);
    expect(one.details).toMatchObject({ coverage_floor_area: 0.125, known_year_buildings: 1, residential_buildings: 4, year_from: { register: 1, map: 0, unknown: 3 } });
    expect(one.confidence).toBe('low');
    expect(one.confidence_reason).toBe('Y: construction year known for 12.5% of the residential floor area (1 of 4 residential buildings): the share speaks only for that part of the stock');
    // w3 and w4: (400 + 1,600) / 3,200 = 62.5% → medium
    const two = at(await check(withRegister(await checkDataFromRecords(noMapYears(), params), [P('w3', { year_built: 1970 }), P('w4', { year_built: 2005 })]), strictYears), 'aged_housing_share');
    expect(two.value).toBeCloseTo(400 / 2000, 4);
    expect([two.confidence, two.details!.coverage_floor_area]).toEqual(['medium', 0.625]);
    // the catalogue's own thresholds (a partial --param confidence keeps them)
    const cov = at(await check(withRegister(await checkDataFromRecords(noMapYears(), params), [P('w3', { year_built: 1970 })]), { ...PARAMS, confidence: { residential_buildings_low: 0 } }), 'aged_housing_share');
    expect(cov.confidence).toBe('low');
    // a register without years, no map years: no value, and the reason says both were looked at
    const none = at(await check(withRegister(await checkDataFromRecords(noMapYears(), params), [P('w3')])), 'aged_housing_share');
    expect(none).toMatchObject({ value: null, status: 'no_data' });
    expect(none.explain).toMatch(/No value: no construction year on any residential building: neither the map \(start_date\) nor the house-safety register \(year_built\) gives one/);
    expect(none.explain_zh).toMatch(/无数据：没有任何住宅建筑有建成年代：地图（start_date）和房屋安全档案（year_built）都没有/);
  });
});

describe('explain_zh says what explain says', () => {
  const NEEDS = /需实地调查|部门统计数据（A）|本版本不由开放地图数据计算|本版本未计算/;
  /** the "needs data" text of an entry is in both languages or in neither */
  function sameBranch(r: CheckResult): void {
    for (const x of r.results.filter((y) => y.level === 'city')) {
      const e = cat.byId.get(x.id);
      if (!e) continue;
      const u = unimplemented(e);
      expect(x.explain_zh!.startsWith(u.zh), `${x.id}: ${x.explain} | ${x.explain_zh}`).toBe(x.explain.startsWith(u.en));
      expect(x.explain_zh, x.id).toMatch(/[\u4e00-\u9fff]/);
    }
  }

  it('with a register: no computed value is explained in Chinese as needing a survey; the housing indicators name the register\'s change set and date', async () => {
    const inspections = [I('a', 'w1', ['structure', 'gas', 'digital']), I('b', 'w4', ['stairwell'], 'D')];
    const r = await check(withRegister(await checkDataFromRecords(town(), params), REGISTER, inspections));
    const computed = r.results.filter((x) => x.source === 'computed');
    expect(computed.length).toBeGreaterThan(20);
    for (const x of computed) expect(x.explain_zh, `${x.id} ${x.area_id}: ${x.explain_zh}`).not.toMatch(NEEDS);
    const hazards = [...INDICATOR_BY_ID.keys()].filter((id) => id.startsWith('housing_') && id !== 'aged_housing_share');
    expect(hazards).toHaveLength(8);
    for (const id of hazards) {
      const x = at(r, id);
      expect(x.source, id).toBe('computed');
      expect(x.explain, id).toMatch(/^Counted from the house-safety register \(6 profiles, 2 inspections; change set #42 of 2026-05-01T08:00:00Z\)/);
      expect(x.explain_zh, id).toMatch(/^按房屋安全档案（6 条房屋档案、2 条检查记录；变更集 #42，2026-05-01T08:00:00Z）计数：/);
      expect(x.explain_zh, id).toMatch(/档案中住宅建筑 \d+ 栋，其中已检查 2 栋/);
    }
    // w1 (structure open) and w4 (grade D) → 2 structural; the figures beside the Chinese method are the English ones
    expect(at(r, 'housing_structural_hazard').value).toBe(2);
    expect(at(r, 'housing_structural_hazard').explain_zh).toMatch(/结构隐患且尚未整改，或最近一次鉴定等级为 C、D 级/);
    expect(at(r, 'housing_gas_hazard').explain_zh).toMatch(/燃气隐患/);
    sameBranch(r);
  });

  it('without a register, the housing indicators point to the survey or the register in both languages; unimplemented entries keep their own reason', async () => {
    const r = await check(await checkDataFromRecords(town(), params));
    const gas = at(r, 'housing_gas_hazard');
    expect(gas).toMatchObject({ value: null, source: 'none' });
    expect(gas.explain).toMatch(/or import the house-safety register/);
    expect(gas.explain_zh).toMatch(/^需实地调查（F）.*或导入房屋安全档案/);
    expect(gas.explain_zh).toMatch(/无数据：数据库中没有房屋安全档案/);
    expect(at(r, 'rail_station_commute_coverage').explain_zh).toMatch(/^需要通勤起讫点（OD）数据/);
    sameBranch(r);
  });

  it('a manual value is explained as entered in both languages, not with the computation it replaces', async () => {
    const manual = [{ indicator_id: 'population_density', area_id: 'city', value: 9000, year: 2024, source: '统计年鉴', where: 'v.csv line 2' }];
    const r = await check(await checkDataFromRecords(town(), params), PARAMS, manual);
    const x = at(r, 'population_density');
    expect(x.source).toBe('manual');
    expect(x.explain).toMatch(/^Entered manually from 统计年鉴 \(2024\) \(v\.csv line 2\)\. The computed value was \d/);
    expect(x.explain_zh).toMatch(/^手工录入的数值，来源：统计年鉴（2024 年）（v\.csv line 2）。计算值为 \d/);
    expect(x.explain_zh).not.toMatch(/建成区/);
  });
});
