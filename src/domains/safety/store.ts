/**
 * The safety register's edges to the store: CSV files imported in one transaction, streamed
 * (parsed and validated batch by batch, streamed by COPY into a stage, written by the archive's writeStaged:
 * new records added, changed ones a new version, unchanged ones, by content hash, left alone), single records written by the API (one version each, with the
 * actor and reason of their change set), and the columnar register read back for the kernels.
 */
import { appendVersion, deferIndexes, history, insertFirstVersions, openChangeset, sealChangeset, writeStaged, type Changeset, type HistoryEntry } from '../../store/archive.js';
import { basename } from 'node:path';
import { type Queryable, type Store } from '../../store/driver.js';
import { copyFields } from '../../store/tables.js';
import { PROFILES, INSPECTIONS } from './collections.js';
import { loadPolicy } from './checks.js';
import { emptyRegister, hazardMask, NO_DATE, type SafetyCheckInput, type SafetyRegister } from './register.js';
import { ImportIds, readRegisterCsv, RegisterCsvError, type PhotoFile, type RegisterFile, type RowError } from './csv.js';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { GRADES, HAZARDS, MEASURES, STRUCTURES, USES, type Inspection, type Profile } from './model.js';

const PROFILE_COLS = ['building_id', 'year_built', 'design_life_years', 'structure', 'storeys', 'height_m', 'use', 'households', 'group_rental', 'seismic_intensity', 'isolation', 'owner', 'insured', 'fund'] as const;
const INSPECTION_COLS = ['id', 'building_id', 'date', 'organisation', 'inspector', 'method', 'grade', 'hazards', 'measure', 'deadline', 'remediated_on', 'verified_by', 'photos'] as const;

const arr = (a: string[]) => `{${a.map((s) => `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"`).join(',')}}`;
export function profileRecord(p: Profile): Record<string, unknown> {
  return { ...p };
}
export function inspectionRecord(x: Inspection): Record<string, unknown> {
  const { inspection_id, ...rest } = x;
  return { id: inspection_id, ...rest };
}

export interface ImportSummary {
  file: string;
  kind: 'profiles' | 'inspections';
  collection: string;
  rows: number;
  added: number;
  changed: number;
  unchanged: number;
  changeset: number;
  /** inspections naming a building with no safety profile: how many buildings, and the first of them (by id) */
  without_profile?: number;
  without_profile_ids?: string[];
  /** of those, the buildings the city model does not have either (a register may precede the model), and the first of them */
  not_in_city_model?: number;
  not_in_city_model_ids?: string[];
  /** local photo files newly stored by content hash (safety_photos) */
  photos_stored?: number;
}


/** how many ids of buildings without a profile an import summary lists */
export const LISTED_IDS = 20;

/** an id in two files of one import: the second file's error naming the first (files already parsed carry no row numbers) */
function repeatsAcrossFiles(files: RegisterFile[]): RowError[] {
  const errors: RowError[] = [];
  const seen = { profiles: new Map<string, string>(), inspections: new Map<string, string>() };
  for (const f of files) {
    const m = seen[f.kind];
    const mine = new Set<string>();
    for (const r of f.rows) {
      const id = f.kind === 'profiles' ? (r as Profile).building_id : (r as Inspection).inspection_id;
      const other = m.get(id);
      if (other !== undefined && other !== f.file && errors.length < 1000) {
        errors.push({ file: f.file, row: 0, column: f.kind === 'profiles' ? 'building_id' : 'inspection_id', message: `"${id}" 已见于本次导入的另一文件 ${other}：一次导入中每个编号只能出现一次 / "${id}" already appears in ${other} of this import: each id once per import` });
      }
      mine.add(id);
    }
    for (const id of mine) if (!m.has(id)) m.set(id, f.file);
  }
  return errors;
}

/** Register files already parsed, all in one transaction (one change set each): any failure writes nothing. */
export async function importRegisterFiles(store: Store, city: string, files: RegisterFile[], o: { actor: string; reason?: string }): Promise<ImportSummary[]> {
  const repeats = repeatsAcrossFiles(files);
  if (repeats.length) throw new RegisterCsvError(repeats);
  return store.transaction(async (tx) => {
    await tx.query('INSERT INTO cities (city_id) VALUES ($1) ON CONFLICT DO NOTHING', [city]);
    const out: ImportSummary[] = [];
    for (const f of files) {
      const w = new RegisterWriter(tx, city, f.file, o);
      await w.rows(f.kind, f.rows);
      out.push(await w.finish(f.kind, f.kind === 'inspections' ? f.photoFiles : undefined));
    }
    return out;
  });
}

