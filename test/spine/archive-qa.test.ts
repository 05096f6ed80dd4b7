/**
 * What a records office asks of the archive, beyond the happy path: impossible dates, an empty id,
 * a city that is not there, a version's times moved around the trigger, the sources of a past day.
 */
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/driver.js';
import { importSources, type SourceToLoad } from '../../src/store/import.js';
import { cityStats } from '../../src/store/stats.js';
import { ArchiveError, parseArchiveTime, recordKey } from '../../src/store/archive.js';
import { verifyArchive } from '../../src/store/verify.js';
import { TABLE_BY_NAME } from '../../src/store/tables.js';
import { archiveKindFor, COLLECTIONS } from '../../src/catalog/collections.js';
import { classifyFeature } from '../../src/model/classify.js';
import type { CityRecord } from '../../src/model/types.js';
import { DRIVERS } from '../helpers/stores.js';
import { runCli } from '../helpers/cli.js';

const sq = (x: number, y: number, d = 0.0005): [number, number][] => [[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]];
const building = (id: string, levels: string) => classifyFeature(id, { building: 'apartments', 'building:levels': levels }, { type: 'Polygon', coordinates: [sq(116.3 + Number(id.slice(1)) / 1000, 39.9)] });

function source(id: string, path: string, records: CityRecord[]): SourceToLoad {
  async function* gen() { yield records; }
  return { sourceId: id, path, format: 'test', bytes: 1, sha256: async () => path, records: gen(), problems: [] };
}
const pause = () => new Promise((r) => setTimeout(r, 30));
const [, POSTGRES] = DRIVERS;

