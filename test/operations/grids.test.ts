import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DRIVERS, tempDir } from '../helpers/stores.js';
import { cityStore } from '../server/fixture.js';
import { assignGrid, generateGrids, gridSummary, importGrids } from '../../src/domains/operations/grids.js';
import { act, opsConfig, report } from '../../src/domains/operations/store.js';
import { pointInAreal } from '../../src/model/geo.js';
import type { Areal } from '../../src/model/geometry.js';

const cfg = opsConfig();

describe.each(DRIVERS)('grids ($name)', (driver) => {
  it('generates ~10,000 m² unit grids clipped to the communities, locates and dispatches cases by grid', async () => {
    const store = await cityStore(await driver.fresh(), { access: false });
    try {
      const r = await generateGrids(store, 'haidian', { actor: 'test' });
      expect(r.added).toBeGreaterThan(10);
      const sum = await gridSummary(store, 'haidian');
      const unit = sum.find((s) => s.level === 'unit')!;
      expect(unit.mean_m2).toBeLessThanOrEqual(10_000.5);
      expect(unit.mean_m2).toBeGreaterThan(3000);
      // the units of each parent tile it: areas add up (independent: geography area of the parent)
      const cover = await store.query<{ code: string; parent: number; units: number; outside: number }>(`
        SELECT p.code, ST_Area(p.geom::geography) AS parent, sum(ST_Area(u.geom::geography)) AS units,
          max(ST_Area(ST_Difference(u.geom, ST_Buffer(p.geom, 0.00001))::geography)) AS outside
        FROM grids_current p JOIN grids_current u ON u.parent_code = p.code AND u.level = 'unit' GROUP BY p.code, p.geom`);
      expect(cover.length).toBeGreaterThan(0);
      for (const c of cover) {
        expect(Math.abs(Number(c.units) - Number(c.parent)) / Number(c.parent), c.code).toBeLessThan(0.01);
        expect(Number(c.outside)).toBeLessThan(1);
      }
      // a case lands in the unit grid an independent point-in-polygon test finds
      const [g] = await store.query<{ code: string; gj: string; x: number; y: number }>(
        `SELECT code, ST_AsGeoJSON(geom) AS gj, ST_X(ST_PointOnSurface(geom)) AS x, ST_Y(ST_PointOnSurface(geom)) AS y FROM grids_current WHERE level = 'unit' ORDER BY area_m2 DESC LIMIT 1`);
      const units = await store.query<{ code: string; gj: string }>(`SELECT code, ST_AsGeoJSON(geom) AS gj FROM grids_current WHERE level = 'unit'`);
      const js = units.filter((u) => pointInAreal(Number(g.x), Number(g.y), JSON.parse(u.gj) as Areal)).map((u) => u.code);
      expect(js).toEqual([g.code]);
      await assignGrid(store, 'haidian', g.code, { actor: 'admin', workers: ['grid-zhang'], assign: { sanitation: 'sanitation-east' } });
      const c = await report(store, cfg, { cityId: 'haidian', serviceCode: 'garbage', lon: Number(g.x), lat: Number(g.y), channel: 'grid_worker', actor: 'grid-zhang' });
      expect([c.grid_code, c.department, c.worker]).toEqual([g.code, 'sanitation-east', 'grid-zhang']);
      const a = await act(store, cfg, { cityId: 'haidian', id: c.id, action: 'accept', roles: ['supervisor'], actor: 's' });
      const d = await act(store, cfg, { cityId: 'haidian', id: c.id, action: 'dispatch', roles: ['dispatcher'], actor: 'd', expectedVersion: a.version });
      expect(d.department).toBe('sanitation-east');       // automatic dispatch by grid and class
      // regenerating keeps the assignment and writes no new versions of unchanged grids
      const again = await generateGrids(store, 'haidian', { actor: 'test' });
      expect([again.added, again.changed, again.removed]).toEqual([0, 0, 0]);
    } finally { await store.close(); }
  });

  it('imports coded grids from GeoJSON and names the feature that is wrong', async () => {
    const store = await cityStore(await driver.fresh(), { access: false });
    try {
      const dir = tempDir('grids-');
      const sq = (x: number, y: number) => [[[x, y], [x + 0.001, y], [x + 0.001, y + 0.001], [x, y + 0.001], [x, y]]];
      const fc = (features: unknown[]) => JSON.stringify({ type: 'FeatureCollection', features });
      const good = join(dir, 'grids.geojson');
      writeFileSync(good, fc([
        { type: 'Feature', properties: { code: '110108001001', name: '一号网格', workers: 'wang,li' }, geometry: { type: 'Polygon', coordinates: sq(116.35, 40.0) } },
        { type: 'Feature', properties: { code: '110108001002' }, geometry: { type: 'Polygon', coordinates: sq(116.351, 40.0) } },
      ]));
      await importGrids(store, 'haidian', good, { actor: 't', workersField: 'workers' });
      const rows = await store.query<{ code: string; workers: unknown; area_m2: number }>(`SELECT code, workers, area_m2 FROM grids_current WHERE level = 'unit' ORDER BY code`);
      expect(rows.map((r) => r.code)).toEqual(['110108001001', '110108001002']);
      expect(rows[0].workers).toEqual(['wang', 'li']);
      expect(Number(rows[0].area_m2)).toBeGreaterThan(9000);   // 0.001° × 0.001° at 40° N ≈ 111 m × 85 m
      const bad = join(dir, 'bad.geojson');
      writeFileSync(bad, fc([
        { type: 'Feature', properties: { code: 'A' }, geometry: { type: 'Polygon', coordinates: sq(116.35, 40.0) } },
        { type: 'Feature', properties: { name: 'no code' }, geometry: { type: 'Polygon', coordinates: sq(116.36, 40.0) } },
      ]));
      await expect(importGrids(store, 'haidian', bad, { actor: 't' })).rejects.toThrow(/bad.geojson: feature 2 has no grid code/);
      const after = await store.query(`SELECT code FROM grids_current WHERE level = 'unit' ORDER BY code`);
      expect(after.length).toBe(2);   // nothing half-written
    } finally { await store.close(); }
  });
});
