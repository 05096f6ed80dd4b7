/**
 * Issue 8 §2: a full disk under an embedded store. On a small tmpfs (the tests run as root): an
 * import that fills the disk fails saying the disk is full and where, the store opens and reads
 * while the disk stays full, the failed import gives its space back, and an import the disk
 * clearly cannot hold is refused before it starts.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { dataFile, tempDir } from '../helpers/stores.js';
import { startCli } from './proc.js';

const MB = 1024 * 1024;
const mnt = join(tempDir('disk-'), 'small');
const db = join(mnt, 'db');
const free = () => { const s = statfsSync(mnt); return s.bavail * s.bsize; };
const used = () => Number(execFileSync('du', ['-sb', db], { encoding: 'utf8' }).split('\t')[0]);
/** fill the disk until `leave` bytes are free */
function fill(name: string, leave: number): void {
  const n = Math.max(0, Math.floor((free() - leave) / MB));
  execFileSync('dd', ['if=/dev/zero', `of=${join(mnt, name)}`, 'bs=1M', `count=${n}`], { stdio: 'ignore' });
  if (leave === 0) try { execFileSync('dd', ['if=/dev/zero', `of=${join(mnt, `${name}.rest`)}`, 'bs=4k'], { stdio: 'ignore' }); } catch { /* full */ }
}
async function stats(): Promise<unknown> {
  const r = await runCli(['stats', '--db', db, '--json']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout).cities;
}

beforeAll(() => {
  mkdirSync(mnt, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=110m', 'tmpfs', mnt]);
  cpSync(inject('pgliteTemplate'), db, { recursive: true });
});
afterAll(() => {
  execFileSync('umount', ['-l', mnt]);
});

describe('a full disk under an embedded store', { timeout: 400_000 }, () => {
  it('an import that fills the disk: says so and where, the store reads while full, the space comes back', async () => {
    expect((await runCli(['import', dataFile('beijing-bupt.osm.pbf'), '--db', db, '--city', 'a', '-q'])).code).toBe(0);
    const before = await stats();
    const size0 = used();
    const imp = startCli(['import', dataFile('shanghai-bund-lujiazui-nextzen.geojson'), '--db', db, '--city', 'b']);
    try {
      await imp.waitFor(/ ?B \/ \d/);
    } catch (e) {
      imp.child.kill('SIGKILL');
      throw e;
    }
    fill('filler', 0);
    expect(free()).toBeLessThan(MB);
    expect(await imp.exited).toBe(1);
    expect(imp.err()).toContain(`the disk holding the store ${db} is full`);
    expect(imp.err()).not.toMatch(/object Object|Aborted|at .*\.js:\d+/);
    // still full: the store opens and holds what it held
    expect(free()).toBeLessThan(MB);
    expect(await stats()).toEqual(before);
    for (const f of ['filler', 'filler.rest']) rmSync(join(mnt, f), { force: true });
    // the failed import's pages and WAL are given back (a WAL segment of 16 MB at most may stay for reuse)
    expect(used() - size0).toBeLessThan(17 * MB);
    expect(await stats()).toEqual(before);
    // and with space again, the import works
    expect((await runCli(['import', dataFile('wuhan-optics-valley-nextzen.geojson'), '--db', db, '--city', 'b', '-q'])).code).toBe(0);
  });

  it('an import the disk cannot hold is refused before it starts, with the estimate; a new store too', async () => {
    const before = await stats();
    fill('filler2', 8 * MB);
    try {
      const r = await runCli(['import', dataFile('shanghai-bund-lujiazui-nextzen.geojson'), '--db', db, '--city', 'c', '-q']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`not enough disk space for this import at ${db}: about [\\d.]+ MB needed, [\\d.]+ MB free`));
      expect(await stats()).toEqual(before);
      const fresh = join(mnt, 'new');
      const n = await runCli(['import', dataFile('beijing-bupt.osm.pbf'), '--db', fresh, '-q']);
      expect(n.code).toBe(1);
      expect(n.stderr).toContain('not enough disk space');
      expect(existsSync(fresh)).toBe(false);
    } finally {
      rmSync(join(mnt, 'filler2'), { force: true });
    }
  });
});
