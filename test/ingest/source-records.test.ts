import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSource } from '../../src/ingest/index.js';
import { IngestError } from '../../src/model/errors.js';
import type { CityRecord } from '../../src/model/types.js';

const dir = mkdtempSync(join(tmpdir(), 'opencim-src-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function write(name: string, content: string): string {
  const f = join(dir, name);
  writeFileSync(f, content);
  return f;
}
async function records(file: string, sourceId?: string): Promise<CityRecord[]> {
  const src = await openSource(file, { sourceId });
  const out: CityRecord[] = [];
  for await (const b of src.records) out.push(...b);
  return out;
}
async function failure(p: Promise<unknown>): Promise<IngestError> {
  try { await p; } catch (e) { expect(e).toBeInstanceOf(IngestError); return e as IngestError; }
  throw new Error('expected an IngestError');
}

describe('ids of features that have none of their own', () => {
  it('are their position qualified by the source, so two files never share one', async () => {
    const a = write('shops.csv', 'name,lon,lat,shop\n便利店,116.30,39.90,convenience\n超市,116.31,39.91,supermarket\n');
    const b = write('clinics.csv', 'name,lon,lat,amenity\n诊所,116.32,39.92,clinic\n');
    const ra = await records(a), rb = await records(b);
    expect(ra.map((r) => r.id)).toEqual(['shops.0', 'shops.1']);
    expect(rb.map((r) => r.id)).toEqual(['clinics.0']);
    // --source names the source, and so the ids
    expect((await records(b, 'hospitals-2024')).map((r) => r.id)).toEqual(['hospitals-2024.0']);
    // under a mapping too
    const c = await openSource(write('k.csv', 'NAME,T,X,Y\n幼儿园,kindergarten,116.3,39.9\n'), { mapping: 'kind=facility,category=T,name=NAME', lonField: 'X', latField: 'Y' });
    const rc: CityRecord[] = [];
    for await (const batch of c.records) rc.push(...batch);
    expect(rc.map((r) => r.id)).toEqual(['k.0']);
  });

  it('an id of the data itself is kept as it is (OSM ids, GeoJSON ids, the mapping id field)', async () => {
    const g = write('osm.geojson', JSON.stringify({ type: 'FeatureCollection', features: [
      { type: 'Feature', id: 'way/42', properties: { amenity: 'school', name: '小学' }, geometry: { type: 'Point', coordinates: [116.3, 39.9] } },
      { type: 'Feature', properties: { '@id': 'node/7', amenity: 'pharmacy' }, geometry: { type: 'Point', coordinates: [116.3, 39.9] } },
    ] }));
    expect((await records(g)).map((r) => r.id).sort()).toEqual(['n7', 'w42']);
    const m = await openSource(write('m.csv', 'CODE,T,lon,lat\nB-001,clinic,116.3,39.9\n'), { mapping: 'kind=facility,category=T,id=CODE' });
    const rm: CityRecord[] = [];
    for await (const batch of m.records) rm.push(...batch);
    expect(rm.map((r) => r.id)).toEqual(['B-001']);
  });
});

describe('a file with nothing in it is an error naming the file', () => {
  it.each([
    ['header-only.csv', 'name,lon,lat,amenity\n'],
    ['no-coordinates.csv', 'name,lon,lat,amenity\nA,,,pharmacy\n'],
    ['empty-collection.geojson', '{"type":"FeatureCollection","features":[]}'],
    ['no-elements.osm', '<?xml version="1.0"?>\n<osm version="0.6" generator="x"></osm>\n'],
  ])('%s', async (name, content) => {
    const e = await failure(records(write(name, content)));
    expect(e.message).toContain(name);
    expect(e.message).toMatch(/no (features|OSM elements) in the file/);
    expect(e.message).toMatch(/: 文件中没有(要素| OSM 要素)（[^/]+） \/ no (features|OSM elements) in the file \(/);
  });
});

describe('an area relation that cannot be assembled', () => {
  it('is reported under its type and name, in Chinese and in English', async () => {
    const f = write('broken-area.osm', `<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="test">
  <node id="1" lat="39.90" lon="116.30"/><node id="2" lat="39.90" lon="116.31"/><node id="3" lat="39.91" lon="116.31"/>
  <way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/></way>
  <relation id="100"><member type="way" ref="10" role="outer"/><member type="way" ref="99" role="outer"/>
    <tag k="type" v="multipolygon"/><tag k="landuse" v="residential"/><tag k="name" v="学院路小区"/></relation>
</osm>`);
    const src = await openSource(f);
    for await (const _ of src.records) { /* read all */ }
    expect(src.problems.filter((p) => p.id === 'r100').map((p) => p.problem)).toEqual([
      'multipolygon "学院路小区"：文件中缺少 1 条成员路径（如 w99） / multipolygon "学院路小区": 1 member way(s) missing from the file (e.g. w99)',
      'multipolygon "学院路小区"：外环未闭合：在 n3 与 n1 之间断开（从路径 w10 开始） / multipolygon "学院路小区": outer ring not closed: open between n3 and n1 (starting at way w10)',
    ]);
  });
});
