import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DRIVERS, dataFile, tempDir } from '../helpers/stores.js';
import { runCli } from '../helpers/cli.js';
import { gbk } from './gbk.js';
import { openStore } from '../../src/store/driver.js';
import { KeyRing } from '../../src/domains/operations/keys.js';

/** (on a PostgreSQL database: the subject is the commands, and each start on an embedded store costs seconds) */
describe('operations CLI (postgres)', () => {
  it('keys add, cases import (12345 hotline), grids generate, cases sla', async () => {
    const db = await DRIVERS[1].fresh({ migrated: true });
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
    expect(JSON.parse(i1.stdout)).toEqual({ added: 2, skipped: 0, duplicates: 0, warnings: [] });
    const i2 = await runCli(['cases', 'import', csv, '--db', db, '--json']);
    expect(JSON.parse(i2.stdout)).toEqual({ added: 0, skipped: 2, duplicates: 0, warnings: [] });

    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'ticket_id,service_code,lon,lat\nHL-003,garbage,116.356,40.0035\nHL-004,flying_saucer,116.356,40.0035\n');
    const b = await runCli(['cases', 'import', bad, '--db', db]);
    expect(b.code).toBe(1);
    expect(b.stderr).toMatch(/bad.csv: line 3, column service_code: 未知类别 "flying_saucer" \/ unknown class "flying_saucer"/);

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
  }, 400_000);   // a dozen CLI runs

  it('cases import: a hotline ticket without a required attribute is imported with a warning; --encoding gbk', async () => {
    const db = await DRIVERS[1].fresh({ migrated: true });
    const dir = tempDir('ops-cli-');
    const head = '工单编号,类别,诉求内容,地址,经度,纬度,受理时间,来电号码\n';
    // the QA report's file: road damage without its size, a slash date
    const hot = join(dir, 'hot.csv');
    writeFileSync(hot, head + 'H-1,道路破损,学院路有坑,学院路1号,116.35,40.00,2026-11-02 10:00,13900000000\nH-2,暴露垃圾,垃圾,学院路2号,116.36,40.00,2026/11/02 11:00,\n');
    const r = await runCli(['cases', 'import', hot, '--db', db]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^新增 2 件（0 件为重复、已关联），0 张工单此前已导入；1 件缺少必填属性，记为未知 \/ 2 cases added \(0 linked as duplicates\), 0 tickets already imported; 1 lack a required attribute, recorded as unknown/);
    expect(r.stderr).toMatch(/warning: \S*hot\.csv: line 2: 工单 H-1 缺少类别 road_damage 的必填属性 size（破损面积）/);
    // the same file in GBK: refused with the hint, nothing written; then read with --encoding gbk
    const g = join(dir, 'g.csv');
    writeFileSync(g, gbk(head + 'G-1,暴露垃圾,小区门口垃圾,学清路1号,116.356,40.0035,2026/11/02 11:00,\n'));
    const bad = await runCli(['cases', 'import', g, '--db', db, '--json']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/g\.csv: line 1: 文件第 1 行（表头）（第 1 字节）起不是有效的 UTF-8 文本：很可能是 GBK 编码.*: add --encoding gbk/);
    const ok = await runCli(['cases', 'import', g, '--db', db, '--json', '--encoding', 'gbk']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({ added: 1, skipped: 0, duplicates: 0, warnings: [] });
    const store = await openStore(db);
    try {
      const rows = await store.query<{ external_id: string; description: string; attributes: unknown }>(`SELECT external_id, description, attributes FROM cases_current ORDER BY external_id`);
      expect(rows.map((x) => [x.external_id, x.description, typeof x.attributes === 'string' ? JSON.parse(x.attributes) : x.attributes])).toEqual([
        ['G-1', '小区门口垃圾', {}], ['H-1', '学院路有坑', { size: null }], ['H-2', '垃圾', {}]]);
    } finally { await store.close(); }
    const help = await runCli(['cases', 'import', '--help']);
    expect(help.stdout.replace(/\s+/g, ' ')).toMatch(/--encoding <enc> .*\(choices: "utf8", "gbk", default: "utf8"\)/);
  }, 120_000);
});
