import { spawn, type ChildProcess } from 'node:child_process';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/driver.js';
import { JobParamsError } from '../../src/jobs/contract.js';
import { JOBS } from '../../src/jobs/registry.js';
import { attemptJob } from '../../src/jobs/execute.js';
import { runNow, startScheduler } from '../../src/jobs/in-process.js';
import { createJob, getJobRow, listJobs, type JobRow } from '../../src/jobs/rows.js';
import { BIN, runCli } from '../helpers/cli.js';
import { dataFile, DRIVERS } from '../helpers/stores.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const [PGLITE, POSTGRES] = DRIVERS;
/** short polling and housekeeping, so that an expired job is seen within seconds */
const WORKER_ENV = { OPENCIM_JOBS_POLL_S: '0.5', OPENCIM_JOBS_MAINTENANCE_S: '1' };

describe('in-process runner on PGlite', () => {
  let db: string;
  let store: Store;
  beforeAll(async () => { db = await PGLITE.fresh(); store = await openStore(db); });
  afterAll(async () => { await store?.close(); });

  it('runs a job now and records it: status, attempts, times, actor, result', async () => {
    const seen: number[] = [];
    const row = await runNow(store, 'noop.sleep', { ms: 200, steps: 4 }, 'tester', { onProgress: (f) => seen.push(f) });
    expect(row).toMatchObject({ kind: 'noop.sleep', status: 'succeeded', runner: 'in-process', actor: 'tester', attempts: 1, result: { slept_ms: 200 }, error: null });
    expect(seen).toEqual([0.25, 0.5, 0.75, 1]);
    expect(Date.parse(row.finished_at!) - Date.parse(row.started_at!)).toBeGreaterThanOrEqual(190);
    const analyze = await runNow(store, 'store.analyze', { table: 'jobs' }, 'tester');
    expect(analyze.status).toBe('succeeded');
  });

  it('a job that fails is marked failed with its error; bad parameters throw before anything is written', async () => {
    const failed = await runNow(store, 'store.analyze', { table: 'no_such_table' }, 'tester');
    expect(failed).toMatchObject({ status: 'failed', attempts: 1 });
    expect(failed.error).toContain('no table "no_such_table"');
    expect(failed.finished_at).not.toBeNull();
    const before = (await listJobs(store)).length;
    await expect(runNow(store, 'noop.sleep', { ms: -5 }, 'tester')).rejects.toThrow(JobParamsError);
    await expect(runNow(store, 'noop.sleep', { ms: 10, extra: 1 }, 'tester')).rejects.toThrow(/params: Unrecognized key.*extra/);
    await expect(runNow(store, 'noop.sleep', {}, 'tester')).rejects.toThrow(/params\.ms/);
    await expect(runNow(store, 'no.such', {}, 'tester')).rejects.toThrow(/no job kind "no.such".*store\.analyze/);
    expect((await listJobs(store)).length).toBe(before);
  });

  it('scheduled jobs run when due, once per cron time, as actor schedule', async () => {
    const s = startScheduler(store, { intervalMs: 25 });
    const scheduled = async () => (await listJobs(store, { kind: 'store.analyze' })).filter((r) => r.scheduled);
    // until the first run is recorded, then fifteen more ticks, which must not run it again
    for (const t0 = Date.now(); !(await scheduled()).some((r) => r.status === 'succeeded') && Date.now() - t0 < 30_000;) await sleep(25);
    await sleep(15 * 25);
    await s.stop();
    const rows = (await listJobs(store, { kind: 'store.analyze' })).filter((r) => r.scheduled);
    expect(rows.length).toBe(1);
    expect(rows[0]).toMatchObject({ actor: 'schedule', status: 'succeeded' });
  });
});

describe('opencim serve on PGlite runs due scheduled jobs', () => {
  it('a scheduled job runs in the server process, recorded as actor schedule', async () => {
    const db = await PGLITE.fresh();
    const port = 20000 + (process.pid % 20000);
    const p = spawn(process.execPath, [BIN, 'serve', '--db', db, '--port', String(port)], { env: { ...process.env, DATABASE_URL: undefined, OPENCIM_SCHEDULER_S: '0.2' } });
    let log = '';
    const done = new Promise<void>((res, rej) => {
      const t = setTimeout(() => rej(new Error(`no scheduled job ran: ${log}`)), 120_000);
      p.stderr!.on('data', (d) => { log += d; if (/scheduled job \d+ store\.analyze: succeeded/.test(log)) { clearTimeout(t); res(); } });
    });
    try {
      await done;
    } finally {
      const exited = new Promise((r) => p.on('exit', r));
      p.kill('SIGTERM');
      await exited;
    }
    const list = await runCli(['jobs', '--db', db, '--json']);
    const jobs = JSON.parse(list.stdout).jobs as JobRow[];
    expect(jobs.filter((j) => j.kind === 'store.analyze').map((j) => [j.kind, j.status, j.actor, j.scheduled])).toEqual([['store.analyze', 'succeeded', 'schedule', true]]);
    expect(jobs.every((j) => j.scheduled && j.status === 'succeeded')).toBe(true);
  }, 300_000);
});

