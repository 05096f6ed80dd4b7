import { describe, expect, it } from 'vitest';
import { computeDue, dueRow, FOLLOW_UP_RULE } from '../../src/domains/safety/due.js';
import { computeFlags, flagRow, loadPolicy } from '../../src/domains/safety/checks.js';
import { computeRisk, loadRiskConfig, riskRow, topN } from '../../src/domains/safety/risk.js';
import { addYears, formatDate, parseDate, type Inspection, type Profile } from '../../src/domains/safety/model.js';
import { registerFrom, withCityIntensity } from '../../src/domains/safety/register.js';
import { compileRules, loadRules, parseRules } from '../../src/domains/safety/rules.js';

const P = (building_id: string, o: Partial<Profile> = {}): Profile => ({
  building_id, year_built: null, design_life_years: null, structure: null, storeys: null, height_m: null, use: null, households: null,
  group_rental: null, seismic_intensity: null, isolation: null, owner: null, insured: null, fund: null, ...o,
});
const I = (inspection_id: string, building_id: string, date: string, o: Partial<Inspection> = {}): Inspection => ({
  inspection_id, building_id, date, organisation: null, inspector: null, method: null, grade: 'A', hazards: [], measure: null,
  deadline: null, remediated_on: null, verified_by: null, photos: [], ...o,
});
/** days between two ISO dates by the JS Date (an independent calendar) */
const between = (a: string, b: string) => Math.round((Date.UTC(+b.slice(0, 4), +b.slice(5, 7) - 1, +b.slice(8)) - Date.UTC(+a.slice(0, 4), +a.slice(5, 7) - 1, +a.slice(8))) / 86_400_000);
const AS_OF = '2026-06-01';

function due(rules: string, profiles: Profile[], inspections: Inspection[], asOf = AS_OF) {
  const reg = registerFrom(profiles, inspections);
  const c = compileRules(loadRules(rules));
  const res = computeDue(reg, c, parseDate(asOf)!);
  return new Map(reg.ids.map((id, b) => [id, dueRow(reg, c, res, b)]));
}

describe('dates', () => {
  it('agree with the JS calendar over two centuries and handle 29 February', () => {
    for (let d = parseDate('1900-01-01')!; d < parseDate('2100-12-31')!; d += 17) {
      const iso = new Date(d * 86_400_000).toISOString().slice(0, 10);
      expect(formatDate(d)).toBe(iso);
      expect(parseDate(iso)).toBe(d);
    }
    expect(formatDate(addYears(parseDate('2024-02-29')!, 10))).toBe('2034-02-28');
    expect(formatDate(addYears(parseDate('2024-02-29')!, 4))).toBe('2028-02-29');
    expect(parseDate('2023-02-29')).toBeNull();
  });
});

