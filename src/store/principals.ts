/**
 * People and roles: named principals, each with roles and one bearer token of which only the
 * SHA-256 is kept. `admin` implies every role. A revoked principal keeps its row (who had access
 * when) but its token no longer resolves.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from './driver.js';
import { ConflictError, InputError, NotFoundError } from '../model/errors.js';

export const ROLES = ['viewer', 'editor', 'inspector', 'dispatcher', 'grid_worker', 'department', 'supervisor', 'citizen', 'admin'] as const;
export type Role = (typeof ROLES)[number];
/** the city's own staff: every role but citizen (personal data of reporters is shown to them only) */
export const STAFF_ROLES: readonly Role[] = ROLES.filter((r) => r !== 'citizen');

export interface Principal { name: string; roles: Role[] }
export interface PrincipalRow extends Principal {
  created_at: string; created_by: string; revoked_at: string | null; revoked_by: string | null;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/;

export class PrincipalError extends InputError {}

/** hex SHA-256 of a token: what the store keeps and looks up */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** a new random token (256 bits) */
export function newToken(): string {
  return `ocim_${randomBytes(32).toString('base64url')}`;
}

/** does the principal hold one of these roles (admin holds all; no roles asked: any principal) */
export function hasRole(p: Principal, roles: readonly Role[]): boolean {
  return p.roles.includes('admin') || !roles.length || roles.some((r) => p.roles.includes(r));
}

/** "editor,inspector" → roles, with a clear error naming an unknown one */
export function parseRoles(list: string): Role[] {
  const roles = [...new Set(list.split(',').map((s) => s.trim()).filter(Boolean))];
  if (!roles.length) throw new PrincipalError(`--role: give at least one role (角色): ${ROLES.join(', ')}`);
  for (const r of roles) {
    if (!(ROLES as readonly string[]).includes(r)) throw new PrincipalError(`unknown role "${r}" (未知角色); roles: ${ROLES.join(', ')}`);
  }
  return roles as Role[];
}

const COLS = `name, roles, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS created_at, created_by,
  to_char(revoked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS revoked_at, revoked_by`;

/** Add a principal; returns its token, which is not kept anywhere. */
export async function addPrincipal(q: Queryable, o: { name: string; roles: Role[]; createdBy: string }): Promise<{ principal: PrincipalRow; token: string }> {
  if (!NAME.test(o.name)) throw new PrincipalError(`user name "${o.name.slice(0, 80)}" is not valid (用户名无效): 1–64 letters, digits, _ . @ -, starting with a letter or digit`);
  const roles = parseRoles(o.roles.join(','));
  const token = newToken();
  const rows = await q.query<PrincipalRow>(
    `INSERT INTO principals (name, roles, token_hash, created_by) VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO NOTHING RETURNING ${COLS}`,
    [o.name, roles, hashToken(token), o.createdBy]);
  if (!rows.length) {
    const old = await q.query<{ revoked_at: string | null }>('SELECT revoked_at::text FROM principals WHERE name = $1', [o.name]);
    throw new ConflictError(`user "${o.name}" exists already${old[0]?.revoked_at ? ' (revoked; names are never reused)' : ''} (用户已存在): choose another name`);
  }
  return { principal: rows[0], token };
}

export async function listPrincipals(q: Queryable): Promise<PrincipalRow[]> {
  return q.query<PrincipalRow>(`SELECT ${COLS} FROM principals ORDER BY name`);
}

/** Revoke a principal's token; an unknown name is not found, one revoked already a conflict (exit 1: the name was right in form). */
export async function revokePrincipal(q: Queryable, name: string, by: string): Promise<PrincipalRow> {
  const rows = await q.query<PrincipalRow>(
    `UPDATE principals SET revoked_at = now(), revoked_by = $2 WHERE name = $1 AND revoked_at IS NULL RETURNING ${COLS}`, [name, by]);
  if (rows.length) return rows[0];
  const old = await q.query<{ revoked_at: string; revoked_by: string }>(`SELECT ${COLS} FROM principals WHERE name = $1`, [name]);
  if (old.length) throw new ConflictError(`user "${name}" was revoked already at ${old[0].revoked_at} by ${old[0].revoked_by} (已撤销)`);
  throw new NotFoundError(`no user "${name.slice(0, 80)}" (无此用户): see \`opencim users list\``);
}

/** the active principal holding this token hash, or null */
export async function principalByTokenHash(q: Queryable, tokenHash: string): Promise<Principal | null> {
  const rows = await q.query<Principal>('SELECT name, roles FROM principals WHERE token_hash = $1 AND revoked_at IS NULL', [tokenHash]);
  return rows[0] ?? null;
}

/** how many principals can sign in (for `serve --private`) */
export async function activePrincipals(q: Queryable): Promise<number> {
  return Number((await q.query<{ n: number }>('SELECT count(*)::int AS n FROM principals WHERE revoked_at IS NULL'))[0].n);
}
