import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { maskUrl, type Queryable, type Store } from './driver.js';
import { OpenCimError } from '../model/errors.js';

// bigint (int8) and numeric as JS numbers, as PGlite returns them
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));

/**
 * The server went away under a connection (pg_terminate_backend, idle_session_timeout, a restart,
 * a network cut): SQLSTATE class 08 or 57P0x, or the socket closed.
 */
export function isConnectionLost(e: unknown): boolean {
  const err = e as { code?: unknown; message?: unknown } | null;
  const code = typeof err?.code === 'string' ? err.code : '';
  const msg = typeof err?.message === 'string' ? err.message : '';
  return /^08/.test(code) || /^57P0[1-3]$/.test(code) || ['ECONNRESET', 'EPIPE', 'ECONNREFUSED', 'ETIMEDOUT'].includes(code) ||
    /Connection terminated|terminating connection|Client has encountered a connection error|connection is not open/i.test(msg);
}

export class ConnectionLostError extends OpenCimError {
  constructor(message: string) { super('unavailable', message); }
}

function lostError(url: string, e: unknown, during: string): ConnectionLostError {
  const m = ((e as Error)?.message ?? String(e)).split('\n')[0];
  const err = new ConnectionLostError(`the connection to the database server ${maskUrl(url)} was lost ${during} (${m}); ` +
    `nothing of it was written: run it again (与数据库服务器的连接中断, 未写入任何数据, 请重试)`);
  (err as { cause?: unknown }).cause = e;
  return err;
}

/** reads may be retried once on a fresh connection; anything else (a write, a transaction) may not */
const IDEMPOTENT = /^\s*(SELECT|SHOW|EXPLAIN|VALUES)\b/i;

/**
 * A pool whose connections dying is never fatal. pg emits 'error' on an idle client's pool (logged
 * here) and on a client that is held (checked out) but between queries; unhandled, either ends
 * the process. Every client gets a listener of its own from birth: a backend terminated just after
 * it connected delivers ReadyForQuery and the FATAL error in one read, after the pool has let go of
 * the client and before its borrower could listen. A held client's work then fails with the
 * connection error, and the client is destroyed on release.
 */
export function resilientPool(config: pg.PoolConfig, label: string): pg.Pool {
  const pool = new pg.Pool(config);
  pool.on('connect', (client) => client.on('error', () => {}));
  let lastLog = 0;
  pool.on('error', (e) => {
    // the pool has already dropped that client; the next checkout opens a new connection
    if (Date.now() - lastLog > 10_000) {
      lastLog = Date.now();
      process.stderr.write(`opencim: ${label}: an idle database connection was closed by the server (${e.message.split('\n')[0]}); reconnecting on demand\n`);
    }
  });
  return pool;
}

/** a checked-out client (its pool is a resilientPool: a connection lost while it is held rejects its work, never crashes the process) */
const checkout = (pool: pg.Pool): Promise<pg.PoolClient> => pool.connect();

function wrap(c: pg.PoolClient | pg.Pool, url: string): Queryable {
  const isPool = !('release' in c);
  return {
    async query<T>(sql: string, params: unknown[] = []) {
      try {
        return (await c.query(sql, params)).rows as T[];
      } catch (e) {
        if (!isPool || !isConnectionLost(e)) throw e;
        if (!IDEMPOTENT.test(sql)) throw lostError(url, e, 'during a write');
        return (await c.query(sql, params)).rows as T[];
      }
    },
    async execute(sql: string, params: unknown[] = []) {
      try {
        return (await c.query(sql, params)).rowCount ?? 0;
      } catch (e) {
        throw isConnectionLost(e) ? lostError(url, e, isPool ? 'during a write' : 'during a transaction') : e;
      }
    },
    async exec(sql: string) {
      try {
        await c.query(sql);
      } catch (e) {
        throw isConnectionLost(e) ? lostError(url, e, isPool ? 'during a statement' : 'during a transaction') : e;
      }
    },
    async copyIn(table: string, columns: string[], data: string | Iterable<string>) {
      const client = isPool ? await checkout(c as pg.Pool) : (c as pg.PoolClient);
      try {
        await pipeline(Readable.from(typeof data === 'string' ? [data] : data), client.query(copyFrom(`COPY ${table} (${columns.join(',')}) FROM STDIN`)));
      } catch (e) {
        throw isConnectionLost(e) ? lostError(url, e, 'while copying rows') : e;
      } finally {
        if (client !== c) client.release();
      }
    },
  };
}

export async function openPg(url: string): Promise<Store> {
  const pool = resilientPool({ connectionString: url, max: 8 }, 'store');
  try {
    const c = await pool.connect();
    c.release();
  } catch (e) {
    await pool.end();
    throw new OpenCimError('unavailable', `cannot connect to ${maskUrl(url)}: ${(e as Error).message} (无法连接数据库服务器)`);
  }
  return {
    kind: 'postgres',
    location: maskUrl(url),
    ...wrap(pool, url),
    async transaction(fn) {
      const client = await checkout(pool);
      let broken: unknown;
      let committing = false;
      try {
        await client.query('BEGIN');
        const r = await fn(wrap(client, url));
        committing = true;
        await client.query('COMMIT');
        return r;
      } catch (e) {
        if (committing && isConnectionLost(e)) {
          broken = e;
          throw new ConnectionLostError(`the connection to the database server ${maskUrl(url)} was lost while committing (${(e as Error).message.split('\n')[0]}): ` +
            'whether the work was kept is unknown; check with `opencim stats` before running it again (提交时连接中断: 请用 opencim stats 核对)');
        }
        await client.query('ROLLBACK').catch(() => {});
        if (isConnectionLost(e) || e instanceof ConnectionLostError) {
          broken = e;
          // a lost connection before COMMIT rolls the transaction back on the server
          throw e instanceof ConnectionLostError ? e : lostError(url, e, 'during a transaction');
        }
        throw e;
      } finally {
        // a broken connection is destroyed, not returned to the pool
        client.release(broken ? (broken as Error) : undefined);
      }
    },
    close: () => pool.end(),
  };
}
