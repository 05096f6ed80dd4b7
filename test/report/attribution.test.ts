import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { dataFile, tempDir } from '../helpers/stores.js';

/** ODbL: whatever is shown or exported from OpenStreetMap data carries "© OpenStreetMap contributors" (../shared/data/README.md). */
describe('check FILE: the attribution follows where the data come from', () => {
  const check = async (file: string) => {
    const out = tempDir('attr-');
    const r = await runCli(['check', file, '--out', out, '-q', '--workers', '1']);
    expect(r.code, r.stderr).toBe(0);
    return { json: JSON.parse(readFileSync(join(out, 'indicators.json'), 'utf8')) as { attribution?: string }, html: readFileSync(join(out, 'report.html'), 'utf8') };
  };

  it('a Tilezen (Nextzen) export of OSM is OSM data', async () => {
    const { json, html } = await check(dataFile('wuhan-optics-valley-nextzen.geojson'));
    expect(json.attribution).toBe('© OpenStreetMap contributors');
    expect(html).toContain('© OpenStreetMap contributors');
  });

  it('an OSM extract, and a GeoJSON with OSM-typed ids (Overpass / osmtogeojson)', async () => {
    expect((await check(dataFile('beijing-bupt.osm.pbf'))).json.attribution).toBe('© OpenStreetMap contributors');
    const g = join(tempDir('attr-'), 'overpass.geojson');
    writeFileSync(g, JSON.stringify({ type: 'FeatureCollection', features: [
      { type: 'Feature', id: 'way/1', properties: { building: 'apartments' }, geometry: { type: 'Polygon', coordinates: [[[116.3, 39.9], [116.3005, 39.9], [116.3005, 39.9004], [116.3, 39.9]]] } },
    ] }));
    expect((await check(g)).json.attribution).toBe('© OpenStreetMap contributors');
  });

  it("a city's own data carry none unless given", async () => {
    const f = join(tempDir('attr-'), 'pois.csv');
    writeFileSync(f, 'name,lon,lat,amenity\n药店,116.30,39.90,pharmacy\n');
    expect((await check(f)).json.attribution).toBeUndefined();
  });
});
