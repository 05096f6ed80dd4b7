import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { DRIVERS, dataFile, tempDir } from '../helpers/stores.js';

/** ODbL: a report made from the store carries the attribution its sources asked for, as `check FILE` does. */
describe('check --db: the attribution follows the sources the city was imported from', () => {
  const pg = DRIVERS.find((d) => d.name === 'postgres')!;
  const checkStore = async (file: string) => {
    const db = await pg.fresh();
    const imp = await runCli(['import', file, '--db', db, '--city', 'c', '-q']);
    expect(imp.code, imp.stderr).toBe(0);
    const out = tempDir('attr-store-');
    const r = await runCli(['check', '--db', db, '--city', 'c', '--out', out, '-q', '--workers', '1']);
    expect(r.code, r.stderr).toBe(0);
    return { db, out, json: JSON.parse(readFileSync(join(out, 'indicators.json'), 'utf8')) as { attribution?: string; source: string } };
  };

  it('a Tilezen (Nextzen) export of OSM imported into the store: its report says "© OpenStreetMap contributors", its source records it, and the report keeps the archive head it was made from', async () => {
    const { db, out, json } = await checkStore(dataFile('wuhan-optics-valley-nextzen.geojson'));
    expect(json.attribution).toBe('© OpenStreetMap contributors');
    // the report keeps the archive's chain head it was made from, as archive verify --expect takes it
    const head = /archive 档案链头 (\d+:[0-9a-f]{16})/.exec(json.source)?.[1];
    expect(head, json.source).toBeDefined();
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain(head!);
    expect((await runCli(['archive', 'verify', '--db', db, '--city', 'c', '--expect', head!])).code).toBe(0);
    const { openStore } = await import('../../src/store/driver.js');
    const store = await openStore(db);
    try {
      expect((await store.query<{ attribution: string | null }>('SELECT attribution FROM sources WHERE city_id = $1', ['c']))[0].attribution).toBe('© OpenStreetMap contributors');
    } finally {
      await store.close();
    }
  }, 180_000);

  it("a city's own CSV carries none", async () => {
    const f = join(tempDir('attr-store-'), 'pois.csv');
    (await import('node:fs')).writeFileSync(f, 'name,lon,lat,amenity\n药店,116.30,39.90,pharmacy\n社区卫生站,116.301,39.901,clinic\n');
    expect((await checkStore(f)).json.attribution).toBeUndefined();
  }, 180_000);
});
