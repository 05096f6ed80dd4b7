/** The `jobs` table: one row per job whatever the runner; the CLI lists it. */
import type { Queryable } from '../store/driver.js';

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed';

export interface JobRow {
  job_id: number; kind: string; params: Record<string, unknown>; status: JobStatus; runner: 'in-process' | 'pg-boss';
  actor: string; scheduled: boolean; queue_id: string | null; attempts: number; max_attempts: number; worker: string | null;
  progress: number | null; message: string | null; result: unknown; error: string | null;
  created_at: string; started_at: string | null; finished_at: string | null;
}

const iso = (c: string) => `to_char(${c} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const COLS = `job_id, kind, params, status, runner, actor, scheduled, queue_id, attempts, max_attempts, worker, progress, message, result, error,
  ${iso('created_at')} AS created_at, ${iso('started_at')} AS started_at, ${iso('finished_at')} AS finished_at`;

const norm = (r: JobRow): JobRow => ({ ...r, job_id: Number(r.job_id), attempts: Number(r.attempts), max_attempts: Number(r.max_attempts), progress: r.progress === null ? null : Number(r.progress) });

export async function createJob(q: Queryable, o: { kind: string; params: unknown; actor: string; runner: JobRow['runner']; maxAttempts: number; scheduled?: boolean; queueId?: string }): Promise<number> {
  const r = await q.query<{ job_id: number }>(
    `INSERT INTO jobs (kind, params, status, runner, actor, max_attempts, scheduled, queue_id) VALUES ($1, $2, 'queued', $3, $4, $5, $6, $7)
     ON CONFLICT (queue_id) DO UPDATE SET queue_id = EXCLUDED.queue_id RETURNING job_id`,
    [o.kind, JSON.stringify(o.params ?? {}), o.runner, o.actor, o.maxAttempts, o.scheduled ?? false, o.queueId ?? null]);
  return Number(r[0].job_id);
}

export async function setQueueId(q: Queryable, jobId: number, queueId: string): Promise<void> {
  await q.query('UPDATE jobs SET queue_id = $2 WHERE job_id = $1', [jobId, queueId]);
}

/** take a queued (or orphaned running) job for an attempt; null when it is finished already */
export async function claimJob(q: Queryable, jobId: number, worker: string): Promise<JobRow | null> {
  const r = await q.query<JobRow>(
    `UPDATE jobs SET status = 'running', attempts = attempts + 1, started_at = now(), worker = $2, progress = 0, message = NULL
     WHERE job_id = $1 AND status IN ('queued', 'running') RETURNING ${COLS}`, [jobId, worker]);
  return r[0] ? norm(r[0]) : null;
}

export async function jobStatus(q: Queryable, jobId: number): Promise<JobStatus | null> {
  return (await q.query<{ status: JobStatus }>('SELECT status FROM jobs WHERE job_id = $1', [jobId]))[0]?.status ?? null;
}

export async function succeedJob(q: Pick<Queryable, 'query'>, jobId: number, worker: string, result: unknown): Promise<void> {
  await q.query(`UPDATE jobs SET status = 'succeeded', worker = $2, result = $3, error = NULL, progress = 1, finished_at = clock_timestamp() WHERE job_id = $1`,
    [jobId, worker, JSON.stringify(result ?? null)]);
}

/** an attempt failed: queued again for a retry, or failed for good */
export async function failJob(q: Queryable, jobId: number, error: string, final: boolean): Promise<void> {
  await q.query(`UPDATE jobs SET status = $3, error = $2, finished_at = CASE WHEN $3 = 'failed' THEN clock_timestamp() END WHERE job_id = $1 AND status <> 'succeeded'`,
    [jobId, error.slice(0, 4000), final ? 'failed' : 'queued']);
}

export async function setProgress(q: Queryable, jobId: number, fraction: number, message?: string): Promise<void> {
  await q.query(`UPDATE jobs SET progress = $2, message = $3 WHERE job_id = $1 AND status = 'running'`, [jobId, fraction, message?.slice(0, 500) ?? null]);
}

export async function getJobRow(q: Queryable, jobId: number): Promise<JobRow | null> {
  const r = await q.query<JobRow>(`SELECT ${COLS} FROM jobs WHERE job_id = $1`, [jobId]);
  return r[0] ? norm(r[0]) : null;
}

export async function listJobs(q: Queryable, o: { status?: JobStatus; kind?: string; limit?: number } = {}): Promise<JobRow[]> {
  const r = await q.query<JobRow>(
    `SELECT ${COLS} FROM jobs WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR kind = $2) ORDER BY job_id DESC LIMIT $3`,
    [o.status ?? null, o.kind ?? null, o.limit ?? 100]);
  return r.map(norm);
}

/** the latest scheduled job of a kind created at or after `since` (the in-process scheduler asks: has this fire run?) */
export async function scheduledSince(q: Queryable, kind: string, since: Date): Promise<boolean> {
  return (await q.query('SELECT 1 FROM jobs WHERE kind = $1 AND scheduled AND created_at >= $2 LIMIT 1', [kind, since.toISOString()])).length > 0;
}
