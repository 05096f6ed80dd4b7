import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('PGlite as installed (scripts/patch-pglite.mjs, postinstall)', () => {
  it("has its dlsym look-up by index map, not by a fresh array of every export per symbol", () => {
    const dist = dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
    const glue = readdirSync(dist).filter((f) => /\.c?js$/.test(f)).map((f) => readFileSync(join(dist, f), 'utf8')).filter((s) => s.includes('dlsym'));
    expect(glue.length).toBeGreaterThan(0);
    for (const s of glue) {
      expect(s).not.toMatch(/Object\.keys\([\w$]+\.exports\)\.indexOf\(/);
      expect(s).toContain('__opencimSymbolIndex(');
    }
  });
});
