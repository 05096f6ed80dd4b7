/**
 * The pg-boss runner: jobs queue in PostgreSQL (pg-boss's schema `pgboss`, in the store's own
 * database) and `opencim worker` processes, on one machine or many, take them. A job's row in
 * `jobs` and its queue entry are written in one transaction. A worker that dies (kill -9) leaves
 * its job active in pg-boss: it expires after the job's `timeoutSeconds` and pg-boss retries it on
 * another worker (up to `retries`), or it is marked failed; `attemptJob` makes sure it finishes once.
 */
import { hostname } from 'node:os';
import pg from 'pg';
import PgBoss from 'pg-boss';
import type { Store } from '../store/driver.js';
import { resilientPool } from '../store/pg-driver.js';
import { parseParams, type Job } from './contract.js';
import { attemptJob, attemptRunningSql } from './execute.js';
import { getJob, JOBS } from './registry.js';
import { createJob, setQueueId } from './rows.js';

export const BOSS_SCHEMA = 'pgboss';

const num = (v: string | undefined, d: number) => (v && Number(v) > 0 ? Number(v) : d);
/** pg-boss housekeeping (expiring the jobs of dead workers) and polling, in seconds; the environment may shorten them (tests) */
const MAINTENANCE_S = () => num(process.env.OPENCIM_JOBS_MAINTENANCE_S, 30);
const POLL_S = () => num(process.env.OPENCIM_JOBS_POLL_S, 2);

const queueOptions = (job: Job<unknown>) => ({ retryLimit: job.retries ?? 2, retryDelay: 1, expireInSeconds: job.timeoutSeconds ?? 3600 });

async function openBoss(url: string, worker: boolean, log: (m: string) => void): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString: url, schema: BOSS_SCHEMA, max: 4, application_name: 'opencim-jobs',
    supervise: worker, schedule: worker, maintenanceIntervalSeconds: MAINTENANCE_S(), monitorStateIntervalSeconds: 60,
  });
  boss.on('error', (e) => log(`pg-boss: ${e.message}`));
  await boss.start();
  return boss;
}

/** Queue a job (validated first: bad parameters throw and nothing is written); returns its job id. */
export async function enqueue(store: Store, url: string, kind: string, rawParams: unknown, actor: string,
  o: { timeoutSeconds?: number; log?: (m: string) => void } = {}): Promise<{ jobId: number; queueId: string }> {
  const job = getJob(kind);
  const params = parseParams(job, rawParams);
  const opts = queueOptions(job);
  const boss = await withSetupLock(url, async () => {
    const b = await openBoss(url, false, o.log ?? (() => {}));
    await b.createQueue(kind, { name: kind, ...opts });
    return b;
  });
  try {
    return await store.transaction(async (tx) => {
      const jobId = await createJob(tx, { kind, params, actor, runner: 'pg-boss', maxAttempts: opts.retryLimit + 1 });
      const queueId = await boss.send(kind, { jobId }, {
        ...opts, ...(o.timeoutSeconds ? { expireInSeconds: o.timeoutSeconds } : {}),
        db: { executeSql: async (text: string, values: unknown[]) => ({ rows: await tx.query(text, values) }) },
      });
      if (!queueId) throw new Error(`pg-boss did not queue job ${jobId}`);
      await setQueueId(tx, jobId, queueId);
      return { jobId, queueId };
    });
  } finally {
    await boss.stop({ graceful: false, close: true });
  }
}

/**
 * Mark failed the jobs whose queue entry pg-boss failed for good while no worker could say so
 * (the last attempt's worker was killed and the job expired). Returns how many. A job whose attempt
 * is still running (pg-boss expired it, but its worker is alive and holds its lock) is left alone:
 * it ends as that attempt ends.
 */
export async function reconcile(store: Store): Promise<number> {
  const has = await store.query<{ t: string | null }>(`SELECT to_regclass('${BOSS_SCHEMA}.job')::text AS t`);
  if (!has[0]?.t) return 0;
  const r = await store.query(
    `UPDATE jobs j SET status = 'failed', finished_at = b.completed_on,
       error = coalesce(j.error || '; ', '') || 'the worker was lost and no retries are left (' || coalesce(b.output->>'message', b.state::text) || ')'
     FROM (SELECT id, state, output, completed_on FROM ${BOSS_SCHEMA}.job WHERE state = 'failed'
           UNION ALL SELECT id, state, output, completed_on FROM ${BOSS_SCHEMA}.archive WHERE state = 'failed') b
     WHERE j.runner = 'pg-boss' AND j.status IN ('queued', 'running') AND j.queue_id = b.id::text AND NOT ${attemptRunningSql('j.job_id')} RETURNING j.job_id`);
  return r.length;
}

