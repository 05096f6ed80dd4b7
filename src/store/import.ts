import type { CityRecord, IngestProblem, RecordKind } from '../model/types.js';
import type { Queryable, Store } from './driver.js';
import { TABLES, TABLE_BY_KIND, copyFields, copyLine, type TableSpec } from './tables.js';
import { ResidentialZones } from '../ingest/residential.js';
import { centroid } from '../model/geo.js';

/** One source ready to load: its records stream and what is known of it. */
export interface SourceToLoad {
  sourceId: string;
  path: string;
  format: string;
  sha256: () => Promise<string>;
  bytes: number;
  version?: string;
  generator?: string;
  bbox?: [number, number, number, number];
  records: AsyncIterable<CityRecord[]>;
  problems: IngestProblem[];
}

export interface SourceSummary {
  source_id: string;
  path: string;
  format: string;
  version?: string;
  counts: Record<string, number>;
  /** facility rows per category */
  categories: Record<string, number>;
  residential_buildings: number;
  repaired: number;
  dropped: number;
  duplicates: number;
  replaced: number;
  problems: IngestProblem[];
}

const FLUSH_BYTES = 8 << 20;

const BUILDINGS = TABLE_BY_KIND.get('building')!;
const RESIDENTIAL_COL = BUILDINGS.columns.indexOf('residential');

/**
 * Buffers COPY lines per table and flushes them in large chunks. Buildings that the
 * residential-by-landuse rule may still change wait as two compact strings (the row before and
 * after the `residential` field) plus their centroid, until all landuse is known.
 */
class StageWriter {
  private buf = new Map<string, string[]>();
  private size = new Map<string, number>();
  readonly counts = new Map<RecordKind, number>();
  private zones = new ResidentialZones();
  private pending: { head: string[]; tail: string[]; x: number[]; y: number[] } = { head: [], tail: [], x: [], y: [] };
  private inflight: Promise<void> = Promise.resolve();
  /**
   * @param direct write straight into the city tables (rows prefixed with city and source), else
   *   into the per-source stage tables
   */
  constructor(private tx: Queryable, private direct?: { cityId: string; sourceId: string }) {}

  private prefix(): string {
    return this.direct ? `${copyFields([this.direct.cityId, this.direct.sourceId])}\t` : '';
  }

  async add(r: CityRecord): Promise<void> {
    const spec = TABLE_BY_KIND.get(r.kind)!;
    this.counts.set(r.kind, (this.counts.get(r.kind) ?? 0) + 1);
    this.zones.see(r);
    if (ResidentialZones.isCandidate(r)) {
      const [row] = spec.rows(r);
      const [x, y] = centroid(r.geometry);
      const p = this.pending;
      p.head.push(this.prefix() + copyFields(row, 0, RESIDENTIAL_COL)); p.tail.push(copyFields(row, RESIDENTIAL_COL + 1)); p.x.push(x); p.y.push(y);
      return;
    }
    for (const row of spec.rows(r)) await this.push(spec, this.prefix() + copyLine(row));
  }

  private async push(spec: TableSpec, line: string): Promise<void> {
    let lines = this.buf.get(spec.table);
    if (!lines) { lines = []; this.buf.set(spec.table, lines); this.size.set(spec.table, 0); }
    lines.push(line);
    const size = this.size.get(spec.table)! + line.length;
    this.size.set(spec.table, size);
    if (size > FLUSH_BYTES) await this.flush(spec);
  }

  async flush(spec: TableSpec): Promise<void> {
    const lines = this.buf.get(spec.table);
    if (!lines?.length) return;
    this.buf.set(spec.table, []);
    this.size.set(spec.table, 0);
    const data = lines.join('');
    // one COPY in flight while the next chunk is produced (the server parses on its own core)
    await this.inflight;
    const copy = this.direct
      ? this.tx.copyIn(spec.table, ['city_id', 'source_id', ...spec.columns], data)
      : this.tx.copyIn(`stage_${spec.table}`, spec.columns, data);
    copy.catch(() => {}); // awaited below or in finish(); never unhandled
    this.inflight = copy;
  }

