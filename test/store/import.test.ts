import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/driver.js';
import { flagFingerprints, importSources, rowFingerprint, type SourceToLoad } from '../../src/store/import.js';
import { cityStats } from '../../src/store/stats.js';
import { classifyFeature } from '../../src/model/classify.js';
import type { CityRecord } from '../../src/model/types.js';
import { DRIVERS } from '../helpers/stores.js';
import pg from 'pg';

const sq = (x: number, y: number, d = 0.0005): [number, number][] => [[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]];

function source(id: string, records: CityRecord[], opts: { failAfter?: number } = {}): SourceToLoad {
  async function* gen() {
    let i = 0;
    for (const r of records) {
      if (opts.failAfter !== undefined && i++ >= opts.failAfter) throw new Error('reader failed mid-stream');
      yield [r];
    }
  }
  return { sourceId: id, path: `/tmp/${id}`, format: 'test', bytes: 1, sha256: async () => 'x', records: gen(), problems: [] };
}

const feature = (id: string, tags: Record<string, string>, geometry: Parameters<typeof classifyFeature>[2]) => classifyFeature(id, tags, geometry);

function sampleCity(): CityRecord[] {
  return [
    ...feature('w1', { building: 'apartments', 'building:levels': '6', start_date: '1988' }, { type: 'Polygon', coordinates: [sq(116.3, 39.9)] }),
    ...feature('w2', { building: 'yes', amenity: 'kindergarten', name: '阳光幼儿园' }, { type: 'Polygon', coordinates: [sq(116.301, 39.9)] }),
    ...feature('n3', { shop: 'convenience', name: '便利店' }, { type: 'Point', coordinates: [116.302, 39.9] }),
    ...feature('w4', { highway: 'footway' }, { type: 'LineString', coordinates: [[116.3, 39.899], [116.31, 39.899]] }),
    ...feature('w5', { leisure: 'park', name: '小公园' }, { type: 'Polygon', coordinates: [sq(116.305, 39.905, 0.001)] }),
    // a bow-tie: self-intersecting, structurally valid → repaired with ST_MakeValid
    ...feature('w6', { building: 'yes' }, { type: 'Polygon', coordinates: [[[116.31, 39.91], [116.311, 39.911], [116.311, 39.91], [116.31, 39.911], [116.31, 39.91]]] }),
  ];
}

describe('import fingerprints', () => {
  it("a waiting building's two fingerprints are those of its row with 't' and with 'f'", () => {
    for (const body of ['w1\tname\tyes\t\t\t\tf\t120.5\t{}\t0106000020E6', '\tf\t', 'w22\t\\N\tf', 'w3\t中文名\tf\tx'.repeat(3)]) {
      const at = body.indexOf('\tf') + 1;
      const [t, f] = flagFingerprints(body, at);
      expect(t).toBe(rowFingerprint(body.slice(0, at) + 't' + body.slice(at + 1)));
      expect(f).toBe(rowFingerprint(body));
      expect(t).not.toBe(f);
    }
  });
});