describe('safety due: Nantong', () => {
  const res = due('nantong', [
    P('never25', { year_built: 1990, use: 'residential', households: 20, structure: 'brick_concrete' }),
    P('inspectedA', { year_built: 1985, use: 'residential', households: 8 }),
    P('prefab', { year_built: 1980, use: 'residential', households: 12, structure: 'prefab_slab' }),
    P('young', { year_built: 2010, use: 'residential' }),
    P('youngInspected', { year_built: 2005, use: 'residential' }),
    P('openC', { year_built: 1970, use: 'residential' }),
    P('remediatedD', { year_built: 1975, use: 'residential' }),
    P('openNoDeadline', { year_built: 1978, use: 'residential' }),
    P('openFuture', { year_built: 1960, use: 'residential' }),
    P('noYear', { use: 'residential' }),
    P('office', { year_built: 1970, use: 'office' }),
    P('superseded', { year_built: 1980, use: 'residential' }),
    P('crowded', { year_built: 1995, use: 'public_crowded' }),
  ], [
    I('i1', 'inspectedA', '2020-03-15'),
    I('i2', 'prefab', '2019-06-30', { grade: 'B' }),
    I('i3', 'youngInspected', '2020-05-01'),
    I('i4', 'openC', '2025-01-10', { grade: 'C', measure: 'use', deadline: '2025-12-31' }),
    I('i5', 'remediatedD', '2024-02-29', { grade: 'D', measure: 'use', deadline: '2024-08-01', remediated_on: '2024-07-20' }),
    I('i6', 'openNoDeadline', '2026-03-01', { grade: 'C' }),
    I('i7', 'openFuture', '2026-01-05', { grade: 'D', measure: 'stop', deadline: '2027-01-01' }),
    I('i8', 'superseded', '2018-04-01', { grade: 'C', deadline: '2018-10-01' }),
    I('i9', 'superseded', '2022-09-09', { grade: 'A' }),
    I('i10', 'crowded', '2021-11-30'),
    I('i11', 'orphan', '2021-01-01'),
  ]);
  const expectRow = (id: string, rule: string | null, last: string | null, next: string | null) => {
    const r = res.get(id)!;
    expect(r, id).toEqual({ building_id: id, rule, last_inspection: last, next_due: next, overdue_days: next && next < AS_OF ? between(next, AS_OF) : 0 });
  };
  it('never inspected: due on 1 January of the 25th year, overdue since', () => {
    expectRow('never25', 'nantong.housing_25y', null, '2015-01-01');
    expect(res.get('never25')!.overdue_days).toBe(4169);
    expectRow('young', 'nantong.housing_25y', null, '2035-01-01');
  });
  it('after an inspection: its date + the cycle in force on it; the shortest rule wins', () => {
    expectRow('inspectedA', 'nantong.housing_25y', '2020-03-15', '2030-03-15');
    expectRow('prefab', 'nantong.prefab_multi_household', '2019-06-30', '2024-06-30');
    expect(res.get('prefab')!.overdue_days).toBe(701);
    expectRow('crowded', 'nantong.crowded_25y', '2021-11-30', '2026-11-30');
  });
  it('inspected before any rule applied: due when the rule starts', () => {
    expectRow('youngInspected', 'nantong.housing_25y', '2020-05-01', '2030-01-01');
  });
  it('open C/D: the follow-up deadline governs, overdue when past', () => {
    expectRow('openC', FOLLOW_UP_RULE, '2025-01-10', '2025-12-31');
    expect(res.get('openC')!.overdue_days).toBe(152);
    expectRow('openNoDeadline', FOLLOW_UP_RULE, '2026-03-01', '2026-03-01');
    expect(res.get('openNoDeadline')!.overdue_days).toBe(92);
    expectRow('openFuture', FOLLOW_UP_RULE, '2026-01-05', '2027-01-01');
  });
  it('a remediated D returns to the cycle (29 February + 10 years = 28 February)', () => {
    expectRow('remediatedD', 'nantong.housing_25y', '2024-02-29', '2034-02-28');
  });
  it('a later inspection supersedes an older open C', () => {
    expectRow('superseded', 'nantong.housing_25y', '2022-09-09', '2032-09-09');
  });
  it('no rule, or no year: no due date', () => {
    expectRow('noYear', null, null, null);
    expectRow('office', null, null, null);
    expectRow('orphan', null, '2021-01-01', null);
  });
  it('overdue exactly when the due day has passed', () => {
    const on = due('nantong', [P('b', { year_built: 1990, use: 'residential' })], [], '2015-01-01').get('b')!;
    expect(on.overdue_days).toBe(0);
    expect(due('nantong', [P('b', { year_built: 1990, use: 'residential' })], [], '2015-01-02').get('b')!.overdue_days).toBe(1);
  });
});

describe('safety due: Changsha', () => {
  const res = due('changsha', [
    P('pastLife', { year_built: 1960, use: 'residential', households: 30, design_life_years: 50 }),
    P('single', { year_built: 1990, use: 'residential', households: 1 }),
    P('unknownHouseholds', { year_built: 1990, use: 'residential' }),
    P('shopNew', { year_built: 2015, use: 'commercial_self_built' }),
    P('shopOld', { year_built: 1995, use: 'commercial_self_built' }),
    P('public30', { year_built: 1980, use: 'public_crowded', design_life_years: 30 }),
    P('office', { year_built: 2000, use: 'office' }),
    P('housing40', { year_built: 1995, use: 'residential', households: 4 }),
  ], [
    I('c1', 'pastLife', '2021-04-01'),
    I('c4', 'shopOld', '2023-09-10'),
    I('c5', 'public30', '2022-01-15'),
    I('c6', 'office', '2020-06-01'),
    I('c7', 'housing40', '2024-12-31'),
  ]);
  const row = (id: string) => res.get(id)!;
  it('past design life: the shorter cycle', () => {
    expect(row('pastLife')).toMatchObject({ rule: 'changsha.housing_25y', next_due: '2026-04-01', overdue_days: 61 });
    expect(row('public30')).toMatchObject({ rule: 'changsha.public_25y', next_due: '2024-01-15', overdue_days: between('2024-01-15', AS_OF) });
  });
  it('multi-owner housing only (unknown households never satisfy the condition)', () => {
    expect(row('single')).toMatchObject({ rule: null, next_due: null });
    expect(row('unknownHouseholds')).toMatchObject({ rule: null, next_due: null });
    expect(row('housing40')).toMatchObject({ rule: 'changsha.housing_25y', next_due: '2034-12-31', overdue_days: 0 });
  });
  it('commercial self-built: from completion every 5, every 2 past 25 years', () => {
    expect(row('shopNew')).toMatchObject({ rule: 'changsha.commercial_self_built', last_inspection: null, next_due: '2015-01-01', overdue_days: between('2015-01-01', AS_OF) });
    expect(row('shopOld')).toMatchObject({ next_due: '2025-09-10', overdue_days: 264 });
  });
  it('a rule starting after the inspection makes the due date', () => {
    expect(row('office')).toMatchObject({ rule: 'changsha.public_25y', next_due: '2025-01-01', overdue_days: 516 });
  });
});

