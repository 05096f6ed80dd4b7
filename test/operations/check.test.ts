import { describe, expect, it } from 'vitest';
import { DRIVERS } from '../helpers/stores.js';
import { cityStore } from '../server/fixture.js';
import { generateGrids } from '../../src/domains/operations/grids.js';
import { act, opsConfig, report } from '../../src/domains/operations/store.js';
import { operationsForCheck } from '../../src/domains/operations/check.js';
import { loadCatalogue } from '../../src/analysis/indicators/catalogue.js';
import { checkDataFromRecords } from '../../src/analysis/indicators/data.js';
import { runCheck } from '../../src/analysis/indicators/run.js';
import { PARAMS, town } from '../indicators/fixture.js';

const cfg = opsConfig();
const CITY = 'bupt';
const DAY = 86400_000;

describe.each(DRIVERS)('health check indicators from the operations platform: reading the store ($name)', (driver) => {
  it('waterlogging points (reports within 50 m are one), roads with disorderly parking (nearest road), grid coverage', async () => {
    const store = await cityStore(await driver.fresh(), { file: 'beijing-bupt.osm.pbf', city: CITY, access: false });
    try {
      expect(await operationsForCheck(store, CITY)).toBeUndefined();   // not run on the platform: no_data as before
      await generateGrids(store, CITY, { actor: 'test' });
      // two named roads cars park on, a point in the middle of each and one 40% along the first
      const roads = await store.query<{ name: string; x: number; y: number; x2: number; y2: number }>(
        `SELECT name, ST_X(ST_LineInterpolatePoint(geom, 0.5)) AS x, ST_Y(ST_LineInterpolatePoint(geom, 0.5)) AS y,
                ST_X(ST_LineInterpolatePoint(geom, 0.1)) AS x2, ST_Y(ST_LineInterpolatePoint(geom, 0.1)) AS y2
         FROM (SELECT DISTINCT ON (name) name, geom FROM walk_edges_current WHERE city_id = $1 AND name IS NOT NULL
           AND highway IN ('primary', 'secondary', 'tertiary', 'residential', 'service', 'unclassified') AND length_m > 150 ORDER BY name, length_m DESC) r
         ORDER BY name LIMIT 2`, [CITY]);
      expect(roads.length).toBe(2);
      const now = Date.now();
      const base = { cityId: CITY, channel: 'grid_worker' as const, actor: 'test' };
      const park = (x: number, y: number, at: number) => report(store, cfg, { ...base, serviceCode: 'illegal_parking', lon: x, lat: y, at });
      await park(roads[0].x, roads[0].y, now - 10 * DAY);
      await park(roads[0].x2, roads[0].y2, now - 5 * DAY);          // same road, another spot: one road
      await park(roads[1].x, roads[1].y, now - 2 * DAY);
      const dupP = await park(roads[1].x, roads[1].y, now - 2 * DAY + 3600_000);   // a duplicate: linked, not counted
      expect(dupP.duplicate_of).not.toBeNull();
      await park(roads[1].x2, roads[1].y2, now - 400 * DAY);        // outside the 365-day window
      // waterlogging: two reports 20 m apart, 5 days apart (not duplicates: one point), one 300 m away, one rejected
      const wl = (x: number, y: number, at: number, depth: number) => report(store, cfg, { ...base, serviceCode: 'waterlogging', attributes: { depth_cm: String(depth) }, lon: x, lat: y, at });
      const [x0, y0] = [roads[0].x, roads[0].y];
      await wl(x0, y0, now - 20 * DAY, 15);
      await wl(x0 + 0.00023, y0, now - 10 * DAY, 32);               // ~20 m east
      await wl(x0, y0 + 0.0027, now - 10 * DAY, 8);                  // ~300 m north
      const rej = await wl(x0 - 0.003, y0, now - DAY, 50);
      await act(store, cfg, { cityId: CITY, id: rej.id, action: 'reject', roles: ['supervisor'], actor: 'test', note: 'not waterlogging' });

      const o = (await operationsForCheck(store, CITY))!;
      expect(o.changeset).toBeGreaterThan(0);
      expect(o.waterlogging.cases).toBe(3);
      expect(o.waterlogging.points.map((p) => [p.cases, p.max_depth_cm]).sort()).toEqual([[1, 8], [2, 32]]);
      expect(o.parking.cases).toBe(3);
      expect(o.parking.unmatched).toBe(0);
      expect(o.parking.roads.map((r) => [r.name, r.cases])).toEqual([[roads[0].name, 2], [roads[1].name, 1]]);
      // coverage, cross-checked by the area of the union of the grids (not the sum of their areas) over the union of the basis
      const [ind] = await store.query<{ g: number; a: number }>(
        `SELECT ST_Area(ST_Union(g.geom)::geography) AS g,
           (SELECT coalesce(ST_Area(ST_Union(geom)::geography), 0) FROM admin_areas_current WHERE city_id = $1 AND level = 'community') AS a
         FROM grids_current g WHERE g.city_id = $1 AND g.level = 'unit'`, [CITY]);
      expect(o.coverage.grids).toBeGreaterThan(0);
      if (o.coverage.basis === 'community') expect(o.coverage.area_m2 / Number(ind.a)).toBeCloseTo(1, 2);
      expect(o.coverage.grid_m2 / Number(ind.g)).toBeCloseTo(1, 2);
      expect(o.coverage.grid_m2 / o.coverage.area_m2).toBeGreaterThan(0.9);
    } finally { await store.close(); }
  }, 120_000);
});

