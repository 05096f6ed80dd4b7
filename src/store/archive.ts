/**
 * The city archive (城市建设档案): versioned, append-only, hash-chained records (migration 004).
 *
 * Every kept record lives in a table `<name>_versions` with its key, its content and the envelope
 * (version, valid_from, valid_to, changeset_id, closed_by, source_id, content_hash, prev_hash,
 * hash); `<name>_current` is what is true now. Writes happen in a change set (who, why, when),
 * which is sealed into the city's chain. The SQL of the content hash is defined once, in the
 * database (`archive_content_sql`), and used by writes and by `verify` alike.
 */
import type { Queryable } from './driver.js';
import { ConflictError, OpenCimError, type ErrorKind } from '../model/errors.js';

export interface VersionedSpec {
  /** collection id / record kind, e.g. 'buildings', 'inspections' */
  kind: string;
  /** physical table holding every version, e.g. 'buildings_versions' */
  table: string;
  /** view of what is true now, e.g. 'buildings_current' */
  current: string;
  /** key columns (besides city_id) naming a record across its versions */
  key: string[];
  /** has a `geom` geometry column */
  geom: boolean;
}

export interface Changeset {
  id: number;
  cityId: string;
  actor: string;
  reason: string;
  kind: string;
  sourceId?: string;
  /** versioned tables written in it (what the seal's digest reads) */
  touched: Set<string>;
  counts: Record<string, { added: number; changed: number; removed: number }>;
}

export { ConflictError };

/** a bad request of the archive (a time that is not one, an unknown record) */
export class ArchiveError extends OpenCimError {
  constructor(message: string, kind: ErrorKind = 'usage') { super(kind, message); }
}

export const ENVELOPE = ['city_id', 'version', 'valid_from', 'valid_to', 'changeset_id', 'closed_by', 'source_id', 'content_hash', 'prev_hash', 'hash', 'import_fp'];

/** the spec of a versioned table named `<base>_versions` */
export function versioned(kind: string, base: string, key: string[], geom: boolean): VersionedSpec {
  return { kind, table: `${base}_versions`, current: `${base}_current`, key, geom };
}

const exprCache = new Map<string, string>();
const colsCache = new Map<string, string[]>();

/** drop what was read from the schema (after a migration) */
export function forgetArchiveSchema(): void {
  exprCache.clear();
  colsCache.clear();
}

async function cachedSql(q: Queryable, fn: 'archive_content_sql' | 'archive_content_sql_v1', table: string, alias: string): Promise<string> {
  const k = `${fn}\u0000${table}\u0000${alias}`;
  let e = exprCache.get(k);
  if (!e) {
    e = (await q.query<{ e: string }>(`SELECT ${fn}($1::regclass, $2) AS e`, [table, alias]))[0].e;
    exprCache.set(k, e);
  }
  return e;
}

/** the SQL expression of the content hash of a row of `table` aliased `alias`, as a new version is written */
export function contentHashSql(q: Queryable, table: string, alias: string): Promise<string> {
  return cachedSql(q, 'archive_content_sql', table, alias);
}

/**
 * The content hash a version written by change set `changeset` (an SQL expression) holds: the
 * first form for versions written before migration 015, else the current one (or `current`, an
 * expression already computing it). Used to verify and to compare on re-import.
 */
export async function storedHashSql(q: Queryable, table: string, alias: string, changeset: string, current?: string): Promise<string> {
  const v1 = await cachedSql(q, 'archive_content_sql_v1', table, alias);
  return `(CASE WHEN ${changeset} <= (SELECT content_v1_until FROM archive_formats) THEN ${v1} ELSE ${current ?? await contentHashSql(q, table, alias)} END)`;
}

/**
 * The session settings every content hash is computed under (writes and verify alike): the text
 * of dates, timestamps and floats depends on them, so the archive fixes them.
 */
export async function archiveSession(tx: Queryable): Promise<void> {
  await tx.exec(`SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL IntervalStyle = 'postgres'; SET LOCAL extra_float_digits = 1`);
}