/**
 * Register CSV files streamed into the store: parsed, validated and written by COPY batch by
 * batch (parsing overlaps the database's work, and the next file is read while the last one's
 * indexes are built and its change set sealed), all in one transaction: a bad row anywhere (each
 * named in the RegisterCsvError) or any failure writes nothing.
 */
export async function importRegisterCsv(store: Store, city: string, paths: string[], o: { actor: string; reason?: string; encoding?: 'utf8' | 'gbk' }): Promise<ImportSummary[]> {
  return store.transaction(async (tx) => {
    await tx.query('INSERT INTO cities (city_id) VALUES ($1) ON CONFLICT DO NOTHING', [city]);
    const done: Promise<ImportSummary>[] = [];
    // an id may appear once in all the files of one import, as within one file
    const ids = new ImportIds();
    try {
      for (const path of paths) {
        // (a file's writes begin once the file before it is written in full: one change set at a time)
        const w = new RegisterWriter(tx, city, path, o, done.at(-1));
        const f = await readRegisterCsv(path, o.encoding ?? 'utf8', (kind, rows) => w.rows(kind, rows), ids);
        const finished = w.finish(f.kind, f.kind === 'inspections' ? f.photoFiles : undefined);
        finished.catch(() => {}); // awaited below; never unhandled
        done.push(finished);
      }
    } catch (e) {
      // nothing may still be writing when the transaction rolls back; a file before that failed failed first
      const first = (await Promise.allSettled(done)).find((r) => r.status === 'rejected');
      throw first ? (first as PromiseRejectedResult).reason : e;
    }
    return Promise.all(done);
  });
}

/**
 * The size at which a chunk goes to the database: the first is small, so the database starts while
 * the rest is parsed; then each twice the last, up to 2 MB (written as they come) or 8 MB (staged).
 */
const FIRST_CHUNK = 256 << 10;
const chunkLimit = (flushes: number, staged: boolean) => Math.min(FIRST_CHUNK * 2 ** flushes, staged ? 8 << 20 : 2 << 20);

/**
 * One file's change set: rows streamed by COPY into a temporary stage as they are parsed, then
 * written set-wise by the archive (content and chain hashes computed in the database, by the one
 * implementation `verify` also uses), counted. A city's first register of its kind is written
 * chunk by chunk as version 1 while the next chunk is parsed (the database hashes on its own core;
 * its indexes are built once at the end); later imports stage the whole file and let the
 * archive's staged write compare content hashes. Its writes wait for `after` (the file before it).
 */
class RegisterWriter {
  private cs?: Changeset;
  private stage?: { name: string; cols: readonly string[]; spec: typeof PROFILES };
  private opened?: Promise<void>;
  private buf: string[] = [];
  private size = 0;
  private n = 0;
  private flushes = 0;
  /** first register of its kind in the city: chunks written as they come */
  private fresh?: { added: number; rebuild?: () => Promise<void> };
  /** the chunk in the database: one at a time, written while the caller parses the next */
  private inflight: Promise<void> = Promise.resolve();
  private buildings = new Set<string>();
  constructor(private tx: Queryable, private city: string, private file: string, private o: { actor: string; reason?: string }, private after?: Promise<unknown>) {}

  async rows(kind: 'profiles' | 'inspections', rows: Profile[] | Inspection[]): Promise<void> {
    this.n += rows.length;
    if (kind === 'profiles') {
      for (const p of rows as Profile[]) this.line(copyFields(PROFILE_COLS.map((c) => p[c])));
    } else {
      for (const x of rows as Inspection[]) {
        this.buildings.add(x.building_id);
        this.line(copyFields([x.inspection_id, x.building_id, x.date, x.organisation, x.inspector, x.method, x.grade, arr(x.hazards), x.measure, x.deadline, x.remediated_on, x.verified_by, arr(x.photos)]));
      }
    }
    // (smaller chunks when they are written as they come: the parse and the database overlap more finely)
    if (this.size >= chunkLimit(this.flushes, this.stage !== undefined && !this.fresh)) await this.flush(kind);
  }

  private line(fields: string): void {
    this.buf.push(fields);
    this.size += fields.length + 1;
  }

