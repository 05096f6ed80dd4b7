/**
 * Issue 8 §1: two processes on one PGlite folder. The trials that corrupted a store (import while
 * `serve` runs, two imports at once, a killed import's leftovers) now end with a clear error naming
 * the holder, or a wait with --wait, and the store intact.
 */
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readlinkSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { LOCK_FILE, lockStore, StoreLockedError } from '../../src/store/lock.js';
import { runCli } from '../helpers/cli.js';
import { copyStore, dataFile, DRIVERS, tempDir } from '../helpers/stores.js';
import { freePort, startCli } from './proc.js';

const PBF = dataFile('beijing-bupt.osm.pbf');
const pglite = DRIVERS[0];

async function stats(db: string): Promise<{ city_id: string; counts: Record<string, number>; sources: { source_id: string }[] }[]> {
  const r = await runCli(['stats', '--db', db, '--json']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout).cities;
}

describe('one process at a time on an embedded store', { timeout: 400_000 }, () => {
  // a store holding city a and what stats says of it: the tests that start from it each take their own copy
  let imported: string;
  let importedStats: Awaited<ReturnType<typeof stats>>;
  beforeAll(async () => {
    imported = await pglite.fresh();
    expect((await runCli(['import', PBF, '--db', imported, '--city', 'a', '-q'])).code).toBe(0);
    importedStats = await stats(imported);
  }, 400_000);

  it('import while `opencim serve` holds the folder: a clear error naming the server, the store intact; --wait waits for it', async () => {
    const db = await copyStore(imported);
    const before = importedStats;
    const port = await freePort();
    const serve = startCli(['serve', '--db', db, '--port', String(port)]);
    try {
      await serve.waitFor(/Ctrl-C stops/);
      const link = readlinkSync(join(db, LOCK_FILE));
      expect(JSON.parse(link)).toMatchObject({ pid: serve.child.pid, command: expect.stringContaining('opencim serve') });
      for (const args of [['import', PBF, '--city', 'b', '-q'], ['stats'], ['check', '--out', join(tempDir(), 'out'), '-q']]) {
        const r = await runCli([...args, '--db', db]);
        expect(r.code, args[0]).toBe(1);
        expect(r.stderr).toContain(`the store ${db} is in use by \`opencim serve --db ${db} --port ${port}\` (pid ${serve.child.pid}`);
        expect(r.stderr).toMatch(/--wait|postgres:\/\//);
      }
      // the server still answers, from the same data
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/summary?city=a`);
      expect(res.status).toBe(200);
      // --wait: the import runs once the server stops
      const waiting = startCli(['import', PBF, '--db', db, '--city', 'b', '-q', '--wait', '60']);
      await waiting.waitFor(/waiting for the store/);
      serve.child.kill('SIGTERM');
      expect(await serve.exited).toBe(0);
      expect(await waiting.exited).toBe(0);
    } finally {
      serve.child.kill('SIGKILL');
    }
    const after = await stats(db);
    expect(after.map((c) => c.city_id)).toEqual(['a', 'b']);
    expect(after[0].counts).toEqual(before[0].counts);
    expect(after[1].counts).toEqual(before[0].counts);
    expect(existsSync(join(db, LOCK_FILE))).toBe(false);
  });

  it('two imports at once: one runs, the other is refused (never a lost import reported as success); with --wait both land', async () => {
    // (the two trials, each on its own store, side by side)
    const refusedOne = async () => {
      const db = await pglite.fresh();
      const [r1, r2] = await Promise.all(['x', 'y'].map((city) => runCli(['import', PBF, '--db', db, '--city', city, '--json', '-q'])));
      const ok = [r1, r2].filter((r) => r.code === 0);
      const refused = [r1, r2].filter((r) => r.code !== 0);
      expect(ok).toHaveLength(1);
      expect(refused).toHaveLength(1);
      expect(refused[0].stderr).toMatch(/is in use by `opencim import .*--city [xy]/);
      const city = JSON.parse(ok[0].stdout).city as string;
      expect((await stats(db)).map((c) => c.city_id)).toEqual([city]);
    };
    const bothWait = async () => {
      const db2 = await pglite.fresh();
      const both = await Promise.all(['x', 'y'].map((c) => runCli(['import', PBF, '--db', db2, '--city', c, '-q', '--wait'])));
      expect(both.map((r) => r.code)).toEqual([0, 0]);
      const s = await stats(db2);
      expect(s.map((c) => c.city_id)).toEqual(['x', 'y']);
      expect(s[0].counts).toEqual(s[1].counts);
      // the city can be imported again (no phantom duplicate keys)
      expect((await runCli(['import', PBF, '--db', db2, '--city', 'x', '-q'])).code).toBe(0);
    };
    await Promise.all([refusedOne(), bothWait()]);
  });

  it('kill -9 of an import leaves a stale lock that the next process takes over; the store is as before', async () => {
    const db = await copyStore(imported);
    const before = importedStats;
    const imp = startCli(['import', PBF, '--db', db, '--city', 'b']);
    await imp.waitFor(/ ?B \/ \d/); // reading: the store is open
    expect(lstatSync(join(db, LOCK_FILE)).isSymbolicLink()).toBe(true);
    imp.child.kill('SIGKILL');
    await imp.exited;
    expect(lstatSync(join(db, LOCK_FILE)).isSymbolicLink()).toBe(true); // left behind by the killed process
    expect(await stats(db)).toEqual(before);
  });

  it('a lock names a live holder (error at once) and a dead one is stale (taken over); a reused pid is not the holder', async () => {
    const dir = join(tempDir(), 'f');
    mkdirSync(dir);
    const sleeper = spawn('sleep', ['30']);
    try {
      await new Promise((r) => setTimeout(r, 100));
      const { readFileSync } = await import('node:fs');
      const stat = readFileSync(`/proc/${sleeper.pid}/stat`, 'utf8');
      const procStart = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
      const { hostname } = await import('node:os');
      symlinkSync(JSON.stringify({ pid: sleeper.pid, command: 'opencim serve --db f', host: hostname(), started: 'now', procStart }), join(dir, LOCK_FILE));
      const t0 = Date.now();
      const err = await lockStore(dir).then(() => null, (e) => e);
      expect(err).toBeInstanceOf(StoreLockedError);
      expect(err.message).toContain(`in use by \`opencim serve --db f\` (pid ${sleeper.pid}`);
      const took = Date.now() - t0;
      // --wait with a limit: still refused once the time is up
      const err2 = await lockStore(dir, 600).then(() => null, (e) => e);
      expect(err2).toBeInstanceOf(StoreLockedError);
      expect(took).toBeLessThan(1000); // "within a second" (a bound of the trial, not a benchmark)
      // the same pid with another start time: the pid was reused, the lock is stale
      const { unlinkSync } = await import('node:fs');
      unlinkSync(join(dir, LOCK_FILE));
      symlinkSync(JSON.stringify({ pid: sleeper.pid, command: 'x', host: hostname(), started: 'then', procStart: '1' }), join(dir, LOCK_FILE));
      const l = await lockStore(dir);
      expect(JSON.parse(readlinkSync(join(dir, LOCK_FILE))).pid).toBe(process.pid);
      l.release();
      expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    } finally {
      sleeper.kill();
    }
    // a dead holder
    const dead = spawn('true');
    await new Promise((r) => dead.on('close', r));
    symlinkSync(JSON.stringify({ pid: dead.pid, command: 'opencim import', host: (await import('node:os')).hostname(), started: 'then' }), join(dir, LOCK_FILE));
    const l = await lockStore(dir);
    l.release();
  });
});
