/**
 * Issue 8 §8–9: only `import` creates a store, only in an empty or new folder; an unknown URL
 * scheme is an error; passwords in URLs are masked whole.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { maskUrl } from '../../src/store/driver.js';
import { runCli } from '../helpers/cli.js';
import { dataFile, tempDir } from '../helpers/stores.js';

describe('opening a store', { timeout: 400_000 }, () => {
  it('stats on a folder of other files, on a missing folder and on a typo URL writes nothing and says why', async () => {
    const root = tempDir();
    const notadb = join(root, 'notadb');
    mkdirSync(notadb);
    writeFileSync(join(notadb, 'notes.txt'), 'mine');
    const r = await runCli(['stats', '--db', notadb]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${notadb} is not an OpenCIM store`);
    expect(r.stderr).toContain('notes.txt');
    expect(readdirSync(notadb)).toEqual(['notes.txt']);

    const missing = join(root, 'missing');
    const m = await runCli(['stats', '--db', missing]);
    expect(m.code).toBe(2);
    expect(m.stderr).toContain(`no store at ${missing} yet`);
    expect(m.stderr).toContain('opencim import FILE');
    expect(existsSync(missing)).toBe(false);

    for (const typo of ['postgresql:/127.0.0.1/x', 'postgress://127.0.0.1/x', 'mysql://u:secret@h/x']) {
      const t = await runCli(['stats', '--db', typo], { cwd: root });
      expect(t.code, typo).toBe(2);
      expect(t.stderr).toContain('unknown store address');
      expect(t.stderr).not.toContain('secret');
    }
    expect(readdirSync(root).sort()).toEqual(['notadb']);
  });

  it('import creates a store only in an empty or new folder', async () => {
    const root = tempDir();
    const busy = join(root, 'busy');
    mkdirSync(busy);
    writeFileSync(join(busy, 'thesis.docx'), 'x');
    const r = await runCli(['import', dataFile('beijing-bupt.osm.pbf'), '--db', busy, '-q']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('holds other files (thesis.docx)');
    expect(readdirSync(busy)).toEqual(['thesis.docx']);
    const empty = join(root, 'empty');
    mkdirSync(empty);
    const ok = await runCli(['import', dataFile('beijing-bupt.osm.pbf'), '--db', empty, '-q', '--json']);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(existsSync(join(empty, 'PG_VERSION'))).toBe(true);
    const s = await runCli(['stats', '--db', empty, '--json']);
    expect(JSON.parse(s.stdout).cities[0].counts.buildings).toBeGreaterThan(0);
  });

  it('masks the whole password of a URL, whatever characters it holds', () => {
    expect(maskUrl('postgres://u:s3:cr@t@db.example:5432/city')).toBe('postgres://u:***@db.example:5432/city');
    expect(maskUrl('postgres://admin:t@t@h/x')).toBe('postgres://admin:***@h/x');
    expect(maskUrl('postgresql://a:p%40ss%3Aw@[::1]:5433/x?sslmode=require')).toBe('postgresql://a:***@[::1]:5433/x?sslmode=require');
    expect(maskUrl('postgres://nopass@h/x')).toBe('postgres://nopass@h/x');
    for (const u of ['postgres://u:s3:cr@t@db.example/city', 'postgres://admin:t@t@h/x']) {
      const m = maskUrl(u);
      for (const part of ['s3', 'cr', 't@t']) if (!'postgres://admin@h/x'.includes(part)) expect(m).not.toContain(`${part}@`);
    }
  });

  it('a server URL with a password is masked in errors', async () => {
    const r = await runCli(['stats', '--db', 'postgres://u:s3:cr@t@127.0.0.1:1/x']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('postgres://u:***@127.0.0.1:1/x');
    expect(r.stderr).not.toMatch(/s3|cr@t/);
  });
});
