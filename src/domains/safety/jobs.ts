/**
 * The daily `safety.due` job (体检到期日更): for each city with a safety register, the overdue list
 * as of the day (by the cycle rules), recorded as a run (`runs`, kind `safety.due`) with its rows in
 * `safety_due_results` (migration 011), committed with the run's success in one transaction. The
 * viewer and the API read "overdue as of today" from the latest run (`latestDue`) instead of
 * recomputing it for every request.
 */
import { z } from 'zod';
import { defineJob } from '../../jobs/contract.js';
import type { Queryable, Store } from '../../store/driver.js';
import { copyFields } from '../../store/tables.js';
import { currentRun, succeedRun, withRun, type Run } from '../../store/runs.js';
import { computeDue, dueRow, overdueDays, type DueRow } from './due.js';
import { formatDate, parseDate, todayDays } from './model.js';
import { compileRules, loadRules, PRESETS } from './rules.js';
import { readRegister, registerState } from './store.js';

export const DUE_RUN = 'safety.due';

export interface DueRunSummary { city: string; run_id: number; as_of: string; rules: string; buildings: number; overdue: number }

/** compute and record one city's overdue list as of `asOf` (days since 1970-01-01) */
export async function recordDue(store: Store, city: string, o: { rules: string; asOf: number; actor: string; jobId?: string }): Promise<DueRunSummary> {
  const rules = compileRules(loadRules(o.rules));
  const asOf = formatDate(o.asOf);
  return withRun(store, { cityId: city, kind: DUE_RUN, params: { rules: o.rules, as_of: asOf }, actor: o.actor, jobId: o.jobId }, async (run) => {
    const reg = await readRegister(store, city);
    const res = computeDue(reg, rules, o.asOf);
    const lines: string[] = [];
    for (let b = 0; b < reg.n; b++) {
      if (overdueDays(res, b) <= 0) continue;
      const r = dueRow(reg, rules, res, b);
      lines.push(copyFields([city, run.run_id, r.building_id, r.rule, r.last_inspection, r.next_due, r.overdue_days]));
    }
    const summary = { as_of: asOf, rules: o.rules, rules_version: rules.set.version, buildings: reg.n, overdue: lines.length };
    await store.transaction(async (tx) => {
      for (let i = 0; i < lines.length; i += 50_000) {
        await tx.copyIn('safety_due_results', ['city_id', 'run_id', 'building_id', 'rule', 'last_inspection', 'next_due', 'overdue_days'], lines.slice(i, i + 50_000).join('\n') + '\n');
      }
      await succeedRun(tx, run.run_id, summary);
    });
    return { city, run_id: run.run_id, ...summary };
  });
}

/** The latest recorded overdue list of a city (most overdue first), or null when no run has been recorded. */
export async function latestDue(q: Queryable, city: string, o: { limit?: number; offset?: number } = {}): Promise<{ run: Run; rows: DueRow[] } | null> {
  const run = await currentRun(q, city, DUE_RUN);
  if (!run) return null;
  const rows = await q.query<DueRow>(
    `SELECT building_id, rule, to_char(last_inspection, 'YYYY-MM-DD') AS last_inspection, to_char(next_due, 'YYYY-MM-DD') AS next_due, overdue_days
     FROM safety_due_results WHERE city_id = $1 AND run_id = $2 ORDER BY overdue_days DESC, building_id LIMIT $3 OFFSET $4`,
    [city, run.run_id, o.limit ?? 1_000_000, o.offset ?? 0]);
  return { run, rows: rows.map((r) => ({ ...r, overdue_days: Number(r.overdue_days) })) };
}

const isoDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/).refine((s) => parseDate(s) !== null, 'not a calendar date YYYY-MM-DD');

/** the scheduled job: daily at 00:30 UTC, every city with a register (or one) */
export const dueJob = defineJob({
  kind: DUE_RUN,
  description: '房屋体检到期 / house safety checkups: the overdue list as of the day, recorded as a run (daily)',
  params: z.object({
    cityId: z.string().min(1).max(128).optional(),
    rules: z.enum(PRESETS).default('nantong'),
    /** the day to count from (default: today, UTC) */
    asOf: isoDay.optional(),
  }).strict(),
  schedule: '30 0 * * *',
  timeoutSeconds: 1800,
  async run(ctx, p) {
    const cities = p.cityId ? [p.cityId] : (await ctx.store.query<{ city_id: string }>('SELECT city_id FROM cities ORDER BY city_id')).map((r) => r.city_id);
    const asOf = p.asOf ? parseDate(p.asOf)! : todayDays();
    const out: DueRunSummary[] = [];
    for (const c of cities) {
      // a city without a register is not a run
      if (!(await registerState(ctx.store, c))) continue;
      out.push(await recordDue(ctx.store, c, { rules: p.rules, asOf, actor: ctx.actor || `job:${DUE_RUN}`, jobId: String(ctx.jobId) }));
      ctx.progress(out.length / cities.length, c);
    }
    return out;
  },
});
