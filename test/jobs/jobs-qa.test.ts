/**
 * The jobs table tells the truth about jobs whose process died or whose attempt is still alive,
 * and the users commands answer a wrong name with the error module's kinds.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/driver.js';
import { inProcessWorker, reconcileInProcess } from '../../src/jobs/in-process.js';
import { enqueue, reconcile } from '../../src/jobs/pgboss.js';
import { createJob, getJobRow } from '../../src/jobs/rows.js';
import { addPrincipal, revokePrincipal } from '../../src/store/principals.js';
import { ConflictError, NotFoundError } from '../../src/model/errors.js';
import { DRIVERS } from '../helpers/stores.js';
import { runCli } from '../helpers/cli.js';

const [PGLITE, POSTGRES] = DRIVERS;

describe('jobs left running by a process that died (PGlite)', () => {
  it('are marked failed when the store is opened again; a job of this process is left alone; `opencim jobs` shows it', async () => {
    const db = await PGLITE.fresh();
    const store = await openStore(db);
    let dead: number, mine: number;
    try {
      const running = async (worker: string) => {
        const id = await createJob(store, { kind: 'noop.sleep', params: { ms: 60000 }, actor: 'tester', runner: 'in-process', maxAttempts: 1 });
        await store.query(`UPDATE jobs SET status = 'running', attempts = 1, started_at = now(), worker = $2 WHERE job_id = $1`, [id, worker]);
        return id;
      };
      dead = await running('in-process:otherhost:4242');
      mine = await running(inProcessWorker());
      expect(await reconcileInProcess(store)).toBe(1);
      expect(await getJobRow(store, dead)).toMatchObject({ status: 'failed', error: expect.stringMatching(/stopped before it finished/) });
      expect((await getJobRow(store, dead))!.finished_at).not.toBeNull();
      expect((await getJobRow(store, mine))!.status).toBe('running');
    } finally {
      await store.close();
    }
    // the CLI is another process: this test's job is now a dead process's too
    const r = await runCli(['jobs', '--db', db, '--json']);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout).jobs as { job_id: number; status: string }[];
    expect(rows.map((j) => [j.job_id, j.status]).sort()).toEqual([[dead, 'failed'], [mine, 'failed']]);
    // a filter that matches nothing says so, not that the store has no jobs yet
    const none = await runCli(['jobs', '--db', db, '--kind', 'noop.slep']);
    expect(none.stdout).toMatch(/no jobs of kind noop\.slep/);
    expect(none.stdout).not.toMatch(/yet/);
  });
});

describe('a job pg-boss expired while its attempt still runs (PostgreSQL)', () => {
  it('is not marked "worker lost" while a worker holds its lock; it is once no attempt does', async () => {
    const db = await POSTGRES.fresh();
    const store = await openStore(db);
    const holder = new pg.Client({ connectionString: db });
    await holder.connect();
    try {
      const { jobId, queueId } = await enqueue(store, db, 'noop.sleep', { ms: 1000 }, 'tester');
      await store.query(`UPDATE jobs SET status = 'running', attempts = 1, started_at = now(), worker = 'w:1' WHERE job_id = $1`, [jobId]);
      // pg-boss gave up on the entry (its expiry passed), but the attempt is alive: its lock is held
      await store.query(`UPDATE pgboss.job SET state = 'failed', completed_on = now(), output = '{"message": "handler execution exceeded 1000ms"}' WHERE id = $1`, [queueId]);
      await holder.query('SELECT pg_advisory_lock(7310422, $1)', [jobId]);
      expect(await reconcile(store)).toBe(0);
      expect((await getJobRow(store, jobId))!.status).toBe('running');
      await holder.query('SELECT pg_advisory_unlock(7310422, $1)', [jobId]);
      expect(await reconcile(store)).toBe(1);
      expect(await getJobRow(store, jobId)).toMatchObject({ status: 'failed', error: expect.stringMatching(/worker was lost/) });
      // a job running again after a failed attempt is shown running, with that attempt's error as the reason of the retry
      const { jobId: again, queueId: entry } = await enqueue(store, db, 'noop.sleep', { ms: 1000 }, 'tester');
      await store.query(`UPDATE jobs SET status = 'running', attempts = 2, started_at = now(), worker = 'w:2', progress = 0.5, message = 'halfway', error = 'connection lost' WHERE job_id = $1`, [again]);
      await store.query(`UPDATE pgboss.job SET state = 'active', started_on = '2026-01-02T03:00:00Z', expire_in = interval '1 hour' WHERE id = $1`, [entry]);
      const lineOf = async () => (await runCli(['jobs', '--db', db])).stdout.split('\n').find((l) => l.trim().startsWith(`${again} `))!;
      await holder.query('SELECT pg_advisory_lock(7310422, $1)', [again]);
      expect(await lineOf()).toMatch(/running .*50% halfway \(retrying 重试中; attempt before: connection lost\)/);
      // its worker killed (the lock gone with its connection): the listing says so, and when pg-boss retries it
      await holder.query('SELECT pg_advisory_unlock(7310422, $1)', [again]);
      expect(await lineOf()).toMatch(/running .*worker lost 执行进程已中断: retried after 2026-01-02T04:00:00Z/);
      const json = JSON.parse((await runCli(['jobs', '--db', db, '--json'])).stdout).jobs.find((j: { job_id: number }) => j.job_id === again);
      expect(json).toMatchObject({ status: 'running', worker_lost: true, retry_at: '2026-01-02T04:00:00Z' });
    } finally {
      await holder.end();
      await store.close();
    }
  });
});

describe('users: a name that is not there, or taken, is an error of that kind (exit 1), not a usage error', () => {
  it('revoke of an unknown user is not found; twice, or adding a taken name, a conflict with the time in ISO form', async () => {
    const db = await POSTGRES.fresh();
    const store = await openStore(db);
    try {
      await addPrincipal(store, { name: 'alice', roles: ['viewer'], createdBy: 'admin' });
      await expect(addPrincipal(store, { name: 'alice', roles: ['editor'], createdBy: 'admin' })).rejects.toBeInstanceOf(ConflictError);
      await expect(revokePrincipal(store, 'nobody', 'admin')).rejects.toBeInstanceOf(NotFoundError);
      const row = await revokePrincipal(store, 'alice', 'admin');
      const again = revokePrincipal(store, 'alice', 'admin');
      await expect(again).rejects.toBeInstanceOf(ConflictError);
      await expect(again).rejects.toThrow(`revoked already at ${row.revoked_at} by admin`);
      expect(row.revoked_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    } finally {
      await store.close();
    }
    const unknown = await runCli(['users', 'revoke', 'nobody', '--db', db]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no user "nobody"/);
    const badName = await runCli(['users', 'add', 'bad name', '--role', 'viewer', '--db', db]);
    expect(badName.code).toBe(2);
    const help = await runCli(['users', 'add', '--help']);
    expect(help.stdout).toMatch(/citizen/);
  });
});
