/**
 * The one registry of jobs: every runner, `opencim jobs submit` and `opencim worker` find jobs here.
 * Add a job by importing it and listing it in JOBS (a domain's jobs live in src/domains/<name>/jobs.ts).
 */
import { accessJob, checkJob, importJob } from './app-jobs.js';
import { analyzeJob, sleepJob } from './builtin.js';
import { slaJob } from '../domains/operations/sla.js';
import { tilesBuildJob, tilesRefreshJob } from '../server/tiles/job.js';
import { dueJob } from '../domains/safety/jobs.js';
import type { Job } from './contract.js';
import { UsageError } from '../model/errors.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const JOBS: readonly Job<any>[] = [analyzeJob, sleepJob, importJob, accessJob, checkJob, slaJob, dueJob, tilesBuildJob, tilesRefreshJob];

const byKind = new Map(JOBS.map((j) => [j.kind, j]));
if (byKind.size !== JOBS.length) throw new Error('two jobs share a kind in src/jobs/registry.ts');

export class UnknownJobError extends UsageError {}

export function getJob(kind: string): Job<unknown> {
  const j = byKind.get(kind);
  if (!j) throw new UnknownJobError(`no job kind "${kind.slice(0, 80)}" (未知任务类型); kinds: ${JOBS.map((x) => x.kind).join(', ')}`);
  return j;
}
