import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/driver.js';
import { openPg } from '../../src/store/pg-driver.js';
import { migrate } from '../../src/store/migrate.js';
import { verifyArchive } from '../../src/store/verify.js';
import { importSources, type SourceToLoad } from '../../src/store/import.js';
import { importRegisterCsv, writeRecord } from '../../src/domains/safety/store.js';
import { classifyFeature } from '../../src/model/classify.js';
import type { CityRecord } from '../../src/model/types.js';
import type { Profile } from '../../src/domains/safety/model.js';
import { DRIVERS, tempDir } from '../helpers/stores.js';

// A store whose archive was written before migration 015 (content hashes in their first form)
// keeps verifying after the upgrade, and a re-import compares its records in the form they were
// hashed in: nothing unchanged gets a new version, a change gets one in the new form.

const sq = (x: number, y: number, d = 0.0005): [number, number][] => [[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]];
function city(levels: number): CityRecord[] {
  return [
    ...classifyFeature('w1', { building: 'apartments', 'building:levels': String(levels), start_date: '1988' }, { type: 'Polygon', coordinates: [sq(116.3, 39.9)] }),
    ...classifyFeature('w2', { building: 'yes', name: '仓库' }, { type: 'Polygon', coordinates: [sq(116.301, 39.9)] }),
    ...classifyFeature('n3', { shop: 'convenience', name: '便利店' }, { type: 'Point', coordinates: [116.302, 39.9] }),
  ];
}
function source(records: CityRecord[]): SourceToLoad {
  async function* gen() { yield records; }
  return { sourceId: 'survey', path: '/tmp/survey', format: 'test', bytes: 1, sha256: async () => 'x', records: gen(), problems: [] };
}
const PROFILES = ['building_id,year_built,design_life_years,structure,storeys,height_m,use,households,group_rental,seismic_intensity,isolation,owner,insured,fund',
  'w1,1988,50,prefab_slab,6,17.5,residential,24,0,8,0,"张三, 李四",1,', 'w2,2003,,frame,2,,industrial,,,7,1,物业\'s,0,1'].join('\n') + '\n';

const forms = async (s: Store) => (await s.query<{ v1: number; v2: number }>(
  `SELECT count(*) FILTER (WHERE changeset_id <= (SELECT content_v1_until FROM archive_formats))::int AS v1,
          count(*) FILTER (WHERE changeset_id > (SELECT content_v1_until FROM archive_formats))::int AS v2 FROM safety_profiles_versions`))[0];

describe('an archive written before the second content-hash form', () => {
  it('verifies after the upgrade; re-imports compare in the stored form', async () => {
    const db = await DRIVERS[1].fresh();
    const dir = tempDir('upgrade-');
    const profiles = join(dir, 'profiles.csv');
    writeFileSync(profiles, PROFILES);
    // before: migrations up to 014, the city and its register written
    const old = await openPg(db);
    try {
      await migrate(old, { upTo: 14 });
      // (today's import names two columns added since, in no hash: there for the write, gone again before the upgrade)
      await old.exec('ALTER TABLE changesets ADD COLUMN job_id bigint; ALTER TABLE sources ADD COLUMN attribution text');
      await importSources(old, 'c', [source(city(6))], { actor: 'archivist' });
      await importRegisterCsv(old, 'c', [profiles], { actor: 'inspector' });
      await old.exec('ALTER TABLE changesets DROP COLUMN job_id; ALTER TABLE sources DROP COLUMN attribution');
    } finally { await old.close(); }

    const store = await openStore(db); // applies 015
    try {
      expect(await forms(store)).toEqual({ v1: 2, v2: 0 });
      const before = await verifyArchive(store);
      expect(before.broken).toEqual([]);
      expect(before.ok).toBe(true);

      // the same register again: every record unchanged (compared in the first form)
      const [again] = await importRegisterCsv(store, 'c', [profiles], { actor: 'inspector' });
      expect([again.added, again.changed, again.unchanged]).toEqual([0, 0, 2]);
      // the same profile through the API: no new version
      const w1: Profile = { building_id: 'w1', year_built: 1988, design_life_years: 50, structure: 'prefab_slab', storeys: 6, height_m: 17.5, use: 'residential', households: 24, group_rental: false, seismic_intensity: 8, isolation: false, owner: '张三, 李四', insured: true, fund: null };
      expect((await writeRecord(store, 'c', 'profile', w1, { actor: 'inspector', reason: 'same' })).changed).toBe(false);
      expect((await writeRecord(store, 'c', 'profile', { ...w1, households: 30 }, { actor: 'inspector', reason: 'recount' })).changed).toBe(true);
      // the city re-surveyed: w1 changed, the rest as before
      const [s] = await importSources(store, 'c', [source(city(9))], { actor: 'archivist' });
      expect(s.changed).toBe(1);
      expect(await forms(store)).toEqual({ v1: 2, v2: 1 });

      const after = await verifyArchive(store);
      expect(after.broken).toEqual([]);
      // and a first-form version altered afterwards is still caught
      await store.exec(`ALTER TABLE safety_profiles_versions DISABLE TRIGGER USER;
        UPDATE safety_profiles_versions SET households = 25 WHERE building_id = 'w1' AND version = 1;
        ALTER TABLE safety_profiles_versions ENABLE TRIGGER USER`);
      const tampered = await verifyArchive(store);
      expect(tampered.ok).toBe(false);
      expect(tampered.broken[0]).toMatchObject({ kind: 'building_safety', id: 'w1', version: 1 });
    } finally { await store.close(); }
  });
});
