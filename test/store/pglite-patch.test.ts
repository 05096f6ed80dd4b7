import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/driver.js';
import { DRIVERS } from '../helpers/stores.js';

const require = createRequire(import.meta.url);

describe('PGlite as installed (scripts/, postinstall)', () => {
  it("has its dlsym look-up by index map, not by a fresh array of every export per symbol (patch-pglite.mjs)", () => {
    const dist = dirname(require.resolve('@electric-sql/pglite'));
    const glue = readdirSync(dist).filter((f) => /\.c?js$/.test(f)).map((f) => readFileSync(join(dist, f), 'utf8')).filter((s) => s.includes('dlsym'));
    expect(glue.length).toBeGreaterThan(0);
    for (const s of glue) {
      expect(s).not.toMatch(/Object\.keys\([\w$]+\.exports\)\.indexOf\(/);
      expect(s).toContain('__opencimSymbolIndex(');
    }
  });

  it('has the PostGIS core bundle beside the whole one, with what a store reads, and a store works from it (slim-postgis.mjs)', async () => {
    const dist = dirname(require.resolve('@electric-sql/pglite-postgis'));
    const core = join(dist, 'postgis-core.tar.gz');
    expect(existsSync(core)).toBe(true);
    const files = execFileSync('tar', ['tzf', core], { encoding: 'utf8' }).split('\n');
    const control = execFileSync('tar', ['xzOf', core, 'share/postgresql/extension/postgis.control'], { encoding: 'utf8' });
    const version = /default_version\s*=\s*'([^']+)'/.exec(control)![1];
    for (const f of ['lib/postgresql/postgis-3.so', `share/postgresql/extension/postgis--${version}.sql`, 'share/proj/proj.db']) expect(files).toContain(f);
    expect(files.some((f) => /raster|topology|tiger/.test(f))).toBe(false);
    // the embedded store (made from it in this run's template) has PostGIS whole: GEOS, PROJ, geography
    const store = await openStore(await DRIVERS[0].fresh());
    try {
      const [r] = await store.query<{ p: string; valid: boolean; area: number }>(
        `SELECT ST_AsText(ST_SnapToGrid(ST_Transform(ST_SetSRID(ST_MakePoint(116.4, 39.9), 4326), 4547), 1)) AS p,
                ST_IsValid('POLYGON((0 0, 1 1, 1 0, 0 1, 0 0))'::geometry) AS valid,
                ST_Area(ST_MakeEnvelope(116.4, 39.9, 116.401, 39.901, 4326)::geography) AS area`);
      expect(r.p).toMatch(/^POINT\(\d{6,} \d{7}\)$/); // CGCS2000 / 3-degree Gauss-Kruger CM 114E: metres
      expect(r.valid).toBe(false);
      expect(Number(r.area)).toBeGreaterThan(9000);
      expect(Number(r.area)).toBeLessThan(9600);
    } finally { await store.close(); }
  });
});
