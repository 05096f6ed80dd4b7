/** `.osm.gz` (gzip-compressed OSM XML) is read by import, check and access as the plain .osm is. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { DRIVERS, dataFile, tempDir } from '../helpers/stores.js';

describe('gzip-compressed OSM XML (.osm.gz)', () => {
  it('import: the same counts as the plain .osm; check and access read it too', async () => {
    const dir = tempDir('osm-gz-');
    const plain = dataFile('beijing-haidian-cau.osm');
    const gz = join(dir, 'beijing-haidian-cau.osm.gz');
    writeFileSync(gz, gzipSync(readFileSync(plain)));

    const imported = async (file: string) => {
      const r = await runCli(['import', file, '--db', await DRIVERS[0].fresh(), '--city', 'hd', '--json', '-q']);
      expect(r.stderr, file).toBe('');
      expect(r.code, file).toBe(0);
      const [s] = JSON.parse(r.stdout).sources;
      return s;
    };
    const a = await imported(plain);
    const b = await imported(gz);
    expect(a.counts.buildings).toBeGreaterThan(200); // (the data: ~259 buildings)
    expect(b.counts).toEqual(a.counts);
    expect(b.categories).toEqual(a.categories);
    expect(b.residential_buildings).toBe(a.residential_buildings);
    expect(b.added).toBe(a.added);
    expect(b.problems).toEqual(a.problems);
    expect(b.format).toBe('osm-xml');
    expect(b.source_id).toBe('beijing-haidian-cau');

    const access = async (file: string, out: string) => {
      const r = await runCli(['access', file, '--out', out, '-q']);
      expect(r.code, r.stderr).toBe(0);
      return readFileSync(out, 'utf8');
    };
    expect(await access(gz, join(dir, 'gz.csv'))).toBe(await access(plain, join(dir, 'plain.csv')));

    const check = await runCli(['check', gz, '--out', join(dir, 'check'), '-q']);
    expect(check.code, check.stderr).toBe(0);
    const indicators = JSON.parse(readFileSync(join(dir, 'check', 'indicators.json'), 'utf8'));
    expect(JSON.stringify(indicators)).toContain('park_service_coverage');
  }, 300_000);
});
