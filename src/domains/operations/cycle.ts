/**
 * The case cycle (GB/T 30428): report 上报 → accept 立案 → dispatch 派遣 → handle 处置 →
 * verify 核查 → close 结案, with reject 不予立案, send back 退回, rework 返工 and reopen 重新立案.
 * Pure: given a case and an action by a role, the next case state (or an error saying why not).
 * Each transition becomes a new version of the case (store.ts); nothing is overwritten.
 */
import type { CaseClass, Stage } from './catalogue.js';
import { remainingHours } from './catalogue.js';
import type { WorkCalendar } from './calendar.js';

export const STATUSES = ['reported', 'accepted', 'dispatched', 'handled', 'verified', 'closed', 'rejected', 'duplicate'] as const;
export type Status = (typeof STATUSES)[number];
export const OPS_ROLES = ['citizen', 'grid_worker', 'dispatcher', 'department', 'supervisor', 'admin'] as const;
export type OpsRole = (typeof OPS_ROLES)[number];

export const STATUS_LABELS: Record<Status, { zh: string; en: string }> = {
  reported: { zh: '已上报', en: 'reported' }, accepted: { zh: '已立案', en: 'accepted' },
  dispatched: { zh: '已派遣', en: 'dispatched' }, handled: { zh: '已处置', en: 'handled' },
  verified: { zh: '已核查', en: 'verified' }, closed: { zh: '已结案', en: 'closed' },
  rejected: { zh: '不予立案', en: 'rejected' }, duplicate: { zh: '重复案件', en: 'duplicate' },
};

/** the stage whose time limit runs while a case is in this status (none once it is finished) */
export const STAGE_OF: Partial<Record<Status, Stage>> = {
  reported: 'accept', accepted: 'dispatch', dispatched: 'handle', handled: 'verify', verified: 'close',
};
export const isOpen = (s: Status) => STAGE_OF[s] !== undefined;

interface ActionDef { from: Status[]; to: Status; roles: OpsRole[]; note: boolean; zh: string; en: string }
export const ACTIONS = {
  accept: { from: ['reported'], to: 'accepted', roles: ['supervisor', 'admin'], note: false, zh: '立案', en: 'accept' },
  reject: { from: ['reported'], to: 'rejected', roles: ['supervisor', 'admin'], note: true, zh: '不予立案', en: 'reject' },
  dispatch: { from: ['accepted'], to: 'dispatched', roles: ['dispatcher', 'supervisor', 'admin'], note: false, zh: '派遣', en: 'dispatch' },
  send_back: { from: ['dispatched'], to: 'accepted', roles: ['department', 'admin'], note: true, zh: '退回', en: 'send back' },
  handle: { from: ['dispatched'], to: 'handled', roles: ['department', 'admin'], note: false, zh: '处置完毕', en: 'handled' },
  verify: { from: ['handled'], to: 'verified', roles: ['grid_worker', 'supervisor', 'admin'], note: false, zh: '核查通过', en: 'verified' },
  rework: { from: ['handled'], to: 'dispatched', roles: ['grid_worker', 'supervisor', 'admin'], note: true, zh: '核查不通过, 返工', en: 'rework' },
  close: { from: ['verified'], to: 'closed', roles: ['supervisor', 'admin'], note: false, zh: '结案', en: 'close' },
  reopen: { from: ['closed', 'rejected', 'duplicate'], to: 'accepted', roles: ['supervisor', 'admin'], note: true, zh: '重新立案', en: 'reopen' },
} satisfies Record<string, ActionDef>;
export type Action = keyof typeof ACTIONS;
export const ACTION_NAMES = Object.keys(ACTIONS) as Action[];

/** the state of a case that the cycle reads and writes (a subset of its record) */
export interface CaseState {
  status: Status;
  service_code: string;
  department: string | null;
  stage_entered_at: string;     // ISO
  deadline: string | null;      // ISO: end of the current stage's time limit
  expected_at: string | null;   // ISO: the end of the whole cycle if every stage keeps its limit
  closed_at: string | null;
  escalation: number;
}