describe('rule files', () => {
  it('reject a bad file naming the field', () => {
    expect(() => parseRules({ id: 'x', version: '1', name_zh: 'x', name_en: 'x', source: 's', rules: [{ id: 'r', name_zh: 'r', name_en: 'r', when: { use: ['housing'] }, phases: [{ from: 'age', years: 25, every: 10 }] }] }, 'x.json'))
      .toThrow(/x\.json: rules\.0\.when\.use\.0: /);
    expect(() => parseRules({ id: 'x', version: '1', name_zh: 'x', name_en: 'x', source: 's', rules: [{ id: 'r', name_zh: 'r', name_en: 'r', phases: [{ from: 'age', every: 0 }] }] }))
      .toThrow(/rules\.0\.phases\.0\.every/);
    expect(() => loadRules('shanghai')).toThrow(/no such preset/);
  });
  it('a city can write its own (Zhengzhou draft: first check for housing over 30 years)', () => {
    const set = parseRules({ id: 'zhengzhou', version: 'draft', name_zh: '郑州', name_en: 'Zhengzhou', source: 'draft', rules: [{ id: 'zz.housing_30y', name_zh: '住宅30年', name_en: 'housing 30y', when: { use: ['residential'] }, phases: [{ from: 'age', years: 30, every: 10 }] }] });
    const reg = registerFrom([P('a', { year_built: 1999, use: 'residential' })], []);
    const c = compileRules(set);
    expect(dueRow(reg, c, computeDue(reg, c, parseDate(AS_OF)!), 0)).toMatchObject({ rule: 'zz.housing_30y', next_due: '2029-01-01', overdue_days: 0 });
  });
});

