/**
 * GB 18306 seismic zoning polygons: a hand-made layer over four hand-made buildings. A building's
 * intensity comes from its profile when given, else from the zone its footprint's centroid falls
 * in, else from the city-wide value; the basis is shown in the risk factors and the policy flags.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { intensityFromPga } from '../../src/domains/safety/zones.js';
import { openStore } from '../../src/store/driver.js';
import { runCli } from '../helpers/cli.js';
import { copyStore, DRIVERS, tempDir } from '../helpers/stores.js';

const square = (x: number, y: number, d: number) => [[[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]];
const fc = (features: unknown[]) => JSON.stringify({ type: 'FeatureCollection', features });
const box = (w: number, e: number) => ({ type: 'Polygon', coordinates: [[[w, 39.8], [e, 39.8], [e, 40], [w, 40], [w, 39.8]]] });

it('PGA → intensity by GB 18306 / GB 50011', () => {
  expect([0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.03].map(intensityFromPga)).toEqual([6, 7, 7, 8, 8, 9, null]);
});

describe.each(DRIVERS)('seismic zoning layer ($name)', (driver) => {
  it('imports polygons (versioned), gives buildings without a profile intensity the zone of their centroid, names the basis', async () => {
    const db = await driver.fresh({ migrated: true });
    const dir = tempDir('zones-');
    // b1..b3 schools (one of the eight critical types), b4 a house; 0.01° apart along a parallel
    writeFileSync(join(dir, 'b.geojson'), fc([1, 2, 3, 4].map((i) => ({
      type: 'Feature', id: `b${i}`, properties: { building: i < 4 ? 'school' : 'house' }, geometry: { type: 'Polygon', coordinates: square(116.29 + i * 0.01, 39.9, 0.0002) } }))));
    expect((await runCli(['import', join(dir, 'b.geojson'), '--db', db, '--city', 'c', '-q'])).code).toBe(0);
    const head = 'building_id,year_built,design_life_years,structure,storeys,height_m,use,households,group_rental,seismic_intensity,isolation,owner,insured,fund';
    writeFileSync(join(dir, 'profiles.csv'), [head, 'b1,1990,50,frame,4,,public_crowded,0,0,7,0,,,', 'b2,1990,50,frame,4,,public_crowded,0,0,,0,,,', 'b3,1990,50,frame,4,,public_crowded,0,0,,0,,,', 'b4,1990,50,frame,4,,residential,8,0,,0,,,'].join('\n') + '\n');
    expect((await runCli(['safety', 'import', join(dir, 'profiles.csv'), '--db', db, '-q'])).code).toBe(0);

    // bad layers: each feature's problem named, nothing written
    writeFileSync(join(dir, 'bad.geojson'), fc([
      { type: 'Feature', properties: { intensity: 8 }, geometry: { type: 'LineString', coordinates: [[116.3, 39.9], [116.31, 39.9]] } },
      { type: 'Feature', properties: { 烈度: 'XII' }, geometry: box(116.3, 116.31) },
      { type: 'Feature', properties: { name: 'no value' }, geometry: box(116.3, 116.31) },
      { type: 'Feature', properties: { pga: '0.2 m/s2' }, geometry: box(116.3, 116.31) },
    ]));
    const bad = await runCli(['safety', 'import', join(dir, 'bad.geojson'), '--db', db]);
    expect(bad.code).toBe(1);
    const f = join(dir, 'bad.geojson');
    expect(bad.stderr).toContain(`${f} (feature 1): a LineString, not a polygon`);
    expect(bad.stderr).toContain(`${f} (feature 2, field 烈度): "XII" is not a seismic intensity 5–10`);
    expect(bad.stderr).toContain(`${f} (feature 3): no seismic intensity: give a field intensity`);
    expect(bad.stderr).toContain(`${f} (feature 4, field pga): "0.2 m/s2" is not a peak ground acceleration in g`);
    expect(bad.stderr).toContain('4 error(s): nothing was imported / 有 4 处错误，未导入任何数据');

    // Z8 covers b1 and b2 (intensity VIII); P covers b3 with only a PGA (0.20 g → VIII); b4 lies in none
    const zones = (z8: number | string, withP: boolean) => fc([
      { type: 'Feature', properties: { zone_id: 'Z8', name: '八度区', intensity: z8 }, geometry: box(116.295, 116.315) },
      ...(withP ? [{ type: 'Feature', properties: { zone_id: 'P', 设计基本地震加速度: '0.20g' }, geometry: box(116.315, 116.325) }] : []),
    ]);
    writeFileSync(join(dir, 'zones.geojson'), zones('VIII', true));
    const ok = await runCli(['safety', 'import', join(dir, 'zones.geojson'), '--db', db, '--json', '--actor', 'seismologist']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).files[0]).toMatchObject({ kind: 'seismic_zones', rows: 2, added: 2, from_pga: 1 });

    const factor = async (extra: string[], on = db) => {
      const rows = JSON.parse((await runCli(['safety', 'risk', '--db', on, '--json', '--as-of', '2026-01-01', ...extra])).stdout) as { building_id: string; factors: { factor: string; value: unknown; basis?: string }[] }[];
      return Object.fromEntries(rows.map((r) => { const f = r.factors.find((x) => x.factor === 'seismic_intensity')!; return [r.building_id, f.value === null ? null : `${f.value} (${f.basis})`]; }));
    };
    // the three reads side by side, each on its own copy of the store as the import left it
    const [r1, r2] = await Promise.all([copyStore(db), copyStore(db)]);
    const [checked, withCityWide, withoutCityWide] = await Promise.all([
      runCli(['safety', 'check', '--db', db, '--json', '--as-of', '2026-01-01', '--information']), factor(['--intensity', '6'], r1), factor([], r2)]);
    const flags = JSON.parse(checked.stdout) as { building_id: string; rule: string; detail: string; detail_zh: string }[];
    // (completed 1990, before the 2021 regulation: information, not a violation)
    const seismic = flags.filter((x) => x.rule.startsWith('seismic_isolation'));
    expect(seismic.map((x) => [x.building_id, x.rule]).sort()).toEqual([['b2', 'seismic_isolation_existing'], ['b3', 'seismic_isolation_existing']]); // b1's profile says 7
    expect(seismic.find((x) => x.building_id === 'b2')!.detail).toMatch(/intensity 8 ≥ 8 .*; intensity from GB 18306 zone Z8; completed 1990, by the 2021 regulation/);
    expect(seismic.find((x) => x.building_id === 'b3')!.detail_zh).toContain('依据：地震区划 P');

    expect(withCityWide).toEqual({ b1: '7 (from the profile)', b2: '8 (from GB 18306 zone Z8)', b3: '8 (from GB 18306 zone P)', b4: '6 (city-wide value)' });
    expect(withoutCityWide.b4).toBeNull();

    // re-import: Z8 changed, P gone → Z8 a new version, P closed; b3 falls back to the city-wide value
    writeFileSync(join(dir, 'zones.geojson'), zones(9, false));
    const again = await runCli(['safety', 'import', join(dir, 'zones.geojson'), '--db', db, '--json', '--actor', 'seismologist-2']);
    expect(JSON.parse(again.stdout).files[0]).toMatchObject({ rows: 1, added: 0, changed: 1, removed: 1 });
    const [r3, r4] = await Promise.all([copyStore(db), copyStore(db)]);
    const [after, history, verified] = await Promise.all([
      factor(['--intensity', '6']), runCli(['history', 'seismic_zones', 'Z8', '--db', r3, '--json']), runCli(['archive', 'verify', '--db', r4])]);
    expect(after).toMatchObject({ b2: '9 (from GB 18306 zone Z8)', b3: '6 (city-wide value)' });
    const hist = JSON.parse(history.stdout);
    expect(hist.versions.map((v: { version: number; actor: string; content: { intensity: number } }) => [v.version, v.actor, v.content.intensity])).toEqual([[1, 'seismologist', 8], [2, 'seismologist-2', 9]]);
    expect(verified.code).toBe(0);
    const s = await openStore(db);
    try {
      expect((await s.query<{ n: number }>('SELECT count(*)::int AS n FROM seismic_zones_versions'))[0].n).toBe(3);
    } finally { await s.close(); }
  }, 600_000);
});
