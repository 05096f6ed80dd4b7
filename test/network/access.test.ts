import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { accessCommand } from '../../src/cli/access.js';
import { classifyFeature } from '../../src/model/classify.js';
import { metresPerDegree } from '../../src/model/geo.js';
import { CATEGORY_IDS } from '../../src/model/taxonomy.js';
import type { CityRecord } from '../../src/model/types.js';
import { computeAccess, placesFromRecords, resolveCategories, summarize } from '../../src/analysis/network/access.js';
import { accessCsvHeader, accessCsvRows } from '../../src/analysis/network/csv.js';
import { estimateResidents } from '../../src/analysis/network/population.js';
import { placesFromStore, saveAccess } from '../../src/analysis/network/store.js';
import { startRun } from '../../src/store/runs.js';
import { resolveResidential } from '../../src/model/residential.js';
import { openStore } from '../../src/store/driver.js';
import { importSources, type SourceToLoad } from '../../src/store/import.js';
import { dataFile, DRIVERS, tempDir } from '../helpers/stores.js';
import { runCli } from '../helpers/cli.js';

const LAT = 39.9, LON = 116.3;
const [KX, KY] = metresPerDegree(LAT);
/** metres east/north of (LON, LAT) */
const at = (x: number, y: number): [number, number] => [LON + x / KX, LAT + y / KY];
const square = (x: number, y: number, h: number) => [[at(x - h, y - h), at(x + h, y - h), at(x + h, y + h), at(x - h, y + h), at(x - h, y - h)]];

/**
 * A street along y = 0 from x = 0 to 2000 m (OSM nodes 1..5), a cross street at x = 1000 (nodes
 * 3, 6, 7), homes north of the street, a kindergarten and a park.
 */
function town(): CityRecord[] {
  const f = classifyFeature;
  return [
    ...f('w1', { highway: 'residential' }, { type: 'LineString', coordinates: [at(0, 0), at(500, 0), at(1000, 0), at(1500, 0), at(2000, 0)] }, { nodeIds: [1, 2, 3, 4, 5] }),
    ...f('w2', { highway: 'footway' }, { type: 'LineString', coordinates: [at(1000, -800), at(1000, 0), at(1000, 800)] }, { nodeIds: [6, 3, 7] }),
    // homes: centroid 30 m north of the street at x = 100 and x = 1900; one 40 m east of the cross street
    ...f('w10', { building: 'apartments', 'building:levels': '10' }, { type: 'Polygon', coordinates: square(100, 30, 10) }),
    ...f('w11', { building: 'yes' }, { type: 'Polygon', coordinates: square(1900, 30, 10) }), // residential by landuse below
    ...f('w12', { building: 'house' }, { type: 'Polygon', coordinates: square(1040, 600, 5) }),
    ...f('w13', { building: 'residential' }, { type: 'Polygon', coordinates: square(5000, 5000, 5) }), // far from any street
    ...f('w14', { building: 'retail' }, { type: 'Polygon', coordinates: square(300, 30, 10) }), // not residential
    ...f('w20', { landuse: 'residential' }, { type: 'Polygon', coordinates: [[at(1800, 10), at(2000, 10), at(2000, 200), at(1800, 200), at(1800, 10)]] }),
    // kindergarten (point) 20 m south of the street at x = 400
    ...f('n30', { amenity: 'kindergarten', name: '幼儿园' }, { type: 'Point', coordinates: at(400, -20) }),
    // a park whose edge lies 10 m east of the cross street, between y = 100 and 300
    ...f('w40', { leisure: 'park', name: '小公园' }, { type: 'Polygon', coordinates: [[at(1010, 100), at(1200, 100), at(1200, 300), at(1010, 300), at(1010, 100)]] }),
  ];
}

async function* stream(records: CityRecord[]): AsyncGenerator<CityRecord[]> { yield records; }
const townRecords = async () => { const out: CityRecord[] = []; for await (const b of resolveResidential(stream(town()))) out.push(...b); return out; };

