/**
 * The Job contract: a kind, a zod schema for its parameters, an optional daily/cron `schedule`,
 * and `run(ctx, params)`. Two runners execute jobs (src/jobs/in-process.ts on PGlite, src/jobs/pgboss.ts
 * on a PostgreSQL server); both keep one row per job in `jobs` (status, attempts, times, error).
 * A job's writes must commit in one transaction (e.g. `store.transaction`, or a run's results with
 * `succeedRun`): a job killed mid-way leaves nothing half-written and is retried or marked failed.
 */
import cron from 'cron-parser';
import type { ZodType } from 'zod';
import type { Store } from '../store/driver.js';
import { UsageError } from '../model/errors.js';

export interface JobContext {
  store: Store;
  /** who asked for the job (a principal, a CLI user, or `schedule`) */
  actor: string;
  /** the job's row in `jobs` (runs started by the job name it) */
  jobId: number;
  /** report progress: fraction 0..1 and a short message */
  progress(fraction: number, message?: string): void;
  /** aborted when the runner stops (a worker on SIGTERM past its grace time): throw, the job is released */
  signal: AbortSignal;
  log(message: string): void;
}

export interface Job<P = unknown> {
  /** queue name: letters, digits, `.`, `_`, `-`, e.g. `store.analyze`, `safety.due_dates` */
  kind: string;
  /** one line, Chinese and English */
  description: string;
  params: ZodType<P>;
  /** cron (UTC), e.g. `0 2 * * *` daily at 02:00; scheduled runs get the parameters' defaults (`{}`) */
  schedule?: string;
  /** a job running longer is taken for dead (its worker lost) and retried; seconds, default 3600 */
  timeoutSeconds?: number;
  /** attempts after the first, default 2 */
  retries?: number;
  /**
   * the job's work commits once, as a run that names the job (startRun's jobId) or change sets that
   * name it (openChangeset's jobId): a retry that finds them committed (the success mark was lost
   * with the attempt's connection) marks the job succeeded and does not do the work again. A job
   * of several commits (one run per city) resumes by itself instead: it skips what it has done.
   */
  commitsOnce?: boolean;
  run(ctx: JobContext, params: P): Promise<unknown>;
}

const KIND = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/;

/** declare a job (checks its kind and cron once, at load) */
export function defineJob<P>(job: Job<P>): Job<P> {
  if (!KIND.test(job.kind) || job.kind.length > 50) throw new Error(`job kind "${job.kind}": lower-case words joined by dots, at most 50 characters`);
  if (job.schedule) {
    parseCron(job.schedule, job.kind);
    if (!job.params.safeParse({}).success) throw new Error(`job ${job.kind}: a scheduled job runs with {}: its parameters need defaults`);
  }
  return job;
}

export function parseCron(expr: string, what: string) {
  try {
    return cron.parseExpression(expr, { tz: 'UTC' });
  } catch (e) {
    throw new Error(`${what}: schedule "${expr}" is not a cron expression (${(e as Error).message})`);
  }
}

/** parameters that fail the job's schema: the message names the field (参数无效) */
export class JobParamsError extends UsageError {}

export function parseParams<P>(job: Job<P>, raw: unknown): P {
  const r = job.params.safeParse(raw ?? {});
  if (r.success) return r.data;
  const problems = r.error.issues.map((i) => `${i.path.length ? `params.${i.path.join('.')}` : 'params'}: ${i.message}`);
  throw new JobParamsError(`job ${job.kind}: invalid parameters (参数无效): ${problems.join('; ')}`);
}
