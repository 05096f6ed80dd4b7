/**
 * Designated greenway routes (issue 10 §3): an OSM route relation named as a greenway (广东绿道)
 * becomes a greenway_route record of its member ways, stored with the city model, and the greenway
 * coverage counts it (rule `route`) though none of its ways is named or tagged as a greenway.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSource } from '../../src/ingest/index.js';
import { checkDataFromRecords } from '../../src/analysis/indicators/data.js';
import { checkDataFromStore } from '../../src/analysis/indicators/store.js';
import { loadCatalogue } from '../../src/analysis/indicators/catalogue.js';
import { lineLengthM } from '../../src/model/geo.js';
import type { CityRecord, GreenwayRoute } from '../../src/model/types.js';
import { openStore } from '../../src/store/driver.js';
import { importSources } from '../../src/store/import.js';
import { DRIVERS, tempDir } from '../helpers/stores.js';

const NODES: [number, number, number][] = [[1, 113.30, 23.10], [2, 113.31, 23.10], [3, 113.32, 23.10], [4, 113.32, 23.11], [5, 113.40, 23.20], [6, 113.41, 23.20]];
function osm(): string {
  const f = join(tempDir('greenway-'), 'route.osm');
  writeFileSync(f, `<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="test">
${NODES.map(([id, lon, lat]) => `  <node id="${id}" lat="${lat}" lon="${lon}" version="1"/>`).join('\n')}
  <way id="10" version="1"><nd ref="1"/><nd ref="2"/><nd ref="3"/><tag k="highway" v="footway"/></way>
  <way id="11" version="1"><nd ref="3"/><nd ref="4"/><tag k="highway" v="cycleway"/></way>
  <way id="12" version="1"><nd ref="5"/><nd ref="6"/><tag k="highway" v="footway"/></way>
  <relation id="100" version="1"><member type="way" ref="10" role=""/><member type="way" ref="11" role=""/><member type="way" ref="99" role=""/>
    <tag k="type" v="route"/><tag k="route" v="hiking"/><tag k="name" v="广东绿道2号线"/></relation>
  <relation id="101" version="1"><member type="way" ref="12" role=""/><tag k="type" v="route"/><tag k="route" v="bus"/><tag k="name" v="绿道公交"/></relation>
</osm>`);
  return f;
}

async function records(file: string): Promise<{ all: CityRecord[]; problems: { id: string; problem: string }[] }> {
  const src = await openSource(file, { workers: 0 });
  const all: CityRecord[] = [];
  for await (const b of src.records) all.push(...b);
  return { all, problems: src.problems };
}

describe('designated greenway routes', () => {
  it('a route relation named 绿道 becomes a greenway route of its member ways present; a bus route does not', async () => {
    const { all, problems } = await records(osm());
    const routes = all.filter((r): r is GreenwayRoute => r.kind === 'greenway_route');
    expect(routes.map((r) => [r.id, r.name, r.route, r.geometry.coordinates.length])).toEqual([['r100', '广东绿道2号线', 'hiking', 2]]);
    const expected = lineLengthM([[113.30, 23.10], [113.31, 23.10], [113.32, 23.10]]) + lineLengthM([[113.32, 23.10], [113.32, 23.11]]);
    expect(routes[0].length_m).toBeCloseTo(expected, 6);
    expect(problems.find((p) => p.id === 'r100')?.problem).toMatch(/1 member way\(s\) missing/);
    expect(problems.find((p) => p.id === 'r100')?.problem).toBe('绿道路线 "广东绿道2号线"：文件中缺少 1 条成员路径，路线按现有的路径保留 / ' +
      'greenway route "广东绿道2号线": 1 member way(s) missing from the file; the route is kept with the ways present');
    // the coverage counts it as a greenway though no way of it is named or tagged one
    const cat = loadCatalogue('2025');
    const data = await checkDataFromRecords(all, cat.parameters);
    expect(data.greenways.map((g) => [g.id, g.rule])).toEqual([['r100:0', 'route'], ['r100:1', 'route']]);
  });

  it.each(DRIVERS)('kept in the store and read back by the check ($name)', async (driver) => {
    const store = await openStore(await driver.fresh());
    try {
      const [s] = await importSources(store, 'c', [await openSource(osm(), { workers: 0 })], { actor: 'test' });
      expect(s.counts.greenway_routes).toBe(1);
      const cat = loadCatalogue('2025');
      const data = await checkDataFromStore(store, 'c', cat.parameters);
      expect(data.greenways.filter((g) => g.rule === 'route').map((g) => g.id)).toEqual(['r100:0', 'r100:1']);
    } finally {
      await store.close();
    }
  });
});
