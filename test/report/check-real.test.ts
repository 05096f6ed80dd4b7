import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { loadCatalogue } from '../../src/analysis/indicators/catalogue.js';
import { runCli } from '../helpers/cli.js';
import { DRIVERS, dataFile, tempDir } from '../helpers/stores.js';

/**
 * `opencim check` end to end on real OSM extracts: the five files and their structure, and
 * cross-checks between them (park coverage by the network method = the share read off access.csv).
 */
interface Row { id: string; area_id: string; level: string; system_level: string; value: number | null; unit: string; status: string; source: string; explain: string; details?: Record<string, unknown>; previous?: { change: string; delta: number | null } }
interface Doc { city: string; source: string; generated_at: string; parameters: Record<string, unknown>; indicators: Row[]; problems: { indicator_id: string; count: number }[]; attribution?: string; units: { notes: string[] } }

const cat = loadCatalogue('2025');

function readAccess(dir: string): { header: string[]; rows: string[][] } {
  const lines = readFileSync(join(dir, 'access.csv'), 'utf8').trim().split('\n');
  return { header: lines[0].split(','), rows: lines.slice(1).map((l) => l.split(',')) };
}

function structural(dir: string): Doc {
  for (const f of ['indicators.json', 'indicators.csv', 'access.csv', 'renewal.geojson', 'report.html', 'data_quality.json']) expect(existsSync(join(dir, f)), f).toBe(true);
  const doc = JSON.parse(readFileSync(join(dir, 'indicators.json'), 'utf8')) as Doc;
  // population summary (contract) and confidence on every value (issue 10)
  const pop = (doc as unknown as { population: Record<string, unknown> }).population;
  expect(Object.keys(pop)).toEqual(expect.arrayContaining(['source', 'year', 'total', 'allocated', 'unallocated']));
  for (const x of doc.indicators as (Row & { confidence?: string; confidence_reason?: string; data_gap?: string[] })[]) {
    expect(['high', 'medium', 'low'], x.id).toContain(x.confidence);
    expect(x.confidence_reason!.length, x.id).toBeGreaterThan(3);
    // a category absent from the data is a data gap, never a counted shortfall
    if (x.data_gap && /_shortfall$/.test(x.id)) expect(x, x.id).toMatchObject({ value: null, status: 'no_data' });
  }
  const dq = JSON.parse(readFileSync(join(dir, 'data_quality.json'), 'utf8')) as { layers: { layer: string }[]; data_gaps: { id: string }[]; confidence: { rules: unknown[] } };
  expect(dq.layers.map((l) => l.layer)).toEqual(expect.arrayContaining(['buildings', 'residential_buildings', 'facilities']));
  expect(dq.confidence.rules.length).toBe(8);
  // the report opens with the data-quality section
  expect(readFileSync(join(dir, 'report.html'), 'utf8')).toContain('qualitySection');
  expect(doc.attribution).toBe('© OpenStreetMap contributors');
  expect(new Date(doc.generated_at).getTime()).toBeGreaterThan(0);
  // every catalogue indicator at city level, computed, manual or no_data with the reason
  const city = doc.indicators.filter((x) => x.level === 'city');
  expect(new Set(city.map((x) => x.id))).toEqual(new Set(cat.indicators.map((e) => e.id)));
  for (const x of doc.indicators) {
    const e = cat.byId.get(x.id)!;
    expect(['pass', 'fail', 'no_target', 'no_data']).toContain(x.status);
    expect(['computed', 'manual', 'none']).toContain(x.source);
    expect(['city', 'district', 'street', 'community']).toContain(x.level);
    expect(x.unit).toBe(e.unit);
    expect(x.explain.length, x.id).toBeGreaterThan(20);
    if (x.value === null) expect(x.status).toBe('no_data');
    else {
      if (e.range[0] !== null) expect(x.value, x.id).toBeGreaterThanOrEqual(e.range[0]);
      if (e.range[1] !== null && x.id !== 'road_network_density') expect(x.value, x.id).toBeLessThanOrEqual(e.range[1]);
    }
  }
  for (const id of ['transit_access', 'living_circle_completeness', 'road_network_density', 'population_density', 'park_green_per_capita', 'community_kindergarten_shortfall']) {
    const x = city.find((y) => y.id === id)! as Row & { data_gap?: string[] };
    // computed, or a data gap where the extract has no facility of the category (never a shortfall of every compound)
    if (x.source !== 'computed') expect(x, id).toMatchObject({ status: 'no_data', data_gap: expect.any(Array) });
  }
  const park = city.find((x) => x.id === 'park_service_coverage')!;
  if (park.source !== 'computed') expect(park.explain).toMatch(/no public park polygon/);
  // CSV: BOM, one line per result
  const csv = readFileSync(join(dir, 'indicators.csv'));
  expect([...csv.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  expect(csv.toString('utf8').trim().split('\r\n').length).toBeGreaterThanOrEqual(doc.indicators.length + 1);
  // renewal.geojson: ranked candidates with reasons, problems with evidence
  const gj = JSON.parse(readFileSync(join(dir, 'renewal.geojson'), 'utf8')) as { type: string; features: { geometry: { type: string } | null; properties: Record<string, unknown> }[] };
  expect(gj.type).toBe('FeatureCollection');
  const cands = gj.features.filter((f) => f.properties.feature_type === 'candidate');
  cands.forEach((f, k) => {
    expect(f.properties.rank).toBe(k + 1);
    expect((f.properties.reasons_zh as string[]).length).toBeGreaterThan(0);
    expect(f.geometry!.type).toMatch(/Polygon|Point/);
    if (k) expect(f.properties.score as number).toBeLessThanOrEqual(cands[k - 1].properties.score as number);
  });
  const problems = gj.features.filter((f) => f.properties.feature_type === 'problem');
  expect(problems.length).toBe(doc.problems.reduce((n, p) => n + p.count, 0));
  for (const p of problems) expect(String(p.properties.evidence_zh).length).toBeGreaterThan(5);
  // the report: self-contained (no external script, stylesheet or image)
  const html = readFileSync(join(dir, 'report.html'), 'utf8');
  expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|<img[^>]+src="?https?:/i);
  expect(html).toContain('echarts');
  return doc;
}

describe('opencim check on real extracts', () => {
  for (const name of ['beijing-haidian-cau.osm.pbf', 'shenzhen-longgang.osm.pbf']) {
    it(name, async () => {
      const out = tempDir('check-');
      const r = await runCli(['check', dataFile(name), '--out', out, '--json', '-q', '--workers', '1']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const summary = JSON.parse(r.stdout);
      const doc = structural(out);
      // no admin boundaries in the extracts: the grid stands in, and explain says so
      expect(doc.units.notes.join(' ')).toMatch(/grid/);
      const street = doc.indicators.find((x) => x.id === 'transit_access' && x.level === 'street');
      expect(street?.area_id).toMatch(/^grid1000:/);
      // cross-check: park coverage by the network method = share of access.csv rows with park ≤ 500 m
      const acc = readAccess(out);
      expect(acc.header.slice(0, 3)).toEqual(['building_id', 'lon', 'lat']);
      expect(acc.rows.length).toBe(summary.residential_buildings);
      const col = acc.header.indexOf('park');
      const within = acc.rows.filter((row) => row[col] !== '' && Number(row[col]) <= 500).length / acc.rows.length;
      const park = doc.indicators.find((x) => x.id === 'park_service_coverage' && x.area_id === 'city')!;
      expect((park.details!.network_within_500m as { buildings_share: number }).buildings_share).toBeCloseTo(within, 3);
      // and the middle-school network form from the same file
      const ms = doc.indicators.find((x) => x.id === 'middle_school_coverage' && x.area_id === 'city')!;
      if (ms.value !== null) {
        const c = acc.header.indexOf('middle_school');
        const w = acc.rows.filter((row) => row[c] !== '' && Number(row[c]) <= 1000).length / acc.rows.length;
        expect((ms.details!.network_within_1000m as { buildings_share: number }).buildings_share).toBeCloseTo(w, 3);
      }
      // transit: the share of buildings in the details agrees with access.csv's bus/metro columns
      const tr = doc.indicators.find((x) => x.id === 'transit_access' && x.area_id === 'city')!;
      const bc = acc.header.indexOf('bus_stop'), mc = acc.header.indexOf('metro_station');
      const tw = acc.rows.filter((row) => (row[bc] !== '' && Number(row[bc]) <= 500) || (row[mc] !== '' && Number(row[mc]) <= 1000)).length / acc.rows.length;
      expect(tr.details!.buildings_share as number).toBeCloseTo(tw, 3);
    });
  }

  it('--manual and --compare: values enter, changes are reported; bad input names the line', async () => {
    const file = dataFile('beijing-bupt.osm.pbf');
    const first = tempDir('check-a-');
    expect((await runCli(['check', file, '--out', first, '-q', '--workers', '1'])).code).toBe(0);
    const manual = join(tempDir('m-'), 'values.csv');
    writeFileSync(manual, 'indicator_id,area_id,value,year,source\nsewage_collection_rate,city,0.9,2025,城市管理局\n');
    const second = tempDir('check-b-');
    const r = await runCli(['check', file, '--out', second, '-q', '--workers', '1', '--manual', manual, '--compare', join(first, 'indicators.json'), '--param', 'park_network_m=300']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/sewage_collection_rate .*90\.0%.*pass 达标 \(manual 填报\)/);
    const doc = JSON.parse(readFileSync(join(second, 'indicators.json'), 'utf8')) as Doc;
    expect(doc.parameters.park_network_m).toBe(300);
    const sew = doc.indicators.find((x) => x.id === 'sewage_collection_rate' && x.area_id === 'city')!;
    expect(sew).toMatchObject({ value: 0.9, source: 'manual', status: 'pass' });
    expect(sew.previous?.change).toBe('not_comparable');
    const tr = doc.indicators.find((x) => x.id === 'transit_access' && x.area_id === 'city')!;
    expect(tr.previous).toMatchObject({ change: 'unchanged', delta: 0 });
    // a bad manual file: exit ≠ 0, the line is named, nothing written
    writeFileSync(manual, 'indicator_id,area_id,value,year,source\nsewage_collection_rate,city,0.9,2025,x\nsewage_collection_rate_typo,city,0.9,2025,x\n');
    const bad = tempDir('check-c-');
    const e = await runCli(['check', file, '--out', bad, '-q', '--manual', manual]);
    expect(e.code).not.toBe(0);
    expect(e.stderr).toMatch(/values\.csv line 3: unknown indicator "sewage_collection_rate_typo"/);
    expect(existsSync(join(bad, 'indicators.json'))).toBe(false);
  });
});

describe.each(DRIVERS)('opencim check --db stores the run ($name)', (driver) => {
  it('beijing-bupt.osm.pbf', async () => {
    const db = await driver.fresh();
    const file = dataFile('beijing-bupt.osm.pbf');
    expect((await runCli(['import', file, '--db', db, '--city', 'bupt', '-q'])).code).toBe(0);
    const out = tempDir('check-db-');
    const r = await runCli(['check', '--db', db, '--out', out, '--json', '-q', '--workers', '1']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.run_id).toBe(1);
    const doc = structural(out);
    // the same city from the file gives the same values
    const fileOut = tempDir('check-file-');
    expect((await runCli(['check', file, '--out', fileOut, '-q', '--workers', '1'])).code).toBe(0);
    const fromFile = JSON.parse(readFileSync(join(fileOut, 'indicators.json'), 'utf8')) as Doc;
    const key = (x: Row) => `${x.id}|${x.area_id}`;
    const fv = new Map(fromFile.indicators.map((x) => [key(x), x.value]));
    for (const x of doc.indicators.filter((y) => y.level === 'city' && y.value !== null)) expect(x.value!, x.id).toBeCloseTo(fv.get(key(x))!, 3);
    // what the store holds
    const rows = await query(driver.name, db, async (q) => ({
      results: Number((await q('SELECT count(*)::int AS n FROM indicator_results WHERE city_id = $1 AND run_id = 1', ['bupt']))[0].n),
      runs: await q('SELECT catalogue, params->>\'park_network_m\' AS p FROM check_runs WHERE city_id = $1', ['bupt']),
      cands: Number((await q('SELECT count(*)::int AS n FROM renewal_candidates WHERE city_id = $1 AND ST_IsValid(geom)', ['bupt']))[0].n),
      problems: Number((await q('SELECT count(*)::int AS n FROM check_problems WHERE city_id = $1', ['bupt']))[0].n),
      areas: Number((await q('SELECT count(*)::int AS n FROM check_areas WHERE city_id = $1', ['bupt']))[0].n),
    }));
    expect(rows.results).toBe(doc.indicators.length);
    expect(rows.runs).toEqual([{ catalogue: '2025', p: '500' }]);
    expect(rows.cands).toBe(JSON.parse(readFileSync(join(out, 'renewal.geojson'), 'utf8')).features.filter((f: { properties: { feature_type: string } }) => f.properties.feature_type === 'candidate').length);
    expect(rows.problems).toBe(doc.problems.reduce((n, p) => n + p.count, 0));
    expect(rows.areas).toBeGreaterThan(1);
  });
});

type Q = (sql: string, params?: unknown[]) => Promise<Record<string, unknown>[]>;
async function query<T>(driver: string, db: string, fn: (q: Q) => Promise<T>): Promise<T> {
  if (driver === 'postgres') {
    const c = new pg.Client({ connectionString: db });
    await c.connect();
    try { return await fn(async (sql, p) => (await c.query(sql, p)).rows); } finally { await c.end(); }
  }
  const { openStore } = await import('../../src/store/driver.js');
  const s = await openStore(db);
  try { return await fn((sql, p) => s.query(sql, p)); } finally { await s.close(); }
}