describe('policy checks', () => {
  const profiles = [
    P('res85', { use: 'residential', height_m: 85, year_built: 2022 }),
    P('res30storeys', { use: 'residential', storeys: 30, year_built: 2022 }),
    P('office120', { use: 'office', height_m: 120, year_built: 2022 }),
    P('res180', { use: 'residential', height_m: 180, year_built: 2023 }),
    P('office260', { use: 'office', height_m: 260, year_built: 2024 }),
    P('tower520', { use: 'other', height_m: 520, year_built: 2022 }),
    P('school8', { seismic_intensity: 8, isolation: 0, year_built: 2022 }),
    P('school8iso', { seismic_intensity: 8, isolation: 1, year_built: 2022 }),
    P('school7', { seismic_intensity: 7, isolation: 0, year_built: 2022 }),
    P('hospital9unknown', { seismic_intensity: 9, year_built: 2025 }),
    P('house8', { seismic_intensity: 8, isolation: 0 }),
    P('prefab', { use: 'residential', structure: 'prefab_slab', households: 6 }),
    P('prefabSingle', { use: 'residential', structure: 'prefab_slab', households: 1 }),
    P('rental', { use: 'residential', group_rental: true }),
    P('cUse', { use: 'residential' }),
    P('dStop', { use: 'residential' }),
    P('cDone', { use: 'residential' }),
  ];
  const inspections = [
    I('x1', 'cUse', '2025-03-01', { grade: 'C', measure: 'observe', deadline: '2026-09-01' }),
    I('x2', 'dStop', '2025-03-01', { grade: 'D', measure: 'stop', deadline: '2025-06-01' }),
    I('x3', 'cDone', '2025-03-01', { grade: 'C', measure: 'use', deadline: '2025-06-01', remediated_on: '2025-05-20' }),
  ];
  const critical = ['school8', 'school8iso', 'school7', 'hospital9unknown'];
  const run = (population: number | null) => {
    const reg = registerFrom(profiles, inspections, critical);
    const policy = loadPolicy({ city_population: population });
    const f = computeFlags(reg, policy, parseDate(AS_OF)!);
    return Array.from({ length: f.count }, (_, k) => flagRow(reg, policy, f, k));
  };
  const byBuilding = (rows: ReturnType<typeof run>) => {
    const m: Record<string, string[]> = {};
    for (const r of rows) (m[r.building_id] ??= []).push(r.rule);
    return m;
  };
  it('flags each case with its rule, and only those', () => {
    expect(byBuilding(run(null))).toEqual({
      res85: ['fire_consult_residential'],
      res30storeys: ['fire_consult_residential'],
      office120: ['fire_consult_public'],
      res180: ['fire_consult_residential', 'height_strictly_limited'],
      // population not given: 260 m is over the cap of a city under 3 million but not of a larger one, so strictly limited, not over the cap
      office260: ['fire_consult_public', 'height_strictly_limited'],
      tower520: ['height_over_cap'],
      school8: ['seismic_isolation_missing'],
      hospital9unknown: ['seismic_isolation_missing'],
      prefab: ['prefab_multi_household'],
      rental: ['group_rental'],
      cUse: ['cd_still_in_use'],
      dStop: ['remediation_overdue'],
    });
  });
  it('a city-wide seismic intensity fills the profiles that give none', () => {
    const reg = withCityIntensity(registerFrom([P('s', {}), P('t', { seismic_intensity: 7 })], [], ['s', 't']), 8);
    expect([...reg.seismic]).toEqual([8, 7]);
    const f = computeFlags(reg, loadPolicy(), parseDate(AS_OF)!);
    expect(Array.from(f.building.subarray(0, f.count), (b) => reg.ids[b])).toEqual(['s']);
  });
  it('the height classes follow the city population (≥ 3 million: limit 250 m, cap 500 m)', () => {
    const m = byBuilding(run(5_000_000));
    expect(m.res180).toEqual(['fire_consult_residential']);
    expect(m.office260).toEqual(['fire_consult_public', 'height_strictly_limited']);
    expect(m.tower520).toEqual(['height_over_cap']);
    const small = byBuilding(run(2_000_000));
    expect(small.res180).toEqual(['fire_consult_residential', 'height_strictly_limited']);
    expect(small.office260).toEqual(['fire_consult_public', 'height_over_cap']);
  });
  it('without the population, the text says which limits could apply instead of assuming a small city', () => {
    const r = run(null).find((x) => x.building_id === 'office260' && x.rule === 'height_strictly_limited')!;
    expect(r.detail).toMatch(/^260 m > 150 m, strictly limited \(city population not given \(--population N\): the limits of a city under 3 million \(150 \/ 250 m\) or of a larger one \(250 \/ 500 m\) apply\)/);
    expect(r.detail_zh).toMatch(/未给出城市人口（--population N）/);
  });
  it('every flag names its source and says what it found', () => {
    const rows = run(null);
    for (const r of rows) expect(r.source.length, r.rule).toBeGreaterThan(20);
    expect(rows.find((r) => r.building_id === 'res30storeys')!.detail).toBe('residential building 90 m (estimated: 30 storeys × 3 m) > 80 m: consult the fire and rescue service');
    expect(rows.find((r) => r.building_id === 'dStop')!.detail).toBe('remediation deadline 2025-06-01 passed 365 days ago without remediation');
    expect(rows.find((r) => r.building_id === 'cUse')!.detail).toBe('grade C (2025-03-01) not remediated, measure observe: still in use');
    expect(rows.find((r) => r.building_id === 'hospital9unknown')!.detail).toMatch(/intensity 9 ≥ 8 with no isolation or damping recorded/);
  });
});