/** the content columns of a versioned table (key columns included, envelope excluded) */
export async function contentColumns(q: Queryable, table: string): Promise<string[]> {
  let c = colsCache.get(table);
  if (!c) {
    c = (await q.query<{ n: string }>(
      `SELECT attname AS n FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`, [table]))
      .map((r) => r.n).filter((n) => !ENVELOPE.includes(n));
    colsCache.set(table, c);
  }
  return c;
}

const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;
export const keyText = (spec: VersionedSpec, alias: string) => spec.key.map((k) => `${alias}.${ident(k)}::text`).join(` || '|' || `);
const keyEq = (spec: VersionedSpec, a: string, b: string) => spec.key.map((k) => `${a}.${ident(k)} = ${b}.${ident(k)}`).join(' AND ');

/** Open a change set in the caller's transaction: every version written in it names it. */
export async function openChangeset(tx: Queryable, o: { cityId: string; actor: string; reason: string; kind: string; sourceId?: string; /** the job whose work it is */ jobId?: number }): Promise<Changeset> {
  if (!o.actor) throw new ArchiveError('a change set needs an actor (who made the change)');
  // content hashes render dates, timestamps and floats by the session's settings: the archive fixes them
  await archiveSession(tx);
  const r = await tx.query<{ id: number }>(
    'INSERT INTO changesets (city_id, kind, actor, reason, source_id, job_id) VALUES ($1, $2, $3, $4, $5, $6) RETURNING changeset_id AS id',
    [o.cityId, o.kind, o.actor, o.reason || o.kind, o.sourceId ?? null, o.jobId ?? null]);
  return { id: Number(r[0].id), cityId: o.cityId, actor: o.actor, reason: o.reason || o.kind, kind: o.kind, sourceId: o.sourceId, touched: new Set(), counts: {} };
}

function count(cs: Changeset, spec: VersionedSpec, what: 'added' | 'changed' | 'removed', n: number): void {
  cs.touched.add(spec.table);
  const c = (cs.counts[spec.kind] ??= { added: 0, changed: 0, removed: 0 });
  c[what] += n;
}

/**
 * Seal a change set: a digest over the hashes of the versions it wrote and the marks of the
 * versions it closed, chained to the city's previous head. Serialised per city (advisory lock held
 * to the end of the transaction), so the chain has one order.
 */
export async function sealChangeset(tx: Queryable, cs: Changeset): Promise<{ seq: number; head: string }> {
  await tx.query(`SELECT pg_advisory_xact_lock(hashtext('opencim.archive.head'), hashtext($1))`, [cs.cityId]);
  const parts = [...cs.touched].sort().map((t) =>
    `SELECT hash AS h FROM ${t} WHERE changeset_id = $1 UNION ALL SELECT archive_close_mark(hash, valid_to) FROM ${t} WHERE closed_by = $1`);
  const digest = parts.length
    ? `(SELECT sha256(coalesce(string_agg(h, ''::bytea ORDER BY h), ''::bytea)) FROM (${parts.join(' UNION ALL ')}) x)`
    : `sha256(''::bytea)`;
  const r = await tx.query<{ seq: number; head: string }>(
    `WITH p AS (SELECT seq, head FROM changesets WHERE city_id = $2 AND seq IS NOT NULL ORDER BY seq DESC LIMIT 1),
          d AS (SELECT ${digest} AS digest)
     UPDATE changesets c SET seq = coalesce((SELECT seq FROM p), 0) + 1, counts = $3::jsonb, digest = (SELECT digest FROM d),
       prev_head = (SELECT head FROM p),
       head = archive_head_hash((SELECT head FROM p), (SELECT digest FROM d), c.changeset_id, c.city_id, c.kind, c.actor, c.reason, c.recorded_at,
         coalesce((SELECT seq FROM p), 0) + 1)
     WHERE c.changeset_id = $1 RETURNING c.seq, encode(c.head, 'hex') AS head`,
    [cs.id, cs.cityId, JSON.stringify(cs.counts)]);
  return { seq: Number(r[0].seq), head: r[0].head };
}

