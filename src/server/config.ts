/**
 * Server configuration: what `opencim serve` flags and environment variables set. Everything read
 * is public by default; writes always need a token of a principal with a role.
 */
import { ROLES, type Role } from '../store/principals.js';
import type { Authenticator } from './auth.js';

export type { Role };

/** a bootstrap token (OPENCIM_TOKENS, CI and scripts): principal `env:<role>:<n>`; the old role `read` is `viewer` */
export interface EnvToken { token: string; role: Role | 'read'; name?: string }

export interface ServerOptions {
  /** read endpoints without a token (default true); false: every request needs a token (any role) */
  publicRead?: boolean;
  /** bootstrap bearer tokens and their roles (default: from OPENCIM_TOKENS="token:role,token:role"); principals in the store come on top */
  tokens?: EnvToken[];
  /** how long a resolved token is trusted before the store is asked again, ms (default 2000; a revoke in this process applies at once) */
  principalTtlMs?: number;
  /** set by buildServer: resolves bearer tokens to principals */
  auth?: Authenticator;
  /** CORS: '*' (default), false (off), or a list of allowed origins */
  cors?: '*' | false | string[];
  /** vector tiles cut in the app ('app', works on both drivers) or by ST_AsMVT ('postgis', server only); 'auto' = app on PGlite, postgis on a server with protobuf support */
  tileEngine?: 'app' | 'postgis' | 'auto';
  /** tiles kept in memory (gzipped), default 2000; 0 turns the cache off */
  tileCacheSize?: number;
  /** how long the data version (ETag) is trusted before it is read again, ms (default 2000) */
  versionTtlMs?: number;
  /** an optional raster basemap URL template for the viewer (default none: works offline) */
  basemapUrl?: string;
  /** attribution for the basemap */
  basemapAttribution?: string;
  /** folder of the built viewer (default dist/web) */
  webRoot?: string;
  /** exact counts up to this many matches; beyond, `numberMatched` is left out and an estimate given */
  countCap?: number;
  /** Fastify logger (default off) */
  logger?: boolean;
  /** the store's postgres:// URL: the hot read path (tiles, item pages) then uses prepared statements on a pool of its own */
  pgUrl?: string;
  /** where `opencim check` wrote its output folder (report.html), to link from the dashboard */
  reportDir?: string;
}

export function tokensFromEnv(env: string | undefined): EnvToken[] {
  if (!env) return [];
  const count = new Map<string, number>();
  return env.split(',').map((s) => s.trim()).filter(Boolean).map((pair) => {
    const i = pair.lastIndexOf(':');
    const token = i > 0 ? pair.slice(0, i) : pair;
    const given = i > 0 ? pair.slice(i + 1) : 'viewer';
    const role = given === 'read' ? 'viewer' : given;
    if (!(ROLES as readonly string[]).includes(role)) throw new Error(`OPENCIM_TOKENS: unknown role "${given}" (未知角色; roles: ${ROLES.join(', ')}; "read" means viewer)`);
    if (token.length < 16) throw new Error('OPENCIM_TOKENS: tokens must be at least 16 characters (令牌至少 16 个字符)');
    const n = (count.get(role) ?? 0) + 1;
    count.set(role, n);
    return { token, role: role as Role, name: `env:${role}:${n}` };
  });
}
