/**
 * The daily `safety.due` job (体检到期日更): for each city with a safety register, the overdue list
 * as of the day (by the cycle rules), recorded as a run (`runs`, kind `safety.due`) with its rows in
 * `safety_due_results` (migration 011), committed with the run's success in one transaction. The
 * viewer and the API read "overdue as of today" from the latest run (`latestDue`) instead of
 * recomputing it for every request. The rules: those given in the parameters (a preset or a rules
 * JSON object), else each city's own (`opencim safety rules set`, ./city-rules.ts), else the default preset.
 */
import { z } from 'zod';
import { defineJob } from '../../jobs/contract.js';
import type { Queryable, Store } from '../../store/driver.js';
import { copyFields } from '../../store/tables.js';
import { currentRun, succeedRun, withRun, type Run } from '../../store/runs.js';
import { computeDue, dueRow, overdueDays, type DueRow } from './due.js';
import { formatDate, parseDate, todayDays } from './model.js';
import { compileRules, isPreset, PRESETS, RuleSetSchema, parseRules, type RuleSet } from './rules.js';
import { chooseRules } from './city-rules.js';
import { readRegister, registerState } from './store.js';

export const DUE_RUN = 'safety.due';

export interface DueRunSummary {
  city: string; run_id: number; as_of: string;
  /** the rule set's id and version, and where it came from: the job's parameters, the city's stored rules, or the default preset */
  rules: string; rules_version: string; rules_from: 'given' | 'city' | 'default';
  buildings: number; overdue: number;
}

/** compute and record one city's overdue list as of `asOf` (days since 1970-01-01); `rules`: a preset, a file or a rule set, else the city's */
export async function recordDue(store: Store, city: string, o: { rules?: string | RuleSet; asOf: number; actor: string; jobId?: string }): Promise<DueRunSummary> {
  const chosen = await chooseRules(store, city, o.rules);
  const rules = compileRules(chosen.set);
  const asOf = formatDate(o.asOf);
  const about = { rules: chosen.set.id, rules_version: chosen.set.version, rules_from: chosen.from, ...(chosen.setting ? { rules_setting_run_id: chosen.setting.run_id } : {}) };
  const params = { ...about, ...(o.rules !== undefined && typeof o.rules !== 'string' ? { rules_set: o.rules } : {}), as_of: asOf };
  return withRun(store, { cityId: city, kind: DUE_RUN, params, actor: o.actor, jobId: o.jobId }, async (run) => {
    const reg = await readRegister(store, city);
    const res = computeDue(reg, rules, o.asOf);
    const lines: string[] = [];
    for (let b = 0; b < reg.n; b++) {
      if (overdueDays(res, b) <= 0) continue;
      const r = dueRow(reg, rules, res, b);
      lines.push(copyFields([city, run.run_id, r.building_id, r.rule, r.last_inspection, r.next_due, r.overdue_days]));
    }
    const summary = { as_of: asOf, ...about, buildings: reg.n, overdue: lines.length };
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

/** a preset's name or a rule set's JSON (rules/README.md); a file path would be read on whichever machine runs the job, so it is refused */
const RulesParam = z.unknown().transform((v, ctx): string | RuleSet => {
  if (typeof v === 'string') {
    if (isPreset(v)) return v;
    ctx.addIssue({ code: 'custom', message: `"${v}" 不是预设规则（${PRESETS.join('、')}）：请给预设名或规则 JSON 对象本身；文件路径在执行任务的机器上未必存在，城市自己的规则请用 \`opencim safety rules set FILE\` 保存（任务默认使用）/ ` +
      `"${v}" is not a preset (${PRESETS.join(', ')}): give a preset or the rules JSON object itself; a file path may not exist where a worker runs the job: store a city's own rules with \`opencim safety rules set FILE\` (the job uses them by default)` });
    return z.NEVER;
  }
  const r = RuleSetSchema.safeParse(v);
  if (!r.success) {
    for (const i of r.error.issues) ctx.addIssue({ code: 'custom', path: i.path as (string | number)[], message: `${i.message} (rules/README.md)` });
    return z.NEVER;
  }
  try { return parseRules(r.data, 'rules'); } catch (e) { ctx.addIssue({ code: 'custom', message: (e as Error).message }); return z.NEVER; }
});

const isoDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/).refine((s) => parseDate(s) !== null, 'not a calendar date YYYY-MM-DD');

/** the scheduled job: daily at 00:30 UTC, every city with a register (or one) */
export const dueJob = defineJob({
  kind: DUE_RUN,
  description: '房屋体检到期 / house safety checkups: the overdue list as of the day, recorded as a run (daily)',
  params: z.object({
    cityId: z.string().min(1).max(128).optional(),
    /** a preset or a rules JSON object; default: each city's stored rules, else the default preset */
    rules: RulesParam.optional(),
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
      // a retry resumes: a city whose run an earlier attempt of this job committed is not run again
      const [done] = await ctx.store.query<{ run_id: number; summary: Omit<DueRunSummary, 'city' | 'run_id'> | string }>(
        `SELECT run_id, summary FROM runs WHERE city_id = $1 AND kind = $2 AND job_id = $3 AND status = 'succeeded' ORDER BY run_id LIMIT 1`, [c, DUE_RUN, String(ctx.jobId)]);
      if (done) {
        out.push({ city: c, run_id: Number(done.run_id), ...(typeof done.summary === 'string' ? JSON.parse(done.summary) : done.summary) });
        continue;
      }
      out.push(await recordDue(ctx.store, c, { rules: p.rules, asOf, actor: ctx.actor || `job:${DUE_RUN}`, jobId: String(ctx.jobId) }));
      ctx.progress(out.length / cities.length, c);
    }
    return out;
  },
});