describe('archive times and record ids as people write them', () => {
  it('a day the month does not have is refused, not rolled into the next month', () => {
    for (const bad of ['2026-02-30', '2026-04-31T10:00Z', '2025-02-29', '2026-00-10', '2026-13-01']) {
      expect(() => parseArchiveTime(bad, '--as-of'), bad).toThrow(ArchiveError);
    }
    expect(parseArchiveTime('2024-02-29')).toBe('2024-02-29T23:59:59.999Z');
    expect(parseArchiveTime('2026-04-30T10:00+08:00')).toBe('2026-04-30T02:00:00.000Z');
  });

  it('a record key: the first part is needed, a single-column id keeps its colons, a facility id with or without its category', () => {
    const buildings = TABLE_BY_NAME.get('buildings')!.archive;
    const facilities = TABLE_BY_NAME.get('facilities')!.archive;
    expect(() => recordKey(buildings, '')).toThrow(/give the record's id/);
    expect(() => recordKey(facilities, ':school')).toThrow(/give the record's id/);
    expect(recordKey(buildings, 'gj:12:7')).toEqual({ id: 'gj:12:7' });
    expect(recordKey(facilities, 'w1')).toEqual({ id: 'w1' });
    expect(recordKey(facilities, 'w1:')).toEqual({ id: 'w1' });
    expect(recordKey(facilities, 'w1:school')).toEqual({ id: 'w1', category: 'school' });
    // as `changes` and `history` print it
    expect(recordKey(facilities, 'w1|school')).toEqual({ id: 'w1', category: 'school' });
  });

  it('history takes the collection ids /collections lists: a collection names the kind of its records', () => {
    for (const c of COLLECTIONS.filter((x) => x.archive)) expect(archiveKindFor(c.id), c.id).toBe(c.archive!.kind);
    expect([archiveKindFor('walk_network'), archiveKindFor('facility_areas'), archiveKindFor('walk_edges'), archiveKindFor('inspections')]).toEqual(['walk_edges', 'facilities', 'walk_edges', 'inspections']);
  });
});

describe.each(DRIVERS)('archive evidence and the past ($name)', (driver) => {
  /** a city surveyed twice: w1 changed, w2 removed by the second survey; `between` is a time between them */
  async function twoSurveys() {
    const store = await openStore(await driver.fresh());
    await importSources(store, 'c', [source('survey', '/data/2025.osm', [...building('w1', '5'), ...building('w2', '6')])], { actor: 'alice', reason: '2025' });
    await pause();
    const between = new Date().toISOString();
    await pause();
    await importSources(store, 'c', [source('survey', '/data/2026.osm', building('w1', '7'))], { actor: 'bob', reason: '2026' });
    return { store, between };
  }

  it('stats --as-of lists the sources of then, not those of today; an unknown city is an error', async () => {
    const { store, between } = await twoSurveys();
    try {
      // the source as it was imported then (its file details are those of the latest import only)
      const [then] = await cityStats(store, 'c', between);
      expect(then.counts.buildings).toBe(2);
      const t0 = (await store.query<{ t: string }>(`SELECT to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS t FROM changesets WHERE seq = 1`))[0].t;
      expect(then.sources).toEqual([{ source_id: 'survey', format: null, version: null, path: null, imported_at: t0, sha256: null }]);
      const [before] = await cityStats(store, 'c', '2000-01-01T00:00:00Z');
      expect(before.sources).toEqual([]);
      const [now] = await cityStats(store, 'c');
      expect(now.sources.map((s) => s.path)).toEqual(['/data/2026.osm']);
      await expect(cityStats(store, 'nowhere')).rejects.toThrow(/no city "nowhere"/);
    } finally {
      await store.close();
    }
  });

  it('verify names the record whose valid_from or valid_to was moved around the trigger', async () => {
    const { store } = await twoSurveys();
    try {
      expect((await verifyArchive(store)).ok).toBe(true);
      const around = async (sql: string) => {
        await store.exec('ALTER TABLE buildings_versions DISABLE TRIGGER buildings_append_only');
        await store.exec(sql);
        await store.exec('ALTER TABLE buildings_versions ENABLE TRIGGER buildings_append_only');
      };
      // w2 backdated a year: it would show in the city of last year
      await around(`UPDATE buildings_versions SET valid_from = valid_from - interval '1 year' WHERE id = 'w2'`);
      let r = await verifyArchive(store);
      expect(r.ok).toBe(false);
      expect(r.broken[0]).toMatchObject({ kind: 'buildings', id: 'w2', version: 1 });
      expect(r.broken[0].problem).toMatch(/valid_from altered/);
      await around(`UPDATE buildings_versions v SET valid_from = c.recorded_at FROM changesets c WHERE c.changeset_id = v.changeset_id AND v.id = 'w2'`);
      expect((await verifyArchive(store)).ok).toBe(true);
      // w2's removal moved a day earlier: found, and the record named (not only its change set)
      await around(`UPDATE buildings_versions SET valid_to = valid_to - interval '1 day' WHERE id = 'w2'`);
      r = await verifyArchive(store);
      expect(r.broken[0]).toMatchObject({ kind: 'buildings', id: 'w2', version: 1 });
      expect(r.broken[0].problem).toMatch(/valid_to altered/);
    } finally {
      await store.close();
    }
  });
});

describe('the archive commands refuse what is not there (CLI, PostgreSQL)', () => {
  it('verify of an unknown city is an error, not an intact archive; history needs an id; --wait is accepted', async () => {
    const db = await POSTGRES.fresh();
    const store = await openStore(db);
    try {
      await importSources(store, 'c', [source('survey', '/data/2025.osm', building('w1', '5'))], { actor: 'alice', reason: '2025' });
    } finally {
      await store.close();
    }
    const verify = await runCli(['archive', 'verify', '--db', db, '--city', 'nowhere']);
    expect(verify.code).toBe(2);
    expect(verify.stderr).toMatch(/no city "nowhere"/);
    expect(verify.stdout).not.toMatch(/intact/);
    const empty = await runCli(['history', 'buildings', '', '--db', db]);
    expect(empty.code).toBe(2);
    expect(empty.stdout).toBe('');
    const ok = await runCli(['history', 'buildings', 'w1', '--db', db, '--wait', '5']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/w1\s+1\s/);
    const stats = await runCli(['stats', '--db', db, '--city', 'nowhere']);
    expect(stats.code).toBe(2);
    expect(stats.stderr).toMatch(/no city "nowhere"/);
  });
});
