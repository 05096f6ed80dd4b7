/**
 * The hot read path on a PostgreSQL server: tiles and item pages are small queries with a spatial
 * predicate, and planning them costs more than running them (PostGIS reads the geometry column's
 * statistics for every `&&` estimate: ~15–30 ms per plan on a million buildings, against ~5 ms of
 * execution). So the server keeps its own small pool whose fixed-shape queries are named prepared
 * statements with generic plans (planned once per connection), and no parallel workers (their
 * start-up costs more than these queries). Other queries use the store as usual.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Queryable } from '../store/driver.js';

export interface HotReader {
  /** `prepare`: a statement of fixed shape (never built from client text), kept per connection */
  query<T = Record<string, unknown>>(sql: string, params: unknown[], prepare?: boolean): Promise<T[]>;
  close(): Promise<void>;
}

export function storeReader(store: Queryable): HotReader {
  return { query: (sql, params) => store.query(sql, params), close: async () => {} };
}

export async function pgReader(url: string, max = 8): Promise<HotReader> {
  const pool = new pg.Pool({
    connectionString: url, max,
    options: '-c plan_cache_mode=force_generic_plan -c max_parallel_workers_per_gather=0 -c jit=off',
  });
  const c = await pool.connect();
  c.release();
  const names = new Map<string, string>();
  return {
    async query<T>(sql: string, params: unknown[], prepare = false) {
      if (!prepare) return (await pool.query(sql, params)).rows as T[];
      let name = names.get(sql);
      if (!name) { name = `oc_${createHash('sha1').update(sql).digest('hex').slice(0, 20)}`; names.set(sql, name); }
      return (await pool.query({ name, text: sql, values: params })).rows as T[];
    },
    close: () => pool.end(),
  };
}
