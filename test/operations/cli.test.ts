import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DRIVERS, dataFile, tempDir } from '../helpers/stores.js';
import { runCli } from '../helpers/cli.js';
import { openStore } from '../../src/store/driver.js';
import { KeyRing } from '../../src/domains/operations/keys.js';

describe('operations CLI (pglite)', () => {
  it('keys add, cases import (12345 hotline), grids generate, cases sla', async () => {
    const db = await DRIVERS[0].fresh();
    const dir = tempDir('ops-cli-');
    expect((await runCli(['import', dataFile('beijing-haidian-cau.osm.pbf'), '--db', db, '--city', 'haidian', '-q'])).code).toBe(0);

    const k = await runCli(['keys', 'add', 'fixmystreet', '--db', db, '--json', '--actor', 'ops-admin']);
    expect(k.code).toBe(0);
    const { key } = JSON.parse(k.stdout);
    expect((await runCli(['keys', 'add', 'fixmystreet', '--db', db])).stderr).toMatch(/exists already/);

    const g = await runCli(['grids', 'generate', '--db', db, '--json']);
    expect(g.code, g.stderr).toBe(0);
    const grids = JSON.parse(g.stdout);
    expect(grids.levels.find((l: { level: string }) => l.level === 'unit').n).toBeGreaterThan(10);

    const csv = join(dir, 'hotline.csv');
    writeFileSync(csv, '\ufeff工单编号,类别,诉求内容,地址,经度,纬度,受理时间,来电号码\n' +
      'HL-001,暴露垃圾,"小区门口垃圾, 三天没人清",学清路 1 号,116.3560,40.0035,2026-03-02 10:00,13900000000\n' +
      'HL-002,street_light,路灯不亮,学清路 3 号,,,2026-03-02 10:30,\n');
    const i1 = await runCli(['cases', 'import', csv, '--db', db, '--json', '--actor', 'hotline-12345']);
    expect(i1.code, i1.stderr).toBe(0);
    expect(JSON.parse(i1.stdout)).toEqual({ added: 2, skipped: 0, duplicates: 0 });
    const i2 = await runCli(['cases', 'import', csv, '--db', db, '--json']);
    expect(JSON.parse(i2.stdout)).toEqual({ added: 0, skipped: 2, duplicates: 0 });

    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'ticket_id,service_code,lon,lat\nHL-003,garbage,116.356,40.0035\nHL-004,flying_saucer,116.356,40.0035\n');
    const b = await runCli(['cases', 'import', bad, '--db', db]);
    expect(b.code).toBe(1);
    expect(b.stderr).toMatch(/bad.csv: line 3: unknown class "flying_saucer"/);

    const s = await runCli(['cases', 'sla', '--db', db, '--json', '--now', '2026-03-02T12:00:00+08:00']);
    expect(s.code, s.stderr).toBe(0);
    const sla = JSON.parse(s.stdout);
    expect([sla.overdue, sla.escalated]).toEqual([1, 1]);     // HL-001: accept limit 1 h (by 11:00); HL-002 (accept 2 h) by 12:30
    const help = await runCli(['grids', 'generate', '--help']);
    expect([help.code, help.stdout.includes('--cell')]).toEqual([0, true]);

    const store = await openStore(db);
    try {
      expect(await new KeyRing(store, '').nameOf(key)).toBe('fixmystreet');
      expect(await new KeyRing(store, '').nameOf(key + 'x')).toBe(null);
      const rows = await store.query<{ external_id: string; grid_code: string | null; channel: string; actor: string }>(
        `SELECT c.external_id, c.grid_code, c.channel, s.actor FROM cases_versions c JOIN changesets s ON s.changeset_id = c.changeset_id WHERE c.version = 1 ORDER BY c.external_id`);
      expect(rows.map((r) => [r.external_id, r.channel, r.actor])).toEqual([['HL-001', 'hotline', 'hotline-12345'], ['HL-002', 'hotline', 'hotline-12345']]);
      expect(rows[0].grid_code).not.toBe(null);
      expect(rows[1].grid_code).toBe(null);
    } finally { await store.close(); }
  }, 400_000);   // a dozen CLI runs, each opening the embedded store
});