describe('risk score', () => {
  const reg = registerFrom([
    P('worst', { year_built: 1976, design_life_years: 50, structure: 'prefab_slab', height_m: 18, use: 'residential', group_rental: true, seismic_intensity: 8, isolation: 0, households: 24 }),
    P('new', { year_built: 2020, structure: 'shear_wall', height_m: 60, use: 'residential', seismic_intensity: 7, isolation: 1 }),
    P('unknown'),
  ], [I('r1', 'worst', '2025-03-01', { grade: 'D', hazards: ['structure', 'gas'], measure: 'use', deadline: '2025-12-31' }), I('r2', 'new', '2024-05-05', { grade: 'A' })]);
  const c = compileRules(loadRules('nantong'));
  const d = computeDue(reg, c, parseDate(AS_OF)!);
  it('every factor with value, weight and points; the score is their sum', () => {
    const cfg = loadRiskConfig();
    const row = riskRow(reg, d, cfg, 0);
    expect(row.factors).toEqual([
      { factor: 'age_vs_design_life', value: 1, weight: 20, points: 20 },
      { factor: 'structure', value: 'prefab_slab', weight: 10, points: 10 },
      { factor: 'last_grade', value: 'D', weight: 20, points: 20 },
      { factor: 'overdue_checkup', value: 152, weight: 10, points: 2.08 },
      { factor: 'seismic_intensity', value: 8, weight: 10, points: 7, basis: 'from the profile', basis_zh: '依据：房屋档案' },
      { factor: 'height', value: 18, weight: 5, points: 0.9 },
      { factor: 'crowding_use', value: 'group_rental', weight: 10, points: 10 },
      { factor: 'open_hazards', value: 'structure;gas', weight: 15, points: 7.5 },
    ]);
    expect(row.score).toBe(77.48);
    const score = computeRisk(reg, d, cfg);
    expect(score[0]).toBeCloseTo(77.48, 2);
    // new: age 6/50 → 0.12 × 20 = 2.4; shear wall 2; grade A 0; not due; intensity 7 × 0.5 isolation = 0.2 × 10 = 2; 60/100 × 5 = 3; residential 4; no hazards
    expect(score[1]).toBeCloseTo(2.4 + 2 + 0 + 0 + 2 + 3 + 4 + 0, 4);
    // unknown: age 10, structure 5, never inspected 10, seismic unknown 2, crowding 3
    expect(score[2]).toBeCloseTo(10 + 5 + 10 + 0 + 2 + 0 + 3 + 0, 4);
    expect([...topN(score, 2)]).toEqual([0, 2]);
  });
  it('weights are configurable', () => {
    const cfg = loadRiskConfig({ last_grade: 0, height: 50 });
    expect(riskRow(reg, d, cfg, 0).score).toBe(65.58) // 77.48 − 20 (grade) − 0.9 + 9 (height 0.18 × 50);
    expect(() => loadRiskConfig({ colour: 3 } as never)).toThrow(/unknown risk factor "colour"/);
  });
});