describe.each(DRIVERS)('store import ($name)', (driver) => {
  it('analyses a table when an import moved a tenth of it or more, and leaves small re-imports to autovacuum', async () => {
    const store = await openStore(await driver.fresh());
    const houses = (n: number, from = 0) => Array.from({ length: n }, (_, i) =>
      feature(`w${from + i}`, { building: 'house' }, { type: 'Polygon', coordinates: [sq(116.3 + (from + i) * 0.001, 39.9)] })).flat();
    const rows = async () => Number((await store.query<{ n: number }>(`SELECT reltuples::float8 AS n FROM pg_class WHERE oid = 'buildings_versions'::regclass`))[0].n);
    try {
      await importSources(store, 'c1', [source('a', houses(3))], { actor: 'test' });
      expect(await rows()).toBe(3);
      // 50 versions written: under a tenth of max(3, 1000): the statistics stay
      await importSources(store, 'c1', [source('b', houses(50, 100))], { actor: 'test' });
      expect(await rows()).toBe(3);
      // 200: over it: analysed (53 + 200 rows)
      await importSources(store, 'c1', [source('c', houses(200, 1000))], { actor: 'test' });
      expect(await rows()).toBe(253);
    } finally {
      await store.close();
    }
  });

  it('loads records, repairs invalid geometry, and re-import replaces the source', async () => {
    const db = await driver.fresh();
    const store = await openStore(db);
    try {
      const [s] = await importSources(store, 'c1', [source('src', sampleCity())], { actor: "test" });
      expect(s.counts.buildings).toBe(3);
      expect(s.counts.facilities).toBe(3); // kindergarten, convenience, park
      expect(s.categories).toEqual({ kindergarten: 1, park: 1, supermarket: 1 });
      expect(s.counts.green_spaces).toBe(1);
      expect(s.counts.walk_edges).toBe(1);
      expect(s.repaired).toBe(1);
      const rows = await store.query<{ id: string; valid: boolean; year: number | null; residential: boolean }>(
        "SELECT id, ST_IsValid(geom) AS valid, year, residential FROM buildings_current WHERE city_id = 'c1' ORDER BY id");
      expect(rows.map((r) => [r.id, r.valid, r.year, r.residential])).toEqual([['w1', true, 1988, true], ['w2', true, null, false], ['w6', true, null, false]]);
      const len = await store.query<{ ours: number; postgis: number }>(
        "SELECT length_m AS ours, ST_Length(geom::geography) AS postgis FROM walk_edges_current WHERE id = 'w4'");
      expect(Math.abs(Number(len[0].ours) - Number(len[0].postgis))).toBeLessThan(0.5);
      const area = await store.query<{ ours: number; postgis: number }>(
        "SELECT area_m2 AS ours, ST_Area(geom::geography) AS postgis FROM green_spaces_current WHERE id = 'w5'");
      expect(Math.abs(Number(area[0].ours) / Number(area[0].postgis) - 1)).toBeLessThan(0.003);

      // a newer version of the same source: w2 deleted, w1 changed → replaced, no duplicates
      const newer = sampleCity().filter((r) => r.id !== 'w2');
      for (const r of newer) if (r.kind === 'building' && r.id === 'w1') r.levels = 9;
      const [s2] = await importSources(store, 'c1', [source('src', newer)], { actor: "test" });
      expect(s2.replaced).toBeGreaterThan(0);
      const [st] = await cityStats(store, 'c1');
      expect(st.counts.buildings).toBe(2);
      expect(st.categories).toEqual({ park: 1, supermarket: 1 });
      expect((await store.query<{ levels: number }>("SELECT levels FROM buildings_current WHERE id = 'w1'"))[0].levels).toBe(9);
      expect(st.sources.map((x) => x.source_id)).toEqual(['src']);
    } finally {
      await store.close();
    }
  });

  it('a first load (chunks written as they come) repairs what it could not prove valid, and drops what stays empty', async () => {
    const store = await openStore(await driver.fresh());
    try {
      // a flat ring (every vertex on one line): invalid, and empty once made valid
      const flat = feature('w7', { building: 'yes' }, { type: 'Polygon', coordinates: [[[116.32, 39.92], [116.321, 39.92], [116.322, 39.92], [116.32, 39.92]]] });
      const [s] = await importSources(store, 'c1', [{ ...source('src', [...sampleCity(), ...flat]), format: 'osm-pbf' }], { actor: 'test' });
      expect([s.repaired, s.dropped]).toEqual([1, 1]);
      expect(s.problems.map((p) => p.id)).toEqual(['w7']);
      expect(s.problems[0].problem).toBe('building：几何无效且无法修复（ST_MakeValid 之后为空），已舍弃 / building: geometry invalid and not repairable (empty after ST_MakeValid); dropped');
      const rows = await store.query<{ id: string; valid: boolean }>("SELECT id, ST_IsValid(geom) AS valid FROM buildings_current WHERE city_id = 'c1' ORDER BY id");
      expect(rows.map((r) => [r.id, r.valid])).toEqual([['w1', true], ['w2', true], ['w6', true]]);
    } finally {
      await store.close();
    }
  });

  it('writes nothing when a source fails mid-stream (one transaction)', async () => {
    const db = await driver.fresh();
    const store = await openStore(db);
    try {
      await importSources(store, 'c1', [source('a', sampleCity())], { actor: "test" });
      const before = await cityStats(store);
      await expect(importSources(store, 'c1', [source('b', sampleCity().map((r) => ({ ...r, id: r.id + 'b' }))), source('a', sampleCity(), { failAfter: 3 })], { actor: "test" }))
        .rejects.toThrow(/mid-stream/);
      await expect(importSources(store, 'c2', [source('a', sampleCity(), { failAfter: 2 })], { actor: "test" })).rejects.toThrow(/mid-stream/);
      expect(await cityStats(store)).toEqual(before);
    } finally {
      await store.close();
    }
  });

  it("a store's first load builds the indexes after the rows: the same indexes, a repeated id still refused, a failed load leaves them", async () => {
    const indexes = async (q: { query: typeof store.query }) =>
      (await q.query<{ d: string }>(`SELECT indexdef AS d FROM pg_indexes WHERE tablename LIKE '%\\_versions' ORDER BY 1`)).map((r) => r.d);
    const db = await driver.fresh();
    const store = await openStore(db);
    try {
      const before = await indexes(store);
      expect(before.some((d) => /USING gist/.test(d))).toBe(true);
      // a format whose ids are taken as unique (no duplicate pass) holding one object twice: the unique index, built after the rows, refuses it
      const twice = sampleCity().concat(sampleCity().filter((r) => r.id === 'w1'));
      await expect(importSources(store, 'c1', [{ ...source('dup', twice), format: 'osm-pbf' }], { actor: 'test' }))
        .rejects.toThrow(/^\/tmp\/dup: 文件中有一个对象出现了两次（.+）：请先用 osmium 合并或排序 \/ the file holds an object twice \(.+\); merge or sort it with osmium first$/);
      expect(await indexes(store)).toEqual(before);
      expect(Number((await store.query<{ n: number }>('SELECT count(*)::int AS n FROM buildings_versions'))[0].n)).toBe(0);
      const [s] = await importSources(store, 'c1', [source('src', sampleCity())], { actor: 'test' });
      expect(s.added).toBeGreaterThan(0);
      expect(await indexes(store)).toEqual(before);
      // the rebuilt indexes are used: a current-key lookup and a bbox search
      const plan = (await store.query<Record<string, string>>(`EXPLAIN SELECT id FROM buildings_current WHERE city_id = 'c1' AND geom && ST_MakeEnvelope(116.2, 39.8, 116.4, 40, 4326)`)).map((r) => Object.values(r)[0]).join('\n');
      expect(plan).not.toMatch(/^\s*Seq Scan on buildings_versions\s*$/m);
      const again = await importSources(store, 'c2', [source('src', sampleCity())], { actor: 'test' });
      expect(again[0].added).toBe(s.added);
    } finally {
      await store.close();
    }
  });
});

describe('store import (postgres, a second session)', () => {
  it('a first load while another session reads the empty tables takes the normal path: nobody waits', async () => {
    const db = await DRIVERS[1].fresh();
    const store = await openStore(db);
    const reader = new pg.Client({ connectionString: db });
    await reader.connect();
    try {
      await reader.query('BEGIN');
      await reader.query('SELECT count(*) FROM buildings_versions');
      const [s] = await importSources(store, 'c1', [source('src', sampleCity())], { actor: 'test' });
      expect(s.counts.buildings).toBe(3);
      await reader.query('COMMIT');
      const n = await store.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_indexes WHERE tablename = 'buildings_versions'`);
      expect(Number(n[0].n)).toBeGreaterThanOrEqual(5);
    } finally {
      await reader.end();
      await store.close();
    }
  });
});