describe('opencim jobs through the CLI (PGlite)', () => {
  it('submit runs now; a bad parameter is a clear error naming the field and exit 2; jobs lists', async () => {
    const db = await PGLITE.fresh();
    const ok = await runCli(['jobs', 'submit', 'noop.sleep', '--params', '{"ms": 50}', '--db', db, '--json', '--actor', 'ana']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ status: 'succeeded', actor: 'ana', result: { slept_ms: 50 } });
    const bad = await runCli(['jobs', 'submit', 'noop.sleep', '--params', '{"ms": "soon"}', '--db', db]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('params.ms');
    expect(bad.stderr).toContain('expected number');
    const notJson = await runCli(['jobs', 'submit', 'noop.sleep', '--params', '{ms: 5}', '--db', db]);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toContain('--params is not JSON');
    const fail = await runCli(['jobs', 'submit', 'store.analyze', '--params', '{"table": "nope"}', '--db', db]);
    expect(fail.code).toBe(1);
    const list = await runCli(['jobs', '--db', db, '--json']);
    expect(list.code, list.stderr).toBe(0);
    const jobs = JSON.parse(list.stdout).jobs as JobRow[];
    expect(jobs.map((j) => [j.kind, j.status])).toEqual([['store.analyze', 'failed'], ['noop.sleep', 'succeeded']]);
    const failedOnly = await runCli(['jobs', '--db', db, '--status', 'failed', '-q']);
    expect(failedOnly.stdout.trim()).toBe(String(jobs[0].job_id));
    const w = await runCli(['worker', '--db', db]);
    expect(w.code).toBe(2);
    expect(w.stderr).toContain('needs a PostgreSQL server');
  }, 300_000);
});

