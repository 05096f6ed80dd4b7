import { setImmediate } from 'node:timers/promises';
import type { CityRecord, IngestProblem, RecordKind } from '../model/types.js';
import type { Queryable, Store } from './driver.js';
import { TABLES, TABLE_BY_KIND, copyFields, copyLine, type TableSpec } from './tables.js';
import { ResidentialZones } from '../model/residential.js';
import { centroid } from '../model/geo.js';
import { provablyValid } from '../model/validity.js';
import { appendVersion, contentColumns, deferIndexes, insertFirstVersions, keyText, openChangeset, sealChangeset, writeStaged, type Changeset } from './archive.js';
import { forgetElementCache, markSkippedSeen, readElementCache, writeElementCache } from './element-cache.js';

/**
 * A source made of elements (OSM) read with the importer's element pass: elements the store holds
 * with the same fingerprint are skipped before any record is made of them (a re-import costs what
 * changed); the others are read and noted with their fingerprints.
 */
export interface ElementPass {
  /** the source's elements as the store last imported them: origin (`w123`) → fingerprint */
  known?: Map<string, number>;
  /** origins skipped: their records are as the store holds them */
  skipped: string[];
  /** elements read into records (land use aside: always read, never noted): origins and fingerprints */
  origins: string[];
  fps: number[];
}

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
  /** the same records read anew with an element pass (sources made of elements); `rules`: the digest of the code that makes them */
  elements?: { read: (pass: ElementPass) => AsyncIterable<CityRecord[]>; rules: string };
  /** what the data's licence asks to be shown with them (ODbL's "© OpenStreetMap contributors"), known once the records are read */
  attribution?: string;
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
  /** records of a previous import changed or removed (changed + removed) */
  replaced: number;
  /** the archive's view: new objects, new versions of changed ones, untouched ones, closed ones */
  added: number;
  changed: number;
  unchanged: number;
  removed: number;
  /** the change set that holds this import's versions */
  changeset: number;
  /** elements of the file found as the last import left them, and so not read again (OSM sources) */
  elements_skipped: number;
  problems: IngestProblem[];
}

const FLUSH_BYTES = 8 << 20;
/** a buffer this large is sent early when the database has nothing in flight (it would wait otherwise) */
const EAGER_BYTES = 1 << 20;

const BUILDINGS = TABLE_BY_KIND.get('building')!;
const RESIDENTIAL_COL = BUILDINGS.columns.indexOf('residential');

/**
 * The importer's fingerprint of an input row (its COPY line): 53 bits of two FNV-1a passes. A
 * re-import leaves rows whose fingerprint is the one stored with their current version out of the
 * stage (no parsing, validity checks or hashing in the database); the content hash stays the
 * archive's truth for everything staged.
 */
export function rowFingerprint(line: string): number {
  let a = 0x811c9dc5, b = 0x01000193 ^ line.length;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 15);
  }
  return (a >>> 0) * 2097152 + ((b >>> 0) & 0x1fffff);
}

/** key text of a COPY line: its first `n` fields joined by '|' (the archive's key text) */
function lineKey(line: string, n: number): string {
  let end = line.indexOf('\t');
  if (n === 2) end = line.indexOf('\t', end + 1);
  return line.slice(0, end).replace('\t', '|');
}

/**
 * The fingerprints of a building's COPY line `body` whose `residential` field is the one character
 * at `at`, as it will be with 't' and with 'f'.
 */
export function flagFingerprints(body: string, at: number): [number, number] {
  return [rowFingerprint(`${body.slice(0, at)}t${body.slice(at + 1)}`), rowFingerprint(`${body.slice(0, at)}f${body.slice(at + 1)}`)];
}

/** a chunk in its stage table: `pending` = buildings the landuse rule may still make residential */
export type ChunkHook = (spec: TableSpec, pending: boolean, suspects: string[]) => Promise<void>;

/**
 * Buffers COPY lines per stage table and flushes them in large chunks, one in flight while the
 * next is produced. A building the residential-by-landuse rule may still change is decided at
 * once when a zone already read holds it (residential: a later zone cannot undo that); the
 * others wait until all landuse is known: as two compact strings (the row before and after the `residential`
 * field) plus their centroid; or, when chunks are written as they come (`onChunk`, a fresh city),
 * staged at once as pending rows, only their id, centroid and both possible fingerprints kept.
 * Rows whose fingerprint matches `known` (the source's current rows) are not staged, only noted
 * as seen. The ids of rows whose geometry is not proved valid here (`provablyValid`) are kept with
 * their chunk (`suspects`), or per table for a stage compared at the end: only those are tested
 * by the database.
 */