  private async flush(kind: 'profiles' | 'inspections'): Promise<void> {
    this.flushes++;
    this.opened ??= (async () => { await this.after; await this.open(kind); })();
    await this.opened;
    await this.inflight;
    if (!this.buf.length) return;
    const data = this.buf.join('\n') + '\n';
    this.buf = []; this.size = 0;
    const { name, cols, spec } = this.stage!;
    const f = this.fresh;
    this.inflight = f
      ? (async () => {
          await this.tx.copyIn(name, [...cols], data);
          f.added += await insertFirstVersions(this.tx, spec, this.cs!, name);
          await this.tx.exec(`TRUNCATE ${name}`);
        })()
      : this.tx.copyIn(name, [...cols], data);
    this.inflight.catch(() => {}); // awaited by the next flush or by finish(); never unhandled
  }

  private async open(kind: 'profiles' | 'inspections') {
    const spec = kind === 'profiles' ? PROFILES : INSPECTIONS;
    const cols = kind === 'profiles' ? PROFILE_COLS : INSPECTION_COLS;
    this.cs = await openChangeset(this.tx, { cityId: this.city, actor: this.o.actor, reason: this.o.reason ?? `safety import ${basename(this.file)}`, kind: 'import', sourceId: `safety:${basename(this.file)}` });
    const name = `stage_${spec.table}`;
    await this.tx.exec(`DROP TABLE IF EXISTS ${name}; CREATE TEMP TABLE ${name} ON COMMIT DROP AS SELECT ${cols.join(', ')} FROM ${spec.table} LIMIT 0`);
    this.stage = { name, cols, spec };
    if (!(await this.tx.query(`SELECT 1 FROM ${spec.table} WHERE city_id = $1 LIMIT 1`, [this.city])).length) {
      this.fresh = { added: 0, rebuild: await deferIndexes(this.tx, spec.table) };
    }
  }

  async finish(kind: 'profiles' | 'inspections', photos?: Map<string, PhotoFile>): Promise<ImportSummary> {
    await this.flush(kind);
    // inspections naming a building without a profile (the profiles of the files before are written):
    // the names are listed while the last chunk is written. (The client's list: an anti-join with the
    // tables just written, which have no statistics yet, can be planned quadratic.)
    const named = kind === 'inspections' ? [...this.buildings] : undefined;
    await this.inflight;
    const without = named && (await this.tx.query<{ n: number; ids: string[] | string; nm: number; nm_ids: string[] | string }>(
      `WITH w AS (SELECT b FROM unnest($2::text[]) b WHERE NOT EXISTS (SELECT 1 FROM safety_profiles_current p WHERE p.city_id = $1 AND p.building_id = b)),
         u AS (SELECT b FROM w WHERE NOT EXISTS (SELECT 1 FROM buildings_current c WHERE c.city_id = $1 AND c.id = b))
       SELECT (SELECT count(*)::int FROM w) AS n, array(SELECT b FROM w ORDER BY b LIMIT ${LISTED_IDS}) AS ids,
         (SELECT count(*)::int FROM u) AS nm, array(SELECT b FROM u ORDER BY b LIMIT ${LISTED_IDS}) AS nm_ids`, [this.city, named]))[0];
    let r: { added: number; changed: number; unchanged: number };
    if (this.fresh) {
      await this.fresh.rebuild?.();
      r = { added: this.fresh.added, changed: 0, unchanged: 0 };
    } else {
      // keys are unique in a file (the reader refuses a repeated id): no duplicate pass
      r = await writeStaged(this.tx, this.stage!.spec, this.cs!, this.stage!.name, { unique: true });
    }
    await this.tx.exec(`DROP TABLE ${this.stage!.name}`);
    // local photos the inspections name, stored once by their content hash (checked again as read)
    let stored = 0;
    for (const [sha, ph] of photos ?? []) {
      const bytes = readFileSync(ph.path);
      if (createHash('sha256').update(bytes).digest('hex') !== sha) throw new RegisterCsvError([{ file: this.file, row: 0, column: 'photos', message: `${ph.path} changed while it was imported / 照片在导入过程中被修改` }]);
      stored += await this.tx.execute('INSERT INTO safety_photos (city_id, sha256, media_type, bytes, actor) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING',
        [this.city, sha, ph.media_type, bytes, this.o.actor]);
    }
    await sealChangeset(this.tx, this.cs!);
    const spec = kind === 'profiles' ? PROFILES : INSPECTIONS;
    return { file: this.file, kind, collection: spec.kind, rows: this.n, added: r.added, changed: r.changed, unchanged: r.unchanged, changeset: this.cs!.id, ...(without ? { without_profile: Number(without.n), without_profile_ids: textArray(without.ids), not_in_city_model: Number(without.nm), not_in_city_model_ids: textArray(without.nm_ids) } : {}), ...(photos?.size ? { photos_stored: stored } : {}) };
  }
}

