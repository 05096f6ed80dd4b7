import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/driver.js';
import { getRun, startRun } from '../../src/store/runs.js';
import { tempDir } from '../helpers/stores.js';

describe('runs left running by a process that died', () => {
  it('are marked failed, with the reason, when the embedded store is next opened (one process holds it at a time)', async () => {
    const db = join(tempDir('stale-runs-'), 'db');
    const a = await openStore(db, { create: true });
    await a.query('INSERT INTO cities (city_id) VALUES ($1)', ['c']);
    const run = await startRun(a, { cityId: 'c', kind: 'access', actor: 'test' });
    // the process "dies": the store is let go with the run still running
    await a.close();
    const b = await openStore(db);
    try {
      expect(await getRun(b, run.run_id)).toMatchObject({ status: 'failed', error: 'the process running it stopped before it finished (进程中断)' });
    } finally {
      await b.close();
    }
  }, 120_000);
});