describe('pg-boss runner on PostgreSQL', () => {
  let db: string;
  let store: Store;
  const procs: ChildProcess[] = [];
  beforeAll(async () => { db = await POSTGRES.fresh({ migrated: true }); store = await openStore(db); });
  afterAll(async () => {
    for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
    await store?.close();
  });

  const worker = (extra: string[] = []) => {
    const p = spawn(process.execPath, [BIN, 'worker', '--db', db, ...extra], { env: { ...process.env, DATABASE_URL: undefined, ...WORKER_ENV } });
    let log = '';
    p.stderr!.on('data', (d) => { log += d; });
    procs.push(p);
    return { p, name: `${hostname()}:${p.pid}`, log: () => log, exited: new Promise<number | null>((r) => p.on('exit', (c) => r(c))) };
  };
  const submit = async (kind: string, params: unknown, extra: string[] = []) => {
    const r = await runCli(['jobs', 'submit', kind, '--params', JSON.stringify(params), '--db', db, '--json', ...extra]);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout).job_id as number;
  };
  const until = async (what: string, f: () => Promise<boolean>, ms = 60_000) => {
    const t0 = Date.now();
    while (!(await f())) {
      if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
      await sleep(200);
    }
  };
  const row = async (id: number) => (await getJobRow(store, id))!;

  it('a second worker process picks up queued jobs: two workers share one queue', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 6; i++) ids.push(await submit('noop.sleep', { ms: 1000, steps: 4 }));
    expect((await row(ids[0])).status).toBe('queued');
    const a = worker();
    await until('the first worker to take a job', async () => (await row(ids[0])).status === 'running');
    const b = worker();
    await until('all six jobs to succeed', async () => (await Promise.all(ids.map(row))).every((r) => r.status === 'succeeded')).catch(async (e) => {
      throw new Error(`${(e as Error).message}\n${JSON.stringify(await Promise.all(ids.map(row)))}\nA: ${a.log()}\nB: ${b.log()}`);
    });
    const rows = await Promise.all(ids.map(row));
    const by = new Set(rows.map((r) => r.worker));
    expect(by).toEqual(new Set([a.name, b.name]));
    for (const r of rows) expect(r.attempts).toBe(1);
    // the workers registered the scheduled jobs with pg-boss
    expect(await store.query(`SELECT name, cron, timezone FROM pgboss.schedule ORDER BY name`))
      .toEqual(JOBS.filter((j) => j.schedule).map((j) => ({ name: j.kind, cron: j.schedule, timezone: 'UTC' })).sort((a, b) => a.name.localeCompare(b.name)));
    expect(JOBS.find((j) => j.kind === 'store.analyze')?.schedule).toBe('0 3 * * *');
    // SIGTERM: a worker finishes its current job and exits 0
    const late = await submit('noop.sleep', { ms: 1500, steps: 5 });
    await until('the late job to start', async () => (await row(late)).status === 'running');
    const runningOn = (await row(late)).worker;
    const w = runningOn === a.name ? a : b;
    (runningOn === a.name ? b : a).p.kill('SIGKILL');
    w.p.kill('SIGTERM');
    expect(await w.exited).toBe(0);
    expect(await row(late)).toMatchObject({ status: 'succeeded', attempts: 1, worker: w.name });
  });

  it('kill -9 of a worker mid-job: the job expires, another worker retries it, it finishes exactly once', async () => {
    const id = await submit('noop.sleep', { ms: 2000, steps: 40 }, ['--timeout', '4']);
    const a = worker();
    await until('the job to run on the first worker', async () => { const r = await row(id); return r.status === 'running' && (r.progress ?? 0) > 0; });
    expect((await row(id)).worker).toBe(a.name);
    a.p.kill('SIGKILL');
    await a.exited;
    const b = worker();
    try {
      await until('the job to succeed on the second worker', async () => (await row(id)).status === 'succeeded', 90_000);
      const r = await row(id);
      expect(r).toMatchObject({ status: 'succeeded', attempts: 2, worker: b.name, result: { slept_ms: 2000 } });
      // pg-boss records the completion once the handler has returned, after our row says succeeded
      const boss = () => store.query<{ state: string; retry_count: number }>(
        `SELECT state, retry_count FROM pgboss.job WHERE id = $1 UNION ALL SELECT state, retry_count FROM pgboss.archive WHERE id = $1`, [r.queue_id]);
      await until('pg-boss to record the completion', async () => (await boss()).some((x) => x.state !== 'active'), 30_000);
      expect(await boss()).toEqual([{ state: 'completed', retry_count: 1 }]);
      // once succeeded, a job is never run again
      expect((await attemptJob(store, id, { worker: 'again' })).status).toBe('skipped');
      expect(await row(id)).toEqual(r);
    } finally {
      // (a leftover worker would take the next test's job)
      b.p.kill('SIGTERM');
      await b.exited;
    }
  });

  it('SIGTERM past the grace time releases the running job: rolled back, queued again, finished by another worker', async () => {
    const id = await submit('noop.sleep', { ms: 3000, steps: 30 });
    const a = worker(['--grace', '1']);
    await until('the job to run on this worker', async () => { const r = await row(id); return r.status === 'running' && r.worker === a.name; });
    a.p.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    const released = await row(id);
    expect(released.status).toBe('queued');
    expect(released.error).toContain('released');
    const b = worker();
    await until('the job to succeed on another worker', async () => (await row(id)).status === 'succeeded', 90_000);
    expect(await row(id)).toMatchObject({ attempts: 2, worker: b.name });
    b.p.kill('SIGTERM');
    await b.exited;
  });

  it('two attempts at once at the same job: one runs, the other waits and skips it', async () => {
    const id = await createJob(store, { kind: 'noop.sleep', params: { ms: 600, steps: 2 }, actor: 't', runner: 'pg-boss', maxAttempts: 3 });
    const other = await openStore(db);
    try {
      const res = await Promise.all([attemptJob(store, id, { worker: 'one' }), attemptJob(other, id, { worker: 'two' })]);
      expect(res.map((x) => x.status).sort()).toEqual(['skipped', 'succeeded']);
      expect((await row(id)).attempts).toBe(1);
    } finally {
      await other.close();
    }
  });

  it('a job that keeps failing is retried, then marked failed with its error; bad parameters queue nothing', async () => {
    const before = (await listJobs(store)).length;
    const bad = await runCli(['jobs', 'submit', 'noop.sleep', '--params', '{"ms": 10, "steps": 0}', '--db', db]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('params.steps');
    expect((await listJobs(store)).length).toBe(before);
    const id = await submit('store.analyze', { table: 'no_such_table' });
    const w = worker();
    await until('the job to fail for good', async () => (await row(id)).status === 'failed', 60_000);
    expect(await row(id)).toMatchObject({ status: 'failed', attempts: 3, max_attempts: 3 });
    expect((await row(id)).error).toContain('no table "no_such_table"');
    const list = await runCli(['jobs', '--db', db]);
    expect(list.stdout).toMatch(/store\.analyze\s+failed\s+3\/3/);
    w.p.kill('SIGTERM');
    expect(await w.exited).toBe(0);
  });
});

