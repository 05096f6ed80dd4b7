import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DRIVERS, tempDir } from '../helpers/stores.js';
import { openStore, type Store } from '../../src/store/driver.js';
import { importHotline } from '../../src/domains/operations/hotline.js';
import { getCase, listCases, opsConfig, report } from '../../src/domains/operations/store.js';
import { operationsForCheck } from '../../src/domains/operations/check.js';
import { gbk } from './gbk.js';

const cfg = opsConfig();
const HEAD = '工单编号,类别,诉求内容,地址,经度,纬度,受理时间,来电号码';

async function withStore(driver: (typeof DRIVERS)[number], f: (s: Store, dir: string) => Promise<void>) {
  const store = await openStore(await driver.fresh({ migrated: true }));
  try { await f(store, tempDir('hotline-')); } finally { await store.close(); }
}
const file = (dir: string, name: string, text: string | Buffer) => { const p = join(dir, name); writeFileSync(p, text); return p; };
const count = async (s: Store) => (await s.query<{ n: number }>('SELECT count(*)::int AS n FROM cases_current'))[0].n;

describe.each(DRIVERS)('12345 hotline import ($name)', (driver) => {
  it('takes a ticket without its class\'s required attribute, recorded as unknown and warned of by line and attribute', () => withStore(driver, async (s, dir) => {
    const hot = file(dir, 'hot.csv', `${HEAD}\nH-1,道路破损,学院路有坑,学院路1号,116.35,40.00,2026-11-02 10:00,13900000000\n` +
      'H-2,暴露垃圾,垃圾没人清,学院路3号,116.351,40.001,2026/11/02 11:00,\n' +
      'H-3,道路积水,雨后积水,学院路5号,116.36,40.01,2026/11/2 9:05:30,\n');
    const r = await importHotline(s, cfg, 'c', hot, { actor: 'hotline' });
    expect([r.added, r.skipped, r.duplicates]).toEqual([3, 0, 0]);
    expect(r.warnings.map((w) => [w.line, w.ticket_id, w.service_code, w.attribute, w.column])).toEqual([
      [2, 'H-1', 'road_damage', 'size', null], [4, 'H-3', 'waterlogging', 'depth_cm', null]]);
    expect(r.warnings[0].message).toMatch(/^.*hot\.csv: line 2: 工单 H-1 缺少类别 road_damage 的必填属性 size（破损面积）.* \/ ticket H-1 lacks the required attribute size \(size of the damage\) of road_damage: imported with it unknown/);
    const [c1] = await listCases(s, 'c', { serviceCodes: ['road_damage'], limit: 10 });
    expect([c1.external_id, c1.attributes, c1.missing_attributes, c1.channel]).toEqual(['H-1', { size: null }, ['size'], 'hotline']);
    expect(c1.note).toMatch(/缺少必填属性 size（破损面积），记为未知.* \/ required attribute size \(size of the damage\) not given: recorded as unknown/);
    // 受理时间 is local time of the work calendar (UTC+8), written with dashes or slashes, with or without seconds
    const times = Object.fromEntries((await listCases(s, 'c', { limit: 10 })).map((c) => [c.external_id, c.reported_at]));
    expect(times).toEqual({ 'H-1': '2026-11-02T02:00:00.000Z', 'H-2': '2026-11-02T03:00:00.000Z', 'H-3': '2026-11-02T01:05:30.000Z' });
    // the waterlogging ticket without a depth is a waterlogging point for the health check, of unknown depth
    const ops = await operationsForCheck(s, 'c', { now: new Date('2026-11-03T00:00:00Z') });
    expect(ops?.waterlogging.points.map((p) => [p.cases, p.max_depth_cm])).toEqual([[1, null]]);
    // the Open311 rule is unchanged: a report of another channel without the attribute is refused
    await expect(report(s, cfg, { cityId: 'c', serviceCode: 'road_damage', lon: 116.4, lat: 39.9, channel: 'open311', actor: 'fms' })).rejects.toThrow(/attribute\[size\] is required/);
    // re-importing adds nothing (and warns of nothing: nothing was imported)
    expect(await importHotline(s, cfg, 'c', hot, { actor: 'hotline' })).toEqual({ added: 0, skipped: 3, duplicates: 0, warnings: [] });
  }));

  it('reads attribute columns by attribute[code], attr_code or the Chinese name, values by key or name', () => withStore(driver, async (s, dir) => {
    const hot = file(dir, 'attrs.csv', `${HEAD},attribute[size],积水深度（厘米）,井盖状态,attr_blocks,attr_plate\n` +
      'A-1,road_damage,坑,路1号,116.35,40.00,2026-11-02 10:00,,medium,,,,\n' +
      'A-2,waterlogging,积水,路2号,116.36,40.00,2026-11-02 10:00,,,35,,,\n' +
      'A-3,manhole_cover,井盖没了,路3号,116.37,40.00,2026-11-02 10:00,,,,缺失,,\n' +
      'A-4,违章停车,堵消防通道,路4号,116.38,40.00,2026-11-02 10:00,,,,,人行道;fire_lane,京A12345\n' +
      'A-5,road_damage,大坑,路5号,116.39,40.00,2026-11-02 10:00,,大于10平方米,,,,\n' +
      'A-6,garbage,垃圾,路6号,116.40,40.00,2026-11-02 10:00,,,12,,,\n');
    const r = await importHotline(s, cfg, 'c', hot, { actor: 'hotline' });
    expect(r.added).toBe(6);
    // a value in the column of an attribute its class does not have is not silently dropped
    expect(r.warnings.map((w) => [w.line, w.column, w.attribute])).toEqual([[7, '积水深度（厘米）', null]]);
    expect(r.warnings[0].message).toMatch(/line 7: 列 "积水深度（厘米）" 不是类别 garbage 的属性.* \/ column "积水深度（厘米）" is no attribute of class garbage/);
    const by = Object.fromEntries((await listCases(s, 'c', { limit: 10 })).map((c) => [c.external_id, [c.attributes, c.missing_attributes]]));
    expect(by).toEqual({
      'A-1': [{ size: 'medium' }, []], 'A-2': [{ depth_cm: 35 }, []], 'A-3': [{ state: 'missing' }, []],
      'A-4': [{ blocks: ['footway', 'fire_lane'], plate: '京A12345' }, []], 'A-5': [{ size: 'large' }, []], 'A-6': [{}, []],
    });
    const a1 = (await listCases(s, 'c', { serviceCodes: ['road_damage'], limit: 10 })).find((c) => c.external_id === 'A-1')!;
    expect(a1.note).toBe(null);
    // an empty cell of a required attribute's column: imported as unknown, the warning names the column
    const more = file(dir, 'more.csv', `${HEAD},attribute[size]\nA-7,road_damage,坑,路7号,116.35,40.00,2026-11-02 10:00,,\n`);
    const m = await importHotline(s, cfg, 'c', more, { actor: 'hotline' });
    expect(m.warnings.map((w) => [w.line, w.attribute, w.column])).toEqual([[2, 'size', 'attribute[size]']]);
  }));

  it('refuses a bad attribute value, naming file, line and column, and writes nothing', () => withStore(driver, async (s, dir) => {
    const bad = (name: string, cols: string, row: string) => file(dir, name, `${HEAD},${cols}\nOK-1,garbage,垃圾,路1号,116.35,40.00,2026-11-02 10:00,,\nB-1,${row}\n`);
    const cases: [string, string, string, RegExp][] = [
      ['enum.csv', '破损面积', 'road_damage,坑,路,116.35,40.00,2026-11-02 10:00,,huge', /enum\.csv: line 3, column 破损面积: 属性 attribute\[size\] 的取值 "huge" 无效.* \/ attribute\[size\]: "huge" is not one of small, medium, large/],
      ['number.csv', 'attribute[depth_cm]', 'waterlogging,积水,路,116.35,40.00,2026-11-02 10:00,,很深', /number\.csv: line 3, column attribute\[depth_cm\]: 属性 attribute\[depth_cm\] 应为数字.* \/ attribute\[depth_cm\] must be a number, got "很深"/],
      ['list.csv', 'attr_blocks', 'illegal_parking,停车,路,116.35,40.00,2026-11-02 10:00,,footway;moon', /list\.csv: line 3, column attr_blocks: .*"moon" is not one of footway, fire_lane, bus_stop/],
      ['time.csv', 'x', 'garbage,垃圾,路,116.35,40.00,2026/13/02 10:00,,', /time\.csv: line 3, column 受理时间: 受理时间 "2026\/13\/02 10:00" 不是有效的日期时间.* \/ reported_at "2026\/13\/02 10:00" is not a date-time/],
    ];
    for (const [name, cols, row, msg] of cases) {
      await expect(importHotline(s, cfg, 'c', bad(name, cols, row), { actor: 'hotline' }), name).rejects.toThrow(msg);
    }
    expect(await count(s)).toBe(0);   // OK-1 came first and is not kept either
    const two = file(dir, 'two.csv', `${HEAD},attribute[depth_cm],积水深度(厘米)\n`);
    await expect(importHotline(s, cfg, 'c', two, { actor: 'h' })).rejects.toThrow(/two\.csv: line 1: 列 "attribute\[depth_cm\]"、"积水深度\(厘米\)" 都是类别 waterlogging 的属性 depth_cm/);
    const unknown = file(dir, 'unknown.csv', `${HEAD},attribute[colour]\nU-1,garbage,垃圾,路1号,116.35,40.00,2026-11-02 10:00,,red\n`);
    const u = await importHotline(s, cfg, 'c', unknown, { actor: 'h' });
    expect([u.added, u.warnings.map((w) => [w.line, w.column])]).toEqual([1, [[1, 'attribute[colour]']]]);
  }));

  it('links a ticket to an open case of its class nearby reported before it, never to a later one (a back-dated ticket)', () => withStore(driver, async (s, dir) => {
    // D-2 comes first in the file but was taken an hour after D-1, 10 m away: D-1 is the original, not D-2's copy
    const back = file(dir, 'back.csv', `${HEAD}\nD-2,暴露垃圾,垃圾,学院路7号,116.3700,40.0200,2026-11-02 11:00,\nD-1,暴露垃圾,垃圾,学院路7号,116.3701,40.0200,2026-11-02 10:00,\n`);
    expect((await importHotline(s, cfg, 'c', back, { actor: 'hotline' })).duplicates).toBe(0);
    // in order, the later one is linked to the earlier
    const fwd = file(dir, 'fwd.csv', `${HEAD}\nE-1,暴露垃圾,垃圾,学院路9号,116.3800,40.0300,2026-11-02 10:00,\nE-2,暴露垃圾,垃圾,学院路9号,116.3801,40.0300,2026-11-02 11:00,\n`);
    expect((await importHotline(s, cfg, 'c', fwd, { actor: 'hotline' })).duplicates).toBe(1);
    const dup = Object.fromEntries((await listCases(s, 'c', { limit: 10 })).map((c) => [c.external_id, c.duplicate_of]));
    const id = Object.fromEntries((await listCases(s, 'c', { limit: 10 })).map((c) => [c.external_id, c.id]));
    expect(dup).toEqual({ 'D-1': null, 'D-2': null, 'E-1': null, 'E-2': id['E-1'] });
  }));

  it('reads GBK with --encoding gbk; without it, says the file is probably GBK', () => withStore(driver, async (s, dir) => {
    const text = `${HEAD}\nG-1,暴露垃圾,小区门口垃圾,学清路1号,116.356,40.0035,2026/11/02 11:00,\n`;
    const g = file(dir, 'g.csv', gbk(text));
    await expect(importHotline(s, cfg, 'c', g, { actor: 'h' })).rejects.toThrow(/g\.csv: line 1: 文件第 1 行（表头）（第 \d+ 字节）起不是有效的 UTF-8 文本：很可能是 GBK 编码.*请加 --encoding gbk \/ the file is not valid UTF-8 text from line 1 \(in the header\), byte \d+: it is probably GBK .*add --encoding gbk/);
    expect(await count(s)).toBe(0);
    const r = await importHotline(s, cfg, 'c', g, { actor: 'h', encoding: 'gbk' });
    expect([r.added, r.warnings]).toEqual([1, []]);
    const [c] = await listCases(s, 'c', { limit: 1 });
    expect([c.external_id, c.description, c.address, c.service_code, c.reported_at]).toEqual(['G-1', '小区门口垃圾', '学清路1号', 'garbage', '2026-11-02T03:00:00.000Z']);
    expect((await getCase(s, 'c', c.id))!.attributes).toEqual({});
    // a bad byte further down is named by its line
    const mixed = file(dir, 'mixed.csv', Buffer.concat([Buffer.from(`${HEAD}\nM-1,garbage,垃圾,路,116.35,40.00,,\n`), gbk('M-2,garbage,垃圾,路,116.35,40.00,,\n')]));
    await expect(importHotline(s, cfg, 'c', mixed, { actor: 'h' })).rejects.toThrow(/mixed\.csv: line 3: 文件第 3 行（第 \d+ 字节）起不是有效的 UTF-8 文本/);
    // UTF-8 read as GBK would decode, garbled, whether or not a line is no GBK: refused, saying the file is UTF-8 (the one rule of staff files)
    for (const name of ['u.csv', 'h.csv']) {
      const u = file(dir, name, `${HEAD}\nU-1,garbage,${name === 'u.csv' ? '垃圾,路' : ','},116.35,40.00,,\n`);
      await expect(importHotline(s, cfg, 'c', u, { actor: 'h', encoding: 'gbk' })).rejects.toThrow(/: 文件是有效的 UTF-8 文本且含多字节字符，按 GBK 读取会成乱码：请去掉 --encoding gbk.*\/ the file is valid UTF-8 text with multi-byte characters, which read as GBK would be garbled: leave out --encoding gbk/);
    }
    expect(await count(s)).toBe(1);
  }));
});