describe('health check indicators from the operations platform: in the check', () => {
  it('computed per unit with the change set in the explain; no platform data → no_data; a manual value still wins', async () => {
    const cat = loadCatalogue('2025');
    const params = { ...cat.parameters, ...PARAMS } as typeof cat.parameters;
    const data = await checkDataFromRecords(town(), params);
    const without = await runCheck(data, { city: 'town', params: PARAMS, access: { workers: 1 } });
    for (const id of ['serious_waterlogging_points', 'illegal_parking_roads', 'city_operation_platform_coverage']) {
      expect(without.results.find((x) => x.id === id && x.area_id === 'city')).toMatchObject({ value: null, status: 'no_data', source: 'none' });
      expect(without.results.filter((x) => x.id === id).length).toBe(1);   // one entry for the city, as before
    }
    const b = data.buildings;
    const at = (i: number) => ({ lon: b.lon[i], lat: b.lat[i] });
    data.operations = {
      changeset: 77, recorded_at: '2026-11-30T08:00:00Z', sla_run: 5, window_days: 365,
      waterlogging: { cluster_m: 50, cases: 3, points: [{ ...at(0), cases: 2, max_depth_cm: 30 }, { ...at(1), cases: 1, max_depth_cm: null }] },
      parking: { road_m: 30, cases: 4, unmatched: 1, roads: [{ key: 'name:学院路', name: '学院路', ...at(0), cases: 3 }] },
      coverage: { grids: 12, grid_m2: 90_000, area_m2: 120_000, basis: 'community' },
    };
    const r = await runCheck(data, { city: 'town', params: PARAMS, access: { workers: 1 } });
    const get = (id: string, area = 'city') => r.results.find((x) => x.id === id && x.area_id === area)!;
    expect(get('serious_waterlogging_points')).toMatchObject({ value: 2, source: 'computed' });
    expect(get('serious_waterlogging_points').explain).toMatch(/archive change set #77 of 2026-11-30T08:00:00Z; latest SLA run 5/);
    expect(get('illegal_parking_roads')).toMatchObject({ value: 1, source: 'computed' });
    expect(get('illegal_parking_roads').explain).toMatch(/1 reports had no road within 30 m/);
    expect(get('city_operation_platform_coverage')).toMatchObject({ value: 0.75, source: 'computed' });
    // the Chinese method says what the English says: the same change set, run and counts
    expect(get('serious_waterlogging_points').explain_zh).toMatch(/^积水点按库中的案件（档案变更集 #77，2026-11-30T08:00:00Z；最近一次时限检查第 5 次运行），近 365 天计算.*上报 3 件，积水点 2 个。$/);
    expect(get('illegal_parking_roads').explain_zh).toMatch(/1 条道路上报 4 件；1 件在 30 米内没有道路。$/);
    expect(get('city_operation_platform_coverage').explain_zh).toMatch(/各社区的面积.*单元网格 12 个，90,000 m²（共 120,000 m²）。$/);
    // per unit: the compound the first building lies in holds the point and the road
    const unit = r.results.filter((x) => x.id === 'serious_waterlogging_points' && x.area_id !== 'city' && (x.value ?? 0) > 0);
    expect(unit.length).toBeGreaterThan(0);
    const manual = await runCheck(data, { city: 'town', params: PARAMS, access: { workers: 1 },
      manual: [{ indicator_id: 'serious_waterlogging_points', area_id: 'city', value: 9, where: 'm.csv line 2' }] });
    expect(manual.results.find((x) => x.id === 'serious_waterlogging_points' && x.area_id === 'city')).toMatchObject({ value: 9, source: 'manual' });
  });
});
