/**
 * The safety register's edges to the store: a CSV file imported in one transaction (COPY into a
 * temp stage, then the archive's bulk write: new records added, changed ones a new version,
 * unchanged ones left alone), single records written by the API (one version each, with the
 * actor and reason of their change set), and the columnar register read back for the kernels.
 */
import { appendVersion, history, openChangeset, sealChangeset, writeStaged, type HistoryEntry } from '../../store/archive.js';
import { basename } from 'node:path';
import { type Queryable, type Store } from '../../store/driver.js';
import { copyFields } from '../../store/tables.js';
import { PROFILES, INSPECTIONS } from './collections.js';
import { loadPolicy } from './checks.js';
import { emptyRegister, hazardMask, NO_DATE, type SafetyCheckInput, type SafetyRegister } from './register.js';
import { type RegisterFile } from './csv.js';
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
  /** inspections naming a building with no safety profile */
  without_profile?: number;
}

/** Register files, all in one transaction (one change set each): any failure writes nothing. */
export async function importRegisterFiles(store: Store, city: string, files: RegisterFile[], o: { actor: string; reason?: string }): Promise<ImportSummary[]> {
  return store.transaction(async (tx) => {
    await tx.query('INSERT INTO cities (city_id) VALUES ($1) ON CONFLICT DO NOTHING', [city]);
    const out: ImportSummary[] = [];
    for (const f of files) out.push(await importOne(tx, city, f, o));
    return out;
  });
}

async function importOne(tx: Queryable, city: string, f: RegisterFile, o: { actor: string; reason?: string }): Promise<ImportSummary> {
  const spec = f.kind === 'profiles' ? PROFILES : INSPECTIONS;
  const cols: readonly string[] = f.kind === 'profiles' ? PROFILE_COLS : INSPECTION_COLS;
  const sourceId = `safety:${basename(f.file)}`;
  const cs = await openChangeset(tx, { cityId: city, actor: o.actor, reason: o.reason ?? `safety import ${basename(f.file)}`, kind: 'import', sourceId });
  const stage = `stage_${spec.table}`;
  await tx.exec(`DROP TABLE IF EXISTS ${stage}; CREATE TEMP TABLE ${stage} ON COMMIT DROP AS SELECT ${cols.join(', ')} FROM ${spec.table} LIMIT 0`);
  const CHUNK = 50_000;
  for (let i = 0; i < f.rows.length; i += CHUNK) {
    const lines: string[] = [];
    for (const r of f.rows.slice(i, i + CHUNK)) {
      const v: unknown[] = f.kind === 'profiles'
        ? PROFILE_COLS.map((c) => (r as Profile)[c])
        : (() => { const x = r as Inspection; return [x.inspection_id, x.building_id, x.date, x.organisation, x.inspector, x.method, x.grade, arr(x.hazards), x.measure, x.deadline, x.remediated_on, x.verified_by, arr(x.photos)]; })();
      lines.push(copyFields(v));
    }
    await tx.copyIn(stage, [...cols], lines.join('\n') + '\n');
  }
  const w = await writeStaged(tx, spec, cs, stage, { unique: true, sourceId });
  let without: number | undefined;
  if (f.kind === 'inspections') {
    without = Number((await tx.query<{ n: number }>(
      `SELECT count(DISTINCT s.building_id)::int AS n FROM ${stage} s WHERE NOT EXISTS (SELECT 1 FROM safety_profiles_current p WHERE p.city_id = $1 AND p.building_id = s.building_id)`, [city]))[0].n);
  }
  await tx.exec(`DROP TABLE ${stage}`);
  await sealChangeset(tx, cs);
  return { file: f.file, kind: f.kind, collection: spec.kind, rows: f.rows.length, added: w.added, changed: w.changed, unchanged: w.unchanged, changeset: cs.id, ...(without !== undefined ? { without_profile: without } : {}) };
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
  type P = { building_id: string; year_built: number | null; design_life_years: number | null; structure: string | null; storeys: number | null; height_m: number | null; use: string | null; households: number | null; group_rental: boolean | null; seismic_intensity: number | null; isolation: boolean | null; critical: boolean };
  const profiles: P[] = [];
  for (let last = ''; ;) {
    const rows = await q.query<P>(
      `SELECT p.building_id, p.year_built, p.design_life_years, p.structure, p.storeys, p.height_m, p.use, p.households, p.group_rental, p.seismic_intensity, p.isolation,
         coalesce(b.use = ANY($3::text[]), false) AS critical
       FROM safety_profiles_current p LEFT JOIN buildings_current b ON b.city_id = p.city_id AND b.id = p.building_id
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
    reg.seismic[k] = p.seismic_intensity === null ? NaN : Number(p.seismic_intensity);
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
