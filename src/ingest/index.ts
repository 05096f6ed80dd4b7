import { createReadStream, statSync, openSync, readSync, closeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { basename, resolve } from 'node:path';
import type { CityRecord, IngestProblem } from '../model/types.js';
import type { ElementPass, SourceToLoad } from '../store/import.js';
import { IngestError } from '../model/errors.js';
import { openOsm } from './osm/index.js';
import { osmToCity, describeHeader } from './osm-model/index.js';
import { rulesDigest } from './osm-model/elements.js';
import { resolveResidential } from '../model/residential.js';
import type { FeatureSourceOptions } from './feature-source.js';
import { featureFormat } from './features.js';
import { cannotReadFile } from './bilingual.js';
import { OSM_ATTRIBUTION } from '../store/attribution.js';

/** a source's format; `osm-xml` is OSM XML plain or gzip-compressed (.osm.gz): the XML reader reads either (osm/xml-reader.ts) */
export type SourceFormat = 'osm-pbf' | 'osm-xml' | 'geojson' | 'shapefile' | 'csv';

export interface OpenSourceOptions extends FeatureSourceOptions {
  /** source name; default: the file name without its extensions */
  sourceId?: string;
  /** PBF decoding threads */
  workers?: number;
  onBytes?: (read: number, total: number) => void;
  /**
   * Apply the residential-by-landuse rule in the stream (default). The importer turns it off and
   * applies the rule itself on compact rows (see store/import.ts), which keeps memory flat.
   */
  resolveResidential?: boolean;
}

const EXT = /(\.osm\.pbf|\.osm\.xml|\.osm\.gz|\.osm|\.pbf|\.geojsonl|\.geojsons|\.geojson|\.ndjson|\.jsonl|\.json|\.shp|\.csv|\.txt)$/i;

export function defaultSourceId(file: string): string {
  return basename(file).replace(EXT, '') || basename(file);
}

/** Format from the extension, confirmed by the first bytes where it matters. */
export function detectFormat(file: string): SourceFormat {
  let head = Buffer.alloc(0);
  try {
    const fd = openSync(file, 'r');
    head = Buffer.alloc(64);
    const n = readSync(fd, head, 0, 64, 0);
    head = head.subarray(0, n);
    closeSync(fd);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code ?? (e as Error).message;
    throw new IngestError(file, undefined, code === 'ENOENT' ? '文件不存在 / no such file' : code === 'EISDIR' ? '这是文件夹，不是文件 / is a folder, not a file'
      : cannotReadFile(why));
  }
  const lower = file.toLowerCase();
  const feature = featureFormat(file);
  if (feature) return feature;
  if (lower.endsWith('.pbf') || (head.length >= 8 && head.readUInt32BE(0) < 64 * 1024 && head.subarray(4, 16).includes(Buffer.from('OSMHeader')))) return 'osm-pbf';
  const text = head.toString('utf8').trimStart();
  if (lower.endsWith('.osm') || lower.endsWith('.xml') || text.startsWith('<?xml') || text.startsWith('<osm')) return 'osm-xml';
  // gzip-compressed OSM XML: by its name (a .gz of anything else is not known from its first bytes)
  if (lower.endsWith('.osm.gz')) return 'osm-xml';
  throw new IngestError(file, undefined, '无法识别的文件格式：应为 .osm.pbf、.osm、.osm.gz、.geojson、.ndjson、.shp 或 .csv / unknown format: expected .osm.pbf, .osm, .osm.gz, .geojson, .ndjson, .shp or .csv');
}

export function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(file).on('data', (d) => h.update(d)).on('end', () => resolve(h.digest('hex'))).on('error', reject);
  });
}


/** An opened source; `attribution` is known from the start for OSM files, once its records are read for other formats (a Tilezen export of OSM). */
export interface OpenedSource extends SourceToLoad { attribution?: string }

/** Open one input file as a stream of city-model records (classified, residential resolved). */
export async function openSource(file: string, opts: OpenSourceOptions = {}): Promise<OpenedSource> {
  const format = detectFormat(file);
  const bytes = statSync(file).size;
  const problems: IngestProblem[] = [];
  const base = { sourceId: opts.sourceId ?? defaultSourceId(file), path: resolve(file), format, bytes, problems, sha256: () => sha256File(file) };
  if (format === 'osm-pbf' || format === 'osm-xml') {
    const osm = { ...base, attribution: OSM_ATTRIBUTION };
    const reader = openOsm(file, { workers: opts.workers, onProgress: opts.onBytes });
    const h = describeHeader(await reader.header());
    const stats = { nodes: 0, ways: 0, relations: 0 };
    const records = osmToCity(reader, file, problems, stats);
    if (opts.resolveResidential !== false) return { ...osm, ...h, records: resolveResidential(records) };
    // the importer may read the file with its element pass instead (the reader above is then never started)
    const read = (pass: ElementPass) => osmToCity(openOsm(file, { workers: opts.workers, onProgress: opts.onBytes }), file, problems, { nodes: 0, ways: 0, relations: 0 }, pass);
    return { ...osm, ...h, records, elements: { read, rules: rulesDigest() } };
  }
  // (the feature readers and mappings load only for a feature file: an OSM command starts without them)
  const { readFeatureRecords } = await import('./feature-source.js');
  let attribution: string | undefined;
  const records: AsyncIterable<CityRecord[]> = readFeatureRecords(file, format, { ...opts, sourceId: base.sourceId, onOsm: () => { attribution = OSM_ATTRIBUTION; } }, problems);
  return { ...base, records: opts.resolveResidential === false ? records : resolveResidential(records), get attribution() { return attribution; } };
}
