import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/driver.js';
import { pieces } from '../../src/model/pieces.js';
import { DRIVERS } from '../helpers/stores.js';

describe('pieces (model/pieces.ts)', () => {
  it('groups lines into pieces of at least the size asked (the last one excepted), nothing lost or reordered', () => {
    const lines = Array.from({ length: 1000 }, (_, i) => `${i}\t${'x'.repeat(i % 37)}\n`);
    const out = [...pieces(lines, 500)];
    expect(out.join('')).toBe(lines.join(''));
    expect(out.slice(0, -1).every((p) => p.length >= 500)).toBe(true);
    expect(out.length).toBeGreaterThan(10);
    expect([...pieces([])]).toEqual([]);
  });
});

describe.each(DRIVERS)('COPY from pieces ($name)', (driver) => {
  it('writes every row of an iterable, pulled as it is sent, in the transaction', async () => {
    const store = await openStore(await driver.fresh());
    try {
      let pulled = 0;
      function* lines() { for (let i = 0; i < 50_000; i++) { pulled++; yield `${i}\t名${i}\n`; } }
      const n = await store.transaction(async (tx) => {
        await tx.exec('CREATE TEMP TABLE t (i integer, s text) ON COMMIT DROP');
        await tx.copyIn('t', ['i', 's'], pieces(lines(), 4096));
        return (await tx.query<{ n: number; s: string }>(`SELECT count(*)::int AS n, max(s) FILTER (WHERE i = 49999) AS s FROM t`))[0];
      });
      expect(pulled).toBe(50_000);
      expect(n).toEqual({ n: 50_000, s: '名49999' });
    } finally { await store.close(); }
  });
});
