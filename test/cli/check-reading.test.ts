import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { dataFile, tempDir } from '../helpers/stores.js';

describe('check FILE reads the file as import does (--crs, --coords, --lon/--lat, --encoding, --map)', () => {
  it('passes the reading options to the reader, and refuses them without FILE', async () => {
    const out = tempDir('check-read-');
    // degrees declared to be metres of a Gauss-Krüger zone: the reader refuses them, so the option reached it
    const geo = dataFile('shanghai-bund-lujiazui-nextzen.geojson');
    const r = await runCli(['check', geo, '--crs', 'EPSG:4547', '--out', join(out, 'a'), '-q']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(geo);
    expect(r.stderr).toMatch(/looks like a longitude\/latitude in degrees, not metres of/);
    const u = await runCli(['check', '--db', join(out, 'nodb'), '--crs', 'EPSG:4547', '--map', 'kind=building', '--out', join(out, 'b'), '-q']);
    expect(u.code).toBe(2);
    expect(u.stderr).toMatch(/--crs, --map: how FILE is read/);
  }, 120_000);
});