/** One record from the API: a new version when it differs (expectedVersion: optimistic lock). */
export async function writeRecord(store: Store, city: string, kind: 'profile' | 'inspection', rec: Profile | Inspection, o: { actor: string; reason: string; expectedVersion?: number }) {
  const spec = kind === 'profile' ? PROFILES : INSPECTIONS;
  const row = kind === 'profile' ? profileRecord(rec as Profile) : inspectionRecord(rec as Inspection);
  return store.transaction(async (tx) => {
    const cs = await openChangeset(tx, { cityId: city, actor: o.actor, reason: o.reason, kind: 'edit' });
    const r = await appendVersion(tx, spec, cs, row, { expectedVersion: o.expectedVersion });
    await sealChangeset(tx, cs);
    return { ...r, changeset: r.changed ? cs.id : null };
  });
}

export function recordHistory(q: Queryable, city: string, kind: 'profile' | 'inspection', id: string): Promise<HistoryEntry[]> {
  return kind === 'profile' ? history(q, PROFILES, city, { building_id: id }) : history(q, INSPECTIONS, city, { id });
}

/** Is there a register for the city (and when did it last change)? */
export async function registerState(q: Queryable, city: string): Promise<{ profiles: number; inspections: number; changeset: number | null; recorded_at: string | null } | null> {
  const has = await q.query<{ t: string | null }>(`SELECT to_regclass('safety_profiles_versions')::text AS t`);
  if (!has[0]?.t) return null;
  const r = (await q.query<{ p: number; i: number; cs: number | null; at: string | null }>(
    `SELECT (SELECT count(*)::int FROM safety_profiles_current WHERE city_id = $1) AS p, (SELECT count(*)::int FROM safety_inspections_current WHERE city_id = $1) AS i,
       c.changeset_id AS cs, to_char(c.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS at
     FROM (SELECT 1) x LEFT JOIN LATERAL (
       SELECT changeset_id, recorded_at FROM changesets WHERE city_id = $1 AND changeset_id IN (
         SELECT max(changeset_id) FROM safety_profiles_versions WHERE city_id = $1 UNION ALL SELECT max(changeset_id) FROM safety_inspections_versions WHERE city_id = $1)
       ORDER BY changeset_id DESC LIMIT 1) c ON true`, [city]))[0];
  if (!r.p && !r.i) return null;
  return { profiles: Number(r.p), inspections: Number(r.i), changeset: r.cs === null ? null : Number(r.cs), recorded_at: r.at };
}

const PAGE = 100_000;
const code = (list: readonly string[], v: string | null) => (v === null ? -1 : list.indexOf(v));
const tri = (v: boolean | null) => (v === null ? -1 : v ? 1 : 0);

/**
 * The register of a city, columnar: profiles (with whether the city model names the building one
 * of the eight critical types) and current inspections, in keyset pages.
 */
