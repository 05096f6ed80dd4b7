/**
 * SLA (时限监督): every open case against the deadline of its current stage, in working time.
 * The kernel is columnar (typed arrays in, typed arrays out) so a million cases take a second;
 * `runSla` reads the open cases, records the overdue ones as a run (case_sla_runs, case_sla) and
 * escalates the cases that crossed a level with one bulk versioned write (action `escalate`; at most
 * `maxEscalations` per run, the most overdue first, so a backlog never makes one giant transaction).
 * Levels: 1 overdue (超时), 2 overdue by half the stage's limit (黄牌), 3 by the whole limit (红牌).
 * The scheduled job (`slaJob`) calls runSla for each city.
 */
import { z } from 'zod';
import { defineJob } from '../../jobs/contract.js';
import type { Store } from '../../store/driver.js';
import { copyValue } from '../../store/driver.js';
import { openChangeset, sealChangeset, writeStaged, contentColumns } from '../../store/archive.js';
import type { WorkCalendar } from './calendar.js';
import { CASES, type OpsConfig, opsConfig } from './store.js';

export interface SlaColumns { deadline: Float64Array; stageStart: Float64Array }
export interface SlaResult { overdueHours: Float32Array; level: Uint8Array; overdue: number; byLevel: [number, number, number] }

/** pure: overdue working hours and escalation level of each case at `now` */
export function computeSla(c: SlaColumns, now: number, cal: WorkCalendar): SlaResult {
  const n = c.deadline.length;
  const overdueHours = new Float32Array(n), level = new Uint8Array(n);
  const pNow = cal.position(now);
  const byLevel: [number, number, number] = [0, 0, 0];
  let overdue = 0;
  for (let i = 0; i < n; i++) {
    const d = c.deadline[i];
    if (!(d < now)) continue;
    const pd = cal.position(d);
    const late = pNow - pd;
    if (late <= 0) continue;   // past the deadline in clock time but not in working time (e.g. a weekend)
    const limit = pd - cal.position(c.stageStart[i]);
    overdueHours[i] = late / 3_600_000;
    const l = limit > 0 && late >= limit ? 3 : limit > 0 && late >= limit / 2 ? 2 : 1;
    level[i] = l;
    byLevel[l - 1]++;
    overdue++;
  }
  return { overdueHours, level, overdue, byLevel };
}

const STAGE_OF_STATUS: Record<string, string> = { reported: 'accept', accepted: 'dispatch', dispatched: 'handle', handled: 'verify', verified: 'close' };
const LEVEL_NOTE = ['', '超时 / overdue', '黄牌: 超时过半 / yellow card: overdue by half the limit', '红牌: 超时一倍 / red card: overdue by the whole limit'];

