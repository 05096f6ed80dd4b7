/**
 * When each building is next due for its safety checkup (`opencim safety due`), in one pass over
 * the columnar register:
 * - an open grade C/D (latest inspection C or D, not remediated): its follow-up deadline governs
 *   (the inspection date itself when it set none), whatever the cycle;
 * - else, for every rule the building falls under: never inspected → the day it first falls under
 *   the rule (the start of its first phase); inspected on day d → d + the cycle of the phase that
 *   applies on d, or the rule's start when the rule only applies after d. The earliest wins.
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
  /** the latest inspection, -1 none */
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

export function computeDue(reg: SafetyRegister, c: CompiledRules, asOf: number, last = latestInspections(reg)): DueResult {
  const nextDue = new Int32Array(reg.n).fill(NO_DATE);
  const rule = new Int16Array(reg.n).fill(-1);
  for (let b = 0; b < reg.n; b++) {
    const j = last[b];
    if (openCD(reg, j)) {
      nextDue[b] = reg.inspDeadline[j] !== NO_DATE ? reg.inspDeadline[j] : reg.inspDate[j];
      rule[b] = FOLLOW_UP;
      continue;
    }
    if (!reg.yearBuilt[b]) continue;
    const d = j >= 0 ? reg.inspDate[j] : NO_DATE;
    let best = NO_DATE, bestRule = -1;
    for (let r = 0; r < c.count; r++) {
      if (!ruleMatches(c, r, reg, b)) continue;
      let first = 0x7fffffff, curStart = NO_DATE, curEvery = 0;
      for (let p = c.phaseStart[r]; p < c.phaseStart[r + 1]; p++) {
        const s = phaseDay(c, p, reg, b);
        if (s < first) first = s;
        // the phase in force on d: the latest start not after d (on a tie the shorter cycle)
        if (d !== NO_DATE && s <= d && (s > curStart || (s === curStart && c.phaseEvery[p] < curEvery))) { curStart = s; curEvery = c.phaseEvery[p]; }
      }
      const due = d === NO_DATE || curEvery === 0 ? first : addYears(d, curEvery);
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
