/**
 * The read path of the server on a PostgreSQL server: two pools of its own, so that heavy ad-hoc
 * queries never take the connections of the light ones.
 *
 * - light: tiles and item pages are small queries of fixed shape with a spatial predicate, and
 *   planning them costs more than running them (PostGIS reads the geometry column's statistics for
 *   every `&&` estimate: ~15–30 ms per plan on a million buildings, against ~5 ms of execution). They
 *   are named prepared statements with generic plans (planned once per connection), and no parallel
 *   workers (their start-up costs more than these queries).
 * - heavy: statements built from client text (CQL2 filters) are planned for their values (a generic
 *   plan of an `S_INTERSECTS` with a 330-vertex polygon ran 50 s instead of 0.1 s), on a pool of
 *   a few connections.
 * Both have a statement timeout, and a query whose client went away is cancelled (a CancelRequest
 * to its backend). Other queries use the store as usual.
 */
import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import pg from 'pg';
import type { Queryable } from '../store/driver.js';
import { isConnectionLost, resilientPool } from '../store/pg-driver.js';

export interface ReadOptions {
  /** a statement of fixed shape (never built from client text), kept per connection; others are heavy */
  prepare?: boolean;
  /** cancel the query when this aborts (the client went away) */
  signal?: AbortSignal;
}

export interface HotReader {
  query<T = Record<string, unknown>>(sql: string, params: unknown[], o?: boolean | ReadOptions): Promise<T[]>;
  close(): Promise<void>;
}

export function storeReader(store: Queryable): HotReader {
  return {
    query: (sql, params, o) => {
      // PGlite runs one statement at a time and cannot be interrupted: a query not yet started is not started
      if (typeof o === 'object' && o.signal?.aborted) return Promise.reject(Object.assign(new Error('the client went away'), { code: '57014' }));
      return store.query(sql, params);
    },
    close: async () => {},
  };
}

export interface PgReaderOptions {
  light?: number;
  heavy?: number;
  /** ms, 0 = none */
  statementTimeoutMs?: number;
}

/** PostgreSQL's CancelRequest (protocol 3.0): a fresh connection carrying the backend's pid and key */
function cancelBackend(client: pg.PoolClient): void {
  const c = client as unknown as { processID?: number; secretKey?: number; host?: string; port?: number };
  if (!c.processID || c.secretKey === undefined) return;
  const msg = Buffer.alloc(16);
  msg.writeInt32BE(16, 0);
  msg.writeInt32BE(80877102, 4);
  msg.writeInt32BE(c.processID, 8);
  msg.writeInt32BE(c.secretKey, 12);
  const port = c.port ?? 5432;
  const host = c.host ?? 'localhost';
  const sock = host.startsWith('/') ? connect({ path: `${host}/.s.PGSQL.${port}` }) : connect({ host, port });
  sock.on('error', () => {});
  sock.setTimeout(2000, () => sock.destroy());
  sock.on('connect', () => sock.end(msg));
}

export async function pgReader(url: string, o: PgReaderOptions = {}): Promise<HotReader> {
  const timeout = o.statementTimeoutMs ? ` -c statement_timeout=${Math.round(o.statementTimeoutMs)}` : '';
  const light = resilientPool({
    connectionString: url, max: o.light ?? 8,
    options: `-c plan_cache_mode=force_generic_plan -c max_parallel_workers_per_gather=0 -c jit=off${timeout}`,
  }, 'tiles/pages pool');
  const heavy = resilientPool({ connectionString: url, max: o.heavy ?? 2, options: `-c jit=off${timeout}` }, 'filter pool');
  const c = await light.connect();
  c.release();
  const names = new Map<string, string>();

  async function run<T>(pool: pg.Pool, q: pg.QueryConfig, signal?: AbortSignal): Promise<T[]> {
    if (signal?.aborted) throw Object.assign(new Error('the client went away'), { code: '57014' });
    // (a resilientPool's clients always have an error listener: a backend terminated while this one is held cannot crash the process)
    const client = await pool.connect();
    const onAbort = () => cancelBackend(client);
    signal?.addEventListener('abort', onAbort, { once: true });
    let broken: Error | undefined;
    try {
      return (await client.query(q)).rows as T[];
    } catch (e) {
      if (isConnectionLost(e)) broken = e as Error;
      throw e;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      client.release(broken);
    }
  }

  return {
    async query<T>(sql: string, params: unknown[], opt: boolean | ReadOptions = {}) {
      const { prepare = false, signal } = typeof opt === 'boolean' ? { prepare: opt } : opt;
      let q: pg.QueryConfig = { text: sql, values: params };
      if (prepare) {
        let name = names.get(sql);
        if (!name) { name = `oc_${createHash('sha1').update(sql).digest('hex').slice(0, 20)}`; names.set(sql, name); }
        q = { ...q, name };
      }
      const pool = prepare ? light : heavy;
      try {
        return await run<T>(pool, q, signal);
      } catch (e) {
        // reads: once more on a fresh connection when the server dropped this one
        if (!isConnectionLost(e) || signal?.aborted) throw e;
        return run<T>(pool, q, signal);
      }
    },
    close: async () => { await Promise.all([light.end(), heavy.end()]); },
  };
}
