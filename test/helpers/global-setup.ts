import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openStore } from '../../src/store/driver.js';

/**
 * Once per run: an embedded PGlite store with PostGIS and the migrations applied (tests copy it,
 * since creating one costs ~10 s), a fresh PostgreSQL database for the server driver, and one with
 * PostGIS and the migrations applied (tests that ask for it copy it: migrating costs ~1.3 s).
 */
export default async function setup({ provide }: { provide: (key: string, value: string) => void }) {
  const root = mkdtempSync(join(tmpdir(), 'opencim-test-'));
  const template = join(root, 'pglite-template');
  const pglite = openStore(template, { create: true }).then((s) => s.close());
  pglite.catch(() => {}); // awaited below
  const admin = process.env.OPENCIM_TEST_PG_ADMIN ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const dbName = `opencim_test_${process.pid}_${Date.now()}`;
  const client = new pg.Client({ connectionString: admin });
  try {
    await client.connect();
  } catch (e) {
    throw new Error(`the store tests need the local PostgreSQL server (${admin}): ${(e as Error).message}. Start it: pg_ctlcluster 15 main start`);
  }
  await client.query(`CREATE DATABASE ${dbName}`);
  // the migrated server database that `fresh({ migrated: true })` copies (made while PGlite makes its template)
  await client.query(`CREATE DATABASE ${dbName}_migrated`);
  await client.end();
  const url = admin.replace(/\/[^/]*$/, `/${dbName}`);
  const migrated = admin.replace(/\/[^/]*$/, `/${dbName}_migrated`);
  await (await openStore(migrated)).close();
  await pglite;
  process.env.OPENCIM_TEST_ROOT = root;
  provide('pgliteTemplate', template);
  provide('pgUrl', url);
  provide('pgMigrated', `${dbName}_migrated`);
  provide('testRoot', root);
  return async () => {
    const c = new pg.Client({ connectionString: admin });
    await c.connect();
    const dbs = await c.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [`${dbName}%`]);
    for (const d of dbs.rows) await c.query(`DROP DATABASE IF EXISTS ${d.datname} WITH (FORCE)`);
    await c.end();
    rmSync(root, { recursive: true, force: true });
  };
}
