import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { DRIVERS, dataFile, tempDir } from '../helpers/stores.js';

describe('check --out that cannot be a folder: refused before the city is read', () => {
  it('FILE: a clear message, exit 2, nothing written', async () => {
    const dir = tempDir('out-');
    const file = join(dir, 'report');
    writeFileSync(file, 'not a folder');
    for (const out of [file, join(file, 'sub')]) {
      const r = await runCli(['check', dataFile('beijing-bupt.osm.pbf'), '--out', out, '-q']);
      expect(r.code, out).toBe(2);
      expect(r.stderr, out).toContain(`--out ${out}: ${file} is a file, not a folder`);
      expect(r.stderr, out).not.toMatch(/EEXIST|ENOTDIR|\n\s+at /);
    }
    // a folder still to be made is fine
    expect((await runCli(['check', dataFile('beijing-bupt.osm.pbf'), '--out', join(dir, 'a', 'b'), '-q'])).code).toBe(0);
    expect(existsSync(join(dir, 'a', 'b', 'report.html'))).toBe(true);
  });

  it('--db: no run is recorded for a report that cannot be written', async () => {
    const dir = tempDir('out-db-');
    const db = await DRIVERS[0].fresh();
    expect((await runCli(['import', dataFile('beijing-bupt.osm.pbf'), '--db', db, '-q'])).code).toBe(0);
    const file = join(dir, 'report');
    writeFileSync(file, 'x');
    const bad = await runCli(['check', '--db', db, '--out', file, '-q']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('is a file, not a folder');
    // the next check is the store's first run
    const ok = await runCli(['check', '--db', db, '--out', join(dir, 'ok'), '-q', '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).run_id).toBe(1);
  });
});