  /** the landuse rule on the waiting buildings, then everything to the stage tables */
  async finish(): Promise<void> {
    const p = this.pending;
    this.pending = { head: [], tail: [], x: [], y: [] };
    for (let i = 0; i < p.head.length; i++) {
      await this.push(BUILDINGS, `${p.head[i]}\t${this.zones.contains(p.x[i], p.y[i]) ? 't' : 'f'}\t${p.tail[i]}\n`);
    }
    for (const spec of TABLES) await this.flush(spec);
    await this.inflight;
  }
}

export interface ImportProgress { (event: { source: string; records: number }): void }

/**
 * Load sources into a city in ONE transaction: each source's records are staged by COPY, repaired
 * (ST_MakeValid) where invalid, and replace that source's previous records (idempotent re-import;
 * objects also present in another source are taken over by the newer import). Any error rolls
 * everything back: the store is exactly as before.
 */
export async function importSources(
  store: Store, cityId: string, sources: AsyncIterable<SourceToLoad> | Iterable<SourceToLoad>, onProgress?: ImportProgress,
): Promise<SourceSummary[]> {
  return store.transaction(async (tx) => {
    await tx.query('INSERT INTO cities (city_id, name) VALUES ($1, $1) ON CONFLICT DO NOTHING', [cityId]);
    const summaries: SourceSummary[] = [];
    for await (const src of sources) summaries.push(await loadSource(tx, cityId, src, onProgress));
    // fresh planner statistics: without them the first spatial reads of a big city crawl
    await tx.exec(`ANALYZE ${TABLES.map((t) => t.table).join(', ')}`);
    return summaries;
  });
}

/** formats whose object ids are unique within a file by construction */
const UNIQUE_ID_FORMATS = new Set(['osm-pbf', 'osm-xml']);

