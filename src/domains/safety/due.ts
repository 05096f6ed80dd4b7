/**
 * When each building is next due for its safety checkup (`opencim safety due`), in one pass over
 * the columnar register, as of a day: inspections dated after it are not yet made, remediations
 * dated after it not yet done.
 * - an open grade C/D (latest inspection C or D, not remediated): its follow-up deadline governs
 *   (the inspection date itself when it set none), whatever the cycle;
 * - else, for every rule the building falls under: never inspected → the day it first falls under
 *   the rule (the start of its first phase); inspected on day d before the rule applies → the
 *   rule's start; inspected on day d under the rule → the first day on which more time has passed
 *   since d than the cycle then in force: d + the cycle of the phase in force on d, unless a later
 *   phase begins before that, whose cycle then counts from d too (due on the later of its start and
 *   d + its cycle). The earliest rule wins.
 * A building none of whose rules can be placed (no rule matches, or the year built is unknown)
 * has no due date. Overdue when the due day has passed: overdue_days = as-of − due (> 0).
 */
import { addYears, formatDate } from './model.js';
import { latestInspections, NO_DATE, openCD, type SafetyRegister } from './register.js';
import { JAN1_BASE, type CompiledRules } from './rules.js';

/** rule index meaning "the C/D follow-up deadline" */
export const FOLLOW_UP = -2;
export const FOLLOW_UP_RULE = 'follow_up_deadline';

export interface DueResult {
  /** NO_DATE: none */
  nextDue: Int32Array;
  /** index in rules.set.rules, FOLLOW_UP, or -1 */
  rule: Int16Array;
  /** the latest inspection made by the as-of day, -1 none */
  last: Int32Array;
  asOf: number;
}

/** does rule r select building b (unknown values never satisfy a condition) */
export function ruleMatches(c: CompiledRules, r: number, reg: SafetyRegister, b: number): boolean {
  if (c.useMask[r] !== 0xffffffff && (reg.use[b] < 0 || !(c.useMask[r] & (1 << reg.use[b])))) return false;
  if (c.structureMask[r] !== 0xffffffff && (reg.structure[b] < 0 || !(c.structureMask[r] & (1 << reg.structure[b])))) return false;
  if (c.minHouseholds[r] >= 0 && reg.households[b] < c.minHouseholds[r]) return false;
  return true;
}

/** first day of phase p for building b */
function phaseDay(c: CompiledRules, p: number, reg: SafetyRegister, b: number): number {
  const life = reg.designLife[b] > 0 ? reg.designLife[b] : c.defaultLife;
  const y = reg.yearBuilt[b] + c.phaseYears[p] + (c.phaseFromDesign[p] ? life : 0) - JAN1_BASE;
  return c.jan1[Math.max(0, Math.min(c.jan1.length - 1, y))];
}

/** the due day under rule r of building b last inspected on day d (NO_DATE: never); `start`: scratch for the phases' first days */
function dueUnder(c: CompiledRules, r: number, reg: SafetyRegister, b: number, d: number, start: Int32Array): number {
  const p0 = c.phaseStart[r], n = c.phaseStart[r + 1] - p0;
  let first = 0x7fffffff;
  for (let k = 0; k < n; k++) { start[k] = phaseDay(c, p0 + k, reg, b); if (start[k] < first) first = start[k]; }
  if (d === NO_DATE || d < first) return first;
  let best = 0x7fffffff;
  for (let k = 0; k < n; k++) {
    // phase k is in force from its start to the next later start; of phases starting on one day, the shorter cycle (then the first listed)
    const s = start[k], every = c.phaseEvery[p0 + k];
    let end = 0x7fffffff, superseded = false;
    for (let q = 0; q < n; q++) {
      if (q === k) continue;
      const t = start[q], e = c.phaseEvery[p0 + q];
      if (t > s && t < end) end = t;
      else if (t === s && (e < every || (e === every && q < k))) superseded = true;
    }
    if (superseded || end <= d) continue;
    const due = Math.max(s, addYears(d, every));
    if (due < end && due < best) best = due;
  }
  return best;
}

/** due dates of every building as of day `asOf` (days since 1970-01-01) */
export function computeDue(reg: SafetyRegister, c: CompiledRules, asOf: number): DueResult {
  const last = latestInspections(reg, asOf);
  const nextDue = new Int32Array(reg.n).fill(NO_DATE);
  const rule = new Int16Array(reg.n).fill(-1);
  let most = 0;
  for (let r = 0; r < c.count; r++) most = Math.max(most, c.phaseStart[r + 1] - c.phaseStart[r]);
  const start = new Int32Array(most);
  for (let b = 0; b < reg.n; b++) {
    const j = last[b];
    if (openCD(reg, j, asOf)) {
      nextDue[b] = reg.inspDeadline[j] !== NO_DATE ? reg.inspDeadline[j] : reg.inspDate[j];
      rule[b] = FOLLOW_UP;
      continue;
    }
    if (!reg.yearBuilt[b]) continue;
    const d = j >= 0 ? reg.inspDate[j] : NO_DATE;
    let best = NO_DATE, bestRule = -1;
    for (let r = 0; r < c.count; r++) {
      if (!ruleMatches(c, r, reg, b)) continue;
      const due = dueUnder(c, r, reg, b, d, start);
      if (best === NO_DATE || due < best) { best = due; bestRule = r; }
    }
    nextDue[b] = best;
    rule[b] = bestRule;
  }
  return { nextDue, rule, last, asOf };
}

export interface DueRow { building_id: string; rule: string | null; last_inspection: string | null; next_due: string | null; overdue_days: number }

export function overdueDays(res: DueResult, b: number): number {
  const d = res.nextDue[b];
  return d !== NO_DATE && res.asOf > d ? res.asOf - d : 0;
}

export function dueRow(reg: SafetyRegister, c: CompiledRules, res: DueResult, b: number): DueRow {
  const r = res.rule[b], j = res.last[b];
  return {
    building_id: reg.ids[b],
    rule: r === FOLLOW_UP ? FOLLOW_UP_RULE : r >= 0 ? c.set.rules[r].id : null,
    last_inspection: j >= 0 ? formatDate(reg.inspDate[j]) : null,
    next_due: res.nextDue[b] !== NO_DATE ? formatDate(res.nextDue[b]) : null,
    overdue_days: overdueDays(res, b),
  };
}
