import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openStore } from '../../src/store/driver.js';

/**
 * Once per run: an embedded PGlite store with PostGIS and the migrations applied (tests copy it,
 * since creating one costs ~10 s), and a fresh PostgreSQL database with PostGIS for the server driver.
 */
export default async function setup({ provide }: { provide: (key: string, value: string) => void }) {
  const root = mkdtempSync(join(tmpdir(), 'opencim-test-'));
  const template = join(root, 'pglite-template');
  const s = await openStore(template, { create: true });
  await s.close();
  const admin = process.env.OPENCIM_TEST_PG_ADMIN ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const dbName = `opencim_test_${process.pid}_${Date.now()}`;
  const client = new pg.Client({ connectionString: admin });
  try {
    await client.connect();
  } catch (e) {
    throw new Error(`the store tests need the local PostgreSQL server (${admin}): ${(e as Error).message}. Start it: pg_ctlcluster 15 main start`);
  }
  await client.query(`CREATE DATABASE ${dbName}`);
  await client.end();
  const url = admin.replace(/\/[^/]*$/, `/${dbName}`);
  process.env.OPENCIM_TEST_ROOT = root;
  provide('pgliteTemplate', template);
  provide('pgUrl', url);
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
