import { validateStyleMin } from '@maplibre/maplibre-gl-style-spec';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cityServer } from '../server/fixture.js';
import { DRIVERS } from '../helpers/stores.js';
import { COVERAGE_BANDS } from '../../src/catalog/legends.js';

describe('the served style document and legends (catalog)', () => {
  let s: Awaited<ReturnType<typeof cityServer>>;
  beforeAll(async () => { s = await cityServer(await DRIVERS[0].fresh(), { baseUrl: 'https://cim.example.gov.cn' }, { file: 'beijing-bupt.osm.pbf' }); });
  afterAll(async () => { await s?.close(); });

  it('/styles/city.json is a valid MapLibre style over the layers the store holds, with absolute TileJSON URLs from the configured base URL', async () => {
    const r = await s.app.inject({ url: '/styles/city.json', headers: { host: 'cim.example.gov.cn' } });
    expect(r.statusCode).toBe(200);
    const style = JSON.parse(r.body);
    expect(validateStyleMin(style)).toEqual([]);
    expect(Object.keys(style.sources)).toEqual(expect.arrayContaining(['buildings', 'facilities', 'walk_network']));
    expect(style.sources.buildings.url).toBe('https://cim.example.gov.cn/tiles/buildings.json');
    expect(style.layers.map((l: { id: string }) => l.id)).toEqual(expect.arrayContaining(['buildings-3d', 'facilities-circle']));
    // the colours of the first building mode are the catalog's (one document for viewer and clients)
    expect(JSON.stringify(style.layers.find((l: { id: string }) => l.id === 'buildings-3d').paint['fill-extrusion-color'])).toContain('#e9a46b');
  });

  it('the viewer and the report read one set of grading bands', async () => {
    const config = JSON.parse((await s.app.inject({ url: '/api/v1/config', headers: { host: 'cim.example.gov.cn' } })).body);
    expect(config.legends.coverage).toEqual(COVERAGE_BANDS);
    expect(config.access_cutoff_m).toBe(3000);
  });
});