/**
 * Write one record: a new version when its content differs from the current one (or when it has
 * none), else nothing. `row` holds the key and content columns (geometry as hex EWKB or EWKT).
 * The version's source is `o.sourceId`, else the change set's, else the previous version's.
 * With `expectedVersion`, a record whose current version is another (0 = must not exist) is a
 * ConflictError: two people cannot move one record at once.
 */
export async function appendVersion(
  tx: Queryable, spec: VersionedSpec, cs: Changeset, row: Record<string, unknown>, o: { expectedVersion?: number; sourceId?: string } = {},
): Promise<{ version: number; changed: boolean }> {
  const cols = await contentColumns(tx, spec.table);
  for (const k of Object.keys(row)) if (!cols.includes(k)) throw new ArchiveError(`${spec.kind}: no column "${k}"`);
  for (const k of spec.key) if (row[k] === undefined || row[k] === null) throw new ArchiveError(`${spec.kind}: the key "${k}" is missing`);
  const key = spec.key.map((k) => String(row[k])).join('|');
  await tx.query('SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))', [spec.table, `${cs.cityId}|${key}`]);
  const where = spec.key.map((k, i) => `${ident(k)} = $${i + 2}`).join(' AND ');
  const keyVals = spec.key.map((k) => row[k]);
  const last = (await tx.query<{ version: number; current: boolean; ch: string; hash: string; source_id: string | null; changeset_id: number }>(
    `SELECT version, valid_to IS NULL AS current, encode(content_hash, 'hex') AS ch, encode(hash, 'hex') AS hash, source_id, changeset_id
     FROM ${spec.table} WHERE city_id = $1 AND ${where} ORDER BY version DESC LIMIT 1`, [cs.cityId, ...keyVals]))[0];
  const currentVersion = last?.current ? Number(last.version) : 0;
  if (o.expectedVersion !== undefined && o.expectedVersion !== currentVersion) {
    throw new ConflictError(`${spec.kind} ${key}: version ${currentVersion} is current, not ${o.expectedVersion} (someone else changed it; reload and try again) 记录已被他人修改`);
  }
  const expr = await contentHashSql(tx, spec.table, 'r');
  const record = `jsonb_populate_record(NULL::${spec.table}, $1::jsonb)`;
  const json = JSON.stringify(row);
  // unchanged content writes nothing (no current version: nothing to compare, the insert hashes it)
  if (last?.current) {
    // (compared in the form the current version was hashed in)
    const stored = await storedHashSql(tx, spec.table, 'r', String(Number(last.changeset_id)), expr);
    const ch = (await tx.query<{ ch: string }>(`SELECT encode(${stored}, 'hex') AS ch FROM ${record} r`, [json]))[0].ch;
    if (last.ch === ch) return { version: currentVersion, changed: false };
  }
  if (last?.current) {
    await tx.query(`UPDATE ${spec.table} SET valid_to = now(), closed_by = $${spec.key.length + 2} WHERE city_id = $1 AND ${where} AND version = $${spec.key.length + 3}`,
      [cs.cityId, ...keyVals, cs.id, currentVersion]);
  }
  const version = (last ? Number(last.version) : 0) + 1;
  const list = cols.map(ident).join(', ');
  await tx.query(
    `INSERT INTO ${spec.table} (${list}, city_id, version, valid_from, changeset_id, source_id, content_hash, prev_hash, hash)
     SELECT ${cols.map((c) => `r.${ident(c)}`).join(', ')}, $2, $3, now(), $4, $5, ${expr}, decode($6, 'hex'),
       archive_chain_hash(decode($6, 'hex'), ${expr}, $7, $8, $3, $4)
     FROM ${record} r`,
    [json, cs.cityId, version, cs.id, o.sourceId ?? cs.sourceId ?? last?.source_id ?? null, last?.hash ?? null, spec.kind, key]);
  count(cs, spec, last?.current ? 'changed' : 'added', 1);
  return { version, changed: true };
}

