import { describe, expect, it } from 'vitest';
import { jsonChunks } from '../../src/report/outputs.js';

describe('outputs written in pieces', () => {
  it('jsonChunks is JSON.stringify, piece by piece, whatever the values', () => {
    const big = Array.from({ length: 30_000 }, (_, i) => ({ id: `a${i}`, v: i / 7, s: '中文 "q" \\ \n', n: null, u: undefined, list: [1, undefined, 'x'] }));
    const docs: Record<string, unknown>[] = [
      { a: 1, items: big, z: 'end' },
      { items: [], b: undefined, c: () => 1, d: { nested: [1, 2] } },
      { x: 1, y: [undefined, null] },
      { items: big.slice(0, 3) },
      { before: 'only', items: 'not an array' },
    ];
    for (const d of docs) {
      const parts = [...jsonChunks(d, 'items')];
      expect(parts.join('')).toBe(JSON.stringify(d));
      if (d.items === big) expect(parts.length).toBeGreaterThan(3);
    }
    // an iterable under the key is written as the array it yields (rows produced as they are written)
    function* rows() { for (const x of big) yield x; }
    expect([...jsonChunks({ a: 1, items: rows(), z: [2] }, 'items')].join('')).toBe(JSON.stringify({ a: 1, items: big, z: [2] }));
  });
});
