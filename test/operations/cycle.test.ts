import { describe, expect, it } from 'vitest';
import { WorkCalendar } from '../../src/domains/operations/calendar.js';
import { calendarPath, loadCatalogue } from '../../src/domains/operations/catalogue.js';
import { allowedActions, initialState, transition, TransitionError, open311Status } from '../../src/domains/operations/cycle.js';

const cal = WorkCalendar.load(calendarPath('cn-2026'));
const cat = loadCatalogue();
const k = cat.byService.get('garbage')!;   // accept 1, dispatch 1, handle 8, verify 2, close 2
const at = (s: string) => Date.parse(s);

describe('case cycle', () => {
  it('runs report → accept → dispatch → handle → verify → close with deadlines per stage', () => {
    let c = initialState(k, 'sanitation', at('2026-03-02T10:00:00+08:00'), cal);
    expect(c.status).toBe('reported');
    expect(c.deadline).toBe('2026-03-02T03:00:00.000Z');            // 11:00
    expect(c.expected_at).toBe('2026-03-03T10:00:00.000Z');         // 14 h: 6.5 h Mon + 7.5 h Tue → Tue 18:00
    c = transition(c, 'accept', { roles: ['supervisor'], at: at('2026-03-02T10:30:00+08:00'), k, cal });
    expect([c.status, c.deadline]).toEqual(['accepted', '2026-03-02T03:30:00.000Z']);
    c = transition(c, 'dispatch', { roles: ['dispatcher'], department: 'street_office', at: at('2026-03-02T11:00:00+08:00'), k, cal });
    expect([c.status, c.department, c.deadline]).toEqual(['dispatched', 'street_office', '2026-03-03T03:30:00.000Z']); // 8 h: Tue 11:30
    c = transition(c, 'handle', { roles: ['department'], at: at('2026-03-02T17:00:00+08:00'), k, cal });
    c = transition(c, 'verify', { roles: ['grid_worker'], at: at('2026-03-02T17:30:00+08:00'), k, cal });
    c = transition(c, 'close', { roles: ['supervisor'], at: at('2026-03-02T17:45:00+08:00'), k, cal });
    expect([c.status, c.deadline, c.closed_at]).toEqual(['closed', null, '2026-03-02T09:45:00.000Z']);
    expect(open311Status(c.status)).toEqual({ status: 'closed', extended: 'FIXED' });
  });
  it('refuses a wrong role (403), a wrong status (409), a missing note (400)', () => {
    const c = initialState(k, 'sanitation', at('2026-03-02T10:00:00+08:00'), cal);
    const o = { at: at('2026-03-02T10:05:00+08:00'), k, cal };
    const err = (f: () => unknown) => { try { f(); } catch (e) { return (e as TransitionError).status; } return 0; };
    expect(err(() => transition(c, 'accept', { ...o, roles: ['grid_worker'] }))).toBe(403);
    expect(err(() => transition(c, 'close', { ...o, roles: ['supervisor'] }))).toBe(409);
    expect(err(() => transition(c, 'reject', { ...o, roles: ['supervisor'] }))).toBe(400);
    expect(err(() => transition(c, 'fly', { ...o, roles: ['admin'] }))).toBe(400);
    const r = transition(c, 'reject', { ...o, roles: ['supervisor'], note: '不属于城管范围' });
    expect(r.status).toBe('rejected');
    const back = transition(r, 'reopen', { ...o, roles: ['admin'], note: '复查后应立案' });
    expect([back.status, back.closed_at]).toEqual(['accepted', null]);
  });
  it('offers each role only its actions (least privilege)', () => {
    expect(allowedActions('reported', ['citizen'])).toEqual([]);
    expect(allowedActions('reported', ['supervisor'])).toEqual(['accept', 'reject']);
    expect(allowedActions('dispatched', ['department'])).toEqual(['send_back', 'handle']);
    expect(allowedActions('handled', ['grid_worker'])).toEqual(['verify', 'rework']);
    expect(allowedActions('handled', ['dispatcher'])).toEqual([]);
  });
});
