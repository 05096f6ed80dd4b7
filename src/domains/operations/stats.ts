/**
 * Operations statistics by grid, street, class or department: cases (duplicates linked, not
 * counted), open, closed, overdue now, the on-time rate of each stage (a transition on or before
 * the deadline of the stage it ends), mean hours from report to close, and the weekly trend.
 */
import type { Queryable } from '../../store/driver.js';
import { STAGES } from './catalogue.js';

export const STAT_GROUPS = { grid: 'c.grid_code', street: 'g.street', class: 'c.service_code', department: 'c.department' } as const;
export type StatGroup = keyof typeof STAT_GROUPS;

export interface StatRow {
  key: string | null; cases: number; open: number; closed: number; overdue_now: number; duplicates: number;
  on_time: Record<string, number | null>; mean_hours_to_close: number | null; weekly: { week: string; cases: number }[];
}

export async function operationsStats(q: Queryable, cityId: string, by: StatGroup, now = Date.now()): Promise<StatRow[]> {
  const key = STAT_GROUPS[by];
  const join = `LEFT JOIN grids_current g ON g.city_id = c.city_id AND g.code = c.grid_code`;
  const nowIso = new Date(now).toISOString();
  const base = await q.query<{ key: string | null; cases: number; open: number; closed: number; overdue_now: number; duplicates: number; mean_h: number | null }>(
    `SELECT ${key} AS key, count(*) FILTER (WHERE c.status <> 'duplicate')::int AS cases,
       count(*) FILTER (WHERE c.status IN ('reported', 'accepted', 'dispatched', 'handled', 'verified'))::int AS open,
       count(*) FILTER (WHERE c.status IN ('closed', 'rejected'))::int AS closed,
       count(*) FILTER (WHERE c.deadline < $2)::int AS overdue_now,
       count(*) FILTER (WHERE c.status = 'duplicate')::int AS duplicates,
       (avg(extract(epoch FROM c.closed_at - c.reported_at)) FILTER (WHERE c.status = 'closed') / 3600)::float8 AS mean_h
     FROM cases_current c ${join} WHERE c.city_id = $1 GROUP BY 1 ORDER BY 1 NULLS LAST`, [cityId, nowIso]);
  const onTime = await q.query<{ key: string | null; stage: string; rate: number }>(
    `SELECT key, action AS stage, avg(CASE WHEN valid_from <= prev_deadline THEN 1.0 ELSE 0.0 END)::float8 AS rate FROM (
       SELECT ${key} AS key, v.action, v.valid_from, lag(v.deadline) OVER (PARTITION BY v.id ORDER BY v.version) AS prev_deadline
       FROM cases_versions v JOIN cases_current c ON c.city_id = v.city_id AND c.id = v.id ${join} WHERE v.city_id = $1) t
     WHERE action = ANY($2) AND prev_deadline IS NOT NULL GROUP BY 1, 2`, [cityId, [...STAGES]]);
  const weekly = await q.query<{ key: string | null; week: string; n: number }>(
    `SELECT ${key} AS key, to_char(date_trunc('week', c.reported_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS week, count(*)::int AS n
     FROM cases_current c ${join} WHERE c.city_id = $1 AND c.status <> 'duplicate' AND c.reported_at >= $2::timestamptz - interval '12 weeks'
     GROUP BY 1, 2 ORDER BY 2`, [cityId, nowIso]);
  const k = (v: string | null) => v ?? '\u0000';
  return base.map((b) => ({
    key: b.key, cases: b.cases, open: b.open, closed: b.closed, overdue_now: b.overdue_now, duplicates: b.duplicates,
    on_time: Object.fromEntries(STAGES.map((s) => [s, onTime.find((o) => k(o.key) === k(b.key) && o.stage === s)?.rate ?? null])),
    mean_hours_to_close: b.mean_h === null ? null : Number(Number(b.mean_h).toFixed(2)),
    weekly: weekly.filter((w) => k(w.key) === k(b.key)).map((w) => ({ week: w.week, cases: w.n })),
  }));
}

const cell = (v: unknown) => { const s = v === null || v === undefined ? '' : String(v); return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s; };
export function statsCsv(by: StatGroup, rows: StatRow[]): string {
  const head = [by, 'cases', 'open', 'closed', 'overdue_now', 'duplicates', ...STAGES.map((s) => `on_time_${s}`), 'mean_hours_to_close'];
  return [head.join(','), ...rows.map((r) => [r.key, r.cases, r.open, r.closed, r.overdue_now, r.duplicates,
    ...STAGES.map((s) => (r.on_time[s] === null ? '' : r.on_time[s]!.toFixed(4))), r.mean_hours_to_close].map(cell).join(','))].join('\n') + '\n';
}
