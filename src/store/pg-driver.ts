import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { Queryable, Store } from './driver.js';

// bigint (int8) and numeric as JS numbers, as PGlite returns them
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));

function wrap(c: pg.PoolClient | pg.Pool): Queryable {
  return {
    async query<T>(sql: string, params: unknown[] = []) {
      return (await c.query(sql, params)).rows as T[];
    },
    async exec(sql: string) {
      await c.query(sql);
    },
    async copyIn(table: string, columns: string[], data: string) {
      const client = 'release' in c ? c : await (c as pg.Pool).connect();
      try {
        await pipeline(Readable.from([data]), client.query(copyFrom(`COPY ${table} (${columns.join(',')}) FROM STDIN`)));
      } finally {
        if (client !== c) (client as pg.PoolClient).release();
      }
    },
  };
}

export async function openPg(url: string): Promise<Store> {
  const pool = new pg.Pool({ connectionString: url, max: 8 });
  try {
    const c = await pool.connect();
    c.release();
  } catch (e) {
    await pool.end();
    throw new Error(`cannot connect to ${url.replace(/:[^:@/]*@/, ':***@')}: ${(e as Error).message}`);
  }
  return {
    kind: 'postgres',
    location: url.replace(/:[^:@/]*@/, ':***@'),
    ...wrap(pool),
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const r = await fn(wrap(client));
        await client.query('COMMIT');
        return r;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => {});
        throw e;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}
