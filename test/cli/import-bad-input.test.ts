import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { DRIVERS, dataFile, tempDir } from '../helpers/stores.js';

/** Each case: a bad file, the message it must give (file + place, then 中文 / English), and nothing written. */
function badInputs(dir: string): { name: string; args: string[]; message: RegExp; zh: RegExp }[] {
  const pbf = readFileSync(dataFile('beijing-haidian-cau.osm.pbf'));
  const truncated = join(dir, 'truncated.osm.pbf');
  writeFileSync(truncated, pbf.subarray(0, Math.floor(pbf.length * 0.6)));
  const corrupt = join(dir, 'corrupt.osm.pbf');
  const c = Buffer.from(pbf);
  for (let i = 400; i < 600; i++) c[i] ^= 0x5a; // inside the first data blob's zlib stream
  writeFileSync(corrupt, c);
  const xmlLines = readFileSync(dataFile('beijing-haidian-cau.osm'), 'utf8').split('\n');
  xmlLines[500] = xmlLines[500].replace('<', '<<');
  const badXml = join(dir, 'broken.osm');
  writeFileSync(badXml, xmlLines.join('\n'));
  const geo = join(dir, 'bad-geometry.geojson');
  writeFileSync(geo, JSON.stringify({
    type: 'FeatureCollection', features: [
      { type: 'Feature', properties: { building: 'yes' }, geometry: { type: 'Polygon', coordinates: [[[116.3, 39.9], [116.301, 39.9], [116.301, 39.901], [116.3, 39.9]]] } },
      { type: 'Feature', properties: { building: 'yes' }, geometry: { type: 'Polygon', coordinates: [[[116.3, 39.9], [116.301, 39.9]]] } },
    ],
  }));
  const shp = join(dir, 'no-dbf.shp');
  copyFileSync(geo, shp); // any bytes: the missing .dbf must be named first
  const csv = join(dir, 'pois.csv');
  writeFileSync(csv, 'name,lon,lat,amenity\n幼儿园A,116.30,39.90,kindergarten\n幼儿园B,116.31,39.91,kindergarten\n幼儿园C,116.3x,39.92,kindergarten\n');
  const goodGeo = join(dir, 'good.geojson');
  writeFileSync(goodGeo, JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', properties: { amenity: 'kindergarten' }, geometry: { type: 'Point', coordinates: [500000, 4400000] } }] }));
  return [
    { name: 'truncated PBF', args: [truncated], message: /truncated\.osm\.pbf.*block \d+/,
      zh: /truncated\.osm\.pbf \(block \d+ at byte \d+\): 文件不完整：OSMData 数据块需要 (\d+) 字节，只剩 (\d+) 字节（文件大小 (\d+) 字节） \/ truncated file: OSMData blob needs \1 bytes, only \2 left \(file size \3 bytes\)/ },
    { name: 'corrupt PBF', args: [corrupt], message: /corrupt\.osm\.pbf.*block \d+/, zh: /corrupt\.osm\.pbf \(block 1 at byte \d+\): zlib 数据损坏（(.+)） \/ bad zlib data \(\1\)/ },
    { name: 'malformed XML', args: [badXml], message: /broken\.osm.*line 50\d/, zh: /broken\.osm \(line 50\d, column \d+\): XML 格式错误：(.+) \/ malformed XML: \1/ },
    { name: 'invalid GeoJSON geometry', args: [geo], message: /bad-geometry\.geojson.*feature 1/,
      zh: /bad-geometry\.geojson \(feature 1\): Polygon 外环 只有 2 个点，环至少需要 4 个 \/ Polygon outer ring has 2 position\(s\), a ring needs at least 4/ },
    { name: 'Shapefile without .dbf', args: [shp], message: /no-dbf\.dbf/, zh: /no-dbf\.shp: 缺少 no-dbf\.dbf：Shapefile 需要同名的 \.shp（几何）和 \.dbf（属性）文件 \/ missing no-dbf\.dbf/ },
    { name: 'CSV with a bad number', args: [csv], message: /pois\.csv.*line 4/, zh: /pois\.csv \(line 4, column lon\): "116\.3x" 不是数字 \/ "116\.3x" is not a number/ },
    { name: 'unknown CRS', args: [goodGeo, '--crs', 'EPSG:99999'], message: /good\.geojson.*(CRS|crs).*99999/,
      zh: /good\.geojson: 无法识别的坐标系 "EPSG:99999"：.*请用 --crs EPSG:xxxx 指定 \/ unknown CRS "EPSG:99999"/ },
  ];
}

describe.each(DRIVERS)('bad input leaves the store untouched ($name)', (driver) => {
  it('each bad file: clear message naming file and place, exit ≠ 0, stats unchanged', async () => {
    const dir = tempDir('bad-');
    const db = await driver.fresh();
    const ok = await runCli(['import', dataFile('beijing-bupt.osm.pbf'), '--db', db, '-q']);
    expect(ok.code).toBe(0);
    const before = (await runCli(['stats', '--db', db, '--json'])).stdout;
    for (const c of badInputs(dir)) {
      // the good file (of the same city: another city's is refused) first in the same command: it must be rolled back too
      const r = await runCli(['import', dataFile('beijing-haidian-cau.osm.pbf'), ...c.args, '--db', db, '-q']);
      expect(r.code, c.name).not.toBe(0);
      expect(r.stderr, c.name).toMatch(c.message);
      expect(r.stderr, c.name).toMatch(c.zh);
      expect(r.stderr, c.name).not.toMatch(/\n\s+at /); // a message, not a stack trace
    }
    // anything any failed import had written would show here
    expect((await runCli(['stats', '--db', db, '--json'])).stdout).toBe(before);
  }, 300_000);
});

describe('re-import of a newer extract of the same area', () => {
  it('updates changed objects and removes deleted ones, with no duplicates', async () => {
    const dir = tempDir('newer-');
    const db = await DRIVERS[1].fresh();
    const original = dataFile('beijing-haidian-cau.osm');
    const first = JSON.parse((await runCli(['import', original, '--db', db, '--json', '-q'])).stdout).sources[0];
    // the "newer extract": 5 building ways deleted, one building's use changed, same file name
    const xml = readFileSync(original, 'utf8');
    const ways = [...xml.matchAll(/<way id="(\d+)"[^>]*>(?:(?!<\/way>)[\s\S])*?<tag k="building" v="yes"\/>(?:(?!<\/way>)[\s\S])*?<\/way>/g)];
    expect(ways.length).toBeGreaterThan(10);
    let newer = xml;
    for (const m of ways.slice(0, 5)) newer = newer.replace(m[0], '');
    const changedId = ways[5][1];
    newer = newer.replace(ways[5][0], ways[5][0].replace('<tag k="building" v="yes"/>', '<tag k="building" v="apartments"/>'));
    writeFileSync(join(dir, 'beijing-haidian-cau.osm'), newer);
    const second = JSON.parse((await runCli(['import', join(dir, 'beijing-haidian-cau.osm'), '--db', db, '--json', '-q'])).stdout).sources[0];
    expect(second.source_id).toBe(first.source_id);
    expect(second.counts.buildings).toBe(first.counts.buildings - 5);
    const stats = JSON.parse((await runCli(['stats', '--db', db, '--json'])).stdout).cities[0];
    expect(stats.counts.buildings).toBe(first.counts.buildings - 5);
    expect(stats.sources).toHaveLength(1);
    const pg = await import('pg');
    const c = new pg.default.Client({ connectionString: db });
    await c.connect();
    const row = await c.query('SELECT use, residential FROM buildings_current WHERE id = $1', [`w${changedId}`]);
    await c.end();
    expect(row.rows[0]).toEqual({ use: 'apartments', residential: true });
    // importing the same file again changes nothing
    const third = JSON.parse((await runCli(['import', join(dir, 'beijing-haidian-cau.osm'), '--db', db, '--json', '-q'])).stdout).sources[0];
    expect(third.counts).toEqual(second.counts);
    expect(JSON.parse((await runCli(['stats', '--db', db, '--json'])).stdout).cities[0].counts).toEqual(stats.counts);
  });
});
