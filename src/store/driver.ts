/**
 * One small interface over the two drivers: embedded PGlite + PostGIS (a folder) and a PostgreSQL
 * server (postgres:// URL). Same SQL for both.
 */
import { UsageError } from '../model/errors.js';

export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  exec(sql: string): Promise<void>;
  /** a data-modifying statement: how many rows it touched (its command tag; no row to the client) */
  execute(sql: string, params?: unknown[]): Promise<number>;
  /**
   * COPY ... FROM STDIN in text format; `data` is complete lines, as one string or as pieces
   * pulled while they are sent (a large write never held whole: see `pieces`, model/pieces.ts)
   */
  copyIn(table: string, columns: string[], data: string | Iterable<string>): Promise<void>;
}

export interface Store extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** where the data lives, for messages (folder, or URL without password) */
  readonly location: string;
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export const DEFAULT_DB = './.opencim/db';

export function isServerUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//.test(db);
}

/** --db beats DATABASE_URL beats the default folder */
export function resolveDb(db?: string): string {
  return db ?? process.env.DATABASE_URL ?? DEFAULT_DB;
}

/** a URL for people to read: the whole password replaced by *** (any characters in it) */
export function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    if (!u.password) return url;
    u.password = '***';
    return u.toString().replace('%2A%2A%2A', '***');
  } catch {
    // not parseable: hide everything between the scheme and the last '@'
    return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)(.*)@/i, (_m, s: string, cred: string) => `${s}${cred.includes(':') ? `${cred.split(':')[0]}:***` : cred}@`);
  }
}

export interface OpenOptions {
  /** may create a new store (only `import` and `demo` do): an empty or missing folder gets a new database */
  create?: boolean;
  /** PGlite: wait this long (ms; Infinity: no limit) for another process to release the folder; default $OPENCIM_WAIT (seconds) or 0 */
  waitMs?: number;
}

/** a store named wrongly (a folder that is not one, an unknown driver): a usage error */
export class StoreError extends UsageError {}

/** the wait of --wait / OPENCIM_WAIT: seconds, empty or "true" = no limit */
export function waitFromEnv(v = process.env.OPENCIM_WAIT): number {
  if (v === undefined || v === '' || v === '0') return 0;
  if (v === 'true') return Infinity;
  const n = Number(v);
  if (!(n >= 0)) throw new StoreError(`--wait / OPENCIM_WAIT must be a number of seconds, got "${v}"`);
  return n * 1000;
}

export async function openStore(db?: string, o: OpenOptions = {}): Promise<Store> {
  const target = resolveDb(db);
  const scheme = /^([a-z][a-z0-9+.-]+):/i.exec(target);
  if (scheme && !isServerUrl(target)) {
    throw new StoreError(`unknown store address "${maskUrl(target)}": give a folder (embedded store) or a postgres://user@host:port/database URL ` +
      `(无法识别的数据库地址 "${scheme[1]}:": 请用文件夹或 postgres:// 地址)`);
  }
  const { migrate } = await import('./migrate.js');
  const store = isServerUrl(target)
    ? await (await import('./pg-driver.js')).openPg(target)
    : await (await import('./pglite-driver.js')).openPglite(target, { create: o.create ?? false, waitMs: o.waitMs ?? waitFromEnv() });
  try {
    await migrate(store);
    // an embedded store is held by one process at a time: a run it finds still running was left by a process that died (kill -9)
    if (store.kind === 'pglite') await (await import('./runs.js')).failStaleRuns(store, 0);
  } catch (e) {
    await store.close();
    throw e;
  }
  return store;
}

/** COPY text format escaping; undefined/null → \N */
export function copyValue(v: unknown): string {
  if (v === undefined || v === null) return '\\N';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '\\N';
  if (typeof v === 'boolean') return v ? 't' : 'f';
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}
