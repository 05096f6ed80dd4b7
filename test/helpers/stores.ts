import { cpSync, mkdtempSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext { pgliteTemplate: string; pgUrl: string; pgMigrated: string; testRoot: string }
}

export const DATA = resolve(import.meta.dirname, '../../../shared/data');

/** Real data is required in CI; locally too, since the tests are about it. */
export function dataFile(name: string): string {
  const p = join(DATA, name);
  if (!existsSync(p)) throw new Error(`missing test data ${p} (../shared/data must be present${process.env.CI ? ' in CI' : ''})`);
  return p;
}

export function tempDir(prefix = 'case-'): string {
  return mkdtempSync(join(inject('testRoot'), prefix));
}

let n = 0;
export interface FreshOptions {
  /**
   * Server: a copy (CREATE DATABASE ... TEMPLATE) of the per-run database that global-setup has
   * migrated, as the PGlite store always is, for tests that are not about migrating a new
   * database; without it, an empty database that the first open migrates (~1.3 s).
   */
  migrated?: boolean;
}
/**
 * The two drivers the store tests run against: each call gives a fresh, empty store.
 * PGlite: a copy of the migrated template folder. Server: a fresh schema-isolated database made
 * from the per-run database (a new database per case, so cases never see each other's data),
 * migrated by its first open, or already migrated with `{ migrated: true }`.
 */
export const DRIVERS = [
  {
    name: 'pglite',
    async fresh(_o: FreshOptions = {}): Promise<string> {
      const dir = join(tempDir('pglite-'), 'db');
      cpSync(inject('pgliteTemplate'), dir, { recursive: true });
      return dir;
    },
  },
  {
    name: 'postgres',
    async fresh(o: FreshOptions = {}): Promise<string> {
      const base = inject('pgUrl');
      const name = `${base.split('/').pop()}_${process.pid}_${++n}`;
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`CREATE DATABASE ${name}${o.migrated ? ` TEMPLATE ${inject('pgMigrated')}` : ''}`);
      await c.end();
      return base.replace(/\/[^/]*$/, `/${name}`);
    },
  },
] as const;

/**
 * A copy of a store that no process holds (made by `fresh`): the PGlite folder copied, or a server
 * database made with it as the template. For CLI runs that read the same state side by side, each
 * on its own copy (two processes never share an embedded store).
 */
export async function copyStore(db: string): Promise<string> {
  if (!/^postgres(ql)?:/.test(db)) {
    const dir = join(tempDir('pglite-copy-'), 'db');
    cpSync(db, dir, { recursive: true });
    return dir;
  }
  const base = inject('pgUrl');
  const name = `${base.split('/').pop()}_${process.pid}_${++n}`;
  const c = new pg.Client({ connectionString: base });
  await c.connect();
  try {
    await c.query(`CREATE DATABASE ${name} TEMPLATE ${db.split('/').pop()}`);
  } finally {
    await c.end();
  }
  return base.replace(/\/[^/]*$/, `/${name}`);
}