class StageWriter {
  private buf = new Map<string, string[]>();
  private size = new Map<string, number>();
  readonly counts = new Map<RecordKind, number>();
  /** per table: key lines (COPY text of the key columns) of rows present but unchanged */
  readonly seen = new Map<string, string[]>();
  private zones = new ResidentialZones();
  /** the land use rows as `key:fingerprint`: the residential rule's input, digested */
  private landUse: string[] = [];
  private pending: { head: string[]; tail: string[]; id: string[]; fp: number[]; x: number[]; y: number[] } = { head: [], tail: [], id: [], fp: [], x: [], y: [] };
  private inflight: Promise<void> = Promise.resolve();
  /** a chunk is being written (COPY and its hook) */
  private busy = false;
  /** per buffer: ids of its rows whose geometry the database must test */
  private chunkSuspects = new Map<string, string[]>();
  /** per table, when the stage is compared at the end: ids of rows whose geometry the database must test */
  readonly suspects = new Map<string, string[]>();
  /**
   * @param onChunk run after each chunk is in its stage table, while the next chunk is produced
   *   (a fresh city's chunks are written as they come); the stage is the hook's to empty
   */
  constructor(private tx: Queryable, private known: Map<string, Map<string, number>>, private onChunk?: ChunkHook) {}

  async add(r: CityRecord): Promise<void> {
    const spec = TABLE_BY_KIND.get(r.kind)!;
    this.counts.set(r.kind, (this.counts.get(r.kind) ?? 0) + 1);
    this.zones.see(r);
    const suspect = !provablyValid(r.geometry);
    if (suspect && !this.onChunk) {
      let ids = this.suspects.get(spec.table);
      if (!ids) this.suspects.set(spec.table, (ids = []));
      ids.push(r.id);
    }
    if (ResidentialZones.isCandidate(r)) {
      const [x, y] = centroid(r.geometry);
      // inside a zone already seen: residential whatever comes later (zones are only added)
      if (this.zones.contains(x, y)) {
        r.residential = true;
        for (const row of spec.rows(r)) await this.push(spec, copyLine(row), suspect ? r.id : undefined);
        return;
      }
      const [row] = spec.rows(r);
      const p = this.pending;
      p.x.push(x); p.y.push(y);
      if (!this.onChunk) { p.head.push(copyFields(row, 0, RESIDENTIAL_COL)); p.tail.push(copyFields(row, RESIDENTIAL_COL + 1)); return; }
      // staged now as not residential; the rule and the fingerprint of the final row are applied when all landuse is known
      const body = copyLine(row).slice(0, -1);
      let at = -1;
      for (let k = 0; k < RESIDENTIAL_COL; k++) at = body.indexOf('\t', at + 1);
      const [fpT, fpF] = flagFingerprints(body, at + 1);
      p.id.push(r.id); p.fp.push(fpT, fpF);
      await this.stage(spec, `${body}\t${fpF}\n`, true, suspect ? r.id : undefined);
      return;
    }
    for (const row of spec.rows(r)) await this.push(spec, copyLine(row), suspect ? r.id : undefined);
  }

  private async push(spec: TableSpec, row: string, suspect?: string): Promise<void> {
    const body = row.endsWith('\n') ? row.slice(0, -1) : row;
    const fp = rowFingerprint(body);
    if (spec.kind === 'land_use') this.landUse.push(`${lineKey(body, 1)}:${fp}`);
    const known = this.known.get(spec.table);
    if (known) {
      const k = lineKey(body, spec.key.length);
      if (known.get(k) === fp) {
        let seen = this.seen.get(spec.table);
        if (!seen) this.seen.set(spec.table, (seen = []));
        seen.push(body.slice(0, k.length) + '\n');
        return;
      }
    }
    await this.stage(spec, `${body}\t${fp}\n`, false, suspect);
  }

  private async stage(spec: TableSpec, line: string, pending: boolean, suspect?: string): Promise<void> {
    const key = pending ? `${spec.table}:pending` : spec.table;
    let lines = this.buf.get(key);
    if (!lines) { lines = []; this.buf.set(key, lines); this.size.set(key, 0); this.chunkSuspects.set(key, []); }
    lines.push(line);
    if (suspect !== undefined && this.onChunk) this.chunkSuspects.get(key)!.push(suspect);
    const size = this.size.get(key)! + line.length;
    this.size.set(key, size);
    // (the small tables too are written while the file is read, not all at its end)
    if (size > FLUSH_BYTES || (!this.busy && size > EAGER_BYTES)) await this.flush(spec, pending);
  }

