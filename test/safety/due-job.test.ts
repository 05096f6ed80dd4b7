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
  expect(j.params.parse({})).toEqual({ rules: 'nantong' });
  expect(() => j.params.parse({ asOf: '2026-02-30' })).toThrow(/not a calendar date/);
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
        ['c', 'succeeded', 'tester', { as_of: '2026-06-01', rules: 'nantong', rules_version: expect.any(String), buildings: 3, overdue: 2 }]]);
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
});
