import type { CityRecord, IngestProblem } from '../model/types.js';
import type { CoordOffset } from './crs.js';
import { IngestError } from '../model/errors.js';
import { readFeatures } from './features.js';
import { classifyFeatures, parseMapping, type FeatureMapping } from './mapping.js';

export interface FeatureSourceOptions {
  crs?: string;
  coords?: CoordOffset;
  lonField?: string;
  latField?: string;
  encoding?: string;
  /** `kind=building,height=HEIGHT,...` or JSON */
  mapping?: string;
  onBytes?: (read: number, total: number) => void;
  /** the source id, which qualifies the ids of features that have none of their own */
  sourceId?: string;
  /** called when the features turn out to be OpenStreetMap data (mapping.ts MapOptions.onOsm) */
  onOsm?: () => void;
}

/** GeoJSON / Shapefile / CSV → mapped to OSM-like tags → city-model records, in batches. */
export async function* readFeatureRecords(
  file: string, _format: string, opts: FeatureSourceOptions, problems: IngestProblem[],
): AsyncGenerator<CityRecord[]> {
  let mapping: FeatureMapping | undefined;
  if (opts.mapping) {
    try { mapping = parseMapping(opts.mapping); } catch (e) { throw new IngestError(file, '--map', (e as Error).message); }
  }
  const onProblem = (p: IngestProblem) => problems.push(p);
  const features = readFeatures(file, {
    crs: opts.crs, coords: opts.coords, lonField: opts.lonField, latField: opts.latField, encoding: opts.encoding,
    onProgress: opts.onBytes, onProblem,
  });
  let batch: CityRecord[] = [];
  for await (const r of classifyFeatures(features, mapping, file, { onProblem, source: opts.sourceId, onOsm: opts.onOsm })) {
    batch.push(r);
    if (batch.length >= 5000) { yield batch; batch = []; }
  }
  if (batch.length) yield batch;
}
