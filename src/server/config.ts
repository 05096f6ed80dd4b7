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
  /** CORS of reads: '*' (default), false (off), or a list of allowed origins; writes (and their preflights) get CORS only for a list's origins, never for '*' */
  cors?: '*' | false | string[];
  /** the public base URL of absolute links (e.g. https://cim.example.org/city); default $OPENCIM_BASE_URL, else the address a request arrived on. When set, Host and X-Forwarded-Host/-Proto must agree with it */
  baseUrl?: string;
  /** statement timeout of the read path, ms (default 5000; 0 = none); a query past it answers 504 */
  statementTimeoutMs?: number;
  /** requests using the database at once per class, how many may wait, and how long (default: light 32/256/5000 ms, heavy 2/16/5000 ms; PGlite light 8/64, heavy 1) */
  admission?: { light?: Partial<GateLimitsOption>; heavy?: Partial<GateLimitsOption> };
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

export interface GateLimitsOption { active: number; queue: number; waitMs: number }

/** a public base URL: http(s), no query or fragment, without the trailing slash */
export function parseBaseUrl(v: string): string {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new Error(`base URL "${v.slice(0, 100)}" is not a URL (e.g. https://cim.example.org or http://10.0.0.5:8080/city)`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`base URL must be http:// or https://, got ${u.protocol}`);
  if (u.search || u.hash || u.username || u.password) throw new Error('base URL must have no query, fragment or credentials');
  return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`;
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
