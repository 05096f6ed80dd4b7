import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/driver.js';
import { analyzeStale } from '../../src/store/statistics.js';
import { DRIVERS } from '../helpers/stores.js';

describe.each(DRIVERS)('planner statistics made fresh where stale (store/statistics.ts, $name)', (driver) => {
  it('analyses a table never analysed or grown by more than a tenth, and leaves one whose statistics still hold', async () => {
    const store = await openStore(await driver.fresh());
    try {
      await store.exec('CREATE TABLE t1 (i int, s text); CREATE TABLE t2 (i int, s text)');
      await store.exec(`INSERT INTO t1 SELECT g, repeat('x', 50) FROM generate_series(1, 20000) g; INSERT INTO t2 SELECT g, 'y' FROM generate_series(1, 100) g`);
      const rows = async (t: string) => Number((await store.query<{ n: number }>(`SELECT reltuples::float8 AS n FROM pg_class WHERE relname = $1`, [t]))[0].n);
      expect(await analyzeStale(store, ['t1', 't2'])).toEqual(['t1', 't2']);
      expect([await rows('t1'), await rows('t2')]).toEqual([20000, 100]);
      // fresh: nothing to do
      expect(await analyzeStale(store, ['t1', 't2'])).toEqual([]);
      // t1 grows by 5%: its statistics hold; by 30%: stale
      await store.exec(`INSERT INTO t1 SELECT g, repeat('x', 50) FROM generate_series(1, 1000) g`);
      expect(await analyzeStale(store, ['t1', 't2'])).toEqual([]);
      await store.exec(`INSERT INTO t1 SELECT g, repeat('x', 50) FROM generate_series(1, 6000) g`);
      expect(await analyzeStale(store, ['t1', 't2'])).toEqual(['t1']);
      expect(await rows('t1')).toBe(27000);
    } finally { await store.close(); }
  });
});
