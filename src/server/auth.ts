/**
 * Who is asking: a bearer token resolves to `req.principal = { name, roles }`, from the principals
 * in the store (looked up by the token's SHA-256, never the token) or from the bootstrap tokens of
 * OPENCIM_TOKENS (principal `env:<role>:<n>`, compared in constant time on their SHA-256, so neither
 * length nor a prefix leaks through timing). Reads are public unless `publicRead: false`; every
 * write route carries `requireRole(opts, ...roles)`: 401 without a valid token (unknown or
 * revoked), 403 when the principal lacks the role. `admin` holds every role.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Queryable } from '../store/driver.js';
import { hashToken, hasRole, principalByTokenHash, STAFF_ROLES, type Principal, type Role } from '../store/principals.js';
import type { EnvToken, ServerOptions } from './config.js';
import { forbidden, unauthorized } from './errors.js';

declare module 'fastify' {
  interface FastifyRequest { principal?: Principal | null }
}

/** Resolves tokens; answers from the store are kept `ttlMs` (a revoke in another process applies within it). */
export class Authenticator {
  private env: { hash: Buffer; principal: Principal }[];
  private cache = new Map<string, { at: number; principal: Principal | null }>();

  constructor(private store: Queryable | null, tokens: EnvToken[], private ttlMs = 2000) {
    this.env = tokens.map((t, i) => {
      const role: Role = t.role === 'read' ? 'viewer' : t.role;
      return { hash: Buffer.from(hashToken(t.token), 'hex'), principal: { name: t.name ?? `env:${role}:${i + 1}`, roles: [role] } };
    });
  }

  async resolve(token: string): Promise<Principal | null> {
    const h = hashToken(token);
    const given = Buffer.from(h, 'hex');
    let found: Principal | null = null;
    for (const t of this.env) if (timingSafeEqual(t.hash, given)) found = t.principal;
    if (found || !this.store) return found;
    const now = Date.now();
    const c = this.cache.get(h);
    if (c && now - c.at < this.ttlMs) return c.principal;
    const principal = await principalByTokenHash(this.store, h);
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(h, { at: now, principal });
    return principal;
  }

  /** forget cached answers (after a revoke in this process) */
  invalidate(): void {
    this.cache.clear();
  }
}

/** what every endpoint answers a bearer token that names no principal (unknown, revoked, malformed) */
export const INVALID_TOKEN = 'unknown or revoked token (令牌无效或已撤销)';

/**
 * The principal of a request (null: no token); sets `req.principal`. The one rule of tokens: a
 * bearer token presented (`Authorization: Bearer ...`) that is unknown, revoked or malformed is a
 * 401 on every endpoint, public reads included, never read as anonymous (a client with a revoked
 * token learns it at once, and a cache never mixes its answers with the public's). Other
 * authorization schemes (a proxy's Basic credentials) are not ours and are left alone.
 */
export async function principalOf(opts: ServerOptions, req: FastifyRequest): Promise<Principal | null> {
  if (req.principal !== undefined) return req.principal;
  const h = req.headers.authorization;
  let p: Principal | null = null;
  const bearer = typeof h === 'string' && /^bearer(\s|$)/i.test(h);
  if (bearer) {
    const token = /^Bearer ([\x21-\x7e]{1,512})$/i.exec(h!)?.[1];
    if (token) p = await (opts.auth ?? new Authenticator(null, opts.tokens ?? [])).resolve(token);
    if (!p) {
      req.principal = null;
      throw unauthorized(`${INVALID_TOKEN}: send a valid token or none (public reads need none; opencim users add NAME --role ROLE)`);
    }
  }
  req.principal = p;
  return p;
}

/** A route guard: a valid token whose principal holds one of `roles` (none given: any principal). */
export function requireRole(opts: ServerOptions, ...roles: Role[]) {
  const need = roles.length ? roles.join(' or ') : 'any';
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const p = await principalOf(opts, req);
    if (!p) {
      reply.header('www-authenticate', 'Bearer realm="opencim"');
      throw unauthorized(`需要令牌 / a bearer token is needed: this endpoint needs a principal with the ${need} role (opencim users add NAME --role ROLE)`);
    }
    if (!hasRole(p, roles)) throw forbidden(`this endpoint needs the ${need} role (需要角色 ${need}); ${p.name} has ${p.roles.join(', ')}`);
  };
}

/** what a collection's read policy needs (CollectionSpec.read) */
export interface ReadPolicy { id: string; read?: readonly Role[] }

/** may the request read the collection? (the principal is resolved by the server's onRequest hook) */
export function mayRead(req: FastifyRequest, c: ReadPolicy): boolean {
  return !c.read || (!!req.principal && hasRole(req.principal, c.read));
}

/** the collection's read policy as a guard: 401 without a valid token, 403 without the role */
export function requireRead(req: FastifyRequest, c: ReadPolicy, reply?: FastifyReply): void {
  if (c.read) reply?.header('cache-control', 'private, no-store').header('vary', 'Authorization');
  if (mayRead(req, c)) return;
  const need = c.read!.join(' or ');
  if (!req.principal) {
    reply?.header('www-authenticate', 'Bearer realm="opencim"');
    throw unauthorized(`collection ${c.id} is readable by ${need} only: send a bearer token (该数据集仅限授权人员读取)`);
  }
  throw forbidden(`collection ${c.id} is readable by ${need} only (需要角色 ${need}); ${req.principal.name} has ${req.principal.roles.join(', ')}`);
}

/** is the request from the city's staff (any role but citizen)? */
export function isStaff(req: FastifyRequest): boolean {
  return !!req.principal && hasRole(req.principal, STAFF_ROLES);
}
