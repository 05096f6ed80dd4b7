/**
 * The in-process runner (PGlite, or any store when no queue is wanted): a job runs now, in this
 * process, with its row in `jobs`; `opencim serve` on PGlite also runs due scheduled jobs here.
 */
import { hostname } from 'node:os';
import type { Store } from '../store/driver.js';
import { parseCron, parseParams } from './contract.js';
import { attemptJob, type AttemptOptions } from './execute.js';
import { getJob, JOBS } from './registry.js';
import { createJob, getJobRow, scheduledSince, type JobRow } from './rows.js';

export const inProcessWorker = () => `in-process:${hostname()}:${process.pid}`;

/** Validate, record and run a job now (one attempt); returns its row. Bad parameters throw before anything is written. */
export async function runNow(store: Store, kind: string, rawParams: unknown, actor: string,
  o: Partial<AttemptOptions> & { scheduled?: boolean } = {}): Promise<JobRow> {
  const job = getJob(kind);
  const params = parseParams(job, rawParams);
  const jobId = await createJob(store, { kind, params, actor, runner: 'in-process', maxAttempts: 1, scheduled: o.scheduled });
  await attemptJob(store, jobId, { worker: inProcessWorker(), ...o });
  return (await getJobRow(store, jobId))!;
}

/**
 * An embedded (PGlite) store is held by one process at a time (src/store/lock.ts): a job another
 * process left running was cut off with it (kill -9, a crash) and is marked failed, never left
 * running for ever. Returns how many. (On a PostgreSQL server, pg-boss retries such jobs.)
 */
export async function reconcileInProcess(store: Store): Promise<number> {
  if (store.kind === 'postgres') return 0;
  return store.execute(
    `UPDATE jobs SET status = 'failed', finished_at = clock_timestamp(),
       error = coalesce(error || '; ', '') || 'the process running it stopped before it finished (进程中断)'
     WHERE runner = 'in-process' AND status = 'running' AND worker IS DISTINCT FROM $1`, [inProcessWorker()]);
}

/**
 * Run scheduled jobs when due: every `intervalMs` (the first look one interval after the start, so
 * a server opens first), a job whose latest cron time (UTC) has passed without a scheduled job of
 * its kind created since is run, one at a time, as actor `schedule`.
 */
export function startScheduler(store: Store, o: { intervalMs?: number; log?: (m: string) => void } = {}): { stop: () => Promise<void> } {
  const scheduled = JOBS.filter((j) => j.schedule);
  let busy: Promise<void> | null = null;
  let stopped = false;
  const tick = async () => {
    for (const job of scheduled) {
      if (stopped) return;
      const due = parseCron(job.schedule!, job.kind).prev().toDate();
      if (await scheduledSince(store, job.kind, due)) continue;
      const row = await runNow(store, job.kind, {}, 'schedule', { scheduled: true, log: o.log });
      o.log?.(`scheduled job ${row.job_id} ${job.kind}: ${row.status}${row.error ? ` (${row.error})` : ''}`);
    }
  };
  const run = () => {
    if (busy || stopped) return;
    busy = tick().catch((e) => o.log?.(`scheduler: ${(e as Error).message}`)).finally(() => { busy = null; });
  };
  const timer = scheduled.length ? setInterval(run, o.intervalMs ?? 60_000) : null;
  timer?.unref();
  return {
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      await busy;
    },
  };
}
