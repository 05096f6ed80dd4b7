/**
 * One attempt at a job, the same for both runners: claim the row (status running, attempts + 1),
 * validate the parameters, run, mark succeeded or failed. On a PostgreSQL server the attempt holds
 * a transaction-scoped advisory lock on the job for its whole length, so two workers never run the
 * same job at once (a retry of an expired job waits for the first to end) and a job that succeeded
 * is never run again: it finishes exactly once. A killed worker's lock dies with its connection.
 * A job whose work committed but whose success mark was lost (the lock's connection died between
 * the two) is found done by its retry (`commitsOnce`: the runs and change sets that name it).
 */
import type pg from 'pg';
import type { Queryable, Store } from '../store/driver.js';
import { parseParams, type JobContext } from './contract.js';
import { getJob } from './registry.js';
import { claimJob, failJob, jobStatus, setProgress, succeedJob } from './rows.js';

export interface Attempt { status: 'succeeded' | 'failed' | 'retry' | 'skipped'; result?: unknown; error?: string; attempts?: number }

export interface AttemptOptions {
  worker: string;
  signal?: AbortSignal;
  log?: (message: string) => void;
  onProgress?: (fraction: number, message?: string) => void;
  /** connections for the attempts' locks, apart from the store's pool (a worker: one per job it may run at once, so that jobs never wait for their own pool) */
  lockPool?: pg.Pool;
}

type Lock = Pick<Queryable, 'query'>;

const LOCK_SPACE = 7310422;

/** SQL: is an attempt at job `jobId` (an SQL expression) running now, in any process on the server (it holds the job's lock)? */
export const attemptRunningSql = (jobId: string) =>
  `EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
     AND l.classid = ${LOCK_SPACE} AND l.objid::bigint = ${jobId} AND l.objsubid = 2)`;

export async function attemptJob(store: Store, jobId: number, o: AttemptOptions): Promise<Attempt> {
  if (store.kind !== 'postgres') return attempt(store, null, jobId, o);
  // the lock's transaction runs on a connection of its own; the job uses the store as usual
  if (!o.lockPool) {
    return store.transaction(async (lock) => {
      await lock.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_SPACE, jobId]);
      return attempt(store, lock, jobId, o);
    });
  }
  const client = await o.lockPool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_SPACE, jobId]);
    const r = await attempt(store, { query: async <T>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as T[] }, jobId, o);
    await client.query('COMMIT');
    return r;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    throw e;
  } finally {
    client.release();
  }
}

/** what the job committed: the runs and the sealed change sets that name it; null when nothing */
export async function committedWork(q: Queryable, jobId: number): Promise<{ runs: number[]; changesets: number[] } | null> {
  const [r] = await q.query<{ runs: number[] | string; changesets: number[] | string }>(
    `SELECT (SELECT coalesce(jsonb_agg(run_id ORDER BY run_id), '[]') FROM runs WHERE job_id = $1::text AND status = 'succeeded') AS runs,
            (SELECT coalesce(jsonb_agg(changeset_id ORDER BY changeset_id), '[]') FROM changesets WHERE job_id = $1::bigint AND head IS NOT NULL) AS changesets`, [jobId]);
  const list = (v: number[] | string) => (typeof v === 'string' ? JSON.parse(v) : v).map(Number) as number[];
  const runs = list(r.runs), changesets = list(r.changesets);
  return runs.length || changesets.length ? { runs, changesets } : null;
}

async function attempt(store: Store, lock: Lock | null, jobId: number, o: AttemptOptions): Promise<Attempt> {
  if ((await jobStatus(store, jobId)) === 'succeeded') return { status: 'skipped' };
  const row = await claimJob(store, jobId, o.worker);
  if (!row) return { status: 'skipped' };
  const log = o.log ?? (() => {});
  let params: unknown;
  let job;
  try {
    job = getJob(row.kind);
    params = parseParams(job, row.params);
  } catch (e) {
    const error = (e as Error).message;
    await failJob(store, jobId, error, true);
    return { status: 'failed', error, attempts: row.attempts };
  }
  // a retry of a job whose work an earlier attempt committed (its success mark was lost with that
  // attempt's connection): it is done, not done again
  if (row.attempts > 1 && job.commitsOnce) {
    const work = await committedWork(store, jobId);
    if (work) {
      const result = { committed_by_attempt_before: row.attempts - 1, ...work };
      await succeedJob(lock ?? store, jobId, o.worker, result);
      log(`job ${jobId} ${row.kind}: its work was committed by an earlier attempt (${JSON.stringify(work)}): not run again`);
      return { status: 'succeeded', result, attempts: row.attempts };
    }
  }
  let last = 0;
  const ctx: JobContext = {
    store, actor: row.actor, jobId, log,
    signal: o.signal ?? new AbortController().signal,
    progress(fraction, message) {
      o.onProgress?.(fraction, message);
      const now = Date.now();
      // on PGlite the job may hold the only connection in a transaction: progress stays in memory there
      if (store.kind === 'postgres' && now - last > 1000) {
        last = now;
        setProgress(store, jobId, fraction, message).catch(() => {});
      }
    },
  };
  try {
    const result = await job.run(ctx, params);
    await succeedJob(lock ?? store, jobId, o.worker, result);
    return { status: 'succeeded', result, attempts: row.attempts };
  } catch (e) {
    const err = e as Error;
    const error = err.name === 'AbortError' ? `released: the worker stopped during attempt ${row.attempts} (任务已释放)` : err.message ?? String(e);
    const final = row.attempts >= row.max_attempts;
    await failJob(store, jobId, error, final);
    log(`job ${jobId} ${row.kind} attempt ${row.attempts}/${row.max_attempts} failed: ${error}`);
    return { status: final ? 'failed' : 'retry', error, attempts: row.attempts };
  }
}