  async flush(spec: TableSpec, pending = false): Promise<void> {
    const key = pending ? `${spec.table}:pending` : spec.table;
    const lines = this.buf.get(key);
    if (!lines?.length) return;
    this.buf.set(key, []);
    this.size.set(key, 0);
    const suspects = this.chunkSuspects.get(key)!;
    this.chunkSuspects.set(key, []);
    const data = lines.join('');
    // one chunk in flight while the next is produced (the server works on its own core)
    await this.inflight;
    const copy = this.tx.copyIn(`stage_${spec.table}`, [...spec.columns, 'import_fp'], data);
    const chunk = this.onChunk ? copy.then(() => this.onChunk!(spec, pending, suspects)) : copy;
    chunk.catch(() => {}); // awaited by the next flush or in finish(); never unhandled
    this.busy = true;
    this.inflight = chunk;
    chunk.then(() => { if (this.inflight === chunk) this.busy = false; }, () => {});
  }

  /** the digest of the land use this source holds (what a building's residential flag may depend on) */
  landUseDigest(): string {
    return String(rowFingerprint(this.landUse.sort().join('\n')));
  }

  /**
   * The landuse rule on the waiting buildings, then everything to the stage tables. Chunks
   * written as they come: the pending buildings' final flag and fingerprint go to
   * `stage_buildings_final` (id, residential, import_fp).
   */
  async finish(): Promise<void> {
    const p = this.pending;
    this.pending = { head: [], tail: [], id: [], fp: [], x: [], y: [] };
    if (this.onChunk) {
      await this.flush(BUILDINGS, true);
      const lines: string[] = [];
      for (let i = 0; i < p.id.length; i++) {
        const res = this.zones.contains(p.x[i], p.y[i]);
        lines.push(`${copyFields([p.id[i]])}\t${res ? 't' : 'f'}\t${p.fp[2 * i + (res ? 0 : 1)]}\n`);
      }
      await this.inflight;
      for (let i = 0; i < lines.length; i += 100_000) await this.tx.copyIn('stage_buildings_final', ['id', 'residential', 'import_fp'], lines.slice(i, i + 100_000).join(''));
    } else {
      for (let i = 0; i < p.head.length; i++) {
        await this.push(BUILDINGS, `${p.head[i]}\t${this.zones.contains(p.x[i], p.y[i]) ? 't' : 'f'}\t${p.tail[i]}\n`);
      }
    }
    for (const spec of TABLES) await this.flush(spec);
    await this.inflight;
    for (const spec of TABLES) {
      const seen = this.seen.get(spec.table);
      if (seen?.length) await this.tx.copyIn(`seen_${spec.table}`, spec.key, seen.join(''));
    }
  }
}

/** the fingerprints of a source's current rows, by key text */
async function knownRows(tx: Queryable, t: TableSpec, cityId: string, sourceId: string): Promise<Map<string, number>> {
  const m = new Map<string, number>();
  const key = keyText(t.archive, 'v');
  let last = '';
  for (;;) {
    const rows = await tx.query<{ k: string; fp: number }>(
      `SELECT ${key} AS k, v.import_fp AS fp FROM ${t.archive.current} v
       WHERE v.city_id = $1 AND v.source_id = $2 AND v.import_fp IS NOT NULL AND ${key} > $3 ORDER BY 1 LIMIT 100000`, [cityId, sourceId, last]);
    for (const r of rows) m.set(r.k, Number(r.fp));
    if (rows.length < 100000) return m;
    last = rows[rows.length - 1].k;
  }
}

export interface ImportProgress { (event: { source: string; records: number }): void }

export interface ImportOptions {
  /** who loads the data (recorded on every version written) */
  actor: string;
  /** why (default: "import <file>") */
  reason?: string;
  /** the job whose work the import is: its change sets name it (a retry of the job finds them) */
  jobId?: number;
  onProgress?: ImportProgress;
}

/**
 * Load sources into a city in ONE transaction. Each source is one change set of the archive: its
 * records are staged by COPY, repaired (ST_MakeValid) where invalid, and compared by content hash
 * with what the city holds: new objects are added, changed ones get a new version, unchanged ones
 * are left alone, and the source's objects missing from the file are closed (unless another
 * source still holds them). Any error rolls everything back: the store is exactly as before.
 */
