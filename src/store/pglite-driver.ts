import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { postgis } from '@electric-sql/pglite-postgis';
import type { Queryable, Store } from './driver.js';

function wrap(q: PGlite | Transaction): Queryable {
  return {
    async query<T>(sql: string, params: unknown[] = []) {
      return (await q.query<T>(sql, params)).rows;
    },
    async exec(sql: string) {
      await q.exec(sql);
    },
    async copyIn(table: string, columns: string[], data: string) {
      await q.query(`COPY ${table} (${columns.join(',')}) FROM '/dev/blob'`, [], { blob: new Blob([data]) });
    },
  };
}

export async function openPglite(folder: string): Promise<Store> {
  const dir = resolve(folder);
  mkdirSync(dir, { recursive: true });
  const db = await PGlite.create({ dataDir: dir, extensions: { postgis } });
  return {
    kind: 'pglite',
    location: dir,
    ...wrap(db),
    transaction: (fn) => db.transaction((tx) => fn(wrap(tx))),
    close: () => db.close(),
  };
}
