/**
 * Store access for cases: report (any channel), act (a cycle transition), comment, read one, its
 * history, list with filters. Every write is one transaction: a changeset (who, why) and a new
 * version of the case; a concurrent move of the same case gets ConflictError (409).
 */
import { randomBytes } from 'node:crypto';
import type { Queryable, Store } from '../../store/driver.js';
import { WorkCalendar } from './calendar.js';
import { attributeNames, type Catalogue, type CaseClass, calendarPath, loadCatalogue, validateAttributes } from './catalogue.js';
import { type CaseState, type Status, initialState, transition, isOpen, STAGE_OF } from './cycle.js';
import { appendVersion, type Changeset, ConflictError, contentColumns, openChangeset, sealChangeset, versioned, writeStaged } from '../../store/archive.js';
import { groupCommitOff, intakeOf } from './intake.js';

export const CASES = versioned('cases', 'cases', ['id'], true);
export const GRIDS = versioned('grids', 'grids', ['code'], true);

export interface OpsConfig { catalogue: Catalogue; calendar: WorkCalendar }
let defaults: OpsConfig | undefined;
/** the shipped catalogue and its calendar, or a city's own files */
export function opsConfig(catalogue?: string, calendar?: string): OpsConfig {
  if (!catalogue && !calendar && defaults) return defaults;
  const cat = loadCatalogue(catalogue);
  const cfg = { catalogue: cat, calendar: WorkCalendar.load(calendarPath(calendar ?? cat.calendar)) };
  if (!catalogue && !calendar) defaults = cfg;
  return cfg;
}

export interface Reporter { email?: string; phone?: string; first_name?: string; last_name?: string; device_id?: string; account_id?: string }
export interface CaseRow extends CaseState {
  id: string; version: number; class_code: string; action: string; note: string | null; channel: string;
  grid_code: string | null; worker: string | null; description: string | null; address: string | null;
  attributes: Record<string, unknown>;
  /** required attributes the report came without (null in `attributes`: unknown), e.g. a 12345 ticket's */
  missing_attributes: string[];
  media_urls: string[]; reporter: Reporter; token: string;
  external_id: string | null; duplicate_of: string | null; reported_at: string; lon: number | null; lat: number | null;
  updated_at: string;
}

export class OpsError extends Error {
  constructor(readonly status: 400 | 403 | 404 | 409, message: string, readonly code = 'BadRequest') { super(message); this.name = 'OpsError'; }
}

const iso = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string).toISOString());
export const CASE_COLUMNS = `id, service_code, class_code, status, action, note, channel, department, grid_code, worker, description, address,
  attributes, media_urls, reporter, token, external_id, duplicate_of, reported_at, stage_entered_at, deadline, expected_at, closed_at,
  escalation, ST_X(geom) AS lon, ST_Y(geom) AS lat, version, valid_from`;

export function caseFromDb(r: Record<string, unknown>): CaseRow {
  const j = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);
  const attributes = (j(r.attributes) ?? {}) as Record<string, unknown>;
  return {
    id: String(r.id), version: Number(r.version), service_code: String(r.service_code), class_code: String(r.class_code),
    status: r.status as Status, action: String(r.action), note: (r.note as string) ?? null, channel: String(r.channel),
    department: (r.department as string) ?? null, grid_code: (r.grid_code as string) ?? null, worker: (r.worker as string) ?? null,
    description: (r.description as string) ?? null, address: (r.address as string) ?? null,
    attributes, missing_attributes: unknownAttributes(attributes), media_urls: j(r.media_urls), reporter: j(r.reporter), token: String(r.token),
    external_id: (r.external_id as string) ?? null, duplicate_of: (r.duplicate_of as string) ?? null,
    reported_at: iso(r.reported_at)!, stage_entered_at: iso(r.stage_entered_at)!, deadline: iso(r.deadline),
    expected_at: iso(r.expected_at), closed_at: iso(r.closed_at), escalation: Number(r.escalation),
    lon: r.lon === null || r.lon === undefined ? null : Number(r.lon), lat: r.lat === null || r.lat === undefined ? null : Number(r.lat),
    updated_at: iso(r.valid_from)!,
  };
}