export class TransitionError extends Error {
  constructor(readonly status: 400 | 403 | 409, message: string) { super(message); this.name = 'TransitionError'; }
}

/** the actions this role may take on a case in this status (what the case panel offers) */
export function allowedActions(status: Status, roles: readonly string[]): Action[] {
  return ACTION_NAMES.filter((a) => (ACTIONS[a].from as Status[]).includes(status) && ACTIONS[a].roles.some((r) => roles.includes(r)));
}

/** deadline and expected end for a case entering `status` at `at` */
export function timing(k: CaseClass, status: Status, at: number, cal: WorkCalendar): { deadline: string | null; expected_at: string | null } {
  const st = STAGE_OF[status];
  if (!st) return { deadline: null, expected_at: null };
  return {
    deadline: new Date(cal.addWorkingHours(at, k.limits[st])).toISOString(),
    expected_at: new Date(cal.addWorkingHours(at, remainingHours(k, st))).toISOString(),
  };
}

/** the state of a new report */
export function initialState(k: CaseClass, department: string | null, at: number, cal: WorkCalendar, duplicate = false): CaseState {
  const status: Status = duplicate ? 'duplicate' : 'reported';
  return {
    status, service_code: k.service_code, department, stage_entered_at: new Date(at).toISOString(),
    ...timing(k, status, at, cal), closed_at: duplicate ? new Date(at).toISOString() : null, escalation: 0,
  };
}

/**
 * Apply an action: checks the role, the current status and the note; returns the next state.
 * `department` overrides the automatic one on dispatch (manual dispatch).
 */
export function transition(c: CaseState, action: string, o: { roles: readonly string[]; note?: string; department?: string; at: number; k: CaseClass; cal: WorkCalendar }): CaseState {
  if (!(action in ACTIONS)) throw new TransitionError(400, `未知操作 "${action}"（可用：${ACTION_NAMES.join('、')}）/ unknown action "${action}" (actions: ${ACTION_NAMES.join(', ')})`);
  const def: ActionDef = ACTIONS[action as Action];
  if (!def.roles.some((r) => o.roles.includes(r))) throw new TransitionError(403, `无权操作：${def.zh}需要角色 ${def.roles.join(' 或 ')} / ${def.en} needs the role ${def.roles.join(' or ')}`);
  if (!def.from.includes(c.status)) {
    throw new TransitionError(409, `当前状态不允许此操作：案件${STATUS_LABELS[c.status].zh}，${def.zh}只适用于${def.from.map((s) => STATUS_LABELS[s].zh).join('或')}的案件 / ` +
      `${def.en} is not possible for a case that is ${c.status}; it needs ${def.from.join(' or ')}`);
  }
  if (def.note && !o.note?.trim()) throw new TransitionError(400, `请填写说明：${def.zh}需要写明原因 / ${def.en} needs a note saying why`);
  const department = action === 'dispatch' && o.department ? o.department : c.department;
  return {
    ...c, status: def.to, department, stage_entered_at: new Date(o.at).toISOString(), ...timing(o.k, def.to, o.at, o.cal),
    closed_at: isOpen(def.to) ? null : new Date(o.at).toISOString(),
    escalation: 0,   // each stage is escalated on its own deadline
  };
}

/** Open311 view of a status: open|closed plus FixMyStreet's extended status */
export function open311Status(s: Status): { status: 'open' | 'closed'; extended: string } {
  const extended: Record<Status, string> = {
    reported: 'FOR_TRIAGE', accepted: 'INVESTIGATING', dispatched: 'ACTION_SCHEDULED', handled: 'IN_PROGRESS',
    verified: 'FIXED', closed: 'FIXED', rejected: 'NO_FURTHER_ACTION', duplicate: 'DUPLICATE',
  };
  return { status: isOpen(s) && s !== 'verified' ? 'open' : 'closed', extended: extended[s] };
}