/** Close a record (it no longer exists): its current version gets valid_to; nothing is deleted. */
export async function closeRecord(tx: Queryable, spec: VersionedSpec, cs: Changeset, key: Record<string, unknown>, o: { expectedVersion?: number } = {}): Promise<boolean> {
  const keyVals = spec.key.map((k) => key[k]);
  const keyStr = keyVals.map(String).join('|');
  await tx.query('SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))', [spec.table, `${cs.cityId}|${keyStr}`]);
  const where = spec.key.map((k, i) => `${ident(k)} = $${i + 2}`).join(' AND ');
  const cur = (await tx.query<{ version: number }>(`SELECT version FROM ${spec.table} WHERE city_id = $1 AND ${where} AND valid_to IS NULL`, [cs.cityId, ...keyVals]))[0];
  if (o.expectedVersion !== undefined && o.expectedVersion !== (cur ? Number(cur.version) : 0)) {
    throw new ConflictError(`${spec.kind} ${keyStr}: version ${cur ? cur.version : 0} is current, not ${o.expectedVersion}`);
  }
  if (!cur) return false;
  await tx.query(`UPDATE ${spec.table} SET valid_to = now(), closed_by = $${spec.key.length + 2} WHERE city_id = $1 AND ${where} AND valid_to IS NULL`, [cs.cityId, ...keyVals, cs.id]);
  count(cs, spec, 'removed', 1);
  return true;
}

export interface StagedResult { added: number; changed: number; unchanged: number; removed: number; duplicates: number; removedKeys?: string[] }

/**
 * A table that holds no row of any city yet (a store's first import) is loaded without its
 * secondary indexes, which are built again afterwards in the same transaction: one sorted build
 * each instead of a row-at-a-time insert into each (GiST above all). The primary key goes too
 * unless another table's foreign key needs it: its keys arrive in no order, and inserting them one
 * by one cost about a third of writing a register version; it is added again first, so a repeated
 * key still fails the transaction. Only when the table can be locked at once (NOWAIT): if another
 * session reads or writes it, the normal path is taken and nobody waits. While the load runs,
 * readers of the still empty table wait for its commit. Returns the rebuild step, or undefined
 * when the indexes stay.
 */
export async function deferIndexes(tx: Queryable, table: string): Promise<(() => Promise<void>) | undefined> {
  await tx.exec('SAVEPOINT archive_defer_indexes');
  try {
    await tx.exec(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE NOWAIT`);
    const empty = (await tx.query<{ e: boolean }>(`SELECT NOT EXISTS (SELECT 1 FROM ${table}) AS e`))[0].e;
    if (!empty) throw new Error('not empty');
  } catch {
    // (rolling back to the savepoint also lets go of the lock)
    await tx.exec('ROLLBACK TO SAVEPOINT archive_defer_indexes');
    await tx.exec('RELEASE SAVEPOINT archive_defer_indexes');
    return undefined;
  }
  // the primary key, when no foreign key refers to it
  const pk = (await tx.query<{ name: string; def: string }>(
    `SELECT format('%I', k.conname) AS name, pg_get_constraintdef(k.oid) AS def FROM pg_constraint k
     WHERE k.conrelid = $1::regclass AND k.contype = 'p' AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.confrelid = $1::regclass)`, [table]))[0];
  // indexes that back no constraint
  const defs = await tx.query<{ name: string; def: string }>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS name, pg_get_indexdef(i.indexrelid) AS def
     FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE i.indrelid = $1::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
     ORDER BY c.relname`, [table]);
  if (pk) await tx.exec(`ALTER TABLE ${table} DROP CONSTRAINT ${pk.name}`);
  for (const d of defs) await tx.exec(`DROP INDEX ${d.name}`);
  await tx.exec('RELEASE SAVEPOINT archive_defer_indexes');
  return async () => {
    if (pk) await tx.exec(`ALTER TABLE ${table} ADD CONSTRAINT ${pk.name} ${pk.def}`);
    for (const d of defs) await tx.exec(d.def);
  };
}

/**
 * Every row of `stage` (content columns, key included, plus `carry`) as version 1 of a record the
 * city does not hold yet (its first write of this kind: the caller knows there is none). The
 * content and chain hashes are computed in the statement; returns how many were written, counted
 * in the database (RETURNING would send a row per record to the client).
 */
