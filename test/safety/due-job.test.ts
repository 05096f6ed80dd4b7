/**
 * The daily `safety.due` job through the in-process runner: the overdue list as of the day is
 * recorded as a run, and read back (latestDue, GET /api/v1/safety/overdue) without recomputing.
 */
import { describe, expect, it } from 'vitest';
import { importRegisterFiles } from '../../src/domains/safety/store.js';
import { parseRegisterText } from '../../src/domains/safety/csv.js';
import { latestDue } from '../../src/domains/safety/jobs.js';
import { runNow } from '../../src/jobs/in-process.js';
import { getJob } from '../../src/jobs/registry.js';
import { listRuns } from '../../src/store/runs.js';
import { openStore } from '../../src/store/driver.js';
import { DRIVERS } from '../helpers/stores.js';

const PH = 'building_id,year_built,design_life_years,structure,storeys,height_m,use,households,group_rental,seismic_intensity,isolation,owner,insured,fund';
const IH = 'inspection_id,building_id,date,organisation,inspector,method,grade,hazards,measure,deadline,remediated_on,verified_by';
/** days between two ISO dates by the JS Date (an independent calendar) */
const between = (a: string, b: string) => (Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000;

it('is a daily scheduled job whose parameters default', () => {
  const j = getJob('safety.due');
  expect(j.schedule).toBe('30 0 * * *');
  // no rules given: each city's stored rules, else the default preset
  expect(j.params.parse({})).toEqual({});
  expect(() => j.params.parse({ asOf: '2026-02-30' })).toThrow(/not a calendar date/);
});

it('takes a preset or a rules JSON object; a file path or a bad object is refused naming the field', async () => {
  const { parseParams } = await import('../../src/jobs/contract.js');
  const j = getJob('safety.due');
  expect(parseParams(j, { rules: 'changsha' })).toEqual({ rules: 'changsha' });
  const mine = { id: 'mycity', version: '1', name_zh: '某市', name_en: 'My city', source: 's', rules: [{ id: 'm.r', name_zh: 'r', name_en: 'r', when: { use: ['residential'] }, phases: [{ from: 'age', years: 30, every: 10 }] }] };
  expect((parseParams(j, { rules: mine }) as { rules: { id: string; default_design_life_years: number } }).rules).toMatchObject({ id: 'mycity', default_design_life_years: 50 });
  expect(() => parseParams(j, { rules: '/path/city.json' })).toThrow(/params\.rules: "\/path\/city\.json" 不是预设规则.*store a city's own rules with `opencim safety rules set FILE`/);
  expect(() => parseParams(j, { rules: { ...mine, rules: [{ ...mine.rules[0], phases: [{ from: 'age', every: 0 }] }] } })).toThrow(/params\.rules\.rules\.0\.phases\.0\.every: /);
});

describe.each(DRIVERS)('safety.due job ($name)', (driver) => {
  it('records the overdue list as of the day as a run; the latest run is what is read', async () => {
    const store = await openStore(await driver.fresh());
    try {
      await importRegisterFiles(store, 'c', [
        parseRegisterText('profiles.csv', [PH,
          'never25,1990,50,brick_concrete,6,,residential,20,0,,0,,,', // Nantong housing: first due on 1 January of its 25th year
          'openC,1970,50,,,,residential,,,,,,,', // grade C past its follow-up deadline
          'young,2010,50,,,,residential,,,,,,,', // not yet under a rule
        ].join('\n')),
        parseRegisterText('inspections.csv', [IH, 'i4,openC,2025-01-10,,,,C,structure,use,2025-12-31,,'].join('\n')),
      ], { actor: 'test' });
      // no register: no run for that city
      await store.query(`INSERT INTO cities (city_id) VALUES ('empty')`);

      const job = await runNow(store, 'safety.due', { asOf: '2026-06-01' }, 'tester');
      expect(job.status).toBe('succeeded');
      const runs = await listRuns(store, { kind: 'safety.due' });
      expect(runs.map((r) => [r.city_id, r.status, r.actor, r.summary])).toEqual([
        ['c', 'succeeded', 'tester', { as_of: '2026-06-01', rules: 'nantong', rules_version: '2025-1', rules_from: 'default', buildings: 3, overdue: 2 }]]);
      const first = (await latestDue(store, 'c'))!;
      expect(first.run.run_id).toBe(runs[0].run_id);
      expect(first.rows).toEqual([
        { building_id: 'never25', rule: 'nantong.housing_25y', last_inspection: null, next_due: '2015-01-01', overdue_days: between('2015-01-01', '2026-06-01') },
        { building_id: 'openC', rule: 'follow_up_deadline', last_inspection: '2025-01-10', next_due: '2025-12-31', overdue_days: between('2025-12-31', '2026-06-01') },
      ]);
      expect(first.rows[0].overdue_days).toBe(4169);

      // the next day's run is the one read; the earlier run's rows are kept
      await runNow(store, 'safety.due', { asOf: '2026-06-02', cityId: 'c' }, 'schedule', { scheduled: true });
      const second = (await latestDue(store, 'c'))!;
      expect(second.run.run_id).toBeGreaterThan(first.run.run_id);
      expect(second.rows.map((r) => r.overdue_days)).toEqual([4170, 153]);
      expect(Number((await store.query<{ n: number }>('SELECT count(*)::int AS n FROM safety_due_results'))[0].n)).toBe(4);
      expect(await latestDue(store, 'empty')).toBeNull();

      // bad parameters: refused before anything is written, the field named
      await expect(runNow(store, 'safety.due', { rules: 'atlantis' }, 'tester')).rejects.toThrow(/params\.rules/);
    } finally { await store.close(); }
  }, 300_000);

  it('counts each city by its own stored rules: the scheduled job, the API and the recorded list', async () => {
    const store = await openStore(await driver.fresh());
    try {
      const profiles = parseRegisterText('profiles.csv', [PH,
        'pub,1960,40,frame,4,,public_crowded,0,0,,0,,,', // Changsha: public, every 2 past design life (2000); Nantong: crowded, every 5 from 1985
        'shop,2015,50,frame,2,,commercial_self_built,0,0,,0,,,', // Changsha only: commercial self-built, every 5 from completion
      ].join('\n'));
      const insp = parseRegisterText('inspections.csv', [IH, 'p1,pub,2023-05-10,,,,A,,,,,'].join('\n'));
      await importRegisterFiles(store, 'cs', [profiles, insp], { actor: 'test' });
      await importRegisterFiles(store, 'nt', [profiles, insp], { actor: 'test' });
      const { setCityRules } = await import('../../src/domains/safety/city-rules.js');
      expect(await setCityRules(store, 'cs', 'changsha', { actor: 'cs-official' })).toMatchObject({ changed: true, set: { id: 'changsha' } });
      // the scheduled run: empty parameters
      expect((await runNow(store, 'safety.due', {}, 'schedule', { scheduled: true })).status).toBe('succeeded');
      const byCity = Object.fromEntries((await listRuns(store, { kind: 'safety.due' })).map((r) => [r.city_id, r.summary]));
      expect(byCity.cs).toMatchObject({ rules: 'changsha', rules_version: '2025-1', rules_from: 'city', overdue: 2 });
      expect(byCity.nt).toMatchObject({ rules: 'nantong', rules_from: 'default', overdue: 0 });
      // Changsha, as of today: pub due 2025-05-10 (every 2 past design life), shop due 2015-01-01 (every 5 from completion, never inspected)
      expect((await latestDue(store, 'cs'))!.rows.map((r) => [r.building_id, r.rule, r.next_due])).toEqual([
        ['shop', 'changsha.commercial_self_built', '2015-01-01'], ['pub', 'changsha.public_25y', '2025-05-10']]);
      // a rules object in the parameters wins over the city's
      const mine = { id: 'mycity', version: '7', name_zh: '某市', name_en: 'My city', source: 's', rules: [{ id: 'm.shop', name_zh: 'r', name_en: 'r', when: { use: ['commercial_self_built'] }, phases: [{ from: 'age', years: 20, every: 5 }] }] };
      await runNow(store, 'safety.due', { cityId: 'cs', rules: mine, asOf: '2026-06-01' }, 'tester');
      expect((await latestDue(store, 'cs'))!.run.summary).toMatchObject({ rules: 'mycity', rules_version: '7', rules_from: 'given', overdue: 0 });

      const { buildServer } = await import('../../src/server/app.js');
      const s = await buildServer(store, { tokens: [], versionTtlMs: 0 });
      try {
        const get = async (url: string) => { const r = await s.app.inject({ url }); expect(r.statusCode, url).toBe(200); return r.json(); };
        expect((await get('/api/v1/safety/overdue?city=cs')).run).toMatchObject({ rules: 'mycity', rules_from: 'given' });
        await runNow(store, 'safety.due', { cityId: 'cs', asOf: '2026-06-01' }, 'tester');
        expect((await get('/api/v1/safety/overdue?city=cs')).run).toMatchObject({ as_of: '2026-06-01', rules: 'changsha', rules_version: '2025-1', rules_from: 'city' });
        const due = await get('/api/v1/safety/due?city=cs&as_of=2026-06-01');
        expect(due.rules).toMatchObject({ id: 'changsha', from: 'city' });
        expect(due.due.map((r: { building_id: string; next_due: string }) => [r.building_id, r.next_due])).toEqual([['shop', '2015-01-01'], ['pub', '2025-05-10']]);
        expect((await get('/api/v1/safety/due?city=cs&as_of=2026-06-01&rules=nantong')).rules).toMatchObject({ id: 'nantong', from: 'given' });
        expect((await get('/api/v1/safety/due?city=nt&as_of=2026-06-01')).rules).toMatchObject({ id: 'nantong', from: 'default' });
        const rules = await get('/api/v1/safety/rules?city=cs');
        expect(rules).toMatchObject({ city: 'cs', from: 'city', setting: { actor: 'cs-official', given: 'changsha' }, rules: { id: 'changsha' } });
        expect(rules.history).toHaveLength(1);
        // a new setting is seen at once
        await setCityRules(store, 'cs', 'nantong', { actor: 'cs-official' });
        expect((await get('/api/v1/safety/due?city=cs&as_of=2026-06-01')).rules).toMatchObject({ id: 'nantong', from: 'city' });
        expect((await get('/api/v1/safety/risk?city=cs&as_of=2026-06-01&top=1')).rules).toMatchObject({ id: 'nantong', from: 'city' });
      } finally { await s.app.close(); }
    } finally { await store.close(); }
  }, 300_000);
});
