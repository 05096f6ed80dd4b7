import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Store } from './driver.js';
import { forgetArchiveSchema } from './archive.js';

/** src/store/migrations, from the sources (tests) and from dist/ alike */
const MIGRATIONS_DIR = fileURLToPath(new URL('../../src/store/migrations/', import.meta.url));

export function listMigrations(): { version: number; name: string; sql: string }[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((f) => /^\d+_.*\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: Number(f.split('_')[0]), name: f, sql: readFileSync(MIGRATIONS_DIR + f, 'utf8') }));
}

/**
 * Apply pending numbered migrations (up to `upTo`, default all) in one transaction, under an
 * advisory lock (several processes may start at once).
 */
export async function migrate(store: Store, o: { upTo?: number } = {}): Promise<number[]> {
  const applied = await store.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(7310421)');
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set((await tx.query<{ version: number }>('SELECT version FROM schema_migrations')).map((r) => Number(r.version)));
    const applied: number[] = [];
    for (const m of listMigrations()) {
      if (done.has(m.version) || m.version > (o.upTo ?? Infinity)) continue;
      await tx.exec(m.sql);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      applied.push(m.version);
    }
    return applied;
  });
  // the archive's SQL read from the schema (columns, hash expressions) may have changed
  if (applied.length) forgetArchiveSchema();
  return applied;
}