export async function importSources(
  store: Store, cityId: string, sources: AsyncIterable<SourceToLoad> | Iterable<SourceToLoad>, o: ImportOptions,
): Promise<SourceSummary[]> {
  return store.transaction(async (tx) => {
    await tx.query('INSERT INTO cities (city_id, name) VALUES ($1, $1) ON CONFLICT DO NOTHING', [cityId]);
    // one import per city at a time (a second waits); other writers of the city are not held up
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('opencim.import'), hashtext($1))`, [cityId]);
    const summaries: SourceSummary[] = [];
    for await (const src of sources) summaries.push(await loadSource(tx, cityId, src, o));
    await analyzeMoved(tx, summaries.map((x) => x.changeset));
    return summaries;
  });
}

/**
 * Fresh planner statistics for the tables this import moved by a tenth or more (versions written
 * and closed), or that were never analysed: without them the first spatial reads of a big city
 * crawl. A small re-import keeps them, as autovacuum would (its default scale factor is the same
 * tenth); drift over many small imports is autovacuum's, and the check and the tile pyramid analyse
 * what they read when it is stale. (ANALYZE of every table was ~0.9 s of a 200k city's re-import.)
 */
async function analyzeMoved(tx: Queryable, changesets: number[]): Promise<void> {
  // versions written and closed, per kind, as the sealed change sets counted them (a change is both)
  const written = new Map<string, number>();
  for (const { counts } of await tx.query<{ counts: Changeset['counts'] | null }>('SELECT counts FROM changesets WHERE changeset_id = ANY($1::bigint[])', [changesets])) {
    for (const [kind, c] of Object.entries(counts ?? {})) written.set(kind, (written.get(kind) ?? 0) + c.added + 2 * c.changed + c.removed);
  }
  const rows = new Map((await tx.query<{ t: string; n: number }>(
    'SELECT oid::regclass::text AS t, reltuples::float8 AS n FROM pg_class WHERE oid = ANY($1::regclass[])', [TABLES.map((t) => t.archive.table)])).map((r) => [r.t, Number(r.n)]));
  const moved = TABLES.filter((t) => {
    const w = written.get(t.archive.kind) ?? 0, n = rows.get(t.archive.table) ?? -1;
    return w > 0 && (n < 0 || w > 0.1 * Math.max(n, 1000));
  }).map((t) => t.archive.table);
  if (!moved.length) return;
  // The columns plans read (keys, the envelope's times and change sets, what filters and joins
  // name, the geometry) from a sample of 9,000 rows: a quarter of the cost of every column at the
  // default target (0.69 of 0.89 s of a 200k city's import). Tags, node lists and hashes are
  // never a filter's selectivity; autovacuum's analyze, which follows a load this size within
  // minutes, completes them.
  const statsOf = (t: TableSpec) => ['city_id', 'version', 'valid_from', 'valid_to', 'changeset_id', 'closed_by', 'source_id', ...t.columns.filter((c) => !UNFILTERED.has(c))];
  await tx.exec(`SET LOCAL default_statistics_target = 30; ANALYZE ${TABLES.filter((t) => moved.includes(t.archive.table)).map((t) => `${t.archive.table} (${statsOf(t).join(', ')})`).join(', ')}; SET LOCAL default_statistics_target TO DEFAULT`);
}

/** content columns no plan estimates a filter on (their statistics are the costly part of an ANALYZE) */
const UNFILTERED = new Set(['tags', 'node_ids']);

/** formats whose object ids are unique within a file by construction */
const UNIQUE_ID_FORMATS = new Set(['osm-pbf', 'osm-xml']);

/** an element pass found the source's land use changed: its skipped buildings may be residential otherwise */
class LandUseMoved extends Error {}

/**
 * One source as one change set. A source made of elements is read with the element pass: when the
 * store remembers its elements (the same rules, the city holding no other source), the unchanged
 * ones are skipped; should its land use have changed (the residential rule's input), the source
 * is read again in full. Either way the memory of its elements is brought up to date.
 */
async function loadSource(tx: Queryable, cityId: string, src: SourceToLoad, o: ImportOptions): Promise<SourceSummary> {
  const others = (await tx.query('SELECT 1 FROM sources WHERE city_id = $1 AND source_id <> $2 LIMIT 1', [cityId, src.sourceId])).length > 0;
  const el = src.elements;
  if (!el || others) {
    if (el) await forgetElementCache(tx, cityId, src.sourceId);
    return loadRecords(tx, cityId, src, o, others);
  }
  const cache = await readElementCache(tx, cityId, src.sourceId);
  if (cache && cache.rules === el.rules && cache.known.size) {
    await tx.exec('SAVEPOINT element_pass');
    try {
      const s = await loadRecords(tx, cityId, src, o, others, { pass: { known: cache.known, skipped: [], origins: [], fps: [] }, landUse: cache.landUse });
      await tx.exec('RELEASE SAVEPOINT element_pass');
      return s;
    } catch (e) {
      if (!(e instanceof LandUseMoved)) throw e;
      await tx.exec('ROLLBACK TO SAVEPOINT element_pass');
      src.problems.length = 0;
    }
  }
  return loadRecords(tx, cityId, src, o, others, { pass: { skipped: [], origins: [], fps: [] } });
}

async function loadRecords(
  tx: Queryable, cityId: string, src: SourceToLoad, o: ImportOptions, others: boolean,
  elements?: { pass: ElementPass; landUse?: string },
): Promise<SourceSummary> {
  const pass = elements?.pass;
  const timing = process.env.OPENCIM_TIMING ? (label: string) => process.stderr.write(`[timing] ${label} ${((Date.now() - t0) / 1000).toFixed(1)} s\n`) : () => {};
  const t0 = Date.now();
  const summary: SourceSummary = {
    source_id: src.sourceId, path: src.path, format: src.format, version: src.version,
    counts: {}, categories: {}, residential_buildings: 0, repaired: 0, dropped: 0, duplicates: 0, replaced: 0,
    added: 0, changed: 0, unchanged: 0, removed: 0, changeset: 0, elements_skipped: 0, problems: src.problems,
  };
  const cs = await openChangeset(tx, { cityId, actor: o.actor, reason: o.reason ?? `import ${src.path}`, kind: 'import', sourceId: src.sourceId, jobId: o.jobId });
  summary.changeset = cs.id;
  const known = new Map<string, Map<string, number>>();
  for (const t of TABLES) {
    await tx.exec(`DROP TABLE IF EXISTS stage_${t.table}; CREATE TEMP TABLE stage_${t.table} ON COMMIT DROP AS SELECT ${t.columns.join(', ')}, import_fp FROM ${t.archive.table} LIMIT 0;
      DROP TABLE IF EXISTS seen_${t.table}; CREATE TEMP TABLE seen_${t.table} ON COMMIT DROP AS SELECT ${t.key.join(', ')} FROM ${t.archive.table} LIMIT 0`);
    // (with elements skipped, what is read again changed: only land use, always read, is worth comparing row by row)
    if (pass?.known && t.kind !== 'land_use') continue;
    const k = await knownRows(tx, t, cityId, src.sourceId);
    if (k.size) known.set(t.table, k);
  }
  timing('known rows read');
  // A fresh city from a file whose ids are unique: each chunk is repaired and written as version 1
  // while the next is decoded (the database's work overlaps the reading), the secondary indexes of
  // still empty tables built once at the end. Otherwise the whole file is staged and compared.
  const fresh = UNIQUE_ID_FORMATS.has(src.format) && !others && !(await cityHoldsAny(tx, cityId));
  const rebuild: (() => Promise<void>)[] = [];
  if (fresh) {
    for (const t of TABLES) { const r = await deferIndexes(tx, t.archive.table); if (r) rebuild.push(r); }
    await tx.exec(`DROP TABLE IF EXISTS stage_buildings_pending; CREATE TEMP TABLE stage_buildings_pending ON COMMIT DROP AS SELECT * FROM stage_buildings LIMIT 0;
      DROP TABLE IF EXISTS stage_buildings_final; CREATE TEMP TABLE stage_buildings_final (id text PRIMARY KEY, residential boolean NOT NULL, import_fp bigint NOT NULL) ON COMMIT DROP`);
  }
  const writer = new StageWriter(tx, known, fresh ? async (t, pending, suspects) => {
    const stage = `stage_${t.table}`;
    await repairStage(tx, t, stage, summary, suspects);
    if (pending) await tx.exec(`INSERT INTO stage_buildings_pending SELECT * FROM ${stage}`);
    else summary.added += await insertFirstVersions(tx, t.archive, cs, stage, { sourceId: src.sourceId, carry: ['import_fp'] });
    await tx.exec(`TRUNCATE ${stage}`);
  } : undefined);
  let n = 0;
  try {
    for await (const batch of pass ? src.elements!.read(pass) : src.records) {
      for (let i = 0; i < batch.length; i++) {
        await writer.add(batch[i]);
        // a turn of the event loop now and then: the COPY in flight is sent, and the next statement
        // started, while this thread makes rows (awaits alone never let the socket be written)
        if ((i & 1023) === 1023) await setImmediate();
      }
      await setImmediate();
      n += batch.length;
      o.onProgress?.({ source: src.sourceId, records: n });
    }
    timing('streamed');
    await writer.finish();
  } catch (e) {
    twice(src.path)(e as Error);
  }
  timing(fresh ? 'written' : 'staged');
  const landUse = writer.landUseDigest();
  if (elements?.landUse !== undefined && landUse !== elements.landUse) throw new LandUseMoved();
  // the records of the elements skipped: present in the file, unchanged
  const skippedSeen = pass?.skipped.length ? await markSkippedSeen(tx, TABLES, cityId, src.sourceId, pass.skipped) : new Map<string, number>();
  summary.elements_skipped = pass?.skipped.length ?? 0;
  if (pass?.known) timing(`${pass.skipped.length} unchanged elements skipped, ${pass.origins.length} read`);
  if (fresh) {
    // the buildings that waited for the landuse rule, with their final flag and fingerprint
    const cols = BUILDINGS.columns.map((c) => (c === 'residential' ? 'f.residential' : `p.${c}`)).join(', ');
    summary.added += await insertFirstVersions(tx, BUILDINGS.archive, cs,
      `(SELECT ${cols}, f.import_fp FROM stage_buildings_pending p JOIN stage_buildings_final f ON f.id = p.id)`, { sourceId: src.sourceId, carry: ['import_fp'] });
    timing('waiting buildings written');
    for (const r of rebuild) await r().catch(twice(src.path));
    timing('indexed');
    for (const t of TABLES) await countFile(tx, t, summary, `(SELECT * FROM ${t.archive.table} WHERE changeset_id = ${Number(cs.id)})`);
  }

  for (const t of fresh ? [] : TABLES) {
    const stage = `stage_${t.table}`;
    await repairStage(tx, t, stage, summary, writer.suspects.get(t.table) ?? []);
    timing(`${t.table} repaired`);

    if (others) await noteHoldings(tx, t, cityId, src.sourceId);
    const seen = (writer.seen.get(t.table)?.length ?? 0) + (skippedSeen.get(t.table) ?? 0);
    const w = await writeStaged(tx, t.archive, cs, stage, {
      sourceId: src.sourceId, unique: UNIQUE_ID_FORMATS.has(src.format), carry: ['import_fp'],
      closeMissing: { column: 'source_id', value: src.sourceId, returnKeys: others, seen: seen ? `seen_${t.table}` : undefined },
    }).catch(twice(src.path));
    if (w.removedKeys?.length) w.removed -= await restoreHeldElsewhere(tx, t, cs, src.sourceId, w.removedKeys);
    w.unchanged += seen;
    summary.added += w.added; summary.changed += w.changed; summary.unchanged += w.unchanged; summary.removed += w.removed;
    summary.replaced += w.changed + w.removed;
    summary.duplicates += w.duplicates;
    if (w.duplicates) summary.problems.push({ id: '*', problem: `${t.kind}：数据源中有 ${w.duplicates} 个重复的编号，每个只保留第一个 / ${t.kind}: ${w.duplicates} duplicate id(s) in the source; the first of each kept` });
    timing(`${t.table} written (${w.added} added, ${w.changed} changed, ${w.unchanged} unchanged, ${w.removed} removed)`);

    // what the file holds: the staged rows and the unchanged ones seen
    await countFile(tx, t, summary, fileRows(t, stage, cityId));
  }
  if (pass) {
    // the memory of the source's elements, as they are now: those skipped as they were, those read with their new fingerprints
    const lines: string[] = [];
    for (const k of pass.skipped) lines.push(`${k} ${pass.known!.get(k)}`);
    for (let i = 0; i < pass.origins.length; i++) lines.push(`${pass.origins[i]} ${pass.fps[i]}`);
    await writeElementCache(tx, cityId, src.sourceId, { rules: src.elements!.rules, landUse, lines });
    timing('elements noted');
  }
  await sealChangeset(tx, cs);
  const bbox = src.bbox ? `SRID=4326;POLYGON((${src.bbox[0]} ${src.bbox[1]},${src.bbox[2]} ${src.bbox[1]},${src.bbox[2]} ${src.bbox[3]},${src.bbox[0]} ${src.bbox[3]},${src.bbox[0]} ${src.bbox[1]}))` : null;
  await tx.query(
    `INSERT INTO sources (city_id, source_id, path, format, version, generator, sha256, bytes, bbox, counts, problems, attribution, imported_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, ST_GeomFromEWKT($9), $10, $11, $12, now())
     ON CONFLICT (city_id, source_id) DO UPDATE SET path = EXCLUDED.path, format = EXCLUDED.format, version = EXCLUDED.version,
       generator = EXCLUDED.generator, sha256 = EXCLUDED.sha256, bytes = EXCLUDED.bytes, bbox = EXCLUDED.bbox,
       counts = EXCLUDED.counts, problems = EXCLUDED.problems, attribution = EXCLUDED.attribution, imported_at = now()`,
    [cityId, src.sourceId, src.path, src.format, src.version ?? null, src.generator ?? null, await src.sha256(), src.bytes, bbox,
      JSON.stringify({ ...summary.counts, categories: summary.categories, residential_buildings: summary.residential_buildings, repaired: summary.repaired }),
      JSON.stringify(summary.problems.slice(0, 1000)), src.attribution ?? null],
  );
  return summary;
}

/** does the city hold any version (current or closed) of any kind of the city model? */
async function cityHoldsAny(tx: Queryable, cityId: string): Promise<boolean> {
  for (const t of TABLES) if ((await tx.query(`SELECT 1 FROM ${t.archive.table} WHERE city_id = $1 LIMIT 1`, [cityId])).length) return true;
  return false;
}

/** a unique key violated: the file holds an object twice */
const twice = (path: string) => (e: Error & { code?: string; detail?: string }): never => {
  if (e.code === '23505') {
    const detail = e.detail ?? e.message;
    throw new Error(`${path}: 文件中有一个对象出现了两次（${detail}）：请先用 osmium 合并或排序 / the file holds an object twice (${detail}); merge or sort it with osmium first`);
  }
  throw e;
};

const lit = (v: string) => `'${v.replace(/'/g, "''")}'`;

