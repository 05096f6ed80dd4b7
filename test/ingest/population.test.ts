import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeArrayBuffer } from 'geotiff';
import { describe, expect, it } from 'vitest';
import { importPopulation } from '../../src/app/population.js';
import { loadCatalogue } from '../../src/analysis/indicators/catalogue.js';
import { runCheck } from '../../src/analysis/indicators/run.js';
import { checkDataFromStore } from '../../src/analysis/indicators/store.js';
import { readCensus } from '../../src/ingest/population.js';
import type { CityRecord } from '../../src/model/types.js';
import { openStore } from '../../src/store/driver.js';
import { importSources, type SourceToLoad } from '../../src/store/import.js';
import { runCli } from '../helpers/cli.js';
import { DRIVERS, tempDir } from '../helpers/stores.js';
import { LAT0, LON0, PARAMS, rect, town } from '../indicators/fixture.js';

/**
 * Population import and dasymetric allocation on the hand-made town (test/indicators/fixture.ts):
 * residential buildings w1 (x 100, 10 estimated residents), w2 (x 400, 20), w3 (x 600, 10), w4 (x 1000, 40);
 * offices w5, w6 at x 1800/1850. Streets (街道): S1 x −200..500 (w1, w2), S2 x 500..1200 (w3, w4),
 * S3 x 1200..2100 (offices only).
 * Census: S1 3000, S2 1000, S3 500 →
 *   w1 = 3000 × 10/30 = 1000, w2 = 3000 × 20/30 = 2000, w3 = 1000 × 10/50 = 200, w4 = 1000 × 40/50 = 800;
 *   total 4500, allocated 4000, unallocated 500 (S3 has no residential building).
 */
function streets(): CityRecord[] {
  const st = (id: string, code: string, name: string, x0: number, x1: number): CityRecord => ({
    kind: 'admin_area', id, name, tags: { boundary: 'administrative', admin_level: '8', name, code }, geometry: rect(x0, -500, x1, 500), admin_level: 8, level: 'street',
  } as CityRecord);
  return [st('r1', '110108001000', '学院路街道', -200, 500), st('r2', '110108002000', '海淀街道', 500, 1200), st('r3', '110108003000', '中关村街道', 1200, 2100)];
}
async function* stream(r: CityRecord[]) { yield r; }
const source = (records: CityRecord[]): SourceToLoad => ({ sourceId: 'town', path: '/tmp/town', format: 'test', bytes: 1, sha256: async () => 'abc', records: stream(records), problems: [] });

async function townStore(db: string) {
  const store = await openStore(db);
  await importSources(store, 'town', [source(town(streets()))], { actor: 'test' });
  return store;
}
const params = () => ({ ...loadCatalogue('2025').parameters, ...PARAMS }) as ReturnType<typeof loadCatalogue>['parameters'];
const byId = (ids: string[], v: Float64Array) => Object.fromEntries(ids.map((id, i) => [id, Math.round(v[i] * 1000) / 1000]));

/** 4 cells of 0.01° × 0.01° from (LON0 − 0.002, LAT0 + 0.005): 600 | 400 | 50 | no-data */
async function raster(file: string, values = [600, 400, 50, -99999], epsg = 4326): Promise<void> {
  const buf = await writeArrayBuffer(new Float32Array(values), {
    width: values.length, height: 1, ModelPixelScale: [0.01, 0.01, 0], ModelTiepoint: [0, 0, 0, LON0 - 0.002, LAT0 + 0.005, 0],
    GeographicTypeGeoKey: epsg, GTModelTypeGeoKey: 2, GDAL_NODATA: '-99999',
  } as never);
  writeFileSync(file, Buffer.from(buf as ArrayBuffer));
}

describe('census reader', () => {
  it('reads GBK with Chinese headers, normalises 12-digit codes, rejects bad rows naming row and column', async () => {
    const dir = tempDir('census-');
    const f = join(dir, 'c.csv');
    writeFileSync(f, Buffer.from(new TextEncoder().encode('')));
    const gbk = (s: string) => Buffer.from(require_gbk(s));
    writeFileSync(f, gbk('区划代码,名称,常住人口,户数\n110108001000,学院路街道,"3,000",1200\n110108002,海淀街道,1000,\n'));
    const c = await readCensus(f);
    expect(c.encoding).toBe('gbk');
    expect(c.key).toBe('area_code');
    expect(c.rows).toEqual([
      { line: 2, code: '110108001', name: '学院路街道', population: 3000, households: 1200 },
      { line: 3, code: '110108002', name: '海淀街道', population: 1000 },
    ]);
    const bad = async (text: string) => { writeFileSync(f, text); return readCensus(f).then(() => 'ok', (e: Error) => e.message); };
    expect(await bad('area_code,population\n1101,10\n1101,20\n')).toMatch(/row 3, column area_code\): 区域 "1101" 重复（第 2 行已有） \/ duplicate area "1101" \(also on row 2\)$/);
    expect(await bad('area_code,population\n1101,-5\n')).toMatch(/row 2, column population\): 人口数 -5 为负数 \/ population -5 is negative$/);
    expect(await bad('area_code,population\n1101,many\n')).toMatch(/row 2, column population\): "many" 不是数字（人口数） \/ "many" is not a number \(population\)$/);
    expect(await bad('area_code,people\n1101,5\n')).toMatch(/header\): 没有人口列（查找了 population, pop, .*）；现有的列：area_code, people \/ no population column/);
  });
});

