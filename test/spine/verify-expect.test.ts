import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { DRIVERS, tempDir } from '../helpers/stores.js';
import { openStore } from '../../src/store/driver.js';

/**
 * The chain alone cannot show that its latest change sets were removed (what is left still chains);
 * a head kept elsewhere can: `archive verify --city C --expect SEQ:HEAD`.
 */
describe('archive verify --expect: a head kept elsewhere finds a cut or rewritten chain', () => {
  const pg = DRIVERS.find((d) => d.name === 'postgres')!;
  const pois = (name: string, rows: string[]) => {
    const f = join(tempDir('expect-'), name);
    writeFileSync(f, ['name,lon,lat,amenity', ...rows].join('\n') + '\n');
    return f;
  };

  it('finds change sets removed from the end, and a head that is not the one kept', async () => {
    const db = await pg.fresh();
    for (const f of [pois('a.csv', ['药店,116.30,39.90,pharmacy']), pois('b.csv', ['诊所,116.301,39.901,clinic'])]) {
      const r = await runCli(['import', f, '--db', db, '--city', 'c', '-q']);
      expect(r.code, r.stderr).toBe(0);
    }
    const v = await runCli(['archive', 'verify', '--db', db, '--city', 'c', '--json']);
    expect(v.code, v.stderr).toBe(0);
    const city = JSON.parse(v.stdout).cities[0] as { seq: number; head: string };
    expect(city.seq).toBe(2);
    const kept = `${city.seq}:${city.head.slice(0, 16)}`;
    const human = await runCli(['archive', 'verify', '--db', db, '--city', 'c']);
    expect(human.stdout).toContain(`--expect ${kept}`);
    expect((await runCli(['archive', 'verify', '--db', db, '--city', 'c', '--expect', kept])).code).toBe(0);
    // someone with the database's superuser removes the latest import: its versions and its change set
    const store = await openStore(db);
    try {
      await store.exec(`ALTER TABLE changesets DISABLE TRIGGER USER; ALTER TABLE facilities_versions DISABLE TRIGGER USER;
        DELETE FROM facilities_versions WHERE changeset_id = (SELECT changeset_id FROM changesets WHERE city_id = 'c' AND seq = 2);
        DELETE FROM changesets WHERE city_id = 'c' AND seq = 2;
        ALTER TABLE changesets ENABLE TRIGGER USER; ALTER TABLE facilities_versions ENABLE TRIGGER USER;
        DELETE FROM sources WHERE city_id = 'c' AND source_id = 'b';`);
    } finally {
      await store.close();
    }
    // what is left still chains: only the kept head shows the cut
    expect((await runCli(['archive', 'verify', '--db', db, '--city', 'c'])).code).toBe(0);
    const cut = await runCli(['archive', 'verify', '--db', db, '--city', 'c', '--expect', kept]);
    expect(cut.code).toBe(1);
    expect(cut.stderr).toContain('the expected change set 2 is gone: the chain ends at 1');
    expect(cut.stderr).toContain('档案链被截断');
    const wrong = await runCli(['archive', 'verify', '--db', db, '--city', 'c', '--expect', `1:${'0'.repeat(16)}`]);
    expect([wrong.code, wrong.stderr.includes('change set 1 has head'), wrong.stderr.includes('档案链被改写')]).toEqual([1, true, true]);
  }, 120_000);

  it('--expect needs --city and SEQ:HEAD with at least 16 hex digits', async () => {
    const db = await pg.fresh();
    const noCity = await runCli(['archive', 'verify', '--db', db, '--expect', '1:0123456789abcdef']);
    expect([noCity.code, noCity.stderr.includes('--city')]).toEqual([2, true]);
    const bad = await runCli(['archive', 'verify', '--db', db, '--city', 'c', '--expect', '1:abc']);
    expect([bad.code, bad.stderr.includes('SEQ:HEAD')]).toEqual([2, true]);
  }, 60_000);
});
