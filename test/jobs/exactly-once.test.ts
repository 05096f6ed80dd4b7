import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/driver.js';
import { DRIVERS, dataFile } from '../helpers/stores.js';
import { attemptJob } from '../../src/jobs/execute.js';
import { claimJob, createJob, getJobRow } from '../../src/jobs/rows.js';
import { getJob } from '../../src/jobs/registry.js';
import { parseParams, type JobContext } from '../../src/jobs/contract.js';
import { importRegisterFiles } from '../../src/domains/safety/store.js';
import { parseRegisterText } from '../../src/domains/safety/csv.js';

/**
 * A job's work commits in its own transaction and its success mark is written after it, on the
 * attempt's lock connection. When that connection dies between the two (the state made here: the
 * work committed by attempt 1, the job still `running` with one attempt), pg-boss retries the job:
 * the retry must find the work done and not do it again (issue 14 §5: every job exactly once).
 */
const pgDriver = DRIVERS.find((d) => d.name === 'postgres')!;

describe('a retry of a job whose work committed does not do it again (PostgreSQL)', () => {
  let store: Store;
  beforeAll(async () => {
    store = await openStore(await pgDriver.fresh());
  }, 120_000);
  afterAll(async () => { await store?.close(); });

  /** attempt 1: claimed, its work run and committed, then its connection lost before the success mark */
  async function firstAttemptLost(kind: string, params: unknown, doWork = true): Promise<number> {
    const job = getJob(kind);
    const jobId = await createJob(store, { kind, params, actor: 'test', runner: 'pg-boss', maxAttempts: 3 });
    expect((await claimJob(store, jobId, 'worker-1'))!.attempts).toBe(1);
    if (doWork) {
      const ctx: JobContext = { store, actor: 'test', jobId, progress() {}, signal: new AbortController().signal, log() {} };
      await job.run(ctx, parseParams(job, params));
    }
    return jobId;
  }
  const count = async (sql: string, params: unknown[]) => Number((await store.query<{ n: number }>(sql, params))[0].n);

  it('import: the change set the first attempt sealed is found; no second one', async () => {
    const file = dataFile('beijing-bupt.osm.pbf');
    const jobId = await firstAttemptLost('import', { files: [file], city: 'once' });
    const sets = await store.query<{ changeset_id: number }>('SELECT changeset_id FROM changesets WHERE job_id = $1', [jobId]);
    expect(sets.length).toBe(1);
    const r = await attemptJob(store, jobId, { worker: 'worker-2' });
    expect(r).toMatchObject({ status: 'succeeded', attempts: 2, result: { committed_by_attempt_before: 1, changesets: [Number(sets[0].changeset_id)], runs: [] } });
    expect(await count('SELECT count(*)::int AS n FROM changesets WHERE city_id = $1', ['once'])).toBe(1);
    expect((await getJobRow(store, jobId))).toMatchObject({ status: 'succeeded', worker: 'worker-2' });
  }, 120_000);

  it('access: the run the first attempt committed is found; no second run', async () => {
    const jobId = await firstAttemptLost('access', { city: 'once' });
    const runs = await store.query<{ run_id: number }>(`SELECT run_id FROM runs WHERE job_id = $1 AND status = 'succeeded'`, [String(jobId)]);
    expect(runs.length).toBe(1);
    const r = await attemptJob(store, jobId, { worker: 'worker-2' });
    expect(r).toMatchObject({ status: 'succeeded', result: { committed_by_attempt_before: 1, runs: [Number(runs[0].run_id)], changesets: [] } });
    expect(await count(`SELECT count(*)::int AS n FROM runs WHERE city_id = $1 AND kind = 'access'`, ['once'])).toBe(1);
  }, 120_000);

  it('a first attempt lost before its work committed: the retry does the work, once', async () => {
    const jobId = await firstAttemptLost('access', { city: 'once' }, false);
    const r = await attemptJob(store, jobId, { worker: 'worker-2' });
    expect(r.status).toBe('succeeded');
    expect(r.result).not.toHaveProperty('committed_by_attempt_before');
    expect(await count(`SELECT count(*)::int AS n FROM runs WHERE job_id = $1 AND status = 'succeeded'`, [String(jobId)])).toBe(1);
    expect(await count(`SELECT count(*)::int AS n FROM runs WHERE city_id = $1 AND kind = 'access'`, ['once'])).toBe(2);
  }, 120_000);

  it('safety.due over two cities resumes: the city its first attempt recorded is not recorded again', async () => {
    const head = 'building_id,year_built,design_life_years,structure,storeys,height_m,use,households,group_rental,seismic_intensity,isolation,owner,insured,fund';
    for (const c of ['due-a', 'due-b']) {
      await importRegisterFiles(store, c, [parseRegisterText('profiles.csv', [head, 'b1,1990,50,frame,6,18,residential,24,0,7,0,,,', 'b2,1960,50,brick_concrete,5,15,residential,30,0,7,0,,,'].join('\n'))], { actor: 'test' });
    }
    // attempt 1 recorded due-a, then its worker died
    const { recordDue } = await import('../../src/domains/safety/jobs.js');
    const { parseDate } = await import('../../src/domains/safety/model.js');
    const jobId = await firstAttemptLost('safety.due', { asOf: '2026-06-01' }, false);
    const first = await recordDue(store, 'due-a', { asOf: parseDate('2026-06-01')!, actor: 'test', jobId: String(jobId) });
    const r = await attemptJob(store, jobId, { worker: 'worker-2' });
    expect(r.status).toBe('succeeded');
    const out = r.result as { city: string; run_id: number; overdue: number }[];
    expect(out.map((x) => x.city)).toEqual(['due-a', 'due-b']);
    expect(out[0]).toMatchObject({ run_id: first.run_id, overdue: first.overdue });
    for (const c of ['due-a', 'due-b']) {
      expect(await count(`SELECT count(*)::int AS n FROM runs WHERE city_id = $1 AND kind = 'safety.due' AND job_id = $2`, [c, String(jobId)])).toBe(1);
    }
  }, 120_000);
});