// GBK bytes for the test file: TextEncoder only writes UTF-8; iconv is what a statistics bureau export looks like
function require_gbk(s: string): Uint8Array {
  // decode table built from TextDecoder('gbk') over the two-byte range
  const table = new Map<string, number[]>();
  const dec = new TextDecoder('gbk');
  for (let a = 0x81; a <= 0xfe; a++) for (let b = 0x40; b <= 0xfe; b++) { const ch = dec.decode(new Uint8Array([a, b])); if (ch.length === 1 && !table.has(ch)) table.set(ch, [a, b]); }
  const out: number[] = [];
  for (const ch of s) { const c = ch.charCodeAt(0); if (c < 0x80) out.push(c); else { const t = table.get(ch); if (!t) throw new Error(`no GBK code for ${ch}`); out.push(...t); } }
  return new Uint8Array(out);
}

describe.each(DRIVERS)('population import and allocation ($name)', (driver) => {
  it('census joined by code: dasymetric by floor area, unallocated kept; the check uses it', async () => {
    const db = await driver.fresh();
    const dir = tempDir('pop-');
    const store = await townStore(db);
    try {
      const f = join(dir, 'census.csv');
      writeFileSync(f, 'area_code,area_name,population,households\n110108001000,学院路街道,3000,1000\n110108002000,海淀街道,1000,400\n110108003000,中关村街道,500,200\n');
      const s = await importPopulation(store, 'town', f, { year: 2020 });
      expect(s).toMatchObject({ kind: 'census', zones: 3, total: 4500, households: 1600, year: 2020, source_id: 'census' });
      const data = await checkDataFromStore(store, 'town', params(), { islandMaxM: 0 });
      expect(byId(data.places.origins.ids, data.places.origins.residents)).toEqual({ w1: 1000, w2: 2000, w3: 200, w4: 800 });
      expect(data.population).toMatchObject({ source: 'census', kind: 'census', year: 2020, total: 4500, allocated: 4000, unallocated: 500, unallocated_zones: 1, outside_buildings: 0 });
      const r = await runCheck(data, { params: PARAMS, city: 'town' });
      const dens = r.results.find((x) => x.id === 'population_density' && x.level === 'city')!;
      // the density's residents are the census ones on the buildings: 1000 + 2000 + 200 + 800
      expect(dens.details).toMatchObject({ residents: 4000 });
      // built-up land of the town (test/indicators/computed.test.ts, BUILT): 63,000 + 4 × 495.4 + 2 × π × 25² m²
      const built = 63000 + 4 * (625 * Math.acos(0.4) - 10 * Math.sqrt(525)) + 2 * Math.PI * 625;
      expect(Math.abs(dens.value! / (4000 / (built / 1e6)) - 1)).toBeLessThan(0.01);
      expect(dens.explain).toMatch(/imported census table "census" \(2020\)/);
      // re-import: a new version of S1, S2 and S3 closed (history kept), a new change set
      writeFileSync(f, 'area_code,population\n110108001,300\n');
      await importPopulation(store, 'town', f, { actor: 'tester' });
      const n = async (sql: string) => Number((await store.query<{ n: number }>(sql, ['town']))[0].n);
      expect(await n('SELECT count(*)::int AS n FROM population_zones_current WHERE city_id = $1')).toBe(1);
      expect(await n('SELECT count(*)::int AS n FROM population_zones_versions WHERE city_id = $1')).toBe(4);
      expect(await n('SELECT count(*)::int AS n FROM population_imports WHERE city_id = $1')).toBe(2);
      expect(await n(`SELECT count(*)::int AS n FROM changesets WHERE city_id = $1 AND actor = 'tester' AND seq IS NOT NULL`)).toBe(1);
      const again = await checkDataFromStore(store, 'town', params(), { islandMaxM: 0 });
      expect(byId(again.places.origins.ids, again.places.origins.residents)).toMatchObject({ w1: 100, w2: 200 });
    } finally { await store.close(); }
  });

  it('raster: cells over the city, no-data skipped and counted, empty cells unallocated', async () => {
    const db = await driver.fresh();
    const dir = tempDir('pop-');
    const store = await townStore(db);
    try {
      const f = join(dir, 'worldpop.tif');
      await raster(f);
      const s = await importPopulation(store, 'town', f, { year: 2020 });
      expect(s).toMatchObject({ kind: 'raster', zones: 3, total: 1050, source_id: 'worldpop' });
      expect(s.details).toMatchObject({ nodata_cells: 1, zero_cells: 0, crs: 'EPSG:4326 WGS 84' });
      const data = await checkDataFromStore(store, 'town', params(), { islandMaxM: 0 });
      // cell 0 (x −171..683 m): 600 on w1, w2, w3 by 10:20:10; cell 1: 400 on w4; cell 2: 50 on offices only → unallocated
      expect(byId(data.places.origins.ids, data.places.origins.residents)).toEqual({ w1: 150, w2: 300, w3: 150, w4: 400 });
      expect(data.population).toMatchObject({ kind: 'raster', total: 1050, allocated: 1000, unallocated: 50 });
    } finally { await store.close(); }
  });
});