/** the attributes recorded as unknown (null): required ones a report came without */
const unknownAttributes = (a: Record<string, unknown>) => Object.keys(a).filter((k) => a[k] === null);

/** the content columns of a case row, as appendVersion takes them */
function content(c: CaseRow): Record<string, unknown> {
  return {
    id: c.id, service_code: c.service_code, class_code: c.class_code, status: c.status, action: c.action, note: c.note,
    channel: c.channel, department: c.department, grid_code: c.grid_code, worker: c.worker, description: c.description,
    address: c.address, attributes: c.attributes, media_urls: c.media_urls, reporter: c.reporter, token: c.token,
    external_id: c.external_id, duplicate_of: c.duplicate_of, reported_at: c.reported_at, stage_entered_at: c.stage_entered_at,
    deadline: c.deadline, expected_at: c.expected_at, closed_at: c.closed_at, escalation: c.escalation,
    geom: c.lon === null || c.lat === null ? null : `SRID=4326;POINT(${c.lon} ${c.lat})`,
  };
}

/** a new version of a case, then the seal (the city's chain lock is held from the seal to the commit) */
async function write(tx: Queryable, cs: Awaited<ReturnType<typeof openChangeset>>, row: CaseRow, expectedVersion: number): Promise<CaseRow> {
  try {
    await appendVersion(tx, CASES, cs, content(row), { expectedVersion });
  } catch (e) {
    if (e instanceof ConflictError) throw new OpsError(409, e.message, 'Conflict');
    throw e;
  }
  const out = (await getCase(tx, cs.cityId, row.id))!;
  await sealChangeset(tx, cs);
  return out;
}

export async function getCase(q: Queryable, cityId: string, id: string, forUpdate = false): Promise<CaseRow | null> {
  const [r] = await q.query(`SELECT ${CASE_COLUMNS} FROM cases_versions WHERE city_id = $1 AND id = $2 AND valid_to IS NULL${forUpdate ? ' FOR UPDATE' : ''}`, [cityId, id]);
  if (!r && forUpdate && (await q.query('SELECT 1 FROM cases_versions WHERE city_id = $1 AND id = $2 LIMIT 1', [cityId, id])).length) {
    // the version we waited for was closed by a concurrent move (PostgreSQL re-checks valid_to after the lock)
    throw new OpsError(409, `case ${id} was moved by someone else at the same moment; reload and try again / 案件刚被他人处理, 请刷新`, 'Conflict');
  }
  return r ? caseFromDb(r) : null;
}

/** every version of a case with who, when and why */
export async function caseHistory(q: Queryable, cityId: string, id: string) {
  const rows = await q.query(`SELECT v.version, v.status, v.action, v.note, v.department, v.deadline, v.valid_from, c.actor, c.reason,
      encode(v.hash, 'hex') AS hash FROM cases_versions v JOIN changesets c ON c.changeset_id = v.changeset_id
    WHERE v.city_id = $1 AND v.id = $2 ORDER BY v.version`, [cityId, id]);
  return rows.map((r) => ({ version: Number(r.version), status: r.status as Status, action: String(r.action), note: (r.note as string) ?? null,
    department: (r.department as string) ?? null, deadline: iso(r.deadline), at: iso(r.valid_from)!, actor: String(r.actor), reason: String(r.reason), hash: String(r.hash) }));
}

export interface GridHit { code: string; street: string | null; workers: string[]; assign: Record<string, string> }
/** the unit grid a point lies in (point in polygon), if any */
export async function gridAt(q: Queryable, cityId: string, lon: number, lat: number): Promise<GridHit | null> {
  const [g] = await q.query<{ code: string; street: string | null; workers: unknown; assign: unknown }>(
    `SELECT code, street, workers, assign FROM grids_current WHERE city_id = $1 AND level = 'unit'
       AND ST_Intersects(geom, ST_SetSRID(ST_MakePoint($2, $3), 4326)) ORDER BY code LIMIT 1`, [cityId, lon, lat]);
  if (!g) return null;
  const j = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);
  return { code: g.code, street: g.street, workers: j(g.workers), assign: j(g.assign) };
}

