import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/driver.js';
import { importSources, type SourceToLoad } from '../../src/store/import.js';
import { cityStats } from '../../src/store/stats.js';
import { appendVersion, ConflictError, history, openChangeset, sealChangeset, changes, parseArchiveTime } from '../../src/store/archive.js';
import { verifyArchive } from '../../src/store/verify.js';
import { TABLE_BY_NAME } from '../../src/store/tables.js';
import { classifyFeature } from '../../src/model/classify.js';
import type { CityRecord } from '../../src/model/types.js';
import { DRIVERS, tempDir } from '../helpers/stores.js';
import { runCli } from '../helpers/cli.js';

const sq = (x: number, y: number, d = 0.0005): [number, number][] => [[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]];
const feature = (id: string, tags: Record<string, string>, geometry: Parameters<typeof classifyFeature>[2]) => classifyFeature(id, tags, geometry);

function source(id: string, records: CityRecord[]): SourceToLoad {
  async function* gen() { yield records; }
  return { sourceId: id, path: `/tmp/${id}.osm`, format: 'test', bytes: 1, sha256: async () => 'x', records: gen(), problems: [] };
}

function survey(year: number): CityRecord[] {
  const levels = year === 2025 ? '6' : '7';
  return [
    ...feature('w1', { building: 'apartments', 'building:levels': levels, start_date: '1988' }, { type: 'Polygon', coordinates: [sq(116.3, 39.9)] }),
    ...(year === 2025 ? feature('w2', { building: 'yes', name: '旧厂房' }, { type: 'Polygon', coordinates: [sq(116.301, 39.9)] }) : []),
    ...feature('w3', { building: 'school', name: '第一中学' }, { type: 'Polygon', coordinates: [sq(116.302, 39.9)] }),
    ...(year === 2026 ? feature('w9', { building: 'retail' }, { type: 'Polygon', coordinates: [sq(116.303, 39.9)] }) : []),
    ...feature('w4', { highway: 'footway' }, { type: 'LineString', coordinates: [[116.3, 39.899], [116.31, 39.899]] }),
  ];
}

const BUILDINGS = TABLE_BY_NAME.get('buildings')!.archive;
const pause = () => new Promise((r) => setTimeout(r, 30));

