import { describe, expect, it } from 'vitest';
import { DRIVERS } from '../helpers/stores.js';
import { openStore } from '../../src/store/driver.js';
import { computeSla, runSla } from '../../src/domains/operations/sla.js';
import { act, caseHistory, getCase, opsConfig, report } from '../../src/domains/operations/store.js';

const cfg = opsConfig();
const at = (s: string) => Date.parse(s);

describe('SLA kernel', () => {
  it('counts lateness in working hours and grades it', () => {
    // garbage: accept limit 1 h. Reported Mon 2026-03-02 10:00 → deadline 11:00.
    const deadline = new Float64Array([at('2026-03-02T11:00:00+08:00'), at('2026-03-02T11:00:00+08:00'), at('2026-03-02T11:00:00+08:00'), at('2026-03-06T18:00:00+08:00')]);
    const stageStart = new Float64Array([at('2026-03-02T10:00:00+08:00'), at('2026-03-02T10:00:00+08:00'), at('2026-03-02T10:00:00+08:00'), at('2026-03-06T17:00:00+08:00')]);
    const r = computeSla({ deadline: deadline.subarray(0, 1), stageStart: stageStart.subarray(0, 1) }, at('2026-03-02T11:20:00+08:00'), cfg.calendar);
    expect(r.level[0]).toBe(1);
    expect(r.overdueHours[0]).toBeCloseTo(1 / 3, 5);
    const r2 = computeSla({ deadline, stageStart }, at('2026-03-02T12:00:00+08:00'), cfg.calendar);
    expect(Array.from(r2.level)).toEqual([3, 3, 3, 0]);
    const r3 = computeSla({ deadline, stageStart }, at('2026-03-02T11:30:00+08:00'), cfg.calendar);
    expect(Array.from(r3.level)).toEqual([2, 2, 2, 0]);
    // Fri 18:00 deadline, Saturday noon: past in clock time, not in working time
    const r4 = computeSla({ deadline: deadline.subarray(3), stageStart: stageStart.subarray(3) }, at('2026-03-07T12:00:00+08:00'), cfg.calendar);
    expect([r4.level[0], r4.overdue]).toEqual([0, 0]);
    const r5 = computeSla({ deadline: deadline.subarray(3), stageStart: stageStart.subarray(3) }, at('2026-03-09T09:30:00+08:00'), cfg.calendar);
    expect([r5.overdueHours[0], r5.level[0]]).toEqual([0.5, 2]);
  });
});

describe.each(DRIVERS)('SLA run ($name)', (driver) => {
  it('flags overdue cases, escalates once per level as a new version, and resets on the next stage', async () => {
    const store = await openStore(await driver.fresh());
    try {
      let n = 0;
      // 200 m apart: never duplicates of each other (a random spot could fall within the 50 m duplicate radius)
      const mk = (code: string, t: string, attributes = {}) => report(store, cfg, { cityId: 'c', serviceCode: code, lon: 116.3 + 0.0025 * n++, lat: 39.9, channel: 'hotline', actor: 'h', attributes, at: at(t) });
      const a = await mk('garbage', '2026-03-02T10:00:00+08:00');                      // accept by 11:00
      const b = await mk('illegal_construction', '2026-03-02T10:00:00+08:00');         // accept 4 h: by 14:30
      const c = await mk('garbage', '2026-03-02T11:00:00+08:00');                      // by 12:00
      const now = at('2026-03-02T11:45:00+08:00');
      const r = await runSla(store, 'c', { now, actor: 'job:sla' });
      expect([r.overdue, r.escalated, r.by_level]).toEqual([1, 1, [0, 1, 0]]);   // 0.75 h late on a 1 h limit: yellow
      const row = await store.query<{ case_id: string; overdue_hours: number; level: number; stage: string }>('SELECT case_id, overdue_hours, level, stage FROM case_sla WHERE run_id = $1', [r.runId]);
      expect(row.map((x) => [x.case_id, Number(x.overdue_hours), x.level, x.stage])).toEqual([[a.id, 0.75, 2, 'accept']]);
      const h = await caseHistory(store, 'c', a.id);
      expect(h.map((v) => [v.version, v.action, v.actor])).toEqual([[1, 'report', 'h'], [2, 'escalate', 'job:sla']]);
      expect((await getCase(store, 'c', a.id))!.escalation).toBe(2);
      const again = await runSla(store, 'c', { now: now + 60_000, actor: 'job:sla' });
      expect([again.overdue, again.escalated]).toEqual([1, 0]);                       // no second escalation
      expect((await caseHistory(store, 'c', b.id)).length).toBe(1);
      const moved = await act(store, cfg, { cityId: 'c', id: a.id, action: 'accept', roles: ['supervisor'], actor: 's', at: now + 120_000 });
      expect(moved.escalation).toBe(0);
      const later = await runSla(store, 'c', { now: at('2026-03-02T13:45:00+08:00'), actor: 'job:sla' });
      // c (accept by 12:00, 15 min late in working time at 13:45 after lunch) and a (dispatch 1 h from 11:47 → 13:47: not yet)
      expect(later.overdue).toBe(1);
      const late = await store.query<{ case_id: string; level: number }>('SELECT case_id, level FROM case_sla WHERE run_id = $1', [later.runId]);
      expect(late.map((x) => [x.case_id, x.level])).toEqual([[c.id, 1]]);
    } finally { await store.close(); }
  });
});
