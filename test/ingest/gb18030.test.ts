import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readFeatures, type GeoFeature } from '../../src/ingest/features.js';
import { readCensus } from '../../src/ingest/population.js';

const dir = mkdtempSync(join(tmpdir(), 'opencim-gb18030-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
async function names(file: string, o: { encoding?: string } = {}): Promise<string[]> {
  const out: string[] = [];
  for await (const f of readFeatures(file, o) as AsyncIterable<GeoFeature>) out.push(String(f.properties.name ?? f.properties.NAME));
  return out;
}
/** GB18030 bytes of `s` (iconv, independent of the code under test) */
const gb18030 = (s: string) => execFileSync('iconv', ['-f', 'UTF-8', '-t', 'GB18030'], { input: s });

// 𠀀 (U+20000) is a four-byte GB18030 character; 㑳 (U+3473) is two bytes (FE55) that GBK maps to private use; € is A2E3
const RARE = ['𠀀药店', '㑳村卫生室', '€兑换点'];

describe('GBK-labelled text with GB18030 characters (rare characters of names)', () => {
  it('CSV: detected as not UTF-8, and with --encoding gbk', async () => {
    const f = join(dir, 'pois.csv');
    writeFileSync(f, gb18030(`name,lon,lat,amenity\n${RARE.map((n, i) => `${n},116.3${i},39.9,pharmacy`).join('\n')}\n`));
    expect(await names(f)).toEqual(RARE);
    expect(await names(f, { encoding: 'gbk' })).toEqual(RARE);
    expect(await names(f, { encoding: 'cp936' })).toEqual(RARE);
  });

  it('Shapefile with a .cpg saying GBK (or 936)', async () => {
    const g = join(dir, 'pts.geojson');
    writeFileSync(g, JSON.stringify({ type: 'FeatureCollection', features: RARE.map((n, i) => ({ type: 'Feature', properties: { NAME: n, amenity: 'pharmacy' }, geometry: { type: 'Point', coordinates: [116.3 + i / 100, 39.9] } })) }));
    execFileSync('ogr2ogr', ['-f', 'ESRI Shapefile', '-lco', 'ENCODING=GB18030', join(dir, 'pts.shp'), g]);
    for (const cpg of ['GBK', '936']) {
      writeFileSync(join(dir, 'pts.cpg'), cpg);
      expect(await names(join(dir, 'pts.shp')), cpg).toEqual(RARE);
    }
  });

  it('a census table', async () => {
    const f = join(dir, 'census.csv');
    writeFileSync(f, gb18030('区划代码,名称,常住人口\n110108001,𠀀街道,3000\n'));
    const c = await readCensus(f);
    expect(c.rows[0].name).toBe('𠀀街道');
  });
});