export async function insertFirstVersions(
  tx: Queryable, spec: VersionedSpec, cs: Changeset, stage: string, o: { sourceId?: string; carry?: string[] } = {},
): Promise<number> {
  const cols = [...(await contentColumns(tx, spec.table)), ...(o.carry ?? [])];
  // (OFFSET 0 keeps the subquery from being flattened, which would compute each hash twice)
  const expr = await contentHashSql(tx, spec.table, 's');
  const n = await tx.execute(
    `INSERT INTO ${spec.table} (${cols.map(ident).join(', ')}, city_id, version, valid_from, changeset_id, source_id, content_hash, prev_hash, hash)
     SELECT ${cols.map((c) => `x.${ident(c)}`).join(', ')}, $1, 1, now(), $2, $3, x.ch, NULL, archive_chain_hash(NULL, x.ch, $4, ${keyText(spec, 'x')}, 1, $2)
     FROM (SELECT s.*, ${expr} AS ch FROM ${stage} s OFFSET 0) x`, [cs.cityId, cs.id, o.sourceId ?? cs.sourceId ?? null, spec.kind]);
  count(cs, spec, 'added', n);
  return n;
}

/**
 * Write many records from a staged temp table holding the content columns (key included): new
 * records are added, changed ones get a new version (content hashes compared, not timestamps),
 * unchanged ones are left alone. `closeMissing`: current records whose `column` = `value` that are
 * not in the stage are closed (a re-imported source's removed objects). Duplicate keys in the
 * stage: the first row wins and the rest are counted.
 */
