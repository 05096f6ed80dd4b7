import { openSource } from '../../src/ingest/index.js';
import { computeAccess, summarize } from '../../src/analysis/network/access.js';
import { placesFromStore, saveAccess, sourcesProvenance } from '../../src/analysis/network/store.js';
import { startRun } from '../../src/store/runs.js';
import { buildServer, type Server } from '../../src/server/app.js';
import type { ServerOptions } from '../../src/server/config.js';
import { openStore, type Store } from '../../src/store/driver.js';
import { importSources } from '../../src/store/import.js';
import { dataFile } from '../helpers/stores.js';

export const CITY = 'haidian';

/** A store holding a real extract (Haidian, Beijing) and, unless `access: false`, a walking access run. */
export async function cityStore(db: string, opts: { file?: string; city?: string; access?: boolean } = {}): Promise<Store> {
  const store = await openStore(db);
  const file = dataFile(opts.file ?? 'beijing-haidian-cau.osm.pbf');
  const city = opts.city ?? CITY;
  await importSources(store, city, [await openSource(file, { workers: 0 })], { actor: "test" });
  if (opts.access !== false) {
    const places = await placesFromStore(store, city);
    const result = await computeAccess(places, { workers: 1 });
    await saveAccess(store, (await startRun(store, { cityId: city, kind: 'access', actor: 'test' })).run_id, city, result, summarize(result), { provenance: await sourcesProvenance(store, city) });
  }
  return store;
}

export async function cityServer(db: string, options: ServerOptions = {}, fixture: Parameters<typeof cityStore>[1] = {}): Promise<Server & { store: Store; close: () => Promise<void> }> {
  const store = await cityStore(db, fixture);
  const s = await buildServer(store, { tokens: [], ...(db.startsWith('postgres') ? { pgUrl: db } : {}), ...options });
  return { ...s, store, close: async () => { await s.app.close(); await store.close(); } };
}
