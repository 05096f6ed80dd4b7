import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTransform } from '../../src/ingest/crs.js';
import { readFeatures } from '../../src/ingest/features.js';
import { IngestError } from '../../src/model/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'opencim-crsdeg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function failure(p: Promise<unknown>): Promise<IngestError> {
  try { await p; } catch (e) { expect(e).toBeInstanceOf(IngestError); return e as IngestError; }
  throw new Error('expected an IngestError');
}
async function drain(it: AsyncIterable<unknown>): Promise<void> { for await (const _ of it) { /* read all */ } }

describe('degrees given for a projected CRS', () => {
  it('is refused by every projected CRS, not moved to near its false origin', () => {
    for (const epsg of ['EPSG:4547', 'EPSG:4526', 'EPSG:32650', 'EPSG:3857']) {
      expect(() => makeTransform(epsg)(116.397, 39.909), epsg).toThrow(/looks like a longitude\/latitude in degrees.*EPSG:4326/);
    }
    // real metres still convert (CGCS2000 3° CM 117°E: easting 500 000 is on the central meridian)
    const [lon, lat] = makeTransform('EPSG:4548')(500000, 4420000);
    expect(lon).toBeCloseTo(117, 6);
    expect(lat).toBeGreaterThan(39.9);
  });

  it('a CSV of lon/lat read with --crs EPSG:4547 names the file and line', async () => {
    const f = join(dir, 'pois.csv');
    writeFileSync(f, 'name,lng,lat,amenity\nA,116.397428,39.90923,pharmacy\n');
    const e = await failure(drain(readFeatures(f, { crs: 'EPSG:4547' })));
    expect(e.message).toMatch(/pois\.csv \(line 2\).*looks like a longitude\/latitude/);
    expect(e.problem).toMatch(/^坐标 \(116\.397428, 39\.90923\) 看起来是以度为单位的经纬度，而不是 .*的米制坐标；若数据是经纬度，请用 --crs EPSG:4326（CGCS2000 用 EPSG:4490）或修正 \.prj 文件 \/ coordinate \(116\.397428, 39\.90923\) looks like/);
  });

  it('a GeoJSON whose crs member says metres but whose coordinates are degrees', async () => {
    const f = join(dir, 'wrong-crs.geojson');
    writeFileSync(f, JSON.stringify({ type: 'FeatureCollection', crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::4547' } },
      features: [{ type: 'Feature', properties: { amenity: 'school' }, geometry: { type: 'Point', coordinates: [116.3, 39.9] } }] }));
    const e = await failure(drain(readFeatures(f)));
    expect(e.message).toMatch(/wrong-crs\.geojson.*feature 0.*looks like a longitude\/latitude/);
  });
});