/**
 * The jobs shown running whose attempt no worker holds: its worker was killed or cut off. pg-boss
 * retries each once its timeout has passed (`retry_at`, null when its queue entry is not active).
 */
export async function lostJobs(store: Store): Promise<Map<number, string | null>> {
  const has = await store.query<{ t: string | null }>(`SELECT to_regclass('${BOSS_SCHEMA}.job')::text AS t`);
  if (!has[0]?.t) return new Map();
  const rows = await store.query<{ job_id: number; retry_at: string | null }>(
    `SELECT j.job_id, to_char((b.started_on + b.expire_in) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS retry_at
     FROM jobs j LEFT JOIN ${BOSS_SCHEMA}.job b ON b.id::text = j.queue_id AND b.state = 'active'
     WHERE j.runner = 'pg-boss' AND j.status = 'running' AND NOT ${attemptRunningSql('j.job_id')}`);
  return new Map(rows.map((r) => [Number(r.job_id), r.retry_at]));
}

export interface Worker { name: string; stop(o?: { graceMs?: number }): Promise<void> }

/** Take jobs of every registered kind, `concurrency` at a time per kind; registers the scheduled jobs with pg-boss. */
export async function startWorker(store: Store, url: string, o: { concurrency?: number; log?: (m: string) => void } = {}): Promise<Worker> {
  const log = o.log ?? (() => {});
  const name = `${hostname()}:${process.pid}`;
  const abort = new AbortController();
  const concurrency = Math.max(1, o.concurrency ?? 1);
  const lockPool = resilientPool({ connectionString: url, max: concurrency * JOBS.length, application_name: 'opencim-job-locks' }, 'job locks');
  return withSetupLock(url, registerWorker);

  async function registerWorker(): Promise<Worker> {
    const boss = await openBoss(url, true, log);
    await reconcile(store);
    for (const job of JOBS) {
      const opts = queueOptions(job);
      await boss.createQueue(job.kind, { name: job.kind, ...opts });
      const handler = async (batch: PgBoss.Job<{ jobId?: number; scheduled?: boolean }>[]) => {
        for (const bj of batch) {
          let jobId = bj.data?.jobId;
          if (!jobId) {
            // a scheduled fire: its row is made on first sight (once per queue entry, retries find it)
            jobId = await createJob(store, { kind: job.kind, params: parseParams(getJob(job.kind), {}), actor: 'schedule', runner: 'pg-boss', maxAttempts: opts.retryLimit + 1, scheduled: true, queueId: bj.id });
          }
          log(`job ${jobId} ${job.kind}: started`);
          const r = await attemptJob(store, jobId, { worker: name, signal: abort.signal, log, lockPool });
          log(`job ${jobId} ${job.kind}: ${r.status}${r.error ? ` (${r.error})` : ''}`);
          if (r.status === 'failed' || r.status === 'retry') throw new Error(r.error);
        }
      };
      for (let i = 0; i < concurrency; i++) {
        await boss.work(job.kind, { batchSize: 1, pollingIntervalSeconds: POLL_S() }, handler);
      }
      if (job.schedule) await boss.schedule(job.kind, job.schedule, { scheduled: true }, { tz: 'UTC', ...opts });
    }
    return {
      name,
      async stop({ graceMs = 30_000 } = {}) {
        // finish the current jobs within the grace time; then abort them (rolled back, released to the queue)
        const t = setTimeout(() => abort.abort(), Math.max(0, graceMs - 1000));
        try {
          await boss.stop({ graceful: true, wait: true, timeout: graceMs, close: true });
        } finally {
          clearTimeout(t);
          await lockPool.end().catch(() => {});
        }
      },
    };
  }
}

/** advisory lock key of the queue's setup (any fixed bigint; 'ocim_wrk') */
const SETUP_LOCK = '7958087146474304107';

/**
 * The queue's setup one process at a time: pg-boss's schema, the queues' partitions and the
 * schedules are DDL and upserts, and workers starting (or jobs submitted) at the same moment on one
 * database deadlock one another in them ("deadlock detected", and a worker exits).
 */
async function withSetupLock<T>(url: string, fn: () => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url, application_name: 'opencim-jobs-setup' });
  c.on('error', () => {}); // a lost connection fails the setup's queries; it must not end the process
  await c.connect();
  try {
    await c.query('SELECT pg_advisory_lock($1)', [SETUP_LOCK]);
    return await fn();
  } finally {
    await c.query('SELECT pg_advisory_unlock($1)', [SETUP_LOCK]).catch(() => undefined);
    await c.end().catch(() => undefined);
  }
}

