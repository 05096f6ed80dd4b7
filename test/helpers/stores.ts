import { cpSync, mkdtempSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext { pgliteTemplate: string; pgUrl: string; testRoot: string }
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
/**
 * The two drivers the store tests run against: each call gives a fresh, empty, migrated store.
 * PGlite: a copy of the migrated template folder. Server: a fresh schema-isolated database made
 * from the per-run database (a new database per case, so cases never see each other's data).
 */
export const DRIVERS = [
  {
    name: 'pglite',
    async fresh(): Promise<string> {
      const dir = join(tempDir('pglite-'), 'db');
      cpSync(inject('pgliteTemplate'), dir, { recursive: true });
      return dir;
    },
  },
  {
    name: 'postgres',
    async fresh(): Promise<string> {
      const base = inject('pgUrl');
      const name = `${base.split('/').pop()}_${process.pid}_${++n}`;
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`CREATE DATABASE ${name}`);
      await c.end();
      return base.replace(/\/[^/]*$/, `/${name}`);
    },
  },
] as const;