describe('as of a day: inspections and remediations dated after it are not yet made', () => {
  // QA's case: built 1960, residential, 16 households; its only inspection I-2 of 2020-03-15 found grade C (deadline 2021-03-15)
  const profiles = [
    P('old', { year_built: 1960, use: 'residential', households: 16 }),
    P('fixedLater', { year_built: 1960, use: 'residential', households: 4 }),
  ];
  const inspections = [
    I('I-2', 'old', '2020-03-15', { grade: 'C', hazards: ['structure'], measure: 'observe', deadline: '2021-03-15' }),
    // a D of 2018 remediated on 2020-01-20
    I('F-1', 'fixedLater', '2018-01-10', { grade: 'D', hazards: ['gas'], measure: 'use', deadline: '2018-06-30', remediated_on: '2020-01-20' }),
  ];
  const flagsOn = (asOf: string) => {
    const reg = registerFrom(profiles, inspections);
    const policy = loadPolicy();
    const f = computeFlags(reg, policy, parseDate(asOf)!);
    return Array.from({ length: f.count }, (_, k) => flagRow(reg, policy, f, k)).map((r) => `${r.building_id}:${r.rule}:${r.detail}`);
  };
  const riskOn = (asOf: string, id: string) => {
    const reg = registerFrom(profiles, inspections);
    const d = computeDue(reg, compileRules(loadRules('nantong')), parseDate(asOf)!);
    const row = riskRow(reg, d, loadRiskConfig(), reg.ids.indexOf(id));
    return Object.fromEntries(row.factors.filter((f) => ['last_grade', 'overdue_checkup', 'open_hazards'].includes(f.factor)).map((f) => [f.factor, f.value]));
  };
  it('due: before the inspection the building is as if never inspected (under nantong.housing_25y due 1985-01-01)', () => {
    expect(due('nantong', profiles, inspections, '2019-01-01').get('old')).toEqual({ building_id: 'old', rule: 'nantong.housing_25y', last_inspection: null, next_due: '1985-01-01', overdue_days: 12418 });
    // on the day of the inspection it counts
    expect(due('nantong', profiles, inspections, '2020-03-15').get('old')).toEqual({ building_id: 'old', rule: 'follow_up_deadline', last_inspection: '2020-03-15', next_due: '2021-03-15', overdue_days: 0 });
  });
  it('due: a remediation dated after the day is not yet done (the D\'s deadline governs until then)', () => {
    expect(due('nantong', profiles, inspections, '2019-01-01').get('fixedLater')).toEqual({ building_id: 'fixedLater', rule: 'follow_up_deadline', last_inspection: '2018-01-10', next_due: '2018-06-30', overdue_days: 185 });
    expect(due('nantong', profiles, inspections, '2020-01-20').get('fixedLater')).toEqual({ building_id: 'fixedLater', rule: 'nantong.housing_25y', last_inspection: '2018-01-10', next_due: '2028-01-10', overdue_days: 0 });
  });
  it('checks: a C dated after the day is not flagged; a later remediation does not clear a flag before it', () => {
    expect(flagsOn('2019-01-01')).toEqual([
      'fixedLater:cd_still_in_use:grade D (2018-01-10) not remediated, measure use: still in use',
      'fixedLater:remediation_overdue:remediation deadline 2018-06-30 passed 185 days ago without remediation',
    ]);
    // 2020-03-01: the D was remediated on 2020-01-20; the C not yet found (2020-03-15)
    expect(flagsOn('2020-03-01')).toEqual([]);
    expect(flagsOn('2020-06-01')).toEqual(['old:cd_still_in_use:grade C (2020-03-15) not remediated, measure observe: still in use']);
    expect(flagsOn('2021-06-01')).toEqual([
      'old:cd_still_in_use:grade C (2020-03-15) not remediated, measure observe: still in use',
      'old:remediation_overdue:remediation deadline 2021-03-15 passed 78 days ago without remediation',
    ]);
  });
  it('risk: last grade, open hazards and overdue as of the day', () => {
    expect(riskOn('2019-01-01', 'old')).toEqual({ last_grade: null, overdue_checkup: 12418, open_hazards: null });
    expect(riskOn('2020-06-01', 'old')).toEqual({ last_grade: 'C', overdue_checkup: 0, open_hazards: 'structure' });
    expect(riskOn('2019-01-01', 'fixedLater')).toEqual({ last_grade: 'D', overdue_checkup: 185, open_hazards: 'gas' });
    expect(riskOn('2020-06-01', 'fixedLater')).toEqual({ last_grade: 'D', overdue_checkup: 0, open_hazards: null });
  });
});

describe('a later phase with a shorter cycle counts from the last inspection', () => {
  // Changsha public buildings: every 5 years from age 25 (1985-01-01), every 2 past a design life of 40 (2000-01-01)
  const at = (date: string | null, asOf = '2000-06-01') =>
    due('changsha', [P('pub', { year_built: 1960, use: 'public_crowded', design_life_years: 40 })], date ? [I('p1', 'pub', date)] : [], asOf).get('pub')!;
  it('inspected in the 5-year phase: due 2 years after it once past design life (1999-06-01 → 2001-06-01, not 2004-06-01)', () => {
    expect(at('1999-06-01')).toEqual({ building_id: 'pub', rule: 'changsha.public_25y', last_inspection: '1999-06-01', next_due: '2001-06-01', overdue_days: 0 });
  });
  it('more than 2 years before the shorter phase begins: due on its start', () => {
    expect(at('1996-03-01')).toEqual({ building_id: 'pub', rule: 'changsha.public_25y', last_inspection: '1996-03-01', next_due: '2000-01-01', overdue_days: 152 });
  });
  it('early in the 5-year phase: still its own cycle when that ends first', () => {
    expect(at('1986-02-01', '1990-01-01')).toMatchObject({ next_due: '1991-02-01', overdue_days: 0 });
  });
  it('inside the 2-year phase, and never inspected', () => {
    expect(at('2003-05-05', '2004-01-01')).toMatchObject({ next_due: '2005-05-05' });
    expect(at(null)).toMatchObject({ last_inspection: null, next_due: '1985-01-01' });
  });
  it('a later phase with a longer cycle: the earlier cycle ends with its phase', () => {
    const set = parseRules({ id: 't', version: '1', name_zh: 't', name_en: 't', source: 'test', rules: [{ id: 't.r', name_zh: 'r', name_en: 'r', phases: [{ from: 'age', years: 0, every: 2 }, { from: 'age', years: 10, every: 10 }] }] });
    const reg = registerFrom([P('a', { year_built: 2000 })], [I('a1', 'a', '2009-06-01')]);
    const c = compileRules(set);
    // every 2 until 2010-01-01 (2011-06-01 falls after it), then every 10: 2019-06-01
    expect(dueRow(reg, c, computeDue(reg, c, parseDate('2010-06-01')!), 0)).toMatchObject({ next_due: '2019-06-01', overdue_days: 0 });
  });
});