export async function writeStaged(
  tx: Queryable, spec: VersionedSpec, cs: Changeset, stage: string,
  o: {
    sourceId?: string; unique?: boolean;
    /** close what is missing; keys in `seen` (a temp table of key columns) are present though not staged */
    closeMissing?: { column: string; value: unknown; returnKeys?: boolean; seen?: string };
    /** envelope columns the stage carries into the new versions (e.g. import_fp) */
    carry?: string[];
  } = {},
): Promise<StagedResult> {
  const content = await contentColumns(tx, spec.table);
  const cols = [...content, ...(o.carry ?? [])];
  const list = cols.map(ident).join(', ');
  const res: StagedResult = { added: 0, changed: 0, unchanged: 0, removed: 0, duplicates: 0 };
  // (its row count and a rough spread of its keys are all the plans below need: a small sample)
  await tx.exec(`SET LOCAL default_statistics_target = 10; ANALYZE ${stage}; SET LOCAL default_statistics_target TO DEFAULT`);
  if (!o.unique) {
    // sort-based (window), so it stays n log n whatever the plan
    const keys = spec.key.map(ident).join(', ');
    res.duplicates = await tx.execute(
      `DELETE FROM ${stage} WHERE ctid IN (SELECT ctid FROM (SELECT ctid, row_number() OVER (PARTITION BY ${keys} ORDER BY ctid) AS n FROM ${stage}) x WHERE n > 1)`);
  }
  const staged = Number((await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${stage}`))[0].n);
  // (OFFSET 0 keeps the subquery from being flattened, which would compute each hash twice)
  const expr = await contentHashSql(tx, spec.table, 's');
  const src = o.sourceId ?? cs.sourceId ?? null;
  const any = (await tx.query(`SELECT 1 FROM ${spec.table} WHERE city_id = $1 LIMIT 1`, [cs.cityId])).length > 0;
  if (!any) {
    // a fresh city: every staged record is version 1
    const rebuild = await deferIndexes(tx, spec.table);
    res.added = await insertFirstVersions(tx, spec, cs, stage, { sourceId: o.sourceId, carry: o.carry });
    await rebuild?.();
  } else {
    await tx.exec('DROP TABLE IF EXISTS archive_delta');
    await tx.query(
      `CREATE TEMP TABLE archive_delta ON COMMIT DROP AS
       SELECT x.*, c.version AS cur_version, coalesce(c.version, h.version) AS last_version, coalesce(c.hash, h.hash) AS last_hash
       FROM (SELECT s.*, ${expr} AS ch FROM ${stage} s OFFSET 0) x
       LEFT JOIN ${spec.table} c ON c.city_id = $1 AND c.valid_to IS NULL AND ${keyEq(spec, 'c', 'x')}
       -- a record that was closed (removed) and comes back continues its chain: its latest version, by the key's index
       LEFT JOIN LATERAL (SELECT h.version, h.hash FROM ${spec.table} h WHERE c.version IS NULL AND h.city_id = $1 AND ${keyEq(spec, 'h', 'x')}
         ORDER BY h.version DESC LIMIT 1) h ON true
       WHERE c.content_hash IS DISTINCT FROM ${await storedHashSql(tx, spec.table, 'x', 'c.changeset_id', 'x.ch')}`, [cs.cityId]);
    const delta = Number((await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM archive_delta'))[0].n);
    res.unchanged = staged - delta;
    if (delta) {
      res.changed = await tx.execute(
        `UPDATE ${spec.table} v SET valid_to = now(), closed_by = $2 FROM archive_delta d
         WHERE v.city_id = $1 AND v.valid_to IS NULL AND d.cur_version IS NOT NULL AND ${keyEq(spec, 'v', 'd')} AND v.version = d.cur_version`,
        [cs.cityId, cs.id]);
      const inserted = await tx.execute(
        `INSERT INTO ${spec.table} (${list}, city_id, version, valid_from, changeset_id, source_id, content_hash, prev_hash, hash)
         SELECT ${cols.map((c) => `d.${ident(c)}`).join(', ')}, $1, coalesce(d.last_version, 0) + 1, now(), $2, $3, d.ch, d.last_hash,
           archive_chain_hash(d.last_hash, d.ch, $4, ${keyText(spec, 'd')}, coalesce(d.last_version, 0) + 1, $2)
         FROM archive_delta d`, [cs.cityId, cs.id, src, spec.kind]);
      res.added = inserted - res.changed;
    }
    await tx.exec('DROP TABLE archive_delta');
  }
  if (o.closeMissing && any) {
    // NOT IN over the stage's keys is a hashed subplan: linear whatever the planner believes of
    // tables written earlier in this transaction (a NOT EXISTS could become a quadratic nested loop).
    // The planner hashes it only if the keys fit in work_mem: else it scans them for every row, which
    // for a million buildings ran for minutes. So work_mem is sized to the keys for this statement.
    const present = staged + (o.closeMissing.seen ? Number((await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${o.closeMissing.seen}`))[0].n) : 0);
    const mb = Math.min(4096, Math.max(64, Math.ceil((present * 256) / 2 ** 20)));
    await tx.exec(`SET LOCAL work_mem = '${mb}MB'`);
    const keys = spec.key.map((k) => `v.${ident(k)}`).join(', ');
    const closed = await tx.query<{ k: string }>(
      `UPDATE ${spec.table} v SET valid_to = now(), closed_by = $2
       WHERE v.city_id = $1 AND v.valid_to IS NULL AND v.${ident(o.closeMissing.column)} = $3
         AND (${keys}) NOT IN (SELECT ${spec.key.map((k) => `s.${ident(k)}`).join(', ')} FROM ${stage} s${o.closeMissing.seen ? ` UNION ALL SELECT ${spec.key.map((k) => `p.${ident(k)}`).join(', ')} FROM ${o.closeMissing.seen} p` : ''})
       RETURNING ${o.closeMissing.returnKeys ? keyText(spec, 'v') : `''`} AS k`, [cs.cityId, cs.id, o.closeMissing.value]);
    await tx.exec('SET LOCAL work_mem TO DEFAULT');
    res.removed = closed.length;
    if (o.closeMissing.returnKeys) res.removedKeys = closed.map((r) => r.k);
  }
  // (a fresh city's versions were counted as they were written)
  if (any) count(cs, spec, 'added', res.added);
  count(cs, spec, 'changed', res.changed);
  count(cs, spec, 'removed', res.removed);
  return res;
}

// ---------------------------------------------------------------- reading the archive

