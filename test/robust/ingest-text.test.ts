/** Issue 8 §6, §7, §11: a UTF-8 BOM before GBK text, the --lon/--lat hint, an out-of-range coordinate quoted as written. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCsv } from '../../src/ingest/csv.js';
import { IngestError } from '../../src/model/errors.js';
import { readFeatures } from '../../src/ingest/features.js';
import { runCli } from '../helpers/cli.js';
import { DRIVERS, tempDir } from '../helpers/stores.js';

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('text of input files', () => {
  const dir = tempDir('text-');
  const bomGbk = join(dir, 'bom-gbk.csv');
  // GBK bytes of "name,lon,lat\n北京大学,116.31,39.99\n" (北 B1B1 京 BEA9 大 B4F3 学 D1A7)
  const gbkBody = Buffer.concat([Buffer.from('name,lon,lat\n'), Buffer.from([0xb1, 0xb1, 0xbe, 0xa9, 0xb4, 0xf3, 0xd1, 0xa7]), Buffer.from(',116.31,39.99\n')]);
  writeFileSync(bomGbk, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), gbkBody]));

  it('a UTF-8 BOM followed by GBK text is detected and said (never U+FFFD); with --encoding gbk the BOM is not part of the first header', async () => {
    const err = await all(readCsv(bomGbk)).then(() => null, (e) => e);
    expect(err).toBeInstanceOf(IngestError);
    expect(err.message).toContain('UTF-8 byte-order mark but its text is not UTF-8');
    expect(err.message).toContain('--encoding gbk');
    const rows = await all(readCsv(bomGbk, { encoding: 'gbk' }));
    expect(rows).toHaveLength(1);
    expect(Object.keys(rows[0].properties)).toEqual(['name']);
    expect(rows[0].properties.name).toBe('北京大学');
    expect(rows[0].geometry).toEqual({ type: 'Point', coordinates: [116.31, 39.99] });
    // the CLI says it too, and writes nothing
    const db = await DRIVERS[0].fresh();
    const r = await runCli(['import', bomGbk, '--db', db, '-q']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('bom-gbk.csv');
    expect(r.stderr).toContain('--encoding gbk');
  });

  it('a UTF-8 BOM before UTF-8 text still reads', async () => {
    const f = join(dir, 'bom-utf8.csv');
    writeFileSync(f, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('名称,经度,纬度\n北京大学,116.31,39.99\n')]));
    const rows = await all(readCsv(f));
    expect(rows[0].properties).toEqual({ 名称: '北京大学' });
  });

  it('a CSV without lon/lat columns names the options that exist (--lon / --lat)', async () => {
    const f = join(dir, 'nocoords.csv');
    writeFileSync(f, 'name,east,north\na,1,2\n');
    const err = await all(readCsv(f)).then(() => null, (e) => e);
    expect(err.message).toContain('--lon COLUMN');
    expect(err.message).not.toContain('-field');
    const help = await runCli(['import', '--help']);
    expect(help.stdout).toContain('--lon <field>');
  });

  it('a coordinate beyond the range of a number is quoted as the file wrote it', async () => {
    const seq = join(dir, 'big.geojson');
    writeFileSync(seq, JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: [116.3, 39.9] } }] })
      .replace('116.3', '1e400'));
    const err = await all(readFeatures(seq)).then(() => null, (e) => e);
    expect(err).toBeInstanceOf(IngestError);
    expect(err.message).toContain('invalid coordinate [1e400,39.9]');
    expect(err.message).not.toContain('null');
    const nd = join(dir, 'big.geojsonl');
    writeFileSync(nd, '{"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":[[116.3,39.9],[116.31,-2E+999]]}}\n');
    const err2 = await all(readFeatures(nd)).then(() => null, (e) => e);
    expect(err2?.message).toContain('invalid coordinate [116.31,-2E+999]');
  });
});