describe('height limits govern new buildings (completed after the notice year)', () => {
  // QA: wH1 built 2023 and wH2 built 2010, offices of 300 m, a city of 2 million
  const reg = registerFrom([
    P('wH1', { year_built: 2023, use: 'office', height_m: 300 }),
    P('wH2', { year_built: 2010, use: 'office', height_m: 300 }),
    P('wH3', { use: 'office', height_m: 300 }),
    P('res2021', { year_built: 2021, use: 'residential', height_m: 200 }),
    P('res2022', { year_built: 2022, use: 'residential', height_m: 200 }),
  ], []);
  const policy = loadPolicy({ city_population: 2_000_000 });
  const f = computeFlags(reg, policy, parseDate(AS_OF)!);
  const rows = Array.from({ length: f.count }, (_, k) => flagRow(reg, policy, f, k)).filter((r) => r.rule.startsWith('height'));
  const of = (id: string) => rows.filter((r) => r.building_id === id).map((r) => ({ rule: r.rule, kind: r.kind, detail: r.detail }));
  it('the cut-off is the health check\'s (indicator catalogue high_rise_m.notice_year: 2021)', async () => {
    const { loadCatalogue } = await import('../../src/analysis/indicators/catalogue.js');
    expect(policy.notice_year).toBe(loadCatalogue().parameters.high_rise_m.notice_year);
    expect(policy.notice_year).toBe(2021);
  });
  it('completed after 2021: a violation', () => {
    expect(of('wH1')).toEqual([{ rule: 'height_over_cap', kind: 'flag', detail: '300 m > 250 m, not permitted for new buildings (city population 2,000,000); completed 2023, after the 2021 notice' }]);
    expect(of('res2022')).toEqual([{ rule: 'height_strictly_limited', kind: 'flag', detail: '200 m > 150 m, strictly limited (city population 2,000,000); completed 2022, after the 2021 notice' }]);
  });
  it('completed by 2021: information, not a violation', () => {
    expect(of('wH2')).toEqual([{ rule: 'height_above_limit_existing', kind: 'information', detail: '300 m above the 250 m cap for new buildings (city population 2,000,000); completed 2010, by the 2021 notice, which governs new buildings: information, not a violation' }]);
    expect(of('res2021')).toEqual([{ rule: 'height_above_limit_existing', kind: 'information', detail: '200 m above the 150 m strict limit for new buildings (city population 2,000,000); completed 2021, by the 2021 notice, which governs new buildings: information, not a violation' }]);
  });
  it('year unknown: says it cannot tell', () => {
    expect(of('wH3')).toEqual([{ rule: 'height_above_limit_year_unknown', kind: 'information', detail: '300 m above the 250 m cap for new buildings (city population 2,000,000); year built unknown: cannot tell whether the 2021 notice applies (it governs buildings completed after 2021); record year_built' }]);
    expect(rows.find((r) => r.building_id === 'wH3')!.detail_zh).toBe('高度 300 m，超过新建建筑 250 米上限；建成年份未知，无法判断是否适用 2021 年通知（适用于其后建成的建筑）：请补录建成年份');
  });
  it('every rule has its source', () => {
    for (const r of rows) expect(r.source.length, r.rule).toBeGreaterThan(20);
  });
});