describe('access from city-model records', () => {
  it('distances, unsnapped buildings, park at its boundary, residents, CSV', async () => {
    const places = await placesFromRecords(await townRecords(), { islandMaxM: 0 });
    expect([...places.origins.ids].sort()).toEqual(['w10', 'w11', 'w12', 'w13']);
    const r = await computeAccess(places, { categories: ['park', 'kindergarten'], cutoffM: 3000 });
    expect(r.categories).toEqual(['kindergarten', 'park']); // taxonomy order
    const n = r.origins.count;
    const d = (id: string, cat: string) => r.distances[r.categories.indexOf(cat) * n + r.origins.ids.indexOf(id)];
    // w10: 30 m leg + 300 m along + 20 m leg
    expect(d('w10', 'kindergarten')).toBeCloseTo(30 + 300 + 20, 1);
    // w11: 30 + 1500 + 20
    expect(d('w11', 'kindergarten')).toBeCloseTo(30 + 1500 + 20, 1);
    // w12 (x = 1040, y = 600) → cross street (40 m) → down to the park's corner level y = 300, then 10 m across
    expect(d('w12', 'park')).toBeCloseTo(40 + 300 + 10, 1);
    expect(d('w12', 'kindergarten')).toBeCloseTo(40 + 600 + 600 + 20, 1);
    expect(d('w13', 'park')).toBeNaN(); // no street within 300 m
    expect(r.snap.status[r.origins.ids.indexOf('w13')]).toBe(1);

    // residents: w10 20×20 m × 10 levels / 40; w11 building=yes in residential landuse → 6 levels; w12 house → 2
    const res = (id: string) => r.origins.residents[r.origins.ids.indexOf(id)];
    expect(res('w10')).toBeCloseTo((400 * 10) / 40, 0);
    expect(res('w11')).toBeCloseTo((400 * 6) / 40, 0);
    expect(res('w12')).toBeCloseTo((100 * 2) / 40, 0);

    const s = summarize(r);
    expect(s.residential_buildings).toBe(4);
    expect(s.unsnapped_buildings).toBe(1);
    const kg = s.categories.find((c) => c.id === 'kindergarten')!;
    expect(kg.buildings_within[500]).toBe(0.25);
    expect(kg.residents_within[500]).toBeCloseTo(res('w10') / (res('w10') + res('w11') + res('w12') + res('w13')), 6);

    expect(accessCsvHeader(r.categories)).toBe('building_id,lon,lat,kindergarten,park\n');
    const rows = accessCsvRows(r).trim().split('\n');
    const w13 = rows.find((l) => l.startsWith('w13,'))!;
    expect(w13.split(',').slice(3)).toEqual(['', '']);
    const w10 = rows.find((l) => l.startsWith('w10,'))!.split(',');
    expect(w10[3]).toBe('350.0');
    expect(Number(w10[1])).toBeCloseTo(at(100, 30)[0], 6);
  });

  it('cut-off leaves cells empty; unknown categories are a usage error', async () => {
    const places = await placesFromRecords(await townRecords(), { islandMaxM: 0 });
    const r = await computeAccess(places, { categories: ['kindergarten'], cutoffM: 1000 });
    const i = r.origins.ids.indexOf('w11');
    expect(r.distances[i]).toBe(Infinity);
    expect(accessCsvRows(r, i, i + 1)).toMatch(/^w11,[\d.]+,[\d.]+,\n$/);
    expect(() => resolveCategories(['kindergarten', 'casino'])).toThrow(/unknown category casino/);
    expect(resolveCategories()).toEqual(CATEGORY_IDS);
  });

  it('population rule', () => {
    expect(estimateResidents({ area_m2: 100, use: 'yes', residential: true }, undefined).levels).toBe(6); // residential by landuse
    expect(estimateResidents({ area_m2: 100, use: 'yes', residential: true }, false).levels).toBe(2);
    expect(estimateResidents({ area_m2: 100, use: 'apartments', residential: true }, true).levels).toBe(6);
    expect(estimateResidents({ area_m2: 100, use: 'house', residential: true }, true).levels).toBe(2);
    expect(estimateResidents({ area_m2: 100, use: 'apartments', residential: true, height: 31 }, true)).toMatchObject({ levels: 10, from: 'height' });
    expect(estimateResidents({ area_m2: 100, use: 'apartments', residential: true, levels: 18, height: 31 }, true)).toMatchObject({ levels: 18, residents: 45 });
  });
});

function source(id: string, records: CityRecord[]): SourceToLoad {
  return { sourceId: id, path: `/tmp/${id}`, format: 'test', bytes: 1, sha256: async () => 'abc', records: stream(records), problems: [] };
}

