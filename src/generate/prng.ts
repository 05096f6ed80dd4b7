/**
 * Small deterministic randomness for the synthetic city: a 32-bit integer hash to derive
 * independent streams from (seed, indices) and the mulberry32 generator. No Math.random anywhere
 * in the generator, so the same (buildings, seed) always gives a byte-identical file.
 */

/** Hash any number of 32-bit integers (and the seed) into one well-mixed unsigned 32-bit integer. */
export function hash32(...values: number[]): number {
  let h = 0x811c9dc5 ^ values.length;
  for (let i = 0; i < values.length; i++) {
    let k = values[i] | 0;
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  // fmix32
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** hash32 mapped to [0, 1). */
export function hashUnit(...values: number[]): number {
  return hash32(...values) / 4294967296;
}

/** Normalise a user seed (any finite number) to an unsigned 32-bit integer. */
export function normaliseSeed(seed: number): number {
  if (!Number.isFinite(seed)) throw new Error(`seed must be a finite number, got ${seed}`);
  const s = Math.trunc(seed);
  // mix the high part in too, so 1 and 2^32 + 1 differ
  const hi = Math.floor(s / 4294967296) | 0;
  return hash32(s | 0, hi, 0x5eed);
}

/** mulberry32: tiny, fast, good enough for procedural geometry. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** uniform in [0, 1) */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** uniform in [a, b) */
  range(a: number, b: number): number {
    return a + (b - a) * this.next();
  }
  /** integer in [a, b] inclusive */
  int(a: number, b: number): number {
    return a + Math.floor((b - a + 1) * this.next());
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
  /** pick with weights (need not sum to 1) */
  weighted<T>(items: readonly T[], weights: readonly number[]): T {
    let total = 0;
    for (const w of weights) total += w;
    let r = this.next() * total;
    for (let i = 0; i < items.length; i++) {
      r -= weights[i];
      if (r < 0) return items[i];
    }
    return items[items.length - 1];
  }
  /** Fisher–Yates shuffle in place */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const t = items[i];
      items[i] = items[j];
      items[j] = t;
    }
    return items;
  }
}
