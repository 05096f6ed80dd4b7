import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/driver.js';
import { JobParamsError } from '../../src/jobs/contract.js';
import { runNow } from '../../src/jobs/in-process.js';
import { history } from '../../src/store/archive.js';
import { TABLE_BY_NAME } from '../../src/store/tables.js';
import { cityStats } from '../../src/store/stats.js';
import { dataFile, DRIVERS } from '../helpers/stores.js';

describe('import as a job (the use case of src/app/import.ts)', () => {
  it('loads a real extract as one change set named by the job and its actor; a re-run changes nothing; bad parameters write nothing', async () => {
    const store = await openStore(await DRIVERS[0].fresh());
    try {
      const file = dataFile('beijing-bupt.osm.pbf');
      const row = await runNow(store, 'import', { files: [file], city: 'bupt' }, 'archive-office');
      expect(row).toMatchObject({ kind: 'import', status: 'succeeded', actor: 'archive-office' });
      const [first] = (row.result as { sources: { added: number; changeset: number }[] }).sources;
      const [st] = await cityStats(store, 'bupt');
      expect(first.added).toBeGreaterThanOrEqual(st.counts.buildings);
      const [b] = await store.query<{ id: string }>('SELECT id FROM buildings_current LIMIT 1');
      const h = await history(store, TABLE_BY_NAME.get('buildings')!.archive, 'bupt', { id: b.id });
      expect(h.map((v) => [v.version, v.actor, v.changeset])).toEqual([[1, 'archive-office', first.changeset]]);
      expect(h[0].reason).toBe(`import job ${row.job_id}`);
      const again = await runNow(store, 'import', { files: [file], city: 'bupt' }, 'archive-office');
      expect((again.result as { sources: { added: number; changed: number; removed: number }[] }).sources[0]).toMatchObject({ added: 0, changed: 0, removed: 0 });
      await expect(runNow(store, 'import', { files: [file, file], city: 'bupt', source: 'x' }, 'a')).rejects.toThrow(JobParamsError);
      await expect(runNow(store, 'import', { files: [] }, 'a')).rejects.toThrow(/files/);
    } finally {
      await store.close();
    }
  });
});