describe.each(DRIVERS)('the city archive ($name)', (driver) => {
  it('a survey over last year\'s: versions by content, history with who/why, changes, as-of, verify, tamper evidence', async () => {
    const store = await openStore(await driver.fresh({ migrated: true }));
    try {
      const [a] = await importSources(store, 'c', [source('survey', survey(2025))], { actor: 'alice', reason: '2025 survey' });
      expect([a.added, a.changed, a.unchanged, a.removed]).toEqual([4, 0, 0, 0]);
      await pause();
      const between = new Date().toISOString();
      await pause();
      const [b] = await importSources(store, 'c', [source('survey', survey(2026))], { actor: 'bob', reason: '2026 survey' });
      // w1 changed (levels), w2 removed, w3 and w4 unchanged, w9 added
      expect([b.added, b.changed, b.unchanged, b.removed]).toEqual([1, 1, 2, 1]);

      const h = await history(store, BUILDINGS, 'c', { id: 'w1' });
      expect(h.map((v) => [v.version, v.actor, v.reason, v.valid_to === null])).toEqual([[1, 'alice', '2025 survey', false], [2, 'bob', '2026 survey', true]]);
      expect(h[1].changed_fields).toContain('levels');
      expect(h[1].changed_fields).not.toContain('geom');
      expect(h[1].content.levels).toBe(7);
      const gone = await history(store, BUILDINGS, 'c', { id: 'w2' });
      expect(gone).toHaveLength(1);
      expect(gone[0].closed_by?.actor).toBe('bob');
      expect((await history(store, BUILDINGS, 'c', { id: 'w3' })).map((v) => v.version)).toEqual([1]); // unchanged: untouched

      const diff = (await changes(store, 'c', between, new Date().toISOString())).find((c) => c.kind === 'buildings')!;
      expect(diff).toEqual({ kind: 'buildings', added: ['w9'], changed: ['w1'], removed: ['w2'] });
      const [then] = await cityStats(store, 'c', between);
      const [now] = await cityStats(store, 'c');
      expect(then.counts.buildings).toBe(3);
      expect(now.counts.buildings).toBe(3);
      const ids = async (sql: string, p: unknown[]) => (await store.query<{ id: string }>(sql, p)).map((r) => r.id).sort();
      expect(await ids(`SELECT id FROM (SELECT * FROM buildings_versions WHERE valid_from <= $1 AND (valid_to IS NULL OR valid_to > $1)) v`, [between])).toEqual(['w1', 'w2', 'w3']);
      expect(await ids('SELECT id FROM buildings_current', [])).toEqual(['w1', 'w3', 'w9']);

      // append-only: the database itself refuses to alter or delete history
      await expect(store.query(`UPDATE buildings_versions SET name = 'x' WHERE id = 'w3'`)).rejects.toThrow(/append-only/);
      await expect(store.query(`DELETE FROM buildings_versions WHERE id = 'w2'`)).rejects.toThrow(/append-only/);
      await expect(store.query(`UPDATE changesets SET actor = 'mallory'`)).rejects.toThrow(/append-only/);

      const ok = await verifyArchive(store);
      expect(ok.ok).toBe(true);
      expect(ok.cities[0].seq).toBe(2);

      // someone with database rights goes around the trigger: verify names the record
      await store.exec(`ALTER TABLE buildings_versions DISABLE TRIGGER buildings_append_only`);
      await store.query(`UPDATE buildings_versions SET name = '新名字' WHERE id = 'w3'`);
      await store.exec(`ALTER TABLE buildings_versions ENABLE TRIGGER buildings_append_only`);
      const bad = await verifyArchive(store);
      expect(bad.ok).toBe(false);
      expect(bad.broken[0]).toMatchObject({ kind: 'buildings', id: 'w3', version: 1 });
      expect(bad.broken[0].problem).toMatch(/content altered/);
    } finally {
      await store.close();
    }
  });

  it('a record removed in one survey and back in the next continues its chain (version 2 after the closed version 1)', async () => {
    const store = await openStore(await driver.fresh({ migrated: true }));
    try {
      await importSources(store, 'c', [source('survey', survey(2025))], { actor: 'alice', reason: '2025' });
      const [gone] = await importSources(store, 'c', [source('survey', survey(2025).filter((r) => r.id !== 'w2'))], { actor: 'bob', reason: '2026: w2 demolished?' });
      expect(gone.removed).toBe(1);
      const [back] = await importSources(store, 'c', [source('survey', survey(2025))], { actor: 'carol', reason: '2027: w2 was there after all' });
      expect([back.added, back.changed, back.removed]).toEqual([1, 0, 0]);
      const h = await history(store, BUILDINGS, 'c', { id: 'w2' });
      expect(h.map((v) => [v.version, v.actor, v.valid_to === null, v.closed_by?.actor ?? null])).toEqual([[1, 'alice', false, 'bob'], [2, 'carol', true, null]]);
      // the new version is chained to the closed one, not started afresh
      const [v2] = await store.query<{ prev: string; h1: string }>(
        `SELECT encode(v.prev_hash, 'hex') AS prev, encode(p.hash, 'hex') AS h1 FROM buildings_versions v JOIN buildings_versions p ON p.city_id = v.city_id AND p.id = v.id AND p.version = 1
         WHERE v.city_id = 'c' AND v.id = 'w2' AND v.version = 2`);
      expect(v2.prev).toBe(v2.h1);
      expect((await store.query('SELECT 1 FROM buildings_current WHERE id = $1', ['w2'])).length).toBe(1);
      expect((await verifyArchive(store)).ok).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('one record at a time: optimistic concurrency, unchanged content is no new version; re-importing source B keeps what source A holds', async () => {
    const store = await openStore(await driver.fresh({ migrated: true }));
    try {
      await importSources(store, 'c', [source('a', survey(2025))], { actor: 'a' });
      await importSources(store, 'c', [source('b', survey(2025).filter((r) => r.id === 'w3'))], { actor: 'b' });
      // b no longer has w3: a still does, so the city keeps it
      const [r] = await importSources(store, 'c', [source('b', survey(2025).filter((r) => r.id === 'w4'))], { actor: 'b' });
      expect((await store.query('SELECT 1 FROM buildings_current WHERE id = $1', ['w3'])).length).toBe(1);
      expect(r.removed).toBe(0);

      const edit = async (expectedVersion: number | undefined, name: string) => store.transaction(async (tx) => {
        const cs = await openChangeset(tx, { cityId: 'c', actor: 'editor:zhang', reason: 'name fixed on site', kind: 'edit' });
        const [row] = await tx.query<Record<string, unknown>>(
          `SELECT id, name, use, height, levels, year, residential, area_m2, tags, encode(ST_AsEWKB(geom), 'hex') AS geom FROM buildings_current WHERE id = 'w1'`);
        const out = await appendVersion(tx, BUILDINGS, cs, { ...row, name }, { expectedVersion });
        await sealChangeset(tx, cs);
        return out;
      });
      const v = (await history(store, BUILDINGS, 'c', { id: 'w1' })).at(-1)!.version;
      expect(await edit(v, '幸福小区1号楼')).toEqual({ version: v + 1, changed: true });
      expect(await edit(v + 1, '幸福小区1号楼')).toEqual({ version: v + 1, changed: false });
      await expect(edit(v, '另一个名字')).rejects.toBeInstanceOf(ConflictError);
      const last = (await history(store, BUILDINGS, 'c', { id: 'w1' })).at(-1)!;
      expect([last.actor, last.changed_fields]).toEqual(['editor:zhang', ['name']]);
      expect((await verifyArchive(store)).ok).toBe(true);
    } finally {
      await store.close();
    }
  });
});

describe('the archive commands (real CLI)', () => {
  it('history, changes, stats --as-of and archive verify; bad dates and unknown records are clear errors', async () => {
    const dir = tempDir('archive-cli-');
    // (a PostgreSQL database: the subject is the commands, and each start on an embedded store costs seconds)
    const db = await DRIVERS[1].fresh({ migrated: true });
    const geo = (levels: number, extra = false) => {
      const f = (id: string, props: Record<string, unknown>, x: number) => ({ type: 'Feature', id, properties: props, geometry: { type: 'Polygon', coordinates: [sq(116.3 + x, 39.9)] } });
      const p = join(dir, 'city.geojson');
      writeFileSync(p, JSON.stringify({ type: 'FeatureCollection', features: [
        f('b1', { building: 'apartments', 'building:levels': levels }, 0), ...(extra ? [f('b2', { building: 'retail' }, 0.002)] : [])] }));
      return p;
    };
    expect((await runCli(['import', geo(5), '--db', db, '--city', 'c', '--actor', '档案室 archive office', '-q'])).code).toBe(0);
    await pause();
    const t1 = new Date().toISOString();
    const second = await runCli(['import', geo(6, true), '--db', db, '--city', 'c', '--actor', 'survey-2026', '--reason', '2026 年度普查', '-q']);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/1 added 新增, 1 changed 变更, 0 unchanged 未变, 0 removed 移除/);
    const hist = JSON.parse((await runCli(['history', 'buildings', 'b1', '--db', db, '--json'])).stdout);
    expect(hist.versions.map((v: { actor: string }) => v.actor)).toEqual(['档案室 archive office', 'survey-2026']);
    expect(hist.versions[1].reason).toBe('2026 年度普查');
    const ch = JSON.parse((await runCli(['changes', '--since', t1, '--db', db, '--json'])).stdout);
    expect(ch.kinds.find((k: { kind: string }) => k.kind === 'buildings')).toMatchObject({ added: ['b2'], changed: ['b1'], removed: [] });
    const asOf = JSON.parse((await runCli(['stats', '--db', db, '--as-of', t1, '--json'])).stdout);
    expect(asOf.cities[0].counts.buildings).toBe(1);
    const v = await runCli(['archive', 'verify', '--db', db]);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/archive intact/);
    const badDate = await runCli(['stats', '--db', db, '--as-of', '2026-13-45']);
    expect(badDate.code).not.toBe(0);
    expect(badDate.stderr).toMatch(/--as-of: "2026-13-45" is not a date/);
    const unknown = await runCli(['history', 'buildings', 'nope', '--db', db]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no record buildings\/nope/);
    expect(() => parseArchiveTime('yesterday')).toThrow(/not a date/);
  }, 400_000);
});

describe('upgrading a v0.1 store', () => {
  it('migration 004 turns the records held into version 1 of a sealed change set, and access/check runs into runs', async () => {
    const { listMigrations } = await import('../../src/store/migrate.js');
    const pg = (await import('pg')).default;
    const url = await DRIVERS[1].fresh();
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      for (const m of listMigrations().filter((m) => m.version <= 3)) await c.query(m.sql);
      await c.query(`INSERT INTO cities (city_id) VALUES ('old')`);
      await c.query(`INSERT INTO sources (city_id, source_id, path, format, sha256, bytes, counts, problems) VALUES ('old', 's', '/x.osm', 'osm-xml', 'ab', 1, '{}', '[]')`);
      await c.query(`INSERT INTO buildings (city_id, id, source_id, use, residential, area_m2, tags, geom)
        VALUES ('old', 'w1', 's', 'apartments', true, 100, '{"building":"apartments"}', ST_Multi(ST_MakeEnvelope(116.3, 39.9, 116.301, 39.901, 4326)))`);
      await c.query(`INSERT INTO access_runs (city_id, categories, params, provenance, stats, summary) VALUES ('old', '{school}', '{}', '[]', '{}', '{}')`);
      await c.query(`INSERT INTO access_results (city_id, building_id, run_id, status, residents, distances) VALUES ('old', 'w1', 1, 'ok', 10, '{120}')`);
      await c.query(`INSERT INTO check_runs (city_id, catalogue, params, provenance, summary) VALUES ('old', '2025', '{}', '[]', '{}')`);
      await c.query(`CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
      await c.query(`INSERT INTO schema_migrations (version, name) VALUES (1, 'a'), (2, 'b'), (3, 'c')`);
    } finally {
      await c.end();
    }
    const store = await openStore(url);
    try {
      const h = await history(store, BUILDINGS, 'old', { id: 'w1' });
      expect(h.map((v) => [v.version, v.actor, v.valid_to])).toEqual([[1, 'system:migration-004', null]]);
      expect((await verifyArchive(store)).ok).toBe(true);
      const runs = await store.query<{ run_id: number; kind: string }>('SELECT run_id, kind FROM runs ORDER BY run_id');
      expect(runs.map((r) => [Number(r.run_id), r.kind])).toEqual([[1, 'access'], [2, 'check']]);
      expect((await store.query('SELECT * FROM access_results_current')).length).toBe(1);
      // new runs continue after the migrated ones
      const { startRun } = await import('../../src/store/runs.js');
      expect((await startRun(store, { cityId: 'old', kind: 'access', actor: 't' })).run_id).toBe(3);
    } finally {
      await store.close();
    }
  });
});
