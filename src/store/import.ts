import type { CityRecord, IngestProblem, RecordKind } from '../model/types.js';
import type { Queryable, Store } from './driver.js';
import { TABLES, TABLE_BY_KIND, copyLine, type TableSpec } from './tables.js';

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

/** Buffers COPY lines per table and flushes them in large chunks. */
class StageWriter {
  private buf = new Map<string, string[]>();
  private size = new Map<string, number>();
  readonly counts = new Map<RecordKind, number>();
  residential = 0;
  constructor(private tx: Queryable) {}

  async add(r: CityRecord): Promise<void> {
    const spec = TABLE_BY_KIND.get(r.kind)!;
    this.counts.set(r.kind, (this.counts.get(r.kind) ?? 0) + 1);
    if (r.kind === 'building' && r.residential) this.residential++;
    let lines = this.buf.get(spec.table);
    if (!lines) { lines = []; this.buf.set(spec.table, lines); this.size.set(spec.table, 0); }
    for (const row of spec.rows(r)) {
      const line = copyLine(row);
      lines.push(line);
      this.size.set(spec.table, this.size.get(spec.table)! + line.length);
    }
    if (this.size.get(spec.table)! > FLUSH_BYTES) await this.flush(spec);
  }

  async flush(spec: TableSpec): Promise<void> {
    const lines = this.buf.get(spec.table);
    if (!lines?.length) return;
    this.buf.set(spec.table, []);
    this.size.set(spec.table, 0);
    await this.tx.copyIn(`stage_${spec.table}`, spec.columns, lines.join(''));
  }

  async flushAll(): Promise<void> {
    for (const spec of TABLES) await this.flush(spec);
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
    return summaries;
  });
}

async function loadSource(tx: Queryable, cityId: string, src: SourceToLoad, onProgress?: ImportProgress): Promise<SourceSummary> {
  for (const t of TABLES) {
    await tx.exec(`DROP TABLE IF EXISTS stage_${t.table}; CREATE TEMP TABLE stage_${t.table} (LIKE ${t.table}) ON COMMIT DROP;
      ALTER TABLE stage_${t.table} ALTER COLUMN city_id DROP NOT NULL, ALTER COLUMN source_id DROP NOT NULL`);
  }
  const writer = new StageWriter(tx);
  let n = 0;
  for await (const batch of src.records) {
    for (const r of batch) await writer.add(r);
    n += batch.length;
    onProgress?.({ source: src.sourceId, records: n });
  }
  await writer.flushAll();

  const summary: SourceSummary = {
    source_id: src.sourceId, path: src.path, format: src.format, version: src.version,
    counts: {}, categories: {}, residential_buildings: 0, repaired: 0, dropped: 0, duplicates: 0, replaced: 0, problems: src.problems,
  };
  for (const t of TABLES) {
    const stage = `stage_${t.table}`;
    if (t.geomType !== 'LineString') {
      const polygonal = t.geomType === 'Geometry' ? `GeometryType(geom) IN ('POLYGON','MULTIPOLYGON') AND ` : '';
      const repaired = await tx.query<{ id: string }>(
        `UPDATE ${stage} SET geom = ST_Multi(ST_CollectionExtract(ST_MakeValid(geom), 3)) WHERE ${polygonal}NOT ST_IsValid(geom) RETURNING id`);
      summary.repaired += repaired.length;
      if (repaired.length && t.columns.includes('area_m2')) {
        await tx.query(`UPDATE ${stage} SET area_m2 = ST_Area(geom::geography) WHERE id = ANY($1)`, [repaired.map((r) => r.id)]);
      }
    }
    const empty = await tx.query<{ id: string }>(
      `DELETE FROM ${stage} WHERE ST_IsEmpty(geom) OR NOT ST_IsValid(geom) RETURNING id`);
    for (const e of empty) summary.problems.push({ id: e.id, problem: `${t.kind}: geometry invalid and not repairable (empty after ST_MakeValid); dropped` });
    summary.dropped += empty.length;

    const key = t.key.join(', ');
    const staged = Number((await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${stage}`))[0].n);
    const removed = await tx.query<{ n: number }>(
      `WITH d AS (DELETE FROM ${t.table} WHERE city_id = $1 AND source_id = $2 RETURNING 1) SELECT count(*)::int AS n FROM d`, [cityId, src.sourceId]);
    summary.replaced += Number(removed[0].n);
    const cols = t.columns.join(', ');
    const inserted = await tx.query<{ n: number }>(
      `WITH i AS (
         INSERT INTO ${t.table} (city_id, source_id, ${cols})
         SELECT DISTINCT ON (${key}) $1, $2, ${cols} FROM ${stage} ORDER BY ${key}
         ON CONFLICT (city_id, ${key}) DO UPDATE SET source_id = EXCLUDED.source_id, ${t.columns.filter((c) => !t.key.includes(c)).map((c) => `${c} = EXCLUDED.${c}`).join(', ')}
         RETURNING 1)
       SELECT count(*)::int AS n FROM i`, [cityId, src.sourceId]);
    const n = Number(inserted[0].n);
    summary.duplicates += staged - n;
    if (staged > n) summary.problems.push({ id: '*', problem: `${t.kind}: ${staged - n} duplicate id(s) in the source; the first of each kept` });
    summary.counts[t.table] = t.table === 'facilities'
      ? Number((await tx.query<{ n: number }>(`SELECT count(DISTINCT id)::int AS n FROM ${stage}`))[0].n)
      : n;
    if (t.table === 'facilities') {
      for (const r of await tx.query<{ category: string; n: number }>(`SELECT category, count(*)::int AS n FROM ${stage} GROUP BY category ORDER BY category`)) {
        summary.categories[r.category] = Number(r.n);
      }
    }
    if (t.table === 'buildings') {
      summary.residential_buildings = Number((await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${stage} WHERE residential`))[0].n);
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