/** recompute the SLA of a city's open cases; escalate the ones that crossed a level */
export async function runSla(store: Store, cityId: string, o: { now?: number; actor: string; ops?: OpsConfig; maxEscalations?: number }) {
  const ops = o.ops ?? opsConfig();
  const now = o.now ?? Date.now();
  const t0 = performance.now();
  // one text value instead of a million row objects: id,deadline ms,stage start ms,escalation,status per line
  const [{ t }] = await store.query<{ t: string | null }>(
    `SELECT string_agg(id || ',' || (extract(epoch FROM deadline) * 1000)::bigint || ',' || (extract(epoch FROM stage_entered_at) * 1000)::bigint
       || ',' || escalation || ',' || status, E'\n') AS t
     FROM cases_current WHERE city_id = $1 AND deadline IS NOT NULL AND deadline < $2`, [cityId, new Date(now).toISOString()]);
  const lines0 = t ? t.split('\n') : [];
  const n = lines0.length;
  const cols: SlaColumns = { deadline: new Float64Array(n), stageStart: new Float64Array(n) };
  const rows: { id: string; e: number; st: string }[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const f = lines0[i].split(',');
    rows[i] = { id: f[0], e: Number(f[3]), st: f[4] };
    cols.deadline[i] = Number(f[1]); cols.stageStart[i] = Number(f[2]);
  }
  const t1 = performance.now();
  const r = computeSla(cols, now, ops.calendar);
  const t2 = performance.now();
  const candidates: number[] = [];
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    if (!r.level[i]) continue;
    lines.push(`${copyValue(rows[i].id)}\t${STAGE_OF_STATUS[rows[i].st] ?? ''}\t${r.overdueHours[i]}\t${r.level[i]}`);
    if (r.level[i] > Number(rows[i].e)) candidates.push(i);
  }
  // the most overdue first; a backlog beyond the cap is escalated by the next runs
  const max = o.maxEscalations ?? 2000;
  if (candidates.length > max) candidates.sort((a, b) => r.overdueHours[b] - r.overdueHours[a]);
  const escalate = candidates.slice(0, max).map((i) => `${rows[i].id}\t${r.level[i]}`);
  const summary = { open_past_deadline: n, overdue: r.overdue, by_level: r.byLevel, escalated: escalate.length, escalation_pending: candidates.length - escalate.length };
  let t3 = 0;
  const runId = await store.transaction(async (tx) => {
    const [run] = await tx.query<{ run_id: number }>(`INSERT INTO case_sla_runs (city_id, computed_at, summary) VALUES ($1, $2, $3) RETURNING run_id`,
      [cityId, new Date(now).toISOString(), JSON.stringify(summary)]);
    const id = Number(run.run_id);
    if (lines.length) {
      const prefix = `${copyValue(cityId)}\t${id}\t`;
      const text = prefix + lines.join(`\n${prefix}`) + '\n';
      await tx.copyIn('case_sla', ['city_id', 'run_id', 'case_id', 'stage', 'overdue_hours', 'level'], text);
    }
    t3 = performance.now();
    if (escalate.length) {
      const cs = await openChangeset(tx, { cityId, actor: o.actor, reason: 'sla escalate', kind: 'cases' });
      const cols = (await contentColumns(tx, CASES.table)).filter((c) => c !== 'city_id');
      await tx.exec('CREATE TEMP TABLE esc_levels (id text, level integer) ON COMMIT DROP');
      await tx.copyIn('esc_levels', ['id', 'level'], escalate.join('\n') + '\n');
      await tx.query(`CREATE TEMP TABLE esc_stage ON COMMIT DROP AS
        SELECT ${cols.map((c) => (c === 'escalation' ? 'l.level AS escalation' : c === 'action' ? `'escalate'::text AS action` : c === 'note' ? `(ARRAY[${LEVEL_NOTE.slice(1).map((s) => `'${s}'`).join(',')}])[l.level] AS note` : `c.${c}`)).join(', ')}
        FROM cases_current c JOIN esc_levels l ON l.id = c.id WHERE c.city_id = $1`, [cityId]);
      await writeStaged(tx, CASES, cs, 'esc_stage', { unique: true });
      await sealChangeset(tx, cs);
    }
    return id;
  });
  const t4 = performance.now();
  return { runId, ...summary, ms: { read: Math.round(t1 - t0), compute: Math.round(t2 - t1), record: Math.round(t3 - t2), escalate: Math.round(t4 - t3) } };
}

/** the scheduled job: every 10 minutes, the SLA of every city (or of one) */
export const slaJob = defineJob({
  kind: 'operations.sla',
  description: '案件时限 / case deadlines: overdue flags and escalation (every 10 minutes)',
  params: z.object({ cityId: z.string().min(1).max(128).optional() }).strict(),
  schedule: '*/10 * * * *',
  timeoutSeconds: 600,
  async run(ctx, p) {
    const cities = p.cityId ? [p.cityId] : (await ctx.store.query<{ city_id: string }>('SELECT city_id FROM cities ORDER BY city_id')).map((r) => r.city_id);
    const out = [];
    for (const c of cities) {
      // a city with no case is not a run
      if (!(await ctx.store.query('SELECT 1 FROM cases_current WHERE city_id = $1 LIMIT 1', [c])).length) continue;
      out.push({ city: c, ...(await runSla(ctx.store, c, { actor: ctx.actor || 'job:operations.sla' })) });
    }
    return out;
  },
});