export async function readRegister(q: Queryable, city: string): Promise<SafetyRegister> {
  const critical = loadPolicy().critical_building_uses;
  const ids: string[] = [];
  const index = new Map<string, number>();
  type P = { building_id: string; year_built: number | null; design_life_years: number | null; structure: string | null; storeys: number | null; height_m: number | null; use: string | null; households: number | null; group_rental: boolean | null; seismic_intensity: number | null; isolation: boolean | null; critical: boolean; zone_id: string | null; zone_intensity: number | null };
  const profiles: P[] = [];
  for (let last = ''; ;) {
    const rows = await q.query<P>(
      `SELECT p.building_id, p.year_built, p.design_life_years, p.structure, p.storeys, p.height_m, p.use, p.households, p.group_rental, p.seismic_intensity, p.isolation,
         coalesce(b.use = ANY($3::text[]), false) AS critical, z.zone_id, z.intensity AS zone_intensity
       FROM safety_profiles_current p LEFT JOIN buildings_current b ON b.city_id = p.city_id AND b.id = p.building_id
       -- no intensity in the profile: the GB 18306 zone the footprint's centroid falls in (the highest, where zones overlap)
       LEFT JOIN LATERAL (SELECT z.zone_id, z.intensity FROM seismic_zones_current z
         WHERE p.seismic_intensity IS NULL AND b.geom IS NOT NULL AND z.city_id = p.city_id AND ST_Intersects(z.geom, ST_Centroid(b.geom))
         ORDER BY z.intensity DESC, z.zone_id LIMIT 1) z ON true
       WHERE p.city_id = $1 AND p.building_id > $2 ORDER BY p.building_id LIMIT ${PAGE}`, [city, last, critical]);
    for (const r of rows) { index.set(r.building_id, ids.length); ids.push(r.building_id); profiles.push(r); }
    if (rows.length < PAGE) break;
    last = rows[rows.length - 1].building_id;
  }
  type I = { id: string; building_id: string; d: number; grade: string | null; hazards: string[] | string; measure: string | null; dl: number | null; rem: number | null };
  const insp: I[] = [];
  for (let last = ''; ;) {
    const rows = await q.query<I>(
      `SELECT id, building_id, (date - DATE '1970-01-01') AS d, grade, hazards, measure, (deadline - DATE '1970-01-01') AS dl, (remediated_on - DATE '1970-01-01') AS rem
       FROM safety_inspections_current WHERE city_id = $1 AND id > $2 ORDER BY id LIMIT ${PAGE}`, [city, last]);
    for (const r of rows) { if (!index.has(r.building_id)) { index.set(r.building_id, ids.length); ids.push(r.building_id); } insp.push(r); }
    if (rows.length < PAGE) break;
    last = rows[rows.length - 1].id;
  }
  const reg = emptyRegister(ids.length, insp.length);
  ids.forEach((id, k) => { reg.ids[k] = id; });
  profiles.forEach((p, k) => {
    reg.profiled[k] = 1;
    reg.yearBuilt[k] = p.year_built ?? 0;
    reg.designLife[k] = p.design_life_years ?? 0;
    reg.structure[k] = code(STRUCTURES, p.structure);
    reg.storeys[k] = p.storeys ?? -1;
    reg.height[k] = p.height_m === null ? NaN : Number(p.height_m);
    reg.use[k] = code(USES, p.use);
    reg.households[k] = p.households ?? -1;
    reg.groupRental[k] = tri(p.group_rental);
    reg.seismic[k] = p.seismic_intensity !== null ? Number(p.seismic_intensity) : p.zone_intensity !== null ? Number(p.zone_intensity) : NaN;
    reg.seismicBasis[k] = p.seismic_intensity !== null ? 1 : p.zone_intensity !== null ? 2 : 0;
    if (p.seismic_intensity === null && p.zone_id !== null) reg.seismicZone.set(k, p.zone_id);
    reg.isolation[k] = tri(p.isolation);
    reg.critical[k] = p.critical ? 1 : 0;
  });
  insp.forEach((x, j) => {
    reg.inspIds[j] = x.id;
    reg.inspBuilding[j] = index.get(x.building_id)!;
    reg.inspDate[j] = Number(x.d);
    reg.inspGrade[j] = code(GRADES, x.grade);
    reg.inspHazards[j] = hazardMask(parseArray(x.hazards));
    reg.inspMeasure[j] = code(MEASURES, x.measure);
    reg.inspDeadline[j] = x.dl === null ? NO_DATE : Number(x.dl);
    reg.inspRemediated[j] = x.rem === null ? NO_DATE : Number(x.rem);
  });
  return reg;
}

/** a text[] of ids as an array (pg returns one; some PGlite paths return '{a,"b c"}' text) */
function textArray(v: string[] | string): string[] {
  if (Array.isArray(v)) return v;
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|([^,{}]+)/g;
  for (let m; (m = re.exec(v)); ) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]);
  return out;
}

/** text[] comes back as an array (pg) or as '{a,b}' text (some PGlite paths) */
function parseArray(v: string[] | string): string[] {
  if (Array.isArray(v)) return v;
  return v.replace(/^\{|\}$/g, '').split(',').filter(Boolean).filter((h) => (HAZARDS as readonly string[]).includes(h));
}

/** The register for the health check, or undefined when the city has none. */
export async function safetyForCheck(q: Queryable, city: string): Promise<SafetyCheckInput | undefined> {
  const st = await registerState(q, city);
  if (!st) return undefined;
  return { register: await readRegister(q, city), ...st };
}