/**
 * Staged rows made valid: invalid polygons repaired with ST_MakeValid (their area computed again),
 * rows empty or still invalid dropped as problems. ST_IsValid is the costly part: only the rows
 * whose geometry the importer could not prove valid (`suspects`, their ids) are tested, in one
 * scan that rewrites nothing when all is well; only the rows it found are repaired and tested again.
 */
async function repairStage(tx: Queryable, t: TableSpec, stage: string, summary: SourceSummary, suspects: string[]): Promise<void> {
  if (!suspects.length) return;
  // one scan finds what needs care (invalid or empty): usually nothing, so nothing is rewritten
  const polygonal = t.geomType === 'LineString' ? 'false' : t.geomType === 'Geometry' ? `GeometryType(geom) IN ('POLYGON','MULTIPOLYGON')` : 'true';
  const bad = await tx.query<{ id: string; fix: boolean }>(
    `SELECT id, NOT empty AND ${polygonal} AS fix FROM (SELECT id, geom, ST_IsEmpty(geom) AS empty FROM ${stage} WHERE id = ANY($1) OFFSET 0) s WHERE empty OR NOT ST_IsValid(geom)`, [suspects]);
  if (!bad.length) return;
  const fix = bad.filter((b) => b.fix).map((b) => b.id);
  let fixed = 0;
  if (fix.length) {
    // (a polygon that is not valid is made valid; its area is measured again)
    fixed = await tx.execute(`UPDATE ${stage} s SET geom = v.g${t.columns.includes('area_m2') ? ', area_m2 = ST_Area(v.g::geography)' : ''}
       FROM (SELECT ctid AS c, ST_Multi(ST_CollectionExtract(ST_MakeValid(geom), 3)) AS g FROM ${stage} WHERE id = ANY($1) AND NOT ST_IsValid(geom)) v
       WHERE s.ctid = v.c`, [fix]);
  }
  // what stays empty or invalid (an invalid line, a polygon empty once made valid) is dropped
  const empty = await tx.query<{ id: string }>(`DELETE FROM ${stage} WHERE id = ANY($1) AND (ST_IsEmpty(geom) OR NOT ST_IsValid(geom)) RETURNING id`, [bad.map((b) => b.id)]);
  for (const e of empty) summary.problems.push({ id: e.id, problem: `${t.kind}：几何无效且无法修复（ST_MakeValid 之后为空），已舍弃 / ${t.kind}: geometry invalid and not repairable (empty after ST_MakeValid); dropped` });
  summary.dropped += empty.length;
  // (a row made valid but empty is dropped, not repaired)
  const toFix = new Set(fix);
  summary.repaired += fixed - empty.filter((e) => toFix.has(e.id)).length;
}

