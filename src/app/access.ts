/**
 * Use case: walking accessibility on a city in the store, as a run (kind `access`). The CLI, the
 * server and the job worker call this; it returns the run with the results.
 */
import type { AccessOptions, AccessPlaces, AccessResult, AccessSummary } from '../analysis/network/access.js';
import type { Store } from '../store/driver.js';
import { withRun, type Run } from '../store/runs.js';

export interface AccessRunOptions extends AccessOptions {
  city?: string;
  actor: string;
  perCapitaM2?: number;
  jobId?: string;
  onRows?: (what: string, n: number) => void;
}

export interface AccessRunResult { run: Run; city: string; places: AccessPlaces; result: AccessResult; summary: AccessSummary; timings: Record<string, number> }

export async function accessRun(store: Store, o: AccessRunOptions): Promise<AccessRunResult> {
  const { computeAccess, summarize } = await import('../analysis/network/access.js');
  const { placesFromStore, resolveCity, saveAccess, sourcesProvenance } = await import('../analysis/network/store.js');
  const city = await resolveCity(store, o.city);
  const params = { categories: o.categories ?? null, cutoff_m: o.cutoffM ?? null, snap_limit_m: o.snapLimitM ?? null, polygon_reach_m: o.polygonReachM ?? null, island_max_m: o.islandMaxM ?? null, per_capita_m2: o.perCapitaM2 ?? 40 };
  return withRun(store, { cityId: city, kind: 'access', params, actor: o.actor, jobId: o.jobId }, async (run) => {
    const timings: Record<string, number> = {};
    let tl = performance.now();
    const lap = (k: string) => { const now = performance.now(); timings[k] = Math.round(now - tl); tl = now; };
    const places = await placesFromStore(store, city, { ...o, onRows: o.onRows });
    lap('read');
    const result = await computeAccess(places, o);
    lap('compute');
    const summary = summarize(result);
    o.onProgress?.('storing results');
    await saveAccess(store, run.run_id, city, result, summary, {
      params: { per_capita_m2: o.perCapitaM2 ?? 40 }, provenance: await sourcesProvenance(store, city),
      stats: { levels_from: places.levelsFrom, landuse_known: places.landuseKnown },
    });
    lap('store');
    return { run: { ...run, status: 'succeeded' }, city, places, result, summary, timings };
  });
}
