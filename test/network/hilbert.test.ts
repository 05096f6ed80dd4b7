import { describe, expect, it } from 'vitest';
import { hilbertOrder } from '../../src/analysis/network/graph.js';

describe('hilbertOrder', () => {
  // few points take a comparison sort, many the radix passes: both must give the one order (by key, ties by index)
  it('orders a few points as the radix sort orders them among many', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const n = 12_000;
    const x = Float64Array.from({ length: n }, rnd), y = Float64Array.from({ length: n }, () => Math.floor(rnd() * 200) / 200);
    for (let i = 0; i < n; i += 7) { x[i] = x[3]; y[i] = y[3]; } // repeated points: equal keys
    const all = hilbertOrder(n, (i) => x[i], (i) => y[i]);
    // a subset in index order, holding the extremes so that its bounding box (and so every key) is the same
    const ext = new Set<number>();
    for (const a of [x, y]) { let lo = 0, hi = 0; for (let i = 0; i < n; i++) { if (a[i] < a[lo]) lo = i; if (a[i] > a[hi]) hi = i; } ext.add(lo); ext.add(hi); }
    const sub = Array.from({ length: n }, (_, i) => i).filter((i) => i % 3 === 0 || ext.has(i));
    expect(sub.length).toBeLessThan(8192);
    const part = hilbertOrder(sub.length, (k) => x[sub[k]], (k) => y[sub[k]]);
    const inSub = new Set(sub);
    expect(Array.from(part, (k) => sub[k])).toEqual(Array.from(all).filter((i) => inSub.has(i)));
  });
});