describe.each(DRIVERS)('access with the store ($name)', (driver) => {
  it('reads the city from the store, gives the same distances, stores results with provenance', async () => {
    const db = await driver.fresh();
    const store = await openStore(db);
    try {
      await importSources(store, 'c1', [source('town', await townRecords())], { actor: "test" });
      const fromRecords = await computeAccess(await placesFromRecords(await townRecords(), { islandMaxM: 0 }), { categories: ['kindergarten', 'park'] });
      const places = await placesFromStore(store, 'c1', { categories: ['kindergarten', 'park'], islandMaxM: 0 });
      expect(places.landuseKnown).toBe(true);
      const r = await computeAccess(places, { categories: ['kindergarten', 'park'] });
      expect([...r.origins.ids].sort()).toEqual([...fromRecords.origins.ids].sort());
      for (const [c] of r.categories.entries()) {
        r.origins.ids.forEach((id, i) => {
          const j = fromRecords.origins.ids.indexOf(id);
          const a = r.distances[c * r.origins.count + i], b = fromRecords.distances[c * fromRecords.origins.count + j];
          if (Number.isFinite(b)) expect(Math.abs(a - b)).toBeLessThan(0.01); else expect(a).toEqual(b);
          expect(r.origins.residents[i]).toBeCloseTo(fromRecords.origins.residents[j], 3);
        });
      }
      const runId = await saveAccess(store, (await startRun(store, { cityId: 'c1', kind: 'access', actor: 'test' })).run_id, 'c1', r, summarize(r), { provenance: [{ source_id: 'town' }] });
      const rows = await store.query<{ building_id: string; category: string; distance_m: number | null; status: string }>(
        "SELECT building_id, category, distance_m, status FROM access_distances WHERE city_id = 'c1' ORDER BY building_id, category");
      expect(rows.length).toBe(8);
      const kw10 = rows.find((x) => x.building_id === 'w10' && x.category === 'kindergarten')!;
      expect(Number(kw10.distance_m)).toBeCloseTo(350, 1);
      expect(rows.find((x) => x.building_id === 'w13')!.status).toBe('unsnapped');
      const run = await store.query<{ run_id: number; categories: string[]; params: { cutoff_m: number } }>('SELECT run_id, categories, params FROM access_runs');
      expect(Number(run[0].run_id)).toBe(runId);
      expect(run[0].categories).toEqual(['kindergarten', 'park']);
      expect(run[0].params.cutoff_m).toBe(3000);
      // a second run keeps the first run's results (append-only); the current results are the second's
      const second = (await startRun(store, { cityId: 'c1', kind: 'access', actor: 'test' })).run_id;
      await saveAccess(store, second, 'c1', r, summarize(r));
      expect(Number((await store.query<{ n: number }>('SELECT count(*)::int AS n FROM access_results'))[0].n)).toBe(8);
      const current = await store.query<{ run_id: number }>('SELECT DISTINCT run_id FROM access_results_current');
      expect(current.map((x) => Number(x.run_id))).toEqual([second]);
      expect(Number((await store.query<{ n: number }>('SELECT count(*)::int AS n FROM access_distances'))[0].n)).toBe(8);
      const runs = await store.query<{ run_id: number; status: string; actor: string }>("SELECT run_id, status, actor FROM runs WHERE kind = 'access' ORDER BY run_id");
      expect(runs.map((x) => [Number(x.run_id), x.status, x.actor])).toEqual([[runId, 'succeeded', 'test'], [second, 'succeeded', 'test']]);
    } finally {
      await store.close();
    }
  });
});

describe('opencim access', () => {
  it('FILE: writes the CSV contract and a summary, no store needed', async () => {
    const out = join(tempDir('access-'), 'access.csv');
    const { result, summary } = await accessCommand(dataFile('beijing-haidian-cau.osm.pbf'), { out, quiet: true, json: true });
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).toBe(['building_id', 'lon', 'lat', ...CATEGORY_IDS].join(','));
    expect(lines.length - 1).toBe(result.origins.count);
    expect(lines[1]).toMatch(/^[wr]\d+,\d+\.\d{7},\d+\.\d{7}(,(\d+\.\d)?){21}$/);
    expect(summary.categories.find((c) => c.id === 'bus_stop')!.buildings_within[1000]).toBeGreaterThan(0.5);
  });

  it('--db: reads the store and records the run', async () => {
    const db = await DRIVERS[0].fresh();
    const store = await openStore(db);
    try { await importSources(store, 'town', [source('town', await townRecords())], { actor: "test" }); } finally { await store.close(); }
    const { runId, result } = await accessCommand(undefined, { db, quiet: true, json: true, categories: 'park,kindergarten', islandMax: 0 });
    expect(runId).toBeGreaterThan(0);
    expect(result.categories).toEqual(['kindergarten', 'park']);
    await expect(accessCommand(undefined, { db, quiet: true, city: 'nowhere' })).rejects.toThrow(/no city "nowhere"/);
  });

  it('the real binary: exit codes, JSON on stdout, CSV written, no store touched', async () => {
    const dir = tempDir('access-cli-');
    const out = join(dir, 'a.csv');
    const r = await runCli(['access', dataFile('beijing-bupt.osm.pbf'), '--out', out, '--json', '-q', '--categories', 'bus_stop,supermarket'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.summary.categories.map((c: { id: string }) => c.id)).toEqual(['supermarket', 'bus_stop']);
    expect(readFileSync(out, 'utf8').split('\n')[0]).toBe('building_id,lon,lat,supermarket,bus_stop');
    const bad = await runCli(['access', dataFile('beijing-bupt.osm.pbf'), '--categories', 'casino', '-q'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown category casino/);
    const missing = await runCli(['access', join(dir, 'nope.osm.pbf'), '-q'], { cwd: dir });
    expect(missing.code).toBe(1);
  });
});
