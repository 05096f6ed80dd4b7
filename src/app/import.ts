/**
 * Use case: load files into a city of the store, one transaction, one change set of the archive per
 * source (src/store/import.ts). The CLI and the `import` job call this.
 */
import { defaultSourceId, openSource, type OpenSourceOptions } from '../ingest/index.js';
import type { Store } from '../store/driver.js';
import { importSources, type ImportProgress, type SourceSummary, type SourceToLoad } from '../store/import.js';
import type { CityRecord } from '../model/types.js';
import type { Position } from '../model/geometry.js';
import { IngestError, UsageError } from '../model/errors.js';

export interface ImportFilesOptions extends Omit<OpenSourceOptions, 'onBytes' | 'resolveResidential'> {
  city: string;
  /** take data lying farther than OTHER_CITY_GAP_KM from what the city holds (a city that wide) */
  allowDistant?: boolean;
  actor: string;
  reason?: string;
  /** the job whose work the import is */
  jobId?: number;
  onBytes?: (file: string, read: number, total: number) => void;
  onProgress?: ImportProgress;
}

export async function importFiles(store: Store, files: string[], o: ImportFilesOptions): Promise<SourceSummary[]> {
  if (o.sourceId && files.length > 1) throw new UsageError('--source 只命名一个数据源：请只给一个文件 / --source names one source: give one file with it');
  const { city, actor, reason, jobId, onBytes, onProgress, allowDistant, ...readerOpts } = o;
  // where the city lies: what its other sources hold (the sources imported now may be replaced)
  const cityBox = allowDistant ? null : await cityExtent(store, city, files.map((f) => o.sourceId ?? defaultSourceId(f)));
  async function* sources(): AsyncGenerator<SourceToLoad> {
    for (const file of files) {
      const src = await openSource(file, { ...readerOpts, resolveResidential: false, onBytes: onBytes && ((read, total) => onBytes(file, read, total)) });
      yield inCity(src, file, city, cityBox);
    }
  }
  return importSources(store, city, sources(), { actor, reason, jobId, onProgress });
}

type BBox = [number, number, number, number];

/**
 * A file whose data lie this far (km, between extents) from everything the city already holds is
 * taken for another city's: a city's extracts are side by side, Beijing and Shanghai are 1,000 km apart.
 */
export const OTHER_CITY_GAP_KM = 150;

/** The extent of the city's current records but those of `except` (null when there are none: a new city). */
async function cityExtent(store: Store, city: string, except: string[]): Promise<BBox | null> {
  const others = await store.query('SELECT 1 FROM sources WHERE city_id = $1 AND NOT (source_id = ANY($2::text[])) LIMIT 1', [city, except]);
  if (!others.length) return null;
  const [r] = await store.query<{ w: number | null; s: number; e: number; n: number }>(
    `SELECT ST_XMin(b) AS w, ST_YMin(b) AS s, ST_XMax(b) AS e, ST_YMax(b) AS n FROM (SELECT ST_Extent(geom) AS b FROM (
       SELECT geom FROM buildings_current WHERE city_id = $1 AND NOT (source_id = ANY($2::text[]))
       UNION ALL SELECT geom FROM walk_edges_current WHERE city_id = $1 AND NOT (source_id = ANY($2::text[]))
       UNION ALL SELECT geom FROM facilities_current WHERE city_id = $1 AND NOT (source_id = ANY($2::text[]))
       UNION ALL SELECT geom FROM land_use_current WHERE city_id = $1 AND NOT (source_id = ANY($2::text[]))) g) x`, [city, except]);
  return r && r.w !== null ? [Number(r.w), Number(r.s), Number(r.e), Number(r.n)] : null;
}

/** km between two extents (0 when they touch or overlap) */
export function gapKm(a: BBox, b: BBox): number {
  const dx = Math.max(0, a[0] - b[2], b[0] - a[2]), dy = Math.max(0, a[1] - b[3], b[1] - a[3]);
  const lat = ((Math.max(a[1], b[1]) + Math.min(a[3], b[3])) / 2) * (Math.PI / 180);
  return Math.hypot(dx * 111.32 * Math.cos(lat), dy * 110.57);
}

/**
 * The source's records as they stream, with their extent taken; when the last has passed, an extent
 * farther than OTHER_CITY_GAP_KM from the city's is an error (the import's one transaction then
 * writes nothing). Both ways of reading a source (records, the element pass) are watched.
 */
function inCity(src: SourceToLoad, file: string, city: string, cityBox: BBox | null): SourceToLoad {
  if (!cityBox) return src;
  async function* watch(batches: AsyncIterable<CityRecord[]>): AsyncGenerator<CityRecord[]> {
    const box: BBox = [Infinity, Infinity, -Infinity, -Infinity];
    const add = (p: Position) => {
      if (p[0] < box[0]) box[0] = p[0];
      if (p[1] < box[1]) box[1] = p[1];
      if (p[0] > box[2]) box[2] = p[0];
      if (p[1] > box[3]) box[3] = p[1];
    };
    for await (const batch of batches) {
      for (const r of batch) eachPosition(r.geometry.coordinates, add);
      yield batch;
    }
    if (box[0] > box[2]) return;
    const km = gapKm(box, cityBox!);
    if (km > OTHER_CITY_GAP_KM) {
      const f = (b: BBox) => b.map((v) => v.toFixed(3)).join(',');
      const d = Math.round(km).toLocaleString('en');
      throw new IngestError(file, undefined,
        `该文件的数据（${f(box)}）距城市 "${city}" 已有的数据（${f(cityBox!)}）${d} 公里：是另一个城市的吗？`
        + `请用 --city NAME 指定它所属的城市再导入（opencim stats 列出各城市）；若本市确实这么大，请加 --allow-distant；未写入任何数据 / `
        + `its data (${f(box)}) lie ${d} km from what city "${city}" holds (${f(cityBox!)}): is it another city? `
        + `import it with --city NAME (opencim stats lists the cities), or with --allow-distant if the city is that wide; nothing was written`);
    }
  }
  return {
    ...src,
    // (known once the records are read: read through, not copied now)
    get attribution() { return src.attribution; },
    records: watch(src.records),
    ...(src.elements ? { elements: { ...src.elements, read: (pass) => watch(src.elements!.read(pass)) } } : {}),
  };
}

type Coordinates = Position | Position[] | Position[][] | Position[][][];
function eachPosition(c: Coordinates, f: (p: Position) => void): void {
  if (typeof c[0] === 'number') { f(c as Position); return; }
  for (const x of c as Coordinates[]) eachPosition(x, f);
}
