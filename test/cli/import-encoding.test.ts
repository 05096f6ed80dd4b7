/**
 * Text that does not decode in the encoding given (--encoding) or guessed is refused by import,
 * naming the file, with a non-zero exit and nothing written; UTF-8 asked for as GBK too. CSV and a
 * Shapefile's .dbf alike.
 */
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { DRIVERS, tempDir } from '../helpers/stores.js';

const gbk = (s: string) => execFileSync('iconv', ['-f', 'UTF-8', '-t', 'GBK'], { input: s });
const POIS = [['幼儿园甲', 116.3301, 39.9901], ['幼儿园乙', 116.3311, 39.9911], ['幼儿园丙', 116.3321, 39.9921]] as const;
const ASKED_AS_GBK = 'the file is valid UTF-8 text with multi-byte characters, which read as GBK would be garbled: leave out --encoding gbk';

describe('import refuses text not in its encoding (CSV, Shapefile .dbf)', () => {
  it('GBK read as UTF-8, and UTF-8 as GBK: exit ≠ 0, the file named, nothing written; GBK without --encoding is read', async () => {
    const dir = tempDir('encoding-');
    const csvText = `name,lon,lat,amenity\n${POIS.map(([n, x, y]) => `${n},${x},${y},kindergarten`).join('\n')}\n`;
    const gbkCsv = join(dir, 'pois-gbk.csv');
    writeFileSync(gbkCsv, gbk(csvText));
    const utf8Csv = join(dir, 'pois-utf8.csv');
    writeFileSync(utf8Csv, csvText);
    // Shapefiles: GBK without a .cpg (as many a Chinese desktop GIS leaves it), and UTF-8
    const geo = join(dir, 'pois.geojson');
    writeFileSync(geo, JSON.stringify({ type: 'FeatureCollection', features: POIS.map(([n, x, y]) => ({ type: 'Feature', properties: { name: n, amenity: 'kindergarten' }, geometry: { type: 'Point', coordinates: [x, y] } })) }));
    const gbkShp = join(dir, 'pois-gbk.shp');
    execFileSync('ogr2ogr', ['-f', 'ESRI Shapefile', '-lco', 'ENCODING=GBK', gbkShp, geo]);
    rmSync(join(dir, 'pois-gbk.cpg'));
    const utf8Shp = join(dir, 'pois-utf8.shp');
    execFileSync('ogr2ogr', ['-f', 'ESRI Shapefile', '-lco', 'ENCODING=UTF-8', utf8Shp, geo]);

    const db = await DRIVERS[0].fresh();
    for (const file of [gbkCsv, gbkShp]) {
      const ok = await runCli(['import', file, '--db', db, '--city', 'hd', '--json', '-q']);
      expect(ok.stderr, file).toBe('');
      expect(ok.code, file).toBe(0);
      expect(JSON.parse(ok.stdout).sources[0].categories, file).toEqual({ kindergarten: 3 });
    }
    const before = (await runCli(['stats', '--db', db, '--json'])).stdout;

    const cases = [
      { file: gbkCsv, encoding: 'utf-8', place: /pois-gbk\.csv \(line 2, column name\): 文件第 2 行（第 \d+ 字节）起不是有效的 UTF-8 文本：很可能是 GBK 编码.*请加 --encoding gbk \/ the file is not valid UTF-8 text from line 2, byte \d+: it is probably GBK/ },
      { file: utf8Csv, encoding: 'gbk', place: /pois-utf8\.csv: 文件是有效的 UTF-8 文本且含多字节字符/ },
      { file: gbkShp, encoding: 'utf-8', place: /pois-gbk\.dbf \(record 1, field name\): 第 1 条记录的字段 name（第 \d+ 字节）不是有效的 UTF-8 文本：很可能是 GBK 编码.*请加 --encoding gbk \/ record 1, field name/ },
      { file: utf8Shp, encoding: 'gbk', place: /pois-utf8\.dbf: 文件是有效的 UTF-8 文本且含多字节字符/ },
    ];
    for (const c of cases) {
      const name = `${c.file} --encoding ${c.encoding}`;
      // a good file first in the same command (GeoJSON, UTF-8 whatever --encoding says): rolled back too
      const r = await runCli(['import', geo, c.file, '--encoding', c.encoding, '--db', db, '--city', 'hd', '-q']);
      expect(r.code, name).not.toBe(0);
      expect(r.stderr, name).toContain(c.file.replace(/\.shp$/, ''));
      expect(r.stderr, name).toMatch(c.place);
      if (c.encoding === 'gbk') expect(r.stderr, name).toContain(ASKED_AS_GBK);
      expect(r.stderr, name).not.toContain('\uFFFD');
      expect(r.stderr, name).not.toMatch(/\n\s+at /); // a message, not a stack trace
    }
    expect((await runCli(['stats', '--db', db, '--json'])).stdout).toBe(before);
  }, 300_000);
});