describe('risk: the seismic factor', () => {
  it('is a number with its basis, and says why when unknown', () => {
    const reg = registerFrom([P('iso', { seismic_intensity: 7, isolation: true }), P('none')], []);
    const d = computeDue(reg, compileRules(loadRules('nantong')), parseDate(AS_OF)!);
    const seismic = (b: number) => riskRow(reg, d, loadRiskConfig(), b).factors.find((x) => x.factor === 'seismic_intensity')!;
    expect(seismic(0)).toMatchObject({ value: 7, basis: 'from the profile; isolated or damped (× 0.5)', basis_zh: '依据：房屋档案；已采用隔震减震（× 0.5）' });
    expect(seismic(1)).toMatchObject({ value: null, basis: 'unknown: no intensity in the profile, no GB 18306 zone covers the building, no city-wide --intensity' });
  });
});

describe('the fire-service consultation and the isolation duty govern new buildings too (completed after 2021)', () => {
  const reg = registerFrom([
    P('res90new', { year_built: 2022, use: 'residential', height_m: 90 }),
    P('res90old', { year_built: 1998, use: 'residential', height_m: 90 }),
    P('office110', { use: 'office', height_m: 110 }),
    P('schoolNew', { year_built: 2023, seismic_intensity: 8, isolation: 0 }),
    P('schoolOld', { year_built: 1985, seismic_intensity: 8, isolation: 0 }),
    P('schoolUnknown', { seismic_intensity: 9 }),
  ], [], ['schoolNew', 'schoolOld', 'schoolUnknown']);
  const policy = loadPolicy({ city_population: 2_000_000 });
  const f = computeFlags(reg, policy, parseDate(AS_OF)!);
  const rows = Array.from({ length: f.count }, (_, k) => flagRow(reg, policy, f, k));
  const of = (id: string) => rows.filter((r) => r.building_id === id).map((r) => ({ rule: r.rule, kind: r.kind, detail: r.detail }));
  it('the consultation heights are the indicator catalogue\'s (one place)', async () => {
    const { loadCatalogue } = await import('../../src/analysis/indicators/catalogue.js');
    const h = loadCatalogue().parameters.high_rise_m;
    expect([policy.fire_consult_residential_m, policy.fire_consult_public_m, policy.small_city.limit_m, policy.small_city.cap_m, policy.large_city.limit_m, policy.large_city.cap_m, policy.large_city_population])
      .toEqual([h.residential, h.public, h.limit_small_city, h.cap_small_city, h.limit_large_city, h.cap_large_city, h.large_city_population]);
  });
  it('completed after 2021: the rule applies', () => {
    expect(of('res90new')).toEqual([{ rule: 'fire_consult_residential', kind: 'flag', detail: 'residential building 90 m > 80 m: consult the fire and rescue service' }]);
    expect(of('schoolNew')).toEqual([{ rule: 'seismic_isolation_missing', kind: 'flag', detail: 'critical building type in a zone of intensity 8 ≥ 8 with no isolation or damping; intensity from the profile' }]);
  });
  it('completed by 2021: information, not a violation', () => {
    expect(of('res90old')).toEqual([{ rule: 'fire_consult_existing', kind: 'information', detail: 'residential building 90 m > 80 m; completed 1998, by the 2021 notice, whose fire-service consultation governs new buildings: information, not a violation' }]);
    expect(of('schoolOld')).toEqual([{ rule: 'seismic_isolation_existing', kind: 'information', detail: 'critical building type in a zone of intensity 8 ≥ 8 with no isolation or damping; intensity from the profile; completed 1985, by the 2021 regulation, whose isolation duty governs new construction: information (an existing building is appraised under GB 50023)' }]);
    expect(rows.find((r) => r.building_id === 'schoolOld')!.detail_zh).toBe('高烈度区（8 度，依据：房屋档案）重点建筑未采用隔震减震；1985 年建成，早于 2021 年《建设工程抗震管理条例》（隔震减震要求适用于新建建筑）：仅供参考，既有建筑按 GB 50023 进行抗震鉴定');
  });
  it('year unknown: says it cannot tell', () => {
    expect(of('office110')).toEqual([{ rule: 'fire_consult_year_unknown', kind: 'information', detail: "public building 110 m > 100 m; year built unknown: cannot tell whether the 2021 notice's fire-service consultation applies (it governs buildings completed after 2021); record year_built" }]);
    expect(of('schoolUnknown').map((r) => [r.rule, r.kind])).toEqual([['seismic_isolation_year_unknown', 'information']]);
  });
  it('every rule has its source', () => {
    for (const r of rows) expect(r.source.length, r.rule).toBeGreaterThan(20);
  });
});
