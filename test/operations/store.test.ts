import { describe, expect, it } from 'vitest';
import { DRIVERS } from '../helpers/stores.js';
import { openStore } from '../../src/store/driver.js';
import { act, annotate, caseHistory, getCase, listCases, opsConfig, report, OpsError } from '../../src/domains/operations/store.js';
import { TransitionError } from '../../src/domains/operations/cycle.js';

const cfg = opsConfig();
const at = (s: string) => Date.parse(s);

describe.each(DRIVERS)('cases in the store ($name)', (driver) => {
  it('keeps every transition as a version with who/when/note, hash-chained', async () => {
    const store = await openStore(await driver.fresh());
    try {
      const c = await report(store, cfg, { cityId: 'c1', serviceCode: 'garbage', lon: 116.4, lat: 39.9, description: '垃圾堆 <b>', channel: 'open311', actor: 'open311:fms', reporter: { email: 'a@b.cn' }, at: at('2026-03-02T10:00:00+08:00') });
      expect([c.version, c.status, c.department, c.deadline]).toEqual([1, 'reported', 'sanitation', '2026-03-02T03:00:00.000Z']);
      await act(store, cfg, { cityId: 'c1', id: c.id, action: 'accept', roles: ['supervisor'], actor: 'wang', at: at('2026-03-02T10:10:00+08:00') });
      await act(store, cfg, { cityId: 'c1', id: c.id, action: 'dispatch', roles: ['dispatcher'], actor: 'li', expectedVersion: 2, at: at('2026-03-02T10:20:00+08:00') });
      // someone else still looking at version 2 is refused
      await expect(act(store, cfg, { cityId: 'c1', id: c.id, action: 'dispatch', roles: ['dispatcher'], actor: 'zhao', expectedVersion: 2 })).rejects.toMatchObject({ status: 409 });
      await expect(act(store, cfg, { cityId: 'c1', id: c.id, action: 'close', roles: ['grid_worker'], actor: 'zhao' })).rejects.toBeInstanceOf(TransitionError);
      await annotate(store, { cityId: 'c1', id: c.id, actor: 'open311:fms', action: 'comment', note: '还在', mediaUrls: ['https://x.cn/1.jpg'] });
      const h = await caseHistory(store, 'c1', c.id);
      expect(h.map((v) => [v.version, v.status, v.action, v.actor])).toEqual([
        [1, 'reported', 'report', 'open311:fms'], [2, 'accepted', 'accept', 'wang'], [3, 'dispatched', 'dispatch', 'li'], [4, 'dispatched', 'comment', 'open311:fms']]);
      const cur = (await getCase(store, 'c1', c.id))!;
      expect(cur.media_urls).toEqual(['https://x.cn/1.jpg']);
      const chain = await store.query<{ ok: boolean }>(`SELECT bool_and(v.prev_hash = p.hash) AS ok FROM cases_versions v JOIN cases_versions p ON p.id = v.id AND p.version = v.version - 1`);
      expect(chain[0].ok).toBe(true);
      const n = await store.query<{ n: number }>('SELECT count(*)::int AS n FROM cases_versions WHERE valid_to IS NULL');
      expect(n[0].n).toBe(1);
      await expect(act(store, cfg, { cityId: 'c1', id: '999', action: 'accept', roles: ['admin'], actor: 'x' })).rejects.toBeInstanceOf(OpsError);
    } finally { await store.close(); }
  });

  it('links a duplicate (same class, within 50 m, within 72 h) instead of counting it twice', async () => {
    const store = await openStore(await driver.fresh());
    try {
      const base = { cityId: 'c1', channel: 'open311' as const, actor: 't', attributes: { state: 'missing' } };
      const a = await report(store, cfg, { ...base, serviceCode: 'manhole_cover', lon: 116.4, lat: 39.9, at: at('2026-03-02T10:00:00+08:00') });
      const near = await report(store, cfg, { ...base, serviceCode: 'manhole_cover', lon: 116.4003, lat: 39.9, at: at('2026-03-02T11:00:00+08:00') });   // ~26 m
      const far = await report(store, cfg, { ...base, serviceCode: 'manhole_cover', lon: 116.401, lat: 39.9, at: at('2026-03-02T11:00:00+08:00') });    // ~85 m
      const other = await report(store, cfg, { cityId: 'c1', channel: 'open311', actor: 't', serviceCode: 'garbage', lon: 116.4, lat: 39.9, at: at('2026-03-02T11:00:00+08:00') });
      const late = await report(store, cfg, { ...base, serviceCode: 'manhole_cover', lon: 116.4, lat: 39.9, at: at('2026-03-06T11:00:00+08:00') });      // 97 h later
      expect([near.status, near.duplicate_of]).toEqual(['duplicate', a.id]);
      expect([far.duplicate_of, other.duplicate_of, late.duplicate_of]).toEqual([null, null, null]);
      const open = await listCases(store, 'c1', { open311Status: 'open', limit: 100 });
      expect(open.map((c) => c.id).sort()).toEqual([a.id, far.id, other.id, late.id].sort());
    } finally { await store.close(); }
  });
});
