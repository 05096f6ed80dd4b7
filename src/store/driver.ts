/**
 * One small interface over the two drivers: embedded PGlite + PostGIS (a folder) and a PostgreSQL
 * server (postgres:// URL). Same SQL for both.
 */
export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  exec(sql: string): Promise<void>;
  /** COPY ... FROM STDIN in text format; `data` is complete lines */
  copyIn(table: string, columns: string[], data: string): Promise<void>;
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

export async function openStore(db?: string): Promise<Store> {
  const target = resolveDb(db);
  const { migrate } = await import('./migrate.js');
  const store = isServerUrl(target)
    ? await (await import('./pg-driver.js')).openPg(target)
    : await (await import('./pglite-driver.js')).openPglite(target);
  try {
    await migrate(store);
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