/** the rows a file holds, staged or seen unchanged: their key (and whether residential, for buildings: the current version's) */
function fileRows(t: TableSpec, stage: string, cityId: string): string {
  const keys = (a: string) => t.key.map((k) => `${a}.${k}`).join(', ');
  if (t.table !== 'buildings') return `(SELECT ${keys('s')} FROM ${stage} s UNION ALL SELECT ${keys('s')} FROM seen_${t.table} s)`;
  return `(SELECT ${keys('s')}, s.residential FROM ${stage} s UNION ALL SELECT ${keys('s')}, c.residential FROM seen_${t.table} s
    JOIN ${t.archive.current} c ON c.city_id = ${lit(cityId)} AND ${t.key.map((k) => `c.${k} = s.${k}`).join(' AND ')})`;
}

/** The summary's counts of what the file holds, from `rows` (a FROM item with the key columns, and category / residential where the kind has them). */
async function countFile(tx: Queryable, t: TableSpec, summary: SourceSummary, rows: string): Promise<void> {
  const count = t.table === 'facilities' ? 'count(DISTINCT id)' : 'count(*)';
  // (buildings: both counts in one pass over the rows)
  const r = (await tx.query<{ n: number; res: number | null }>(
    `SELECT ${count}::int AS n, ${t.table === 'buildings' ? 'count(*) FILTER (WHERE residential)::int' : 'NULL::int'} AS res FROM ${rows} x`))[0];
  summary.counts[t.table] = Number(r.n);
  if (t.table === 'buildings') summary.residential_buildings = Number(r.res);
  if (t.table === 'facilities') {
    for (const r of await tx.query<{ category: string; n: number }>(`SELECT category, count(*)::int AS n FROM ${rows} x GROUP BY category ORDER BY category`)) {
      summary.categories[r.category] = Number(r.n);
    }
  }
}