export interface HistoryEntry {
  version: number;
  valid_from: string;
  valid_to: string | null;
  changeset: number;
  actor: string;
  reason: string;
  recorded_at: string;
  closed_by: { changeset: number; actor: string; reason: string } | null;
  source_id: string | null;
  hash: string;
  /** the content of this version (key and attributes; the geometry as GeoJSON) */
  content: Record<string, unknown>;
  /** fields that differ from the previous version ('geom' when the geometry did) */
  changed_fields: string[];
}

const iso = (col: string) => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/**
 * The key of a record as a person writes it (`w123`, a facility's `w123:school`, or `w123|school`
 * as `history` and `changes` print it): the parts of a key of several columns joined by ':' or '|',
 * the last taking the rest (an id may hold a ':' itself); parts left out or empty are not filtered
 * (`w123`: all of its categories). The first part is needed: without it the history would be of
 * every record of the collection.
 */
export function recordKey(spec: VersionedSpec, id: string): Record<string, string> {
  const parts: string[] = [];
  let rest = String(id);
  for (let i = 0; i < spec.key.length - 1; i++) {
    const at = rest.search(/[:|]/);
    if (at < 0) break;
    parts.push(rest.slice(0, at));
    rest = rest.slice(at + 1);
  }
  parts.push(rest);
  if (!parts[0].trim()) {
    throw new ArchiveError(`${spec.kind}: give the record's id${spec.key.length > 1 ? ` (${spec.key.join(':')}, e.g. w123 or w123:school)` : ''}, got "${String(id).slice(0, 40)}" (请给出记录编号)`);
  }
  return Object.fromEntries(spec.key.map((k, i) => [k, parts[i]]).filter(([, v]) => v !== undefined && v !== ''));
}

/**
 * Every version of one record, oldest first, with who/when/why and the fields each changed. Key
 * columns left out of `key` are not filtered (e.g. a facility's id without its category: all of
 * its categories, each with its own versions).
 */
export async function history(q: Queryable, spec: VersionedSpec, cityId: string, key: Record<string, unknown>): Promise<(HistoryEntry & { key: string })[]> {
  const given = spec.key.filter((k) => key[k] !== undefined && key[k] !== null);
  const where = given.map((k, i) => ` AND v.${ident(k)} = $${i + 3}`).join('');
  const rows = await q.query<{
    k: string; version: number; valid_from: string; valid_to: string | null; changeset_id: number; actor: string; reason: string; recorded_at: string;
    closed_by: number | null; closed_actor: string | null; closed_reason: string | null; source_id: string | null; hash: string; content: Record<string, unknown>; g: string | null; ewkb: string | null;
  }>(
    `SELECT ${keyText(spec, 'v')} AS k, v.version, ${iso('v.valid_from')} AS valid_from, ${iso('v.valid_to')} AS valid_to, v.changeset_id, c.actor, c.reason, ${iso('c.recorded_at')} AS recorded_at,
       v.closed_by, cc.actor AS closed_actor, cc.reason AS closed_reason, v.source_id, encode(v.hash, 'hex') AS hash,
       to_jsonb(v) - $2::text[] AS content,
       ${spec.geom ? `ST_AsGeoJSON(v.geom) AS g, md5(ST_AsEWKB(v.geom)) AS ewkb` : 'NULL AS g, NULL AS ewkb'}
     FROM ${spec.table} v JOIN changesets c ON c.changeset_id = v.changeset_id LEFT JOIN changesets cc ON cc.changeset_id = v.closed_by
     WHERE v.city_id = $1${where} ORDER BY ${spec.key.map((k) => `v.${ident(k)}`).join(', ')}, v.version LIMIT 10000`,
    [cityId, [...ENVELOPE, 'geom'], ...given.map((k) => key[k])]);
  let prev: { k: string; content: Record<string, unknown>; ewkb: string | null } | null = null;
  return rows.map((r) => {
    const content = typeof r.content === 'string' ? JSON.parse(r.content) : r.content;
    const changed: string[] = [];
    if (prev && prev.k === r.k) {
      for (const f of new Set([...Object.keys(prev.content), ...Object.keys(content)])) {
        if (JSON.stringify(prev.content[f] ?? null) !== JSON.stringify(content[f] ?? null)) changed.push(f);
      }
      if (prev.ewkb !== r.ewkb) changed.push('geom');
    }
    prev = { k: r.k, content, ewkb: r.ewkb };
    return {
      key: r.k, version: Number(r.version), valid_from: r.valid_from, valid_to: r.valid_to, changeset: Number(r.changeset_id), actor: r.actor, reason: r.reason,
      recorded_at: r.recorded_at, closed_by: r.closed_by === null ? null : { changeset: Number(r.closed_by), actor: r.closed_actor!, reason: r.closed_reason! },
      source_id: r.source_id, hash: r.hash, content: r.g ? { ...content, geometry: JSON.parse(r.g) } : content, changed_fields: changed,
    };
  });
}

