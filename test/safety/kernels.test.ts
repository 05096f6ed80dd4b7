import { describe, expect, it } from 'vitest';
import { computeDue, dueRow, FOLLOW_UP_RULE } from '../../src/domains/safety/due.js';
import { computeFlags, flagRow, loadPolicy } from '../../src/domains/safety/checks.js';
import { computeRisk, loadRiskConfig, riskRow, topN } from '../../src/domains/safety/risk.js';
import { addYears, formatDate, parseDate, type Inspection, type Profile } from '../../src/domains/safety/model.js';
import { latestInspections, registerFrom, withCityIntensity } from '../../src/domains/safety/register.js';
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
    P('res85', { use: 'residential', height_m: 85 }),
    P('res30storeys', { use: 'residential', storeys: 30 }),
    P('office120', { use: 'office', height_m: 120 }),
    P('res180', { use: 'residential', height_m: 180 }),
    P('office260', { use: 'office', height_m: 260 }),
    P('tower520', { use: 'other', height_m: 520 }),
    P('school8', { seismic_intensity: 8, isolation: 0 }),
    P('school8iso', { seismic_intensity: 8, isolation: 1 }),
    P('school7', { seismic_intensity: 7, isolation: 0 }),
    P('hospital9unknown', { seismic_intensity: 9 }),
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
    const asOf = parseDate(AS_OF)!;
    const last = latestInspections(reg);
    const f = computeFlags(reg, policy, asOf, last);
    return Array.from({ length: f.count }, (_, k) => flagRow(reg, policy, f, k, asOf, last));
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
      office260: ['fire_consult_public', 'height_over_cap'],
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
      { factor: 'seismic_intensity', value: '8', weight: 10, points: 7, basis: 'from the profile' },
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
