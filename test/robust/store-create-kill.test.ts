/**
 * kill -9 of the first import into a new folder while PGlite makes the database (initdb, seconds):
 * the half-made folder must neither be taken for a store nor block the next import.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/stores.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a store whose making was cut off', () => {
  it('is named as such, and the next import starts it afresh', async () => {
    const gen = join(tempDir(), 'city.osm.pbf');
    expect((await runCli(['generate', '--out', gen, '--buildings', '200', '-q'])).code).toBe(0);
    const db = join(tempDir(), 'db');
    const child = spawn(process.execPath, [BIN, 'import', gen, '--db', db, '-q'], { stdio: 'ignore', env: { ...process.env, DATABASE_URL: undefined } });
    // killed once the database files appear, before the database is whole (PG_VERSION is among its last files)
    const t0 = Date.now();
    while (Date.now() - t0 < 60_000 && !(existsSync(resolve(db, 'base')) && !existsSync(resolve(db, 'PG_VERSION')))) await sleep(2);
    child.kill('SIGKILL');
    await new Promise((r) => child.on('close', r));
    expect(existsSync(resolve(db, 'base'))).toBe(true);
    expect(existsSync(resolve(db, 'PG_VERSION'))).toBe(false);

    const stats = await runCli(['stats', '--db', db]);
    expect(stats.code).toBe(2);
    expect(stats.stderr).toMatch(/was cut off.*run `opencim import FILE --db/);
    expect(stats.stderr).toContain('数据库创建中断');
    const again = await runCli(['import', gen, '--db', db, '-q', '--json']);
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    expect(readdirSync(db).filter((f) => f.includes('creating'))).toEqual([]);
    const after = await runCli(['stats', '--db', db, '--json']);
    expect(JSON.parse(after.stdout).cities[0].counts.buildings).toBeGreaterThan(0);
  });
});