/** A time given by a person (`--as-of`, `?as_of=`): ISO 8601 date (the end of that day, UTC) or date-time. */
export function parseArchiveTime(text: string, what = '--as-of'): string {
  const s = String(text).trim();
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  let t = date ? Date.parse(`${s}T23:59:59.999Z`) : /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?$/.test(s) ? Date.parse(s.replace(' ', 'T')) : NaN;
  // a day the month does not have (2026-02-30) is not one: Date.parse would roll it into the next month
  const [y, m, d] = s.slice(0, 10).split('-').map(Number);
  if (!(m >= 1 && m <= 12 && d >= 1 && d <= new Date(Date.UTC(y, m, 0)).getUTCDate())) t = NaN;
  if (!Number.isFinite(t)) throw new ArchiveError(`${what}: "${s.slice(0, 40)}" is not a date or time (use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ) 日期格式无效`);
  return new Date(t).toISOString();
}

/** The versioned tables the store holds (city model and domains), from the database's own registry. */
export async function archiveTables(q: Queryable): Promise<VersionedSpec[]> {
  const rows = await q.query<{ kind: string; table_name: string; key: string[]; has_geom: boolean }>('SELECT kind, table_name, key, has_geom FROM archive_tables ORDER BY kind');
  return rows.map((r) => ({ kind: r.kind, table: r.table_name, current: r.table_name.replace(/_versions$/, '_current'), key: r.key, geom: r.has_geom }));
}

/** SQL FROM-clause replacement: the records of `spec` as they were at time parameter `$n` */
export function asOfSql(spec: VersionedSpec, param: string): string {
  return `(SELECT * FROM ${spec.table} WHERE valid_from <= ${param} AND (valid_to IS NULL OR valid_to > ${param}))`;
}

export interface ChangeList { kind: string; added: string[]; changed: string[]; removed: string[] }

/** What changed in a city between two times: per kind, the keys added, changed and removed. */
export async function changes(q: Queryable, cityId: string, since: string, until: string, kinds?: string[]): Promise<ChangeList[]> {
  const out: ChangeList[] = [];
  for (const spec of await archiveTables(q)) {
    if (kinds && !kinds.includes(spec.kind)) continue;
    const k = keyText(spec, 'v');
    const at = (p: string) => `SELECT ${k} AS k, v.version FROM ${spec.table} v WHERE v.city_id = $1 AND v.valid_from <= ${p} AND (v.valid_to IS NULL OR v.valid_to > ${p})
      AND ${k} IN (SELECT k FROM touched)`;
    const rows = await q.query<{ what: string; k: string }>(
      `WITH touched AS (SELECT DISTINCT ${k} AS k FROM ${spec.table} v WHERE v.city_id = $1
          AND ((v.valid_from > $2 AND v.valid_from <= $3) OR (v.valid_to > $2 AND v.valid_to <= $3))),
        a AS (${at('$2')}), b AS (${at('$3')})
       SELECT CASE WHEN a.version IS NULL THEN 'added' WHEN b.version IS NULL THEN 'removed' ELSE 'changed' END AS what, coalesce(a.k, b.k) AS k
       FROM a FULL JOIN b ON a.k = b.k WHERE a.version IS DISTINCT FROM b.version ORDER BY 2`, [cityId, since, until]);
    const c: ChangeList = { kind: spec.kind, added: [], changed: [], removed: [] };
    for (const r of rows) (c[r.what as 'added' | 'changed' | 'removed']).push(r.k);
    out.push(c);
  }
  return out;
}
