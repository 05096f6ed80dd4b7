import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILDING_CARBON_PROPERTY, ENERGY_COLLECTIONS } from '../../src/domains/energy/collections.js';
import { openStore } from '../../src/store/driver.js';
import { runCli } from '../helpers/cli.js';
import { DRIVERS, tempDir } from '../helpers/stores.js';
import { writeFixture } from './fixture.js';

const sorted = (p: string) => readFileSync(p, 'utf8').trim().split('\n').slice(1).sort();

describe.each(DRIVERS)('opencim carbon --db ($name)', (driver) => {
  it('reads the city through the store as FILE does, stores the run and the metered records (versioned)', async () => {
    const db = await driver.fresh({ migrated: true });
    const dir = tempDir('carbon-db-');
    const city = writeFixture(dir);
    // the same city read from the file and from the store: the same inventory (the file's run, which opens no store, beside the import)
    const [imported, fromFile] = await Promise.all([runCli(['import', city, '--db', db, '-q']), runCli(['carbon', city, '--out', join(dir, 'file'), '-q'])]);
    expect(imported.code).toBe(0);
    expect(fromFile.code).toBe(0);
    const r1 = await runCli(['carbon', '--db', db, '--out', join(dir, 'db1'), '--actor', 'energy-office', '-q', '--json']);
    expect(r1.stderr).toBe('');
    expect(r1.code).toBe(0);
    expect(sorted(join(dir, 'db1', 'carbon.csv'))).toEqual(sorted(join(dir, 'file', 'carbon.csv')));
    const run1 = JSON.parse(r1.stdout).run_id as number;
    expect(JSON.parse(readFileSync(join(dir, 'db1', 'carbon.json'), 'utf8')).run_id).toBe(run1);

    // metered data: stored as versioned records, used by this run and by the next ones
    const m = join(dir, 'm.csv');
    writeFileSync(m, 'building_id,year,electricity_kwh,gas_m3,heat_gj\nw1,2024,120000,500,\nw6,2024,50000,100,200\n');
    const r2 = await runCli(['carbon', '--db', db, '--out', join(dir, 'db2'), '--metered', m, '--actor', 'energy-office', '-q', '--json']);
    expect(r2.code).toBe(0);
    const r3 = await runCli(['carbon', '--db', db, '--out', join(dir, 'db3'), '-q', '--json']);
    expect(r3.code).toBe(0);
    const metered = (out: string) => readFileSync(join(dir, out, 'carbon.csv'), 'utf8').split('\n').filter((l) => /,(partly_)?metered$/.test(l)).map((l) => l.split(',')[0]).sort();
    expect(metered('db2')).toEqual(['w1', 'w6']);
    expect(metered('db3')).toEqual(['w1', 'w6']); // from the archive, no file given
    expect(sorted(join(dir, 'db3', 'carbon.csv'))).toEqual(sorted(join(dir, 'db2', 'carbon.csv')));

    // a bad file: the run fails, nothing of it is kept
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'building_id,year,electricity_kwh\nw1,2025,-1\n');
    expect((await runCli(['carbon', '--db', db, '--out', join(dir, 'db4'), '--metered', bad, '-q'])).code).toBe(1);

    // the health check on the store picks up the current carbon run
    const chk = await runCli(['check', '--db', db, '--out', join(dir, 'check'), '-q']);
    expect(chk.code).toBe(0);
    const ci = (JSON.parse(readFileSync(join(dir, 'check', 'indicators.json'), 'utf8')).indicators as { id: string; area_id: string; value: number; explain: string; explain_zh?: string }[])
      .find((x) => x.id === 'carbon_intensity' && x.area_id === 'city')!;
    const c3 = JSON.parse(readFileSync(join(dir, 'db3', 'carbon.json'), 'utf8')).aggregates.city[0];
    expect(ci.value).toBeCloseTo(c3.co2e_kg_per_m2, 6);
    // the Chinese method names the same run and counts as the English one
    const run = /carbon run (\d+)/.exec(ci.explain)![1];
    expect(ci.explain_zh).toBe(`建筑运行碳排放（CO2e）÷ 建筑面积，来自碳排放核算第 ${run} 次运行（opencim carbon）：${c3.buildings} 栋建筑，其中 ${c3.metered_buildings} 栋为计量数据，其余按版本化的能耗强度与排放因子表估算。`);

    const store = await openStore(db);
    try {
      const runs = await store.query<{ run_id: number; status: string; actor: string }>(`SELECT run_id, status, actor FROM runs WHERE kind = 'carbon' ORDER BY run_id`);
      expect(runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
      expect(runs[0].actor).toBe('energy-office');
      const rec = await store.query<{ building_id: string; year: number; electricity_kwh: number; version: number; actor: string }>(
        `SELECT m.building_id, m.year, m.electricity_kwh, m.version, c.actor FROM metered_energy_current m JOIN changesets c ON c.changeset_id = m.changeset_id ORDER BY m.building_id`);
      expect(rec.map((r) => [r.building_id, Number(r.year), Number(r.electricity_kwh), Number(r.version), r.actor]))
        .toEqual([['w1', 2024, 120000, 1, 'energy-office'], ['w6', 2024, 50000, 1, 'energy-office']]);
      // results per run, never mixed: three runs of six buildings; the current view is the latest run's
      const per = await store.query<{ run_id: number; n: number; metered: number }>(
        `SELECT run_id, count(*)::int AS n, count(*) FILTER (WHERE basis <> 'estimated')::int AS metered FROM carbon_buildings GROUP BY run_id ORDER BY run_id`);
      expect(per.map((p) => [Number(p.n), Number(p.metered)])).toEqual([[6, 0], [6, 2], [6, 2]]);
      const cur = await store.query<{ run_id: number }>('SELECT DISTINCT run_id FROM carbon_buildings_current');
      expect(cur.map((c) => Number(c.run_id))).toEqual([Number(runs[2].run_id)]);
      // the stored areas are the sums of the stored buildings
      const chk = await store.query<{ lv: string; d: number }>(
        `SELECT a.level AS lv, max(abs(a.co2e_kg - coalesce(s.co2e, 0))) AS d FROM carbon_areas_current a
         LEFT JOIN (SELECT 'district' AS level, district_id AS area_id, sum(co2e_kg) AS co2e FROM carbon_buildings_current GROUP BY district_id
                    UNION ALL SELECT 'city', 'city', sum(co2e_kg) FROM carbon_buildings_current) s ON s.level = a.level AND s.area_id = a.area_id
         WHERE a.level IN ('city', 'district') GROUP BY a.level ORDER BY a.level`);
      expect(chk.map((c) => c.lv)).toEqual(['city', 'district']);
      for (const c of chk) expect(Number(c.d)).toBeLessThan(1e-3);
      await expect(store.query('DELETE FROM carbon_buildings')).rejects.toThrow(/append-only/);
      // the OGC collections' SQL, as the registry's one code path runs it (key, geometry, every property)
      for (const c of ENERGY_COLLECTIONS) {
        expect((await store.query(c.probe!, ['default'])).length).toBe(1);
        const cols = [...c.key.map((k) => `${k.sql} AS "k_${k.name}"`), `ST_AsGeoJSON(${c.geometry.sql}) AS g`, ...c.properties.map((x) => `${x.sql} AS "${x.name}"`)];
        const rows = await store.query<Record<string, unknown>>(`SELECT ${cols.join(', ')} FROM ${c.from} WHERE t.city_id = $1`, ['default']);
        expect(rows.length, c.id).toBe({ metered_energy: 2, building_carbon: 6, carbon_areas: 6, retrofit_candidates: 5 }[c.id]);
        expect(rows.every((r) => typeof r.g === 'string' || c.id === 'carbon_areas'), c.id).toBe(true);
      }
      // the buildings collection's tile property for the viewer's colour mode: the current run's CO2e per m²
      const tileProp = await store.query<{ id: string; v: number; want: number }>(
        `SELECT t.id, ${BUILDING_CARBON_PROPERTY.sql} AS v, c.co2e_kg / c.floor_area_m2 AS want FROM buildings_current t
         JOIN carbon_buildings_current c ON c.city_id = t.city_id AND c.building_id = t.id WHERE t.city_id = $1`, ['default']);
      expect(tileProp.length).toBe(6);
      for (const r of tileProp) expect(Number(r.v)).toBeCloseTo(Number(r.want), 9);
    } finally {
      await store.close();
    }
  }, 400_000); // eight real CLI runs, each opening the store (PGlite starts in seconds on a busy machine)
});