describe('use cases as jobs', () => {
  it('access and check: a worker runs the same use cases as the CLI; each run names its job and actor', async () => {
    const db = await POSTGRES.fresh({ migrated: true });
    const imp = await runCli(['import', dataFile('beijing-haidian-cau.osm.pbf'), '--db', db, '--city', 'haidian', '-q']);
    expect(imp.code, imp.stderr).toBe(0);
    const bad = await runCli(['jobs', 'submit', 'access', '--params', '{"cutoff_m": -1}', '--db', db]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('params.cutoff_m');
    const cat = await runCli(['jobs', 'submit', 'access', '--params', '{"categories": ["park", "school"]}', '--db', db]);
    expect(cat.code).toBe(2);
    expect(cat.stderr).toContain('params.categories.1: not a facility category');
    const sub = await runCli(['jobs', 'submit', 'access', '--params', '{"city": "haidian", "categories": ["primary_school", "park"]}', '--db', db, '--actor', 'planner', '-q']);
    expect(sub.code, sub.stderr).toBe(0);
    const jobId = Number(sub.stdout.trim());
    const w = spawn(process.execPath, [BIN, 'worker', '--db', db], { env: { ...process.env, DATABASE_URL: undefined, ...WORKER_ENV } });
    const store = await openStore(db);
    try {
      const t0 = Date.now();
      let r = await getJobRow(store, jobId);
      while (r!.status !== 'succeeded' && r!.status !== 'failed' && Date.now() - t0 < 120_000) { await sleep(300); r = await getJobRow(store, jobId); }
      expect(r, JSON.stringify(r)).toMatchObject({ status: 'succeeded', actor: 'planner', attempts: 1 });
      const runs = await store.query<{ run_id: number; status: string; actor: string; job_id: string }>(`SELECT run_id, status, actor, job_id FROM runs WHERE kind = 'access' AND city_id = 'haidian'`);
      expect(runs).toEqual([{ run_id: (r!.result as { run_id: number }).run_id, status: 'succeeded', actor: 'planner', job_id: String(jobId) }]);
      const n = await store.query<{ n: number }>('SELECT count(*)::int AS n FROM access_results WHERE run_id = $1', [runs[0].run_id]);
      expect(n[0].n).toBe((r!.result as { buildings: number }).buildings);
      expect(n[0].n).toBeGreaterThan(100);
      // the health check as a job: its parameters are checked against the catalogue at submit
      const badCheck = await runCli(['jobs', 'submit', 'check', '--params', '{"params": {"no_such_parameter": 1}}', '--db', db]);
      expect(badCheck.code).toBe(2);
      expect(badCheck.stderr).toContain('params.params.no_such_parameter: not a parameter of catalogue 2025');
      const c = await runCli(['jobs', 'submit', 'check', '--params', '{"city": "haidian", "year": 2025}', '--db', db, '--actor', 'planner', '-q']);
      expect(c.code, c.stderr).toBe(0);
      const checkId = Number(c.stdout.trim());
      let cr = await getJobRow(store, checkId);
      while (cr!.status !== 'succeeded' && cr!.status !== 'failed' && Date.now() - t0 < 240_000) { await sleep(300); cr = await getJobRow(store, checkId); }
      expect(cr, JSON.stringify(cr)).toMatchObject({ status: 'succeeded', actor: 'planner' });
      const checkRuns = await store.query<{ run_id: number; job_id: string }>(`SELECT run_id, job_id FROM runs WHERE kind = 'check' AND city_id = 'haidian' AND status = 'succeeded'`);
      expect(checkRuns).toEqual([{ run_id: (cr!.result as { run_id: number }).run_id, job_id: String(checkId) }]);
      expect((cr!.result as { indicators: number }).indicators).toBeGreaterThan(10);
    } finally {
      w.kill('SIGTERM');
      await new Promise((res) => w.on('exit', res));
      await store.close();
    }
  }, 300_000);
});
