/**
 * Use case: the urban health check (城市体检) of a city in the store, as a run (kind `check`). The
 * run is recorded when it starts; its indicator values, areas, problems, renewal candidates and the
 * walking distances it graded are written with it, in the transaction that marks it succeeded.
 */
import type { AccessOptions } from '../analysis/network/access.js';
import type { CheckParameters } from '../analysis/indicators/catalogue.js';
import type { CheckResult, CheckOptions } from '../analysis/indicators/run.js';
import type { Store } from '../store/driver.js';
import { withRun, type Run } from '../store/runs.js';
import { cityAttribution } from '../store/attribution.js';
import { headToKeep } from '../store/verify.js';

export interface CheckRunOptions {
  city?: string;
  actor: string;
  jobId?: string;
  catalogue: string;
  /** every parameter in force (catalogue defaults with the overrides) */
  params: CheckParameters;
  /** the overrides alone, as given */
  overrides: Record<string, unknown>;
  access: AccessOptions;
  perCapitaM2?: number;
  name?: string;
  attribution?: string;
  manual?: CheckOptions['manual'];
  previous?: CheckOptions['previous'];
  inputs?: { manual: string | null; compare: string | null };
  onProgress?: (stage: string, detail?: string) => void;
  onRows?: (what: string, n: number) => void;
  /** a carbon.json for the energy indicators (default: the city's current carbon run, if any) */
  carbonFile?: string;
}

export async function checkRun(store: Store, o: CheckRunOptions): Promise<{ run: Run; city: string; result: CheckResult; timings: Record<string, number> }> {
  const { resolveCity, sourcesProvenance } = await import('../analysis/network/store.js');
  const { checkDataFromStore, saveCheck } = await import('../analysis/indicators/store.js');
  const { runCheck } = await import('../analysis/indicators/run.js');
  const { statusSummary } = await import('../report/outputs.js');
  const city = await resolveCity(store, o.city);
  const runParams = { catalogue: o.catalogue, ...o.overrides, access: o.access, per_capita_m2: o.perCapitaM2 ?? null, manual: o.inputs?.manual ?? null };
  return withRun(store, { cityId: city, kind: 'check', params: runParams, actor: o.actor, jobId: o.jobId }, async (run) => {
    const timings: Record<string, number> = {};
    let tl = performance.now();
    const lap = (k: string) => { const now = performance.now(); timings[k] = Math.round(now - tl); tl = now; };
    const data = await checkDataFromStore(store, city, o.params, { ...o.access, perCapitaM2: o.perCapitaM2, onRows: o.onRows });
    const sources = await sourcesProvenance(store, city);
    lap('read');
    const attribution = o.attribution ?? (await cityAttribution(store, city)) ?? undefined;
    const name = (await store.query<{ name: string | null }>('SELECT name FROM cities WHERE city_id = $1', [city]))[0]?.name;
    const energy = await import('../domains/energy/check.js');
    const carbon = o.carbonFile ? energy.carbonForCheckFromJson(o.carbonFile) : await energy.carbonForCheckFromStore(store, city);
    const result = await runCheck(data, {
      carbon,
      catalogue: o.catalogue, params: o.overrides, city: o.name ?? name ?? city, source: `city ${city} (${store.kind} ${store.location}), run ${run.run_id}${archiveHead(run)}`,
      manual: o.manual, previous: o.previous, access: o.access, perCapitaM2: o.perCapitaM2,
      attribution, onProgress: o.onProgress,
      provenance: { run_id: run.run_id, data_version: run.inputs, sources, ...o.inputs },
    });
    lap('check');
    o.onProgress?.('storing results');
    await saveCheck(store, run.run_id, city, result, { summary: statusSummary(result) });
    lap('store');
    return { run: { ...run, status: 'succeeded' }, city, result, timings };
  });
}

/**
 * The archive's chain head the run read (`SEQ:HEAD`, as `archive verify --expect` takes it): in the
 * report's source line, so a signed report keeps the head outside the database.
 */
function archiveHead(run: Run): string {
  const a = run.inputs?.archive;
  return a?.head ? `, archive 档案链头 ${headToKeep(a.seq, a.head)}` : '';
}