describe('real 街道 boundaries from GeoJSON with their codes, then a census by code (the documented path)', () => {
  it('opencim import streets.geojson --map kind=admin_area,category=LEVEL,name=NAME; opencim import census.csv --kind population', async () => {
    const dir = tempDir('popgj-');
    const db = await DRIVERS[0].fresh();
    const store = await openStore(db);
    await importSources(store, 'town', [source(town())], { actor: 'test' });
    await store.close();
    const feat = (code: string, name: string, x0: number, x1: number) => ({ type: 'Feature', properties: { CODE: code, NAME: name, LEVEL: '街道' }, geometry: rect(x0, -500, x1, 500) });
    const gj = join(dir, 'streets.geojson');
    writeFileSync(gj, JSON.stringify({ type: 'FeatureCollection', features: [feat('110108001000', '学院路街道', -200, 500), feat('110108002000', '海淀街道', 500, 1200)] }));
    let r = await runCli(['import', gj, '--db', db, '--city', 'town', '-q', '--map', 'kind=admin_area,category=LEVEL,name=NAME']);
    expect(r.code, r.stderr).toBe(0);
    const f = join(dir, 'census.csv');
    writeFileSync(f, '统计用区划代码,名称,常住人口\n110108001000,学院路街道,3000\n110108002000,海淀街道,1000\n');
    r = await runCli(['import', f, '--kind', 'population', '--year', '2020', '--db', db, '--city', 'town', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ zones: 2, total: 4000, details: { join: 'area_code', level: 'street' } });
    const s2 = await openStore(db);
    try {
      const data = await checkDataFromStore(s2, 'town', params(), { islandMaxM: 0 });
      expect(byId(data.places.origins.ids, data.places.origins.residents)).toEqual({ w1: 1000, w2: 2000, w3: 200, w4: 800 });
    } finally { await s2.close(); }
  });
});

describe('bad population input through the CLI: clear error, non-zero exit, nothing written', () => {
  it('unknown area code, unsupported raster CRS, negative raster value', async () => {
    const dir = tempDir('popcli-');
    const db = await DRIVERS[0].fresh();
    const store = await townStore(db);
    await store.close();
    const f = join(dir, 'census.csv');
    writeFileSync(f, 'area_code,population\n110108001,3000\n999999999,10\n');
    let r = await runCli(['import', f, '--kind', 'population', '--db', db, '--city', 'town', '-q']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/census\.csv \(row 3, column area_code\): area_code "999999999" 与城市“[^”]+”已导入的区\/街道\/社区边界都不匹配.* \/ area_code "999999999" matches no imported/);
    const t = join(dir, 'bad.tif');
    await raster(t, [1, 2], 4230);
    r = await runCli(['import', t, '--kind', 'population', '--db', db, '--city', 'town', '-q']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/bad\.tif \(GeoKeys\): 不支持的坐标系 EPSG:4230：.* \/ unsupported CRS EPSG:4230/);
    await raster(t, [1, -3]);
    r = await runCli(['import', t, '--kind', 'population', '--db', db, '--city', 'town', '-q']);
    expect(r.stderr).toMatch(/bad\.tif \(band 1, row 0, column 1\): 人口数 -3 为负数，且不是声明的无数据值（.*） \/ population -3 is negative/);
    const s2 = await openStore(db);
    try { expect((await s2.query<{ n: number }>('SELECT count(*)::int AS n FROM population_imports'))[0].n).toBe(0); } finally { await s2.close(); }
    writeFileSync(f, 'area_code,population\n110108001,3000\n');
    r = await runCli(['import', f, '--kind', 'population', '--year', '2020', '--db', db, '--city', 'town', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ kind: 'census', zones: 1, total: 3000, year: 2020 });
  });
});