export interface NewReport {
  cityId: string; serviceCode: string; lon?: number; lat?: number; address?: string; description?: string;
  attributes?: Record<string, string | string[]>; mediaUrls?: string[]; reporter?: Reporter;
  channel: 'open311' | 'hotline' | 'grid_worker' | 'staff'; actor: string; externalId?: string; at?: number;
  /** uploaded photos, stored in the same transaction (their URLs are already in mediaUrls) */
  media?: { id: string; contentType: string; bytes: Buffer }[];
}

/**
 * The one rule for a report's attributes: checked against its class (`validateAttributes`), and a
 * required one without a value is refused, except on a 12345 hotline ticket: the hotline centre
 * has already taken that case, so refusing it would lose it; the attribute is kept as unknown
 * (null, listed in the case's `missing_attributes`) and the import says so.
 */
export function reportAttributes(k: CaseClass, r: Pick<NewReport, 'attributes' | 'channel'>) {
  return validateAttributes(k, r.attributes ?? {}, { missing: r.channel === 'hotline' ? 'unknown' : 'refuse' });
}

/** the note on a new case's first version: its duplicate link, the attributes it came without */
function reportNote(k: CaseClass, duplicateOf: string | null, attributes: Record<string, unknown>): string | null {
  const notes: string[] = [];
  if (duplicateOf) notes.push(`重复: 已关联到案件 ${duplicateOf} / duplicate of case ${duplicateOf}`);
  const missing = k.attributes.filter((a) => attributes[a.code] === null);
  if (missing.length) {
    notes.push(`缺少必填属性 ${missing.map((a) => `${a.code}（${attributeNames(a).zh}）`).join('、')}，记为未知，待补充 / ` +
      `required attribute${missing.length > 1 ? 's' : ''} ${missing.map((a) => `${a.code} (${attributeNames(a).en})`).join(', ')} not given: recorded as unknown, to be filled in`);
  }
  return notes.length ? notes.join('; ') : null;
}

export function classOf(cfg: OpsConfig, serviceCode: string): CaseClass {
  const k = cfg.catalogue.byService.get(serviceCode);
  if (!k) throw new OpsError(400, `unknown service_code "${serviceCode.slice(0, 64)}" (see services.xml) / 未知的案件类别`, 'service_code');
  return k;
}

/**
 * A new case: class, attributes, grid, department, duplicate link, deadlines. Acknowledged only
 * after its transaction has committed. Concurrent reports are group-committed (see intake.ts):
 * several are written in one transaction, each still in its own savepoint and acknowledged only
 * after that commit; `OPENCIM_GROUP_COMMIT=off` writes one transaction per report.
 */
export async function report(store: Store, cfg: OpsConfig, r: NewReport): Promise<CaseRow> {
  if (groupCommitOff()) return store.transaction((tx) => reportIn(tx, cfg, r));
  return intakeOf(store).submit(cfg, r);
}

/** report() inside the caller's transaction (bulk intake: one transaction for a whole file) */
export async function reportIn(tx: Queryable, cfg: OpsConfig, r: NewReport): Promise<CaseRow> {
  const cs = await openChangeset(tx, { cityId: r.cityId, actor: r.actor, reason: reportReason(r), kind: 'cases' });
  const out = await reportInto(tx, cfg, r, cs);
  await sealChangeset(tx, cs);   // last: the city's chain lock is held from here to the commit
  return out;
}

/** the reason recorded on the change set of a report */
export const reportReason = (r: NewReport) => `report via ${r.channel}`;

/**
 * The version of a new case, written into the open change set `cs` (of r's city, actor and
 * reason); the caller seals it. Validation errors are thrown before anything is written.
 */
