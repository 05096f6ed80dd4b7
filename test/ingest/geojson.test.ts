import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { IngestError } from '../../src/model/errors.js';
import { readFeatures, type GeoFeature } from '../../src/ingest/features.js';
import { readGeoJSON } from '../../src/ingest/geojson.js';
import type { IngestProblem } from '../../src/model/types.js';

const dir = mkdtempSync(join(tmpdir(), 'opencim-geojson-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function write(content: string, ext = '.geojson'): string {
  const f = join(dir, `f${n++}${ext}`);
  writeFileSync(f, content);
  return f;
}

async function all(gen: AsyncIterable<GeoFeature>): Promise<GeoFeature[]> {
  const out: GeoFeature[] = [];
  for await (const f of gen) out.push(f);
  return out;
}

async function failure(p: Promise<unknown>): Promise<IngestError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(IngestError);
    return e as IngestError;
  }
  throw new Error('expected an IngestError');
}

const square = (x: number, y: number, d = 0.001) => [
  [
    [x, y],
    [x + d, y],
    [x + d, y + d],
    [x, y + d],
    [x, y],
  ],
];

describe('GeoJSON FeatureCollection', () => {
  it('reads features, ids, properties, and drops Z', async () => {
    const fc = {
      type: 'FeatureCollection',
      features: [
        { type: 'Feature', id: 'way/1', properties: { building: 'yes', name: '教学楼 "A" {x}' }, geometry: { type: 'Polygon', coordinates: square(116.35, 39.96) } },
        { type: 'Feature', id: 7, properties: null, geometry: { type: 'Point', coordinates: [116.36, 39.97, 52.5] } },
        { type: 'Feature', properties: { highway: 'footway' }, geometry: { type: 'LineString', coordinates: [[116.35, 39.96], [116.351, 39.961]] } },
      ],
    };
    const fs = await all(readGeoJSON(write(JSON.stringify(fc, null, 2))));
    expect(fs.map((f) => f.index)).toEqual([0, 1, 2]);
    expect(fs[0].id).toBe('way/1');
    expect(fs[0].properties.name).toBe('教学楼 "A" {x}');
    expect(fs[0].geometry).toEqual({ type: 'Polygon', coordinates: square(116.35, 39.96) });
    expect(fs[1].id).toBe('7');
    expect(fs[1].properties).toEqual({});
    expect(fs[1].geometry).toEqual({ type: 'Point', coordinates: [116.36, 39.97] });
    expect(fs[2].id).toBeUndefined();
  });

  it('streams a collection larger than the read buffer, with tricky strings, identically to JSON.parse', async () => {
    const features = [];
    for (let i = 0; i < 6000; i++) {
      features.push({
        type: 'Feature',
        id: i,
        properties: { name: `名称 ${i} \\"}]{[,:`, note: i % 7 === 0 ? 'a\\b' : null, nested: { list: [i, { deep: '}' }] } },
        geometry: { type: 'Point', coordinates: [100 + i / 10000, 30 + i / 20000] },
      });
    }
    // members before and after the features array must not disturb the scan
    const text = `\uFEFF{"name":"x, y: {}","bbox":[1,2,3,4],"type":"FeatureCollection","features":${JSON.stringify(features)},"meta":{"features":[]}}`;
    const file = write(text);
    expect(Buffer.byteLength(text)).toBeGreaterThan(1 << 20);
    const fs = await all(readGeoJSON(file));
    expect(fs.length).toBe(6000);
    for (const i of [0, 1, 2999, 5999]) {
      expect(fs[i].properties).toEqual(features[i].properties);
      expect(fs[i].geometry).toEqual(features[i].geometry);
      expect(fs[i].id).toBe(String(i));
    }
  });

  it('honours the legacy crs member (name and EPSG forms)', async () => {
    // EPSG:4547 (500000, 2500000) → (114, 22.597822906672867), from PostGIS
    const named = { type: 'FeatureCollection', crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::4547' } }, features: [{ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: [500000, 2500000] } }] };
    const [f] = await all(readGeoJSON(write(JSON.stringify(named))));
    const c = (f.geometry as { coordinates: number[] }).coordinates;
    expect(c[0]).toBeCloseTo(114, 9);
    expect(c[1]).toBeCloseTo(22.597822906672867, 9);
    const epsg = { ...named, crs: { type: 'EPSG', properties: { code: 4547 } } };
    const [g] = await all(readGeoJSON(write(JSON.stringify(epsg))));
    expect((g.geometry as { coordinates: number[] }).coordinates[1]).toBeCloseTo(22.597822906672867, 9);
    // --crs wins over the member
    const [h] = await all(readGeoJSON(write(JSON.stringify({ ...named, features: [{ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: [116, 40] } }] })), { crs: 'EPSG:4326' }));
    expect((h.geometry as { coordinates: number[] }).coordinates).toEqual([116, 40]);
  });

  it('a projected crs member after the features is an error, not silently wrong coordinates', async () => {
    const pad = 'x'.repeat(1_200_000); // push the crs member into a later read chunk
    const pt = '{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[116,40]}}';
    const text = `{"type":"FeatureCollection","features":[${pt},{"type":"Feature","properties":{"pad":"${pad}"},"geometry":{"type":"Point","coordinates":[116,40]}}],"crs":{"type":"name","properties":{"name":"EPSG:4547"}}}`;
    const e = await failure(all(readGeoJSON(write(text))));
    expect(e.message).toMatch(/crs member.*after the features.*--crs EPSG:4547/);
    expect(e.problem).toMatch(/^crs 成员（CGCS2000 \/ 3-degree Gauss-Kruger CM 114E）位于要素之后：请把它移到要素之前，或用 --crs EPSG:4547 指定 \/ the crs member/);
    // when it arrives before any feature was converted (same read chunk), it is simply applied
    const metres = '{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[500000,4420000]}}';
    const small = `{"type":"FeatureCollection","features":[${metres}],"crs":{"type":"name","properties":{"name":"EPSG:4547"}}}`;
    const [f] = await all(readGeoJSON(write(small)));
    expect((f.geometry as { coordinates: number[] }).coordinates[0]).toBeCloseTo(114, 6); // easting 500 000 m: on the 114°E central meridian
    // (degrees under a metric crs are refused: crs-degrees.test.ts)

  });

  it('projected coordinates without a CRS: an error that suggests --crs', async () => {
    const fc = { type: 'FeatureCollection', features: [{ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: [500000, 2500000] } }] };
    const e = await failure(all(readGeoJSON(write(JSON.stringify(fc)))));
    expect(e.location).toBe('feature 0');
    expect(e.message).toMatch(/--crs/);
  });

  it('invalid geometry structure names the feature index; self-intersection is fine', async () => {
    const ok = { type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: [116, 40] } };
    const cases: [unknown, RegExp][] = [
      [{ type: 'Polygon', coordinates: [[[116, 40], [116.1, 40], [116, 40]]] }, /^Polygon 外环 只有 3 个点，环至少需要 4 个 \/ Polygon outer ring has 3 position\(s\), a ring needs at least 4$/],
      [{ type: 'Polygon', coordinates: [[[116, 40], [116.1, 40], [116.1, 40.1], [116, 40.1]]] }, /^Polygon 外环 未闭合（首点 \[116,40\] ≠ 末点 \[116,40.1\]） \/ Polygon outer ring is not closed/],
      [{ type: 'LineString', coordinates: [[116, 40], [null, 40]] }, /not a finite number/],
      [{ type: 'Point', coordinates: [116, 'x'] }, /not a finite number/],
      [{ type: 'Circle', coordinates: [116, 40] }, /unsupported geometry type "Circle"/],
      [{ type: 'GeometryCollection', geometries: [] }, /unsupported geometry type "GeometryCollection"/],
      [{ type: 'MultiPolygon', coordinates: [square(116, 40), [[[116, 40], [116, 41]]]] }, /^MultiPolygon 第 1 部分 外环 只有 2 个点.* \/ MultiPolygon part 1 outer ring has 2/],
      [{ type: 'LineString', coordinates: [[116, 40]] }, /at least 2/],
    ];
    for (const [geometry, re] of cases) {
      const fc = { type: 'FeatureCollection', features: [ok, ok, { type: 'Feature', properties: {}, geometry }] };
      const e = await failure(all(readGeoJSON(write(JSON.stringify(fc)))));
      expect(e.location, JSON.stringify(geometry)).toBe('feature 2');
      expect(e.problem).toMatch(re);
    }
    const bowtie = { type: 'Polygon', coordinates: [[[116, 40], [116.1, 40.1], [116.1, 40], [116, 40.1], [116, 40]]] };
    const fs = await all(readGeoJSON(write(JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', properties: {}, geometry: bowtie }] }))));
    expect(fs[0].geometry).toEqual(bowtie);
  });

  it('features without geometry are skipped and reported', async () => {
    const problems: IngestProblem[] = [];
    const fc = { type: 'FeatureCollection', features: [{ type: 'Feature', id: 'a', properties: {}, geometry: null }, { type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: [116, 40] } }] };
    const fs = await all(readGeoJSON(write(JSON.stringify(fc)), { onProblem: (p) => problems.push(p) }));
    expect(fs.length).toBe(1);
    expect(fs[0].index).toBe(1);
    expect(problems).toEqual([{ id: 'a', problem: 'feature 0: 没有几何，已跳过 / no geometry, skipped' }]);
  });

  it('malformed JSON is an IngestError', async () => {
    const e = await failure(all(readGeoJSON(write('{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[1,2]}'))));
    expect(e.message).toMatch(/: JSON 不完整或格式错误.* \/ truncated or malformed/);
    const e2 = await failure(all(readGeoJSON(write('{"type":"FeatureCollection","features":[{"type":"Feature","properties":{oops},"geometry":null}]}'))));
    expect(e2.location).toBe('feature 0');
    expect(e2.problem).toMatch(/^JSON 无效：.* \/ invalid JSON: /);
  });

  it('a lone Feature or geometry file', async () => {
    const fs = await all(readGeoJSON(write(JSON.stringify({ type: 'Feature', properties: { amenity: 'school' }, geometry: { type: 'Point', coordinates: [116, 40] } }))));
    expect(fs.length).toBe(1);
    expect(fs[0].properties.amenity).toBe('school');
    const gs = await all(readGeoJSON(write(JSON.stringify({ type: 'Point', coordinates: [116, 40] }))));
    expect(gs[0].geometry).toEqual({ type: 'Point', coordinates: [116, 40] });
  });
});

