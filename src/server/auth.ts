/**
 * Bearer tokens with roles (read < editor < admin). Reads are public unless `publicRead: false`;
 * every write route carries `requireRole(...)`. Tokens are compared in constant time on their
 * SHA-256, so neither their length nor a prefix leaks through timing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Role, ServerOptions } from './config.js';
import { forbidden, unauthorized } from './errors.js';

const RANK: Record<Role, number> = { read: 1, editor: 2, admin: 3 };
const hash = (s: string) => createHash('sha256').update(s).digest();

export function roleOf(opts: ServerOptions, req: FastifyRequest): Role | null {
  const h = req.headers.authorization;
  if (typeof h !== 'string' || !/^Bearer [\x21-\x7e]{1,512}$/.test(h)) return null;
  const given = hash(h.slice(7));
  let role: Role | null = null;
  for (const t of opts.tokens ?? []) if (timingSafeEqual(hash(t.token), given)) role = t.role;
  return role;
}

export function requireRole(opts: ServerOptions, role: Role) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const r = roleOf(opts, req);
    if (!r) {
      reply.header('www-authenticate', 'Bearer realm="opencim"');
      throw unauthorized(`this endpoint needs a bearer token with the ${role} role`);
    }
    if (RANK[r] < RANK[role]) throw forbidden(`this endpoint needs the ${role} role; the token has ${r}`);
  };
}