export async function reportInto(tx: Queryable, cfg: OpsConfig, r: NewReport, cs: Changeset): Promise<CaseRow> {
  const k = classOf(cfg, r.serviceCode);
  const attributes = reportAttributes(k, r);
  const at = r.at ?? Date.now();
  const hasPoint = r.lon !== undefined && r.lat !== undefined;
  const d = cfg.catalogue.duplicate;
  const checkDup = hasPoint && d.radius_m > 0 && d.window_hours > 0;
  // one round trip: the case's id, its unit grid (point in polygon) and an open case it duplicates
  // (same class, within the radius and the time window), if any
  const [hit] = await tx.query<{ n: string; code: string | null; workers: unknown; assign: unknown; dup: string | null }>(
    `WITH p AS (SELECT ST_SetSRID(ST_MakePoint($2::float8, $3::float8), 4326) AS pt)
     SELECT nextval('case_id_seq') AS n, g.code, g.workers, g.assign,
       (SELECT c.id FROM cases_current c, p WHERE $4::boolean AND c.city_id = $1 AND c.service_code = $5 AND c.status = ANY($6) AND c.duplicate_of IS NULL
          AND c.reported_at >= $7 AND c.reported_at <= $10 AND c.geom && ST_Expand(p.pt, $9)
          AND ST_DWithin(c.geom::geography, p.pt::geography, $8)
        ORDER BY ST_Distance(c.geom::geography, p.pt::geography), c.reported_at LIMIT 1) AS dup
     FROM p LEFT JOIN LATERAL (SELECT code, workers, assign FROM grids_current WHERE city_id = $1 AND level = 'unit'
       AND ST_Intersects(geom, p.pt) ORDER BY code LIMIT 1) g ON true`,
    [r.cityId, hasPoint ? r.lon : null, hasPoint ? r.lat : null, checkDup, k.service_code, ['reported', 'accepted', 'dispatched', 'handled'],
     new Date(at - d.window_hours * 3600_000).toISOString(), d.radius_m,
     // a box of the radius in degrees (generous: 1° of longitude shrinks with cos(lat)), so the spatial index is used
     hasPoint ? (d.radius_m / 110_000) / Math.max(0.05, Math.cos((r.lat! * Math.PI) / 180)) : 0,
     // a duplicate is of a case reported before this one (a back-dated ticket is not the copy of a later case)
     new Date(at).toISOString()]);
  const j = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);
  const grid = hit.code ? { code: hit.code, workers: j(hit.workers) as string[], assign: j(hit.assign) as Record<string, string> } : null;
  const department = grid?.assign[k.department] ?? k.department;
  const duplicateOf: string | null = hit.dup ?? null;
  const n = hit.n;
  const state = initialState(k, department, at, cfg.calendar, duplicateOf !== null);
  const row: CaseRow = {
    ...state, id: String(n), version: 0, class_code: k.code, action: 'report',
    note: reportNote(k, duplicateOf, attributes),
    channel: r.channel, grid_code: grid?.code ?? null, worker: grid?.workers[0] ?? null, description: r.description ?? null,
    address: r.address ?? null, attributes, missing_attributes: unknownAttributes(attributes), media_urls: r.mediaUrls ?? [], reporter: r.reporter ?? {},
    token: randomBytes(12).toString('hex'), external_id: r.externalId ?? null, duplicate_of: duplicateOf,
    reported_at: new Date(at).toISOString(), lon: hasPoint ? r.lon! : null, lat: hasPoint ? r.lat! : null, updated_at: '',
  };
  for (const m of r.media ?? []) {
    await tx.query('INSERT INTO case_media (city_id, id, content_type, bytes) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [r.cityId, m.id, m.contentType, m.bytes]);
  }
  await appendVersion(tx, CASES, cs, content(row), { expectedVersion: 0 });
  return (await getCase(tx, r.cityId, row.id))!;
}

