/**
 * Versioned writes for the operations tables (cases_versions, grids_versions), with the spine's
 * signatures (src/store/archive.ts of issue 9): a changeset names who and why; appendVersion adds
 * a version when the content differs, chains its hash to the previous one, and with
 * `expectedVersion` refuses (ConflictError → HTTP 409) when someone else moved the record first.
 * When the spine lands on main this file is replaced by imports from src/store/archive.ts.
 */
import { createHash } from 'node:crypto';
import type { Queryable } from '../../store/driver.js';

export interface VersionedSpec { kind: string; table: string; current: string; key: string[]; geom: boolean }
export interface Changeset { id: number; cityId: string; actor: string; reason: string }
export class ConflictError extends Error { override name = 'ConflictError'; }

export const CASES: VersionedSpec = { kind: 'cases', table: 'cases_versions', current: 'cases_current', key: ['id'], geom: true };
export const GRIDS: VersionedSpec = { kind: 'grids', table: 'grids_versions', current: 'grids_current', key: ['code'], geom: true };

export async function openChangeset(tx: Queryable, o: { cityId: string; actor: string; reason: string; kind: string; sourceId?: string }): Promise<Changeset> {
  const [r] = await tx.query<{ id: string }>('INSERT INTO ops_changesets (city_id, kind, actor, reason, source_id) VALUES ($1,$2,$3,$4,$5) RETURNING id',
    [o.cityId, o.kind, o.actor, o.reason, o.sourceId ?? null]);
  return { id: Number(r.id), cityId: o.cityId, actor: o.actor, reason: o.reason };
}

const canonical = (v: unknown): string => {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (typeof v === 'object') return `{${Object.keys(v as object).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v);
};
const sha = (...parts: (Buffer | string)[]) => { const h = createHash('sha256'); for (const p of parts) h.update(p); return h.digest(); };

/**
 * One record: `row` holds the key and content columns (geom as a GeoJSON geometry). A new version
 * when the content differs from the current one.
 */
export async function appendVersion(tx: Queryable, spec: VersionedSpec, cs: Changeset, row: Record<string, unknown>,
  o: { expectedVersion?: number } = {}): Promise<{ version: number; changed: boolean }> {
  const keyCols = ['city_id', ...spec.key];
  const keyVals = [cs.cityId, ...spec.key.map((k) => row[k])];
  const where = keyCols.map((c, i) => `${c} = $${i + 1}`).join(' AND ');
  const [cur] = await tx.query<{ version: number; content_hash: Uint8Array; hash: Uint8Array }>(
    `SELECT version, content_hash, hash FROM ${spec.table} WHERE ${where} AND valid_to IS NULL FOR UPDATE`, keyVals);
  const curVersion = cur ? Number(cur.version) : 0;
  if (o.expectedVersion !== undefined && o.expectedVersion !== curVersion) {
    throw new ConflictError(`${spec.kind} ${spec.key.map((k) => row[k]).join('/')} is at version ${curVersion}, not ${o.expectedVersion}: someone changed it first; reload and try again / 记录已被他人修改, 请刷新后重试`);
  }
  const contentHash = sha(canonical(row));
  if (cur && Buffer.from(cur.content_hash).equals(contentHash)) return { version: curVersion, changed: false };
  const prev = cur ? Buffer.from(cur.hash) : null;
  const hash = sha(prev ?? Buffer.alloc(0), contentHash);
  if (cur) await tx.query(`UPDATE ${spec.table} SET valid_to = now(), closed_by = $${keyVals.length + 1} WHERE ${where} AND valid_to IS NULL`, [...keyVals, cs.id]);
  const cols = Object.keys(row).filter((c) => !keyCols.includes(c));
  const vals: unknown[] = [...keyVals];
  const exprs = keyCols.map((_, i) => `$${i + 1}`);
  for (const c of cols) {
    const v = row[c];
    vals.push(v !== null && typeof v === 'object' && !(v instanceof Date) ? JSON.stringify(v) : v ?? null);
    exprs.push(c === 'geom' ? `ST_SetSRID(ST_GeomFromGeoJSON($${vals.length}), 4326)` : `$${vals.length}`);
  }
  const n = vals.length;
  vals.push(curVersion + 1, cs.id, contentHash, prev, hash);
  await tx.query(`INSERT INTO ${spec.table} (${[...keyCols, ...cols, 'version', 'valid_from', 'changeset_id', 'content_hash', 'prev_hash', 'hash'].join(', ')})
    VALUES (${[...exprs, `$${n + 1}`, 'now()', `$${n + 2}`, `$${n + 3}`, `$${n + 4}`, `$${n + 5}`].join(', ')})`, vals);
  return { version: curVersion + 1, changed: true };
}