/**
 * Objects of this source that another source wrote last (or both hold): remember that both hold
 * them, so that one source's re-import never removes what another still has.
 */
async function noteHoldings(tx: Queryable, t: TableSpec, cityId: string, sourceId: string): Promise<void> {
  await tx.query(
    `INSERT INTO source_holdings (city_id, kind, key, source_id)
     SELECT $1, $3, x.k, h.src FROM (
       SELECT ${keyText(t.archive, 'c')} AS k, c.source_id FROM ${t.archive.current} c
       JOIN stage_${t.table} s ON ${t.key.map((c) => `s.${c} = c.${c}`).join(' AND ')}
       WHERE c.city_id = $1 AND c.source_id <> $2) x
     CROSS JOIN LATERAL (VALUES (x.source_id), ($2)) h(src)
     ON CONFLICT DO NOTHING`,
    [cityId, sourceId, t.archive.kind]);
}

/**
 * Objects this source no longer has but another source still holds: their latest version from
 * that source becomes current again. Returns how many were restored (not removed after all).
 */
async function restoreHeldElsewhere(tx: Queryable, t: TableSpec, cs: Changeset, sourceId: string, removed: string[]): Promise<number> {
  const held = await tx.query<{ key: string; source_id: string }>(
    `DELETE FROM source_holdings WHERE city_id = $1 AND kind = $2 AND source_id = $3 AND key = ANY($4) RETURNING key, source_id`,
    [cs.cityId, t.archive.kind, sourceId, removed]);
  if (!held.length) return 0;
  const cols = await contentColumns(tx, t.archive.table);
  const k = keyText(t.archive, 'v');
  let restored = 0;
  for (const h of held) {
    const other = (await tx.query<{ row: Record<string, unknown>; source_id: string }>(
      `SELECT jsonb_build_object(${cols.map((c) => `'${c}', ${c === 'geom' ? `encode(ST_AsEWKB(v.geom), 'hex')` : `v.${c}`}`).join(', ')}) AS row, v.source_id
       FROM ${t.archive.table} v JOIN source_holdings s ON s.city_id = v.city_id AND s.kind = $2 AND s.key = ${k} AND s.source_id = v.source_id
       WHERE v.city_id = $1 AND ${k} = $3 ORDER BY v.version DESC LIMIT 1`, [cs.cityId, t.archive.kind, h.key]))[0];
    if (!other) continue;
    const row = typeof other.row === 'string' ? JSON.parse(other.row) : other.row;
    await appendVersion(tx, t.archive, cs, row, { sourceId: other.source_id });
    restored++;
  }
  return restored;
}