async function loadSource(tx: Queryable, cityId: string, src: SourceToLoad, onProgress?: ImportProgress): Promise<SourceSummary> {
  const timing = process.env.OPENCIM_TIMING ? (label: string) => process.stderr.write(`[timing] ${label} ${((Date.now() - t0) / 1000).toFixed(1)} s\n`) : () => {};
  const t0 = Date.now();
  const summary: SourceSummary = {
    source_id: src.sourceId, path: src.path, format: src.format, version: src.version,
    counts: {}, categories: {}, residential_buildings: 0, repaired: 0, dropped: 0, duplicates: 0, replaced: 0, problems: src.problems,
  };
  // Fast path: the city holds no other source, and ids are unique in the file: rows go straight
  // into the city tables (no stage, no merge). Otherwise: stage, then merge with the other sources.
  const direct = UNIQUE_ID_FORMATS.has(src.format) &&
    !(await tx.query('SELECT 1 FROM sources WHERE city_id = $1 AND source_id <> $2 LIMIT 1', [cityId, src.sourceId])).length;
  for (const t of TABLES) {
    const removed = await tx.query<{ n: number }>(
      `WITH d AS (DELETE FROM ${t.table} WHERE city_id = $1 AND source_id = $2 RETURNING 1) SELECT count(*)::int AS n FROM d`, [cityId, src.sourceId]);
    summary.replaced += Number(removed[0].n);
    if (!direct) {
      await tx.exec(`DROP TABLE IF EXISTS stage_${t.table}; CREATE TEMP TABLE stage_${t.table} (LIKE ${t.table}) ON COMMIT DROP;
        ALTER TABLE stage_${t.table} ALTER COLUMN city_id DROP NOT NULL, ALTER COLUMN source_id DROP NOT NULL`);
    }
  }
  const writer = new StageWriter(tx, direct ? { cityId, sourceId: src.sourceId } : undefined);
  let n = 0;
  try {
    for await (const batch of src.records) {
      for (const r of batch) await writer.add(r);
      n += batch.length;
      onProgress?.({ source: src.sourceId, records: n });
    }
    timing('streamed');
    await writer.finish();
  } catch (e) {
    const err = e as Error & { code?: string; detail?: string };
    if (err.code === '23505') throw new Error(`${src.path}: the file holds an object twice (${err.detail ?? err.message}); merge or sort it with osmium first`);
    throw e;
  }
  timing(direct ? 'loaded' : 'staged');

  for (const t of TABLES) {
    // what this source wrote: its rows in the city table, or the stage
    const target = direct ? t.table : `stage_${t.table}`;
    const mine = direct ? `city_id = $1 AND source_id = $2` : 'true';
    const params = direct ? [cityId, src.sourceId] : [];
    if (t.geomType !== 'LineString') {
      const polygonal = t.geomType === 'Geometry' ? `GeometryType(geom) IN ('POLYGON','MULTIPOLYGON') AND ` : '';
      const repaired = await tx.query<{ id: string }>(
        `UPDATE ${target} SET geom = ST_Multi(ST_CollectionExtract(ST_MakeValid(geom), 3))
         WHERE ${mine} AND ${polygonal}NOT ST_IsValid(geom) RETURNING id`, params);
      summary.repaired += repaired.length;
      if (repaired.length && t.columns.includes('area_m2')) {
        await tx.query(`UPDATE ${target} SET area_m2 = ST_Area(geom::geography) WHERE ${mine} AND id = ANY($${params.length + 1})`, [...params, repaired.map((r) => r.id)]);
      }
    }
    const empty = await tx.query<{ id: string }>(
      `DELETE FROM ${target} WHERE ${mine} AND (ST_IsEmpty(geom) OR NOT ST_IsValid(geom)) RETURNING id`, params);
    for (const e of empty) summary.problems.push({ id: e.id, problem: `${t.kind}: geometry invalid and not repairable (empty after ST_MakeValid); dropped` });
    summary.dropped += empty.length;
    timing(`${t.table} repaired`);

    if (!direct) {
      const key = t.key.join(', ');
      const cols = t.columns.join(', ');
      const staged = Number((await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${target}`))[0].n);
      const inserted = await tx.query<{ n: number }>(
        `WITH i AS (
           INSERT INTO ${t.table} (city_id, source_id, ${cols})
           SELECT DISTINCT ON (${key}) $1, $2, ${cols} FROM ${target} ORDER BY ${key}
           ON CONFLICT (city_id, ${key}) DO UPDATE SET source_id = EXCLUDED.source_id, ${t.columns.filter((c) => !t.key.includes(c)).map((c) => `${c} = EXCLUDED.${c}`).join(', ')}
           RETURNING 1)
         SELECT count(*)::int AS n FROM i`, [cityId, src.sourceId]);
      const dup = staged - Number(inserted[0].n);
      summary.duplicates += dup;
      if (dup) summary.problems.push({ id: '*', problem: `${t.kind}: ${dup} duplicate id(s) in the source; the first of each kept` });
      timing(`${t.table} merged`);
    }
    const count = t.table === 'facilities' ? 'count(DISTINCT id)' : 'count(*)';
    summary.counts[t.table] = Number((await tx.query<{ n: number }>(`SELECT ${count}::int AS n FROM ${target} WHERE ${mine}`, params))[0].n);
    if (t.table === 'facilities') {
      for (const r of await tx.query<{ category: string; n: number }>(
        `SELECT category, count(*)::int AS n FROM ${target} WHERE ${mine} GROUP BY category ORDER BY category`, params)) {
        summary.categories[r.category] = Number(r.n);
      }
    }
    if (t.table === 'buildings') {
      summary.residential_buildings = Number((await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${target} WHERE ${mine} AND residential`, params))[0].n);
    }
  }
  const bbox = src.bbox ? `SRID=4326;POLYGON((${src.bbox[0]} ${src.bbox[1]},${src.bbox[2]} ${src.bbox[1]},${src.bbox[2]} ${src.bbox[3]},${src.bbox[0]} ${src.bbox[3]},${src.bbox[0]} ${src.bbox[1]}))` : null;
  await tx.query(
    `INSERT INTO sources (city_id, source_id, path, format, version, generator, sha256, bytes, bbox, counts, problems, imported_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, ST_GeomFromEWKT($9), $10, $11, now())
     ON CONFLICT (city_id, source_id) DO UPDATE SET path = EXCLUDED.path, format = EXCLUDED.format, version = EXCLUDED.version,
       generator = EXCLUDED.generator, sha256 = EXCLUDED.sha256, bytes = EXCLUDED.bytes, bbox = EXCLUDED.bbox,
       counts = EXCLUDED.counts, problems = EXCLUDED.problems, imported_at = now()`,
    [cityId, src.sourceId, src.path, src.format, src.version ?? null, src.generator ?? null, await src.sha256(), src.bytes, bbox,
      JSON.stringify({ ...summary.counts, categories: summary.categories, residential_buildings: summary.residential_buildings, repaired: summary.repaired }),
      JSON.stringify(summary.problems.slice(0, 1000))],
  );
  return summary;
}
