import { describe, expect, it } from 'vitest';
import { VectorTile } from '@mapbox/vector-tile';
import Pbf from 'pbf';
import { buildServer } from '../../src/server/app.js';
import { openStore } from '../../src/store/driver.js';
import { importSources, type SourceToLoad } from '../../src/store/import.js';
import { classifyFeature } from '../../src/model/classify.js';
import type { CityRecord } from '../../src/model/types.js';
import { DRIVERS } from '../helpers/stores.js';

const sq = (x: number, y: number, d = 0.0005): [number, number][] => [[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]];
const buildings = (names: Record<string, string>): CityRecord[] => Object.entries(names).flatMap(([id, name], i) =>
  classifyFeature(id, { building: 'apartments', name }, { type: 'Polygon', coordinates: [sq(116.3 + 0.001 * i, 39.9)] }));
const source = (records: CityRecord[]): SourceToLoad => ({
  sourceId: 'survey', path: '/tmp/survey.osm', format: 'test', bytes: 1, sha256: async () => 'x', records: (async function* () { yield records; })(), problems: [],
});

describe.each(DRIVERS)('the archive over HTTP ($name)', (driver) => {
  it('history of a record, items as_of a time, changes, runs; bad as_of is a 400', async () => {
    const store = await openStore(await driver.fresh());
    await importSources(store, 'c', [source(buildings({ b1: '一号楼', b2: '二号楼' }))], { actor: 'survey-2025' });
    await new Promise((r) => setTimeout(r, 30));
    const t1 = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 30));
    await importSources(store, 'c', [source(buildings({ b1: '一号楼（改）', b3: '三号楼' }))], { actor: 'survey-2026', reason: '2026 年度普查' });
    const s = await buildServer(store, { tokens: [], versionTtlMs: 0 });
    try {
      const get = async (url: string) => { const r = await s.app.inject({ url }); return { status: r.statusCode, body: JSON.parse(r.body) }; };
      const h = await get('/api/v1/history/buildings/b1');
      expect(h.status).toBe(200);
      expect(h.body.versions.map((v: { actor: string; changed_fields: string[] }) => [v.actor, v.changed_fields])).toEqual([['survey-2025', []], ['survey-2026', ['name', 'tags']]]);
      expect(h.body.versions[1].reason).toBe('2026 年度普查');
      expect((await get('/api/v1/history/buildings/nope')).status).toBe(404);
      // a record's id is read by the CLI's rule: an empty first part is no record (it was every one of the collection)
      const empty = await get('/api/v1/history/facilities/:bus_stop');
      expect([empty.status, empty.body.description]).toEqual([400, expect.stringContaining("facilities: give the record's id")]);
      expect((await get('/api/v1/history/nothing/b1')).status).toBe(404);
      const names = (fc: { features: { id: string; properties: { name: string } }[] }) => fc.features.map((f) => `${f.id}=${f.properties.name}`).sort();
      expect(names((await get('/collections/buildings/items')).body)).toEqual(['b1=一号楼（改）', 'b3=三号楼']);
      const then = await get(`/collections/buildings/items?as_of=${encodeURIComponent(t1)}`);
      expect(names(then.body)).toEqual(['b1=一号楼', 'b2=二号楼']);
      expect(then.body.numberMatched).toBe(2);
      const bad = await get('/collections/buildings/items?as_of=not-a-date');
      expect(bad.status).toBe(400);
      expect(bad.body.description).toMatch(/as_of: "not-a-date" is not a date/);
      const ch = await get(`/api/v1/changes?since=${encodeURIComponent(t1)}`);
      expect(ch.body.kinds.find((k: { kind: string }) => k.kind === 'buildings')).toEqual({ kind: 'buildings', added: ['b3'], changed: ['b1'], removed: ['b2'] });
      // the map as it was: vector tiles and their TileJSON follow as_of
      const z = 15, n = 2 ** z;
      const x = Math.floor(((116.3012 + 180) / 360) * n), y = Math.floor(((1 - Math.log(Math.tan((39.9002 * Math.PI) / 180) + 1 / Math.cos((39.9002 * Math.PI) / 180)) / Math.PI) / 2) * n);
      const tileIds = async (q: string) => {
        const r = await s.app.inject({ url: `/tiles/buildings/${z}/${x}/${y}.mvt${q}` });
        if (r.statusCode === 204) return [];
        const layer = new VectorTile(new Pbf(r.rawPayload)).layers.buildings;
        return Array.from({ length: layer.length }, (_, i) => String(layer.feature(i).properties.id)).sort();
      };
      expect(await tileIds('')).toEqual(['b1', 'b3']);
      expect(await tileIds(`?as_of=${encodeURIComponent(t1)}`)).toEqual(['b1', 'b2']);
      expect((await get(`/tiles/buildings.json?as_of=${encodeURIComponent(t1)}`)).body.tiles[0]).toContain('as_of=');
      expect((await s.app.inject({ url: `/tiles/buildings/${z}/${x}/${y}.mvt?as_of=nope` })).statusCode).toBe(400);
      const arch = await get('/api/v1/archive');
      expect(arch.body.head.seq).toBe(2);
      expect(arch.body.changesets[0].actor).toBe('survey-2026');
    } finally {
      await s.app.close();
      await store.close();
    }
  });
});