/** metres between two WGS84 points on the mean sphere (in-batch duplicates; PostGIS's spheroid differs by < 0.5 %) */
function metres(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const r = Math.PI / 180, dLat = (lat2 - lat1) * r, dLon = (lon2 - lon1) * r;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * r) * Math.cos(lat2 * r) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371008.8 * Math.asin(Math.min(1, Math.sqrt(a)));
}

/**
 * Many new cases in the caller's transaction with a constant number of statements (group commit):
 * ids, grids and duplicates of stored cases in one query, duplicates among the batch in order (a
 * report duplicates an earlier one of the batch as it would had that one been committed first),
 * the versions written set-wise through the archive (`writeStaged`, one change set per actor and
 * reason, from `changeset`), read back in one query. Returns the cases in the order given.
 */
export async function reportBatch(tx: Queryable, items: { cfg: OpsConfig; r: NewReport }[], changeset: (r: NewReport) => Promise<Changeset>): Promise<CaseRow[]> {
  const prep = items.map(({ cfg, r }) => {
    const k = classOf(cfg, r.serviceCode);
    const attributes = reportAttributes(k, r);
    const at = r.at ?? Date.now();
    const hasPoint = r.lon !== undefined && r.lat !== undefined;
    const d = cfg.catalogue.duplicate;
    const checkDup = hasPoint && d.radius_m > 0 && d.window_hours > 0;
    return { cfg, r, k, attributes, at, hasPoint, d, checkDup };
  });
  const ids = (await tx.query<{ n: string }>(`SELECT nextval('case_id_seq') AS n FROM generate_series(1, $1)`, [items.length]))
    .map((x) => BigInt(x.n)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map(String);
  const col = <T>(f: (p: (typeof prep)[number]) => T) => prep.map(f);
  const hits = await tx.query<{ i: number; code: string | null; workers: unknown; assign: unknown; dup: string | null; dist: number | null }>(
    `WITH u AS (SELECT * FROM unnest($1::int[], $2::text[], $3::float8[], $4::float8[], $5::text[], $6::timestamptz[], $7::boolean[], $8::float8[], $9::float8[], $11::timestamptz[])
                  AS u(i, city, lon, lat, code, since, chk, radius, box, until))
     SELECT u.i, g.code, g.workers, g.assign, d.id AS dup, d.dist
     FROM u CROSS JOIN LATERAL (SELECT ST_SetSRID(ST_MakePoint(u.lon, u.lat), 4326) AS pt) p
     LEFT JOIN LATERAL (SELECT code, workers, assign FROM grids_current WHERE city_id = u.city AND level = 'unit'
       AND ST_Intersects(geom, p.pt) ORDER BY code LIMIT 1) g ON true
     LEFT JOIN LATERAL (SELECT c.id, ST_Distance(c.geom::geography, p.pt::geography) AS dist FROM cases_current c
       WHERE u.chk AND c.city_id = u.city AND c.service_code = u.code AND c.status = ANY($10) AND c.duplicate_of IS NULL
         AND c.reported_at >= u.since AND c.reported_at <= u.until AND c.geom && ST_Expand(p.pt, u.box) AND ST_DWithin(c.geom::geography, p.pt::geography, u.radius)
       ORDER BY 2, c.reported_at LIMIT 1) d ON true
     ORDER BY u.i`,
    [prep.map((_, i) => i), col((p) => p.r.cityId), col((p) => (p.hasPoint ? p.r.lon! : null)), col((p) => (p.hasPoint ? p.r.lat! : null)),
     col((p) => p.k.service_code), col((p) => new Date(p.at - p.d.window_hours * 3600_000).toISOString()), col((p) => p.checkDup), col((p) => p.d.radius_m),
     // a box of the radius in degrees (generous: 1° of longitude shrinks with cos(lat)), so the spatial index is used
     col((p) => (p.hasPoint ? (p.d.radius_m / 110_000) / Math.max(0.05, Math.cos((p.r.lat! * Math.PI) / 180)) : 0)),
     ['reported', 'accepted', 'dispatched', 'handled'],
     // a duplicate is of a case reported before this one (a back-dated ticket is not the copy of a later case)
     col((p) => new Date(p.at).toISOString())]);
  const j = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);
  const rows: CaseRow[] = [];
  for (const [i, p] of prep.entries()) {
    const h = hits[i];
    const grid = h.code ? { code: h.code, workers: j(h.workers) as string[], assign: j(h.assign) as Record<string, string> } : null;
    const department = grid?.assign[p.k.department] ?? p.k.department;
    let duplicateOf = h.dup ?? null;
    if (p.checkDup) {
      // an earlier report of this batch, as the query above would have found it once committed
      let best = h.dup !== null ? Number(h.dist) : Infinity;
      const since = p.at - p.d.window_hours * 3600_000;
      for (let e = 0; e < i; e++) {
        const o = rows[e], q = prep[e];
        if (o.duplicate_of !== null || o.lon === null || o.lat === null || q.r.cityId !== p.r.cityId || o.service_code !== p.k.service_code || q.at < since || q.at > p.at) continue;
        const m = metres(o.lon, o.lat, p.r.lon!, p.r.lat!);
        if (m <= p.d.radius_m && m < best) { best = m; duplicateOf = o.id; }
      }
    }
    const state = initialState(p.k, department, p.at, p.cfg.calendar, duplicateOf !== null);
    rows.push({
      ...state, id: ids[i], version: 0, class_code: p.k.code, action: 'report',
      note: reportNote(p.k, duplicateOf, p.attributes),
      channel: p.r.channel, grid_code: grid?.code ?? null, worker: grid?.workers[0] ?? null, description: p.r.description ?? null,
      address: p.r.address ?? null, attributes: p.attributes, missing_attributes: unknownAttributes(p.attributes), media_urls: p.r.mediaUrls ?? [], reporter: p.r.reporter ?? {},
      token: randomBytes(12).toString('hex'), external_id: p.r.externalId ?? null, duplicate_of: duplicateOf,
      reported_at: new Date(p.at).toISOString(), lon: p.hasPoint ? p.r.lon! : null, lat: p.hasPoint ? p.r.lat! : null, updated_at: '',
    });
    for (const m of p.r.media ?? []) {
      await tx.query('INSERT INTO case_media (city_id, id, content_type, bytes) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [p.r.cityId, m.id, m.contentType, m.bytes]);
    }
  }
  // one staged write per change set (actor and reason); the ids are new, so every row is version 1
  const groups = new Map<Changeset, number[]>();
  for (const [i, p] of prep.entries()) {
    const cs = await changeset(p.r);
    const g = groups.get(cs);
    if (g) g.push(i); else groups.set(cs, [i]);
  }
  const cols = await contentColumns(tx, CASES.table);
  for (const [cs, idx] of groups) {
    await tx.exec('DROP TABLE IF EXISTS intake_stage');
    await tx.exec(`CREATE TEMP TABLE intake_stage ON COMMIT DROP AS SELECT ${cols.map((c) => `"${c}"`).join(', ')} FROM ${CASES.table} LIMIT 0`);
    await tx.query(`INSERT INTO intake_stage SELECT * FROM jsonb_populate_recordset(NULL::intake_stage, $1::jsonb)`, [JSON.stringify(idx.map((i) => content(rows[i])))]);
    const w = await writeStaged(tx, CASES, cs, 'intake_stage', { unique: true });
    if (w.added !== idx.length) throw new Error(`group commit: ${w.added} of ${idx.length} cases written`);
  }
  await tx.exec('DROP TABLE IF EXISTS intake_stage');
  const out = new Map<string, CaseRow>();
  for (const city of new Set(prep.map((p) => p.r.cityId))) {
    const mine = rows.filter((_, i) => prep[i].r.cityId === city).map((r) => r.id);
    for (const r of await tx.query(`SELECT ${CASE_COLUMNS} FROM cases_versions WHERE city_id = $1 AND id = ANY($2) AND valid_to IS NULL`, [city, mine])) {
      const c = caseFromDb(r);
      out.set(`${city}\u0000${c.id}`, c);
    }
  }
  return prep.map((p, i) => {
    const c = out.get(`${p.r.cityId}\u0000${rows[i].id}`);
    if (!c) throw new Error(`group commit: case ${rows[i].id} not read back`);
    return c;
  });
}

/** the id of a department's unit (a dispatch's department, a grid's assignment): 1-64 letters, digits, _ . : - */
export const UNIT_ID = /^[A-Za-z0-9_.:-]{1,64}$/;

export interface ActInput {
  cityId: string; id: string; action: string; roles: readonly string[]; actor: string; note?: string;
  department?: string; expectedVersion?: number; at?: number;
}

/** the current version of a case, locked for a new one: 404 when there is none, 409 when it is not `expectedVersion` */
async function caseForUpdate(tx: Queryable, cityId: string, id: string, expectedVersion?: number): Promise<CaseRow> {
  const c = await getCase(tx, cityId, id, true);
  if (!c) throw new OpsError(404, `no case ${id.slice(0, 64)} / 案件不存在`, 'NotFound');
  if (expectedVersion !== undefined && expectedVersion !== c.version) {
    throw new OpsError(409, `case ${c.id} is at version ${c.version}, not ${expectedVersion}: someone changed it first; reload and try again / 案件已被他人修改, 请刷新`, 'Conflict');
  }
  return c;
}

/** A cycle transition as a new version (409 when expectedVersion is not the current one). */
export async function act(store: Store, cfg: OpsConfig, a: ActInput): Promise<CaseRow> {
  if (a.department !== undefined && !cfg.catalogue.departments.some((d) => d.id === a.department) && !UNIT_ID.test(a.department)) {
    throw new OpsError(400, `department "${a.department.slice(0, 64)}" is not valid`);
  }
  return store.transaction(async (tx) => {
    const c = await caseForUpdate(tx, a.cityId, a.id, a.expectedVersion);
    const k = classOf(cfg, c.service_code);
    const next = transition(c, a.action, { roles: a.roles, note: a.note, department: a.department, at: a.at ?? Date.now(), k, cal: cfg.calendar });
    const row: CaseRow = { ...c, ...next, action: a.action, note: a.note?.trim() || null, duplicate_of: a.action === 'reopen' ? null : c.duplicate_of };
    const cs = await openChangeset(tx, { cityId: a.cityId, actor: a.actor, reason: a.action, kind: 'cases' });
    return write(tx, cs, row, c.version);
  });
}

/**
 * Attributes of a case filled in or corrected by staff (a 12345 ticket that came without a required
 * one, a depth measured on site): checked against the case's class by the one rule of attributes,
 * a new version with the actor and reason (409 when expectedVersion is not the current one). An
 * attribute still not given stays unknown, as the hotline left it.
 */
export async function fillAttributes(store: Store, cfg: OpsConfig, a: { cityId: string; id: string; actor: string; attributes: Record<string, string | string[]>; reason?: string; expectedVersion?: number }): Promise<CaseRow> {
  return store.transaction(async (tx) => {
    const c = await caseForUpdate(tx, a.cityId, a.id, a.expectedVersion);
    const k = classOf(cfg, c.service_code);
    const codes = k.attributes.map((x) => x.code);
    const unknown = Object.keys(a.attributes).filter((x) => !codes.includes(x));
    if (unknown.length) {
      throw new OpsError(400, `类别 ${k.service_code} 没有属性 ${unknown.join('、')}（其属性：${codes.join('、') || '无'}） / service ${k.service_code} has no attribute ${unknown.join(', ')} (its attributes: ${codes.join(', ') || 'none'})`, 'attribute');
    }
    if (!Object.keys(a.attributes).length) throw new OpsError(400, '没有给出属性 / no attribute given', 'attribute');
    // what the case holds, as given (numbers as their text), then what is given now
    const held: Record<string, string | string[]> = {};
    for (const [code, v] of Object.entries(c.attributes)) if (v !== null && v !== undefined) held[code] = Array.isArray(v) ? v.map(String) : String(v);
    const attributes: Record<string, unknown> = validateAttributes(k, { ...held, ...a.attributes }, { missing: 'unknown' });
    const filled = Object.keys(a.attributes).map((code) => `${code}=${JSON.stringify(attributes[code])}`).join(', ');
    const row: CaseRow = { ...c, attributes: attributes as CaseRow['attributes'], missing_attributes: unknownAttributes(attributes), action: 'attributes',
      note: `补充/更正属性 / attributes filled in: ${filled}` };
    const cs = await openChangeset(tx, { cityId: a.cityId, actor: a.actor, reason: a.reason?.trim() || 'attributes', kind: 'cases' });
    return write(tx, cs, row, c.version);
  });
}

/** a note or photos on a case without a change of status (citizen update, escalation) */
export async function annotate(store: Store | Queryable, a: { cityId: string; id: string; actor: string; action: 'comment' | 'escalate'; note: string; mediaUrls?: string[]; reason?: string; escalation?: number; media?: NewReport['media'] }, tx?: Queryable): Promise<CaseRow> {
  const run = async (q: Queryable) => {
    const c = await getCase(q, a.cityId, a.id, true);
    if (!c) throw new OpsError(404, `no case ${a.id.slice(0, 64)} / 案件不存在`, 'NotFound');
    const row: CaseRow = { ...c, action: a.action, note: a.note, media_urls: a.mediaUrls?.length ? [...c.media_urls, ...a.mediaUrls] : c.media_urls,
      escalation: a.escalation ?? c.escalation };
    for (const m of a.media ?? []) {
      await q.query('INSERT INTO case_media (city_id, id, content_type, bytes) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [a.cityId, m.id, m.contentType, m.bytes]);
    }
    const cs = await openChangeset(q, { cityId: a.cityId, actor: a.actor, reason: a.reason ?? a.action, kind: 'cases' });
    return write(q, cs, row, c.version);
  };
  if (tx) return run(tx);
  return (store as Store).transaction(run);
}

export interface CaseFilter {
  ids?: string[]; serviceCodes?: string[]; start?: string; end?: string; open311Status?: 'open' | 'closed';
  statuses?: Status[]; department?: string; grid?: string; overdue?: boolean; limit: number; offset?: number; order?: 'asc' | 'desc';
}

export async function listCases(q: Queryable, cityId: string, f: CaseFilter): Promise<CaseRow[]> {
  const where = ['city_id = $1', 'valid_to IS NULL'];
  const p: unknown[] = [cityId];
  const add = (sql: string, v: unknown) => { p.push(v); where.push(sql.replace('?', `$${p.length}`)); };
  if (f.ids) add('id = ANY(?)', f.ids);
  else {
    if (f.serviceCodes) add('service_code = ANY(?)', f.serviceCodes);
    if (f.start) add('reported_at >= ?', f.start);
    if (f.end) add('reported_at <= ?', f.end);
    if (f.open311Status) add(`${f.open311Status === 'open' ? '' : 'NOT '}(status = ANY(?))`, ['reported', 'accepted', 'dispatched', 'handled']);
    if (f.statuses) add('status = ANY(?)', f.statuses);
    if (f.department) add('department = ?', f.department);
    if (f.grid) add('grid_code = ?', f.grid);
    if (f.overdue) add('deadline < ?', new Date().toISOString());
  }
  p.push(f.limit, f.offset ?? 0);
  const rows = await q.query(`SELECT ${CASE_COLUMNS} FROM cases_versions WHERE ${where.join(' AND ')}
    ORDER BY reported_at ${f.order === 'asc' ? 'ASC' : 'DESC'}, id ${f.order === 'asc' ? 'ASC' : 'DESC'} LIMIT $${p.length - 1} OFFSET $${p.length}`, p);
  return rows.map(caseFromDb);
}

export { isOpen, STAGE_OF };
