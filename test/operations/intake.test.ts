import { describe, expect, it } from 'vitest';
import { DRIVERS } from '../helpers/stores.js';
import { openStore } from '../../src/store/driver.js';
import { verifyArchive } from '../../src/store/verify.js';
import { caseHistory, opsConfig, report, reportIn, type NewReport } from '../../src/domains/operations/store.js';
import { groupCommitOff, Intake, intakeOf, intakeOptionsFromEnv } from '../../src/domains/operations/intake.js';

const cfg = opsConfig();
const at = Date.parse('2026-03-02T10:00:00+08:00');
const base = { cityId: 'c1', channel: 'open311' as const, at };
/** n reports spread ~100 m apart (no duplicates among them) */
const spread = (n: number, actor = 'open311:fms'): NewReport[] =>
  Array.from({ length: n }, (_, i) => ({ ...base, actor, serviceCode: 'garbage', lon: 116.3 + (i % 10) * 0.0012, lat: 39.9 + Math.floor(i / 10) * 0.0009, description: `报告 ${i}` }));

describe.each(DRIVERS)('group commit of new cases ($name)', (driver) => {
  it('writes concurrent reports in few transactions: every one kept, acknowledged after commit, the archive intact', async () => {
    const store = await openStore(await driver.fresh({ migrated: true }));
    try {
      const intake = intakeOf(store);
      const before = { ...intake.stats };
      const rs = [...spread(40, 'open311:fms'), ...spread(20, 'hotline:import').map((r) => ({ ...r, lat: r.lat + 0.01, channel: 'hotline' as const }))];
      const cases = await Promise.all(rs.map((r) => report(store, cfg, r)));
      expect(new Set(cases.map((c) => c.id)).size).toBe(60);
      // what was answered is what the database holds (an independent count)
      const [{ n }] = await store.query<{ n: number }>(`SELECT count(*)::int AS n FROM cases_current WHERE city_id = 'c1'`);
      expect(n).toBe(60);
      const batches = intake.stats.batches - before.batches;
      expect(intake.stats.reports - before.reports).toBe(60);
      expect(batches).toBeLessThan(60);
      expect(intake.stats.largest).toBeGreaterThan(1);
      // reports of one actor and reason share a change set; each case still names its actor
      const sets = await store.query<{ actor: string; reason: string; n: number }>(
        `SELECT c.actor, c.reason, count(*)::int AS n FROM cases_versions v JOIN changesets c USING (changeset_id) GROUP BY 1, 2 ORDER BY 1`);
      expect(sets.map((s) => [s.actor, s.reason, s.n])).toEqual([['hotline:import', 'report via hotline', 20], ['open311:fms', 'report via open311', 40]]);
      const [{ cs }] = await store.query<{ cs: number }>(`SELECT count(DISTINCT changeset_id)::int AS cs FROM cases_versions`);
      expect(cs).toBeLessThan(60);
      const h = await caseHistory(store, 'c1', cases[45].id);
      expect(h.map((v) => [v.version, v.actor])).toEqual([[1, 'hotline:import']]);
      const v = await verifyArchive(store, 'c1');
      expect(v.broken).toEqual([]);
      expect(v.ok).toBe(true);
      expect(v.cities[0].changesets).toBe(cs);
    } finally { await store.close(); }
  });

  it('links a duplicate reported in the same batch as its original', async () => {
    const store = await openStore(await driver.fresh({ migrated: true }));
    try {
      const r = { ...base, actor: 't', serviceCode: 'manhole_cover', attributes: { state: 'missing' }, lat: 39.9 };
      const intake = new Intake(store, { maxBatch: 50, concurrency: 1 });
      // the far one takes the only slot, so the two near ones queue and are written in one batch
      const [far, a, b] = await Promise.all([intake.submit(cfg, { ...r, lon: 116.41 }), intake.submit(cfg, { ...r, lon: 116.4 }), intake.submit(cfg, { ...r, lon: 116.4002 })]);
      expect([intake.stats.batches, intake.stats.largest]).toEqual([2, 2]);
      // one of the two near ones is the original, the other is linked to it; the far one stands alone
      const near = [a, b].sort((x, y) => Number(x.id) - Number(y.id));
      expect([near[0].duplicate_of, near[1].duplicate_of, near[1].status, far.duplicate_of]).toEqual([null, near[0].id, 'duplicate', null]);
    } finally { await store.close(); }
  });

  it('a batch decides duplicates, deadlines and departments exactly as one report at a time would', async () => {
    const one = await openStore(await driver.fresh({ migrated: true }));
    const many = await openStore(await driver.fresh({ migrated: true }));
    try {
      // 40 reports: two classes, clustered (every ~9 m, so many are within 50 m of an earlier one), and spread ones
      const rs: NewReport[] = Array.from({ length: 40 }, (_, i) => ({
        ...base, actor: 't', serviceCode: i % 3 === 0 ? 'street_light' : 'garbage',
        lon: i < 24 ? 116.35 + i * 0.0001 : 116.36 + (i - 24) * 0.002, lat: 39.95, at: at + i * 60_000,
      }));
      const seq = [];
      for (const r of rs) seq.push(await many.transaction((tx) => reportIn(tx, cfg, r)));
      const intake = new Intake(one, { maxBatch: 100, concurrency: 1 });
      const first = intake.submit(cfg, { ...rs[0], lon: 116.5, at: at - 86400_000 * 10 });   // takes the slot: the 40 queue into one batch
      const batched = await Promise.all(rs.map((r) => intake.submit(cfg, r)));
      await first;
      expect(intake.stats.largest).toBe(40);
      const idx = (list: typeof seq) => new Map(list.map((c, i) => [c.id, i]));
      const a = idx(seq), b = idx(batched);
      const view = (list: typeof seq, m: Map<string, number>) => list.map((c) => [c.status, c.duplicate_of === null ? null : m.get(c.duplicate_of), c.department, c.deadline, c.expected_at]);
      expect(view(batched, b)).toEqual(view(seq, a));
      expect(seq.filter((c) => c.duplicate_of !== null).length).toBeGreaterThan(10);
      expect((await verifyArchive(one)).ok).toBe(true);
    } finally { await one.close(); await many.close(); }
  });

  it('a bad report fails alone: by validation at once, by the database after its batch is retried report by report', async () => {
    const store = await openStore(await driver.fresh({ migrated: true }));
    try {
      const intake = new Intake(store, { maxBatch: 50, concurrency: 1 });
      const good = spread(12);
      const results = await Promise.allSettled([
        ...good.slice(0, 4).map((r) => intake.submit(cfg, r)),
        intake.submit(cfg, { ...good[4], serviceCode: 'no_such_class' }),
        intake.submit(cfg, { ...base, actor: 't', serviceCode: 'manhole_cover', lon: 116.4, lat: 39.9, attributes: { state: 'purple' } }),
        // refused by the database (content_type is NOT NULL): its whole batch rolls back, then each is retried alone
        intake.submit(cfg, { ...good[5], media: [{ id: 'f'.repeat(64), contentType: null as unknown as string, bytes: Buffer.from('x') }] }),
        ...good.slice(6).map((r) => intake.submit(cfg, r)),
      ]);
      expect(results.map((r) => r.status)).toEqual([...Array(4).fill('fulfilled'), 'rejected', 'rejected', 'rejected', ...Array(6).fill('fulfilled')]);
      expect((results[4] as PromiseRejectedResult).reason.message).toMatch(/no_such_class/);
      expect((results[5] as PromiseRejectedResult).reason.message).toMatch(/state/);
      expect(intake.stats.retried).toBeGreaterThan(0);
      const [{ n }] = await store.query<{ n: number }>(`SELECT count(*)::int AS n FROM cases_current`);
      expect(n).toBe(10);
      expect((await verifyArchive(store)).ok).toBe(true);
    } finally { await store.close(); }
  });

  it('drain() waits for queued reports before the store closes', async () => {
    const store = await openStore(await driver.fresh({ migrated: true }));
    let n = -1;
    try {
      const intake = new Intake(store, { maxBatch: 5, concurrency: 1 });
      const pending = spread(23).map((r) => intake.submit(cfg, r));
      await intake.drain();
      n = (await store.query<{ n: number }>(`SELECT count(*)::int AS n FROM cases_current`))[0].n;
      expect((await Promise.all(pending)).length).toBe(23);
      expect(intake.stats.batches).toBeGreaterThanOrEqual(5);
      expect(intake.stats.largest).toBeLessThanOrEqual(5);
    } finally { await store.close(); }
    expect(n).toBe(23);
  });
});

describe('group commit settings', () => {
  it('reads OPENCIM_GROUP_COMMIT', () => {
    expect([groupCommitOff('off'), groupCommitOff('0'), groupCommitOff(undefined), groupCommitOff('64x3')]).toEqual([true, true, false, false]);
    expect(intakeOptionsFromEnv('64x3')).toEqual({ maxBatch: 64, concurrency: 3 });
    expect(intakeOptionsFromEnv('lots')).toEqual({});
  });
});
