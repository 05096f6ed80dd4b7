import { resolve } from 'node:path';
import type { CheckParameters } from '../../analysis/indicators/catalogue.js';
import type { Store } from '../../store/driver.js';
import type { MeteredResolved, MeteredRow } from './metered.js';
import type { EnergyParams, Grid, Zone } from './params.js';
import type { EnergyCity } from './read.js';
import type { TextEncoding } from '../../ingest/encoding.js';
import type { CarbonResult } from './run.js';
import { cityAttribution } from '../../store/attribution.js';

/**
 * Use cases of the inventory: from a file (nothing stored) or on a city in the store as a run
 * (kind `carbon`): read, match the metered data and certifications, compute, store the results
 * with the metered versions. The CLI calls these; a server route or a job can call them alike.
 */
export interface CarbonInputs {
  params: EnergyParams;
  checkParams: CheckParameters;
  /** rows of a metered CSV, already checked (readMetered) */
  meteredRows?: MeteredRow[];
  meteredFile?: string;
  greenFile?: string;
  /** text encoding of the green-building file (the metered rows come read) */
  encoding?: TextEncoding;
  zone?: Zone;
  grid?: Grid;
  referenceYear?: number;
  retrofitMax?: number;
  name?: string;
  onProgress?: (text: string) => void;
}

export interface CarbonOutcome {
  result: CarbonResult;
  metered?: MeteredResolved;
  source: string;
  attribution?: string;
  provenance: unknown;
  runId: number | null;
  /** what happened to metered data (stored versions, stored records of buildings no longer there) */
  meteredNote: Record<string, unknown>;
}

export function runParamsOf(i: CarbonInputs): Record<string, unknown> {
  return {
    tables: { eui: i.params.eui.version, factors: i.params.factors.version, zones: i.params.zones.version }, zone: i.zone ?? null, grid: i.grid ?? null,
    metered: i.meteredFile ? resolve(i.meteredFile) : null, green: i.greenFile ? resolve(i.greenFile) : null,
    reference_year: i.referenceYear ?? null, retrofit_max: i.retrofitMax ?? 100, engine: 'opencim-energy/1',
  };
}

async function compute(i: CarbonInputs, city: EnergyCity, cityName: string, rows: MeteredRow[] | undefined): Promise<{ result: CarbonResult; metered?: MeteredResolved }> {
  const { resolveMetered } = await import('./metered.js');
  const { readCertifications } = await import('./green.js');
  const { computeCarbon } = await import('./run.js');
  const metered = rows?.length ? resolveMetered(rows, city, i.meteredFile ?? 'metered') : undefined;
  const certifications = i.greenFile ? await readCertifications(i.greenFile, city, i.encoding) : undefined;
  i.onProgress?.('estimating');
  const result = computeCarbon(city, i.params, {
    city: cityName, checkParams: i.checkParams, zone: i.zone, grid: i.grid, metered, certifications, referenceYear: i.referenceYear, retrofitMax: i.retrofitMax,
  });
  return { result, ...(metered ? { metered } : {}) };
}

export async function carbonFromFile(file: string, i: CarbonInputs & { city?: string }): Promise<CarbonOutcome> {
  const { openSource } = await import('../../ingest/index.js');
  const { energyCityFromRecords } = await import('./read.js');
  const src = await openSource(file, { onBytes: (read, total) => i.onProgress?.(`reading ${Math.round(read / 1048576)} / ${Math.round(total / 1048576)} MB`) });
  const city = await energyCityFromRecords(src.records, i.checkParams);
  const out = await compute(i, city, i.name ?? i.city ?? src.sourceId, i.meteredRows);
  return {
    ...out, source: resolve(file), runId: null, meteredNote: {},
    ...(src.attribution ? { attribution: src.attribution } : {}),
    provenance: { sources: [{ source_id: src.sourceId, path: src.path, format: src.format, bytes: src.bytes, version: src.version ?? null }] },
  };
}

export async function carbonRun(store: Store, i: CarbonInputs & { city?: string; actor: string; jobId?: string; onRows?: (what: string, n: number) => void }): Promise<CarbonOutcome> {
  const { resolveCity, sourcesProvenance } = await import('../../analysis/network/store.js');
  const { energyCityFromStore } = await import('./read.js');
  const { mergeMetered, saveCarbon, storedMetered } = await import('./store.js');
  const { withRun } = await import('../../store/runs.js');
  const cityId = await resolveCity(store, i.city);
  const params = runParamsOf(i);
  return withRun(store, { cityId, kind: 'carbon', params, actor: i.actor, jobId: i.jobId }, async (run) => {
    const city = await energyCityFromStore(store, cityId, i.checkParams, { onRows: i.onRows });
    // the city's metered records (the archive), then the file's rows, which replace the records of their keys
    const merged = mergeMetered(await storedMetered(store, cityId), i.meteredRows ?? [], new Set(city.buildings.ids));
    const name = (await store.query<{ name: string | null }>('SELECT name FROM cities WHERE city_id = $1', [cityId]))[0]?.name;
    const out = await compute(i, city, i.name ?? name ?? cityId, merged.rows);
    const sources = await sourcesProvenance(store, cityId);
    const attribution = await cityAttribution(store, cityId);
    const provenance = { sources };
    i.onProgress?.('storing results');
    const saved = await saveCarbon(store, run.run_id, cityId, out.result, {
      actor: i.actor, metered: out.metered, meteredFile: i.meteredFile, params, provenance,
      summary: { buildings: out.result.summary.buildings, metered_buildings: out.result.summary.metered_buildings, co2e_kg: out.result.summary.co2e_kg },
    });
    return {
      ...out, source: `city ${cityId} (${store.kind} ${store.location})`, runId: run.run_id, provenance,
      ...(attribution ? { attribution } : {}),
      meteredNote: { stored_records_of_missing_buildings: merged.dropped, versions: saved.meteredVersions },
    };
  });
}
