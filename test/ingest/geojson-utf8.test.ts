import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSource } from '../../src/ingest/index.js';
import { tempDir } from '../helpers/stores.js';

/** GeoJSON is UTF-8 (RFC 7946): a file in another encoding is refused, naming line and byte, never read garbled */
describe('GeoJSON text must be UTF-8', () => {
  // the GBK codes of the characters this test writes (a GBK export of a Chinese name): 药 D2A9, 店 B5EA
  const GBK: Record<string, number[]> = { 药: [0xd2, 0xa9], 店: [0xb5, 0xea] };
  const gbk = (s: string) => Buffer.from([...s].flatMap((c) => GBK[c] ?? [...Buffer.from(c)]));
  const feature = (name: string) => `{"type":"Feature","id":"n1","properties":{"name":"${name}","amenity":"pharmacy"},"geometry":{"type":"Point","coordinates":[116.3,39.9]}}`;
  const read = async (file: string) => {
    const out = [];
    for await (const batch of (await openSource(file, {})).records) out.push(...batch);
    return out;
  };

  it('a FeatureCollection in GBK is refused with its line and byte, and the likely encoding', async () => {
    const f = join(tempDir('gj-'), 'pois.geojson');
    writeFileSync(f, Buffer.concat([Buffer.from('{"type":"FeatureCollection","features":[\n'), gbk(feature('药店')), Buffer.from('\n]}\n')]));
    const err = await read(f).then(() => null, (e: Error) => e);
    expect(err?.message).toContain('pois.geojson');
    expect(err?.message).toMatch(/line 2\b/);
    expect(err?.message).toContain('GeoJSON 应为 UTF-8');
    expect(err?.message).toContain('GBK');
  });

  it('a GeoJSONSeq line in GBK is refused; the same text in UTF-8 is read', async () => {
    const dir = tempDir('gj-');
    const bad = join(dir, 'pois.geojsonl');
    writeFileSync(bad, Buffer.concat([Buffer.from(feature('ok') + '\n'), gbk(feature('药店')), Buffer.from('\n')]));
    const err = await read(bad).then(() => null, (e: Error) => e);
    expect(err?.message).toMatch(/pois\.geojsonl.*line 2/);
    const good = join(dir, 'good.geojsonl');
    writeFileSync(good, feature('ok') + '\n' + feature('药店') + '\n');
    const recs = await read(good);
    expect(recs.map((r) => r.name)).toContain('药店');
  });
});
