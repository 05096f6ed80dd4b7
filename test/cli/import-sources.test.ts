import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { DRIVERS, dataFile, tempDir } from '../helpers/stores.js';

const stats = async (db: string) => JSON.parse((await runCli(['stats', '--db', db, '--json'])).stdout).cities as { city_id: string; counts: Record<string, number>; categories: Record<string, number>; sources: { source_id: string }[] }[];

describe.each(DRIVERS)('import: sources of one city ($name)', (driver) => {
  it('two files without ids of their own keep their rows apart', async () => {
    const dir = tempDir('ids-');
    const db = await driver.fresh();
    const shops = join(dir, 'shops.csv'), clinics = join(dir, 'clinics.csv');
    writeFileSync(shops, 'name,lon,lat,shop\n便利店,116.30,39.90,convenience\n');
    writeFileSync(clinics, 'name,lon,lat,amenity\n诊所,116.31,39.91,clinic\n');
    expect((await runCli(['import', shops, '--db', db, '-q'])).code).toBe(0);
    const r = await runCli(['import', clinics, '--db', db, '-q', '--json']);
    expect(r.code).toBe(0);
    // the second file's row 0 is a new object, not a new version of the first file's row 0
    expect(JSON.parse(r.stdout).sources[0]).toMatchObject({ added: 1, changed: 0 });
    const [city] = await stats(db);
    expect(city.categories).toEqual({ clinic: 1, supermarket: 1 });
  });

  it('a file of another city is refused, naming the file and --city; nothing is written', async () => {
    const db = await driver.fresh();
    expect((await runCli(['import', dataFile('beijing-bupt.osm.pbf'), '--db', db, '--city', 'beijing', '-q'])).code).toBe(0);
    const before = JSON.stringify(await stats(db));
    const shanghai = dataFile('shanghai-shu-baoshan.osm.pbf');
    const r = await runCli(['import', shanghai, '--db', db, '--city', 'beijing', '-q']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(shanghai);
    expect(r.stderr).toMatch(/\d[\d,]* km from what city "beijing" holds.*--city/);
    // Chinese first, with the same extents, distance and flags as the English
    expect(r.stderr).toMatch(/: 该文件的数据（([\d.,-]+)）距城市 "beijing" 已有的数据（([\d.,-]+)）(\d[\d,]*) 公里：.*--city NAME.*--allow-distant；未写入任何数据 \/ its data \(\1\) lie \3 km from what city "beijing" holds \(\2\)/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(JSON.stringify(await stats(db))).toBe(before);
    expect(r.stderr).toMatch(/--allow-distant/);
    // a neighbouring extract of the same city is welcome, and the other city goes under its own name
    expect((await runCli(['import', dataFile('beijing-haidian-cau.osm.pbf'), '--db', db, '--city', 'beijing', '-q'])).code).toBe(0);
    expect((await runCli(['import', shanghai, '--db', db, '--city', 'shanghai', '-q'])).code).toBe(0);
    expect((await stats(db)).map((c) => [c.city_id, c.sources.map((s) => s.source_id)])).toEqual([
      ['beijing', ['beijing-bupt', 'beijing-haidian-cau']], ['shanghai', ['shanghai-shu-baoshan']],
    ]);
    // a city that wide takes it when told so
    expect((await runCli(['import', dataFile('shanghai-le-degn.osm.pbf'), '--db', db, '--city', 'beijing', '--allow-distant', '-q'])).code).toBe(0);
  }, 180_000);

  it('an empty re-export of a source is an error and leaves its records', async () => {
    const dir = tempDir('empty-');
    const db = await driver.fresh();
    const pois = join(dir, 'pois.csv');
    writeFileSync(pois, 'name,lon,lat,amenity\n药店,116.30,39.90,pharmacy\n');
    expect((await runCli(['import', pois, '--db', db, '-q'])).code).toBe(0);
    const before = JSON.stringify(await stats(db));
    writeFileSync(pois, 'name,lon,lat,amenity\n');
    const r = await runCli(['import', pois, '--db', db, '-q']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/pois\.csv: 文件中没有要素（.*） \/ no features in the file/);
    expect(JSON.stringify(await stats(db))).toBe(before);
  });
});