describe('newline-delimited GeoJSON / GeoJSONSeq', () => {
  const line = (i: number) => JSON.stringify({ type: 'Feature', id: i, properties: { n: i }, geometry: { type: 'Point', coordinates: [116 + i / 100, 40] } });

  it('reads NDJSON by extension and by content, skipping blank lines', async () => {
    const text = [line(0), '', line(1), line(2)].join('\n') + '\n';
    for (const ext of ['.geojsonl', '.ndjson', '.geojson', '.json']) {
      const fs = await all(readGeoJSON(write(text, ext)));
      expect(fs.map((f) => f.properties.n), ext).toEqual([0, 1, 2]);
      expect(fs[2].geometry).toEqual({ type: 'Point', coordinates: [116.02, 40] });
    }
  });

  it('reads RFC 8142 record separators and CRLF', async () => {
    const text = ['\x1e' + line(0), '\x1e' + line(1)].join('\r\n') + '\r\n';
    const fs = await all(readGeoJSON(write(text, '.geojsons')));
    expect(fs.map((f) => f.id)).toEqual(['0', '1']);
  });

  it('a bad line is an error naming the line', async () => {
    const text = [line(0), line(1), '{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{}', line(3)].join('\n');
    const e = await failure(all(readGeoJSON(write(text, '.ndjson'))));
    expect(e.location).toBe('line 3');
    const bad = [line(0), JSON.stringify({ type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [[[1, 2], [3, 4], [1, 2]]] } })].join('\n');
    const e2 = await failure(all(readGeoJSON(write(bad, '.ndjson'))));
    expect(e2.location).toBe('line 2, feature 1');
  });

  it('applies --crs and --coords', async () => {
    const text = JSON.stringify({ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: [121.531541859215, 31.17530398364597] } }) + '\n';
    const [f] = await all(readFeatures(write(text, '.geojsonl'), { coords: 'gcj02' }));
    const [lon, lat] = (f.geometry as { coordinates: number[] }).coordinates;
    expect(lon).toBeCloseTo(121.5272106, 7);
    expect(lat).toBeCloseTo(31.1774276, 7);
  });
});
