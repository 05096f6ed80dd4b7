import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/driver.js';
import { readRegister, recordHistory } from '../../src/domains/safety/store.js';
import { ImportIds, parseRegisterText } from '../../src/domains/safety/csv.js';
import { runCli } from '../helpers/cli.js';
import { DRIVERS, tempDir } from '../helpers/stores.js';
import { INSPECTION_COLUMNS, makeRegister, PROFILE_COLUMNS, writeCsv } from './fixture.js';

async function counts(db: string) {
  const s = await openStore(db);
  try {
    const r = (await s.query<{ p: number; i: number; c: number }>(
      `SELECT (SELECT count(*)::int FROM safety_profiles_versions) AS p, (SELECT count(*)::int FROM safety_inspections_versions) AS i, (SELECT count(*)::int FROM changesets) AS c`))[0];
    return { p: Number(r.p), i: Number(r.i), c: Number(r.c) };
  } finally { await s.close(); }
}

describe('register CSV parsing', () => {
  it('reads Chinese headers and values, quoted fields, and reports every bad value with row and column', () => {
    const ok = parseRegisterText('p.csv', '\uFEFF建筑编号,建成年份,设计使用年限,结构类型,层数,高度,用途,户数,群租,抗震设防烈度,隔震减震,产权人,保险,维修资金\nw1,1988,,预制板,6,17.5,住宅,24,否,VIII,0,"张三, 李四",1,\n');
    expect(ok).toEqual({ kind: 'profiles', file: 'p.csv', rows: [{ building_id: 'w1', year_built: 1988, design_life_years: null, structure: 'prefab_slab', storeys: 6, height_m: 17.5, use: 'residential', households: 24, group_rental: false, seismic_intensity: 8, isolation: false, owner: '张三, 李四', insured: true, fund: null }] });
    const text = ['inspection_id,building_id,date,organisation,inspector,method,grade,hazards,measure,deadline,remediated_on,verified_by',
      'a,w1,2024-02-29,,,,C,结构；燃气,观察使用,2024-12-01,,', 'b,w1,2023-02-29,,,,E,rust,keep,2020-01-01,,', 'a,,2024-01-01,,,,A,,,,,', 'c,w2,2024-01-01,,,,A'].join('\n');
    expect(() => parseRegisterText('i.csv', text)).toThrow([
      'i.csv (row 3, column date): "2023-02-29" is not a date YYYY-MM-DD / 日期格式应为 YYYY-MM-DD',
      'i.csv (row 3, column grade): "E" is not a grade A, B, C or D (JGJ 125-2016) / 等级应为 A–D',
      'i.csv (row 3, column hazards): "rust" is not a hazard of the catalogue (structure, gas, stairwell, envelope, pipes, age_friendly, energy, digital) / 隐患类别无效',
      'i.csv (row 3, column measure): "keep" is not one of use, observe, stop, demolish / 取值无效',
      'i.csv (row 4, column building_id): empty: an id is required / 编号不能为空',
      'i.csv (row 4, column inspection_id): "a" already appears in row 2 of this file / 编号重复',
      'i.csv (row 5): 7 fields but the header has 12 (a stray delimiter or quote?) / 字段数与表头不符',
      '7 error(s): nothing was imported / 有 7 处错误，未导入任何数据',
    ].join('\n'));
    expect(parseRegisterText('i.csv', text.split('\n').slice(0, 2).join('\n')).rows[0]).toMatchObject({ hazards: ['structure', 'gas'], measure: 'observe', grade: 'C' });
  });
  it('knows the file by its header and names what is missing or unknown', () => {
    expect(() => parseRegisterText('x.csv', 'id,name\n1,a\n')).toThrow(/^x\.csv \(row 1\): not a register file: a profiles\.csv header has building_id,year_built,/);
    expect(() => parseRegisterText('p.csv', 'building_id,year_built,structure,colour\n')).toThrow([
      'p.csv (row 1, column design_life_years,storeys,height_m,use,households,group_rental,seismic_intensity,isolation,owner,insured,fund): missing column(s) design_life_years, storeys, height_m, use, households, group_rental, seismic_intensity, isolation, owner, insured, fund of profiles.csv / 缺少列',
      'p.csv (row 1, column colour): unknown column for profiles.csv (columns: building_id,year_built,design_life_years,structure,storeys,height_m,use,households,group_rental,seismic_intensity,isolation,owner,insured,fund) / 未知列',
    ].join('\n') + '\n2 error(s): nothing was imported / 有 2 处错误，未导入任何数据');
  });
});

const IH = INSPECTION_COLUMNS.join(',');
/** a day by the local calendar (an independent computation: JS Date), `days` from today */
const localDay = (days: number) => { const d = new Date(); d.setDate(d.getDate() + days); return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`; };

describe('register CSV: dates of things done are not in the future', () => {
  it('refuses an inspection date or a remediation later than today, naming file, row and column; a deadline may be later', () => {
    const today = localDay(0);
    const text = [IH, `f1,w1,2030-01-01,,,,B,,,,,`, `f2,w1,${localDay(1)},,,,A,,,,,`, `f3,w1,2024-05-01,,,,C,,use,2030-01-01,2031-02-02,`, `ok,w1,${today},,,,C,,use,2030-06-30,,`].join('\n');
    expect(() => parseRegisterText('i.csv', text)).toThrow([
      `i.csv (row 2, column date): 2030-01-01 晚于今天（${today}）：已发生的日期不能在将来 / 2030-01-01 is later than today (${today}): a date of something done cannot be in the future`,
      `i.csv (row 3, column date): ${localDay(1)} 晚于今天（${today}）：已发生的日期不能在将来 / ${localDay(1)} is later than today (${today}): a date of something done cannot be in the future`,
      `i.csv (row 4, column remediated_on): 2031-02-02 晚于今天（${today}）：已发生的日期不能在将来 / 2031-02-02 is later than today (${today}): a date of something done cannot be in the future`,
      '3 error(s): nothing was imported / 有 3 处错误，未导入任何数据',
    ].join('\n'));
    expect(parseRegisterText('i.csv', [IH, `ok,w1,${today},,,,C,,use,2030-06-30,,`].join('\n')).rows[0]).toMatchObject({ date: today, deadline: '2030-06-30' });
  });
});

describe('register CSV: one id once per import, across its files', () => {
  it('refuses an id a file before already had, naming both files and rows', () => {
    const ids = new ImportIds();
    parseRegisterText('a/inspections.csv', [IH, 'I-0,w1,2024-01-01,,,,A,,,,,', 'I-1,w1,2024-02-01,,,,C,,use,2024-12-01,,'].join('\n'), ids);
    expect(() => parseRegisterText('b/other.csv', [IH, 'I-2,w2,2024-03-01,,,,A,,,,,', 'I-1,w1,2024-02-01,,,,B,,,,,'].join('\n'), ids)).toThrow([
      'b/other.csv (row 3, column inspection_id): "I-1" 已见于本次导入的另一文件 a/inspections.csv 第 3 行：一次导入中每个编号只能出现一次（请合并两行，或分两次导入）/ "I-1" already appears in a/inspections.csv row 3 of this import: each id once per import (merge the rows, or import the files one after the other)',
      '1 error(s): nothing was imported / 有 1 处错误，未导入任何数据',
    ].join('\n'));
    // profiles and inspections are kept apart: a building id may be a profile and be named by inspections
    expect(parseRegisterText('p.csv', [PROFILE_COLUMNS.join(','), 'I-1,1990,,,,,,,,,,,,'].join('\n'), ids).rows).toHaveLength(1);
    // without a shared set, each file on its own
    expect(parseRegisterText('b/other.csv', [IH, 'I-1,w1,2024-02-01,,,,B,,,,,'].join('\n')).rows).toHaveLength(1);
  });
});

describe.each(DRIVERS)('safety import ($name)', (driver) => {
  it('loads a register of thousands of rows; a file with bad rows is refused whole with each error named; re-import versions', async () => {
    const db = await driver.fresh({ migrated: true });
    const dir = tempDir('safety-');
    const reg = makeRegister(3000, 6000);
    const profiles = writeCsv(dir, 'profiles.csv', PROFILE_COLUMNS, reg.profiles);
    const inspections = writeCsv(dir, 'inspections.csv', INSPECTION_COLUMNS, reg.inspections);
    const ok = await runCli(['safety', 'import', profiles, inspections, '--db', db, '--json', '--actor', 'surveyor-li', '--reason', 'first register'], {});
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    const sum = JSON.parse(ok.stdout);
    expect(sum.files.map((f: { kind: string; rows: number; added: number }) => [f.kind, f.rows, f.added])).toEqual([['profiles', 3000, 3000], ['inspections', 6000, 6000]]);
    const before = await counts(db);
    expect(before).toMatchObject({ p: 3000, i: 6000 });

    // deliberate errors in some rows of a copy
    const bad = reg.inspections.map((r) => [...r]);
    bad[10][2] = '2021-13-01'; // row 12
    bad[99][6] = 'F'; // row 101
    bad[1999][9] = '2000-01-01'; bad[1999][2] = '2010-05-05'; // row 2001: deadline before the date
    bad[4321][0] = bad[5][0]; // row 4323 duplicates row 7
    const badFile = writeCsv(dir, 'inspections-bad.csv', INSPECTION_COLUMNS, bad);
    const badProfiles = reg.profiles.map((r) => [...r]);
    badProfiles[2500][1] = '19x5'; // row 2502
    badProfiles[17][6] = 'hotel'; // row 19
    const badProfilesFile = writeCsv(dir, 'profiles-bad.csv', PROFILE_COLUMNS, badProfiles);
    const r = await runCli(['safety', 'import', badProfilesFile, '--db', db]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe([
      `error: ${badProfilesFile} (row 19, column use): "hotel" is not one of residential, public_crowded, commercial_self_built, office, industrial, other / 取值无效`,
      `${badProfilesFile} (row 2502, column year_built): "19x5" is not a whole number / 不是整数`,
      '2 error(s): nothing was imported / 有 2 处错误，未导入任何数据', '',
    ].join('\n'));
    // a good file before the bad one is not written either (its ids differ: one id may appear once in all the files of an import)
    const newOne = writeCsv(dir, 'inspections-new.csv', INSPECTION_COLUMNS, [['NEW-1', 'w1000', '2025-03-03', '', '', '', 'A', '', '', '', '', '']]);
    const r2 = await runCli(['safety', 'import', newOne, badFile, '--db', db]);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toBe([
      `error: ${badFile} (row 12, column date): "2021-13-01" is not a date YYYY-MM-DD / 日期格式应为 YYYY-MM-DD`,
      `${badFile} (row 101, column grade): "F" is not a grade A, B, C or D (JGJ 125-2016) / 等级应为 A–D`,
      `${badFile} (row 2001, column deadline): deadline 2000-01-01 is before the inspection date 2010-05-05 / 整改期限早于体检日期`,
      `${badFile} (row 4323, column inspection_id): "${bad[5][0]}" already appears in row 7 of this file / 编号重复`,
      '4 error(s): nothing was imported / 有 4 处错误，未导入任何数据', '',
    ].join('\n'));
    expect(await counts(db)).toEqual(before);

    // GBK: read with --encoding gbk; as UTF-8 it is refused
    const gbk = join(dir, 'gbk.csv');
    const { execFileSync } = await import('node:child_process');
    writeFileSync(join(dir, 'utf8.csv'), `${INSPECTION_COLUMNS.join(',')}\nGBK-1,w1000,2025-01-02,市房屋安全鉴定中心,王五,现场查勘,B,楼道,,,,\n`);
    execFileSync('iconv', ['-f', 'UTF-8', '-t', 'GBK', join(dir, 'utf8.csv'), '-o', gbk]);
    const asUtf8 = await runCli(['safety', 'import', gbk, '--db', db]);
    expect(asUtf8.code).toBe(1);
    // the row and the byte where the GBK text begins: after the header line and "GBK-1,w1000,2025-01-02,"
    const at = INSPECTION_COLUMNS.join(',').length + 1 + 'GBK-1,w1000,2025-01-02,'.length + 1;
    expect(asUtf8.stderr).toBe(`error: ${gbk} (row 2): 文件第 2 行（第 ${at} 字节）起不是有效的 UTF-8 文本：很可能是 GBK 编码（Excel 与 12345 等系统常这样导出），请加 --encoding gbk / ` +
      `the file is not valid UTF-8 text from line 2, byte ${at}: it is probably GBK (as Excel and systems such as 12345 often export it): add --encoding gbk\n1 error(s): nothing was imported / 有 1 处错误，未导入任何数据\n`);
    // the UTF-8 file read as GBK would be mojibake: refused, nothing written
    const utf8AsGbk = await runCli(['safety', 'import', join(dir, 'utf8.csv'), '--db', db, '--encoding', 'gbk']);
    expect(utf8AsGbk.code).toBe(1);
    expect(utf8AsGbk.stderr).toBe(`error: ${join(dir, 'utf8.csv')} (whole file): 文件是有效的 UTF-8 文本且含多字节字符，按 GBK 读取会成乱码：请去掉 --encoding gbk（若确为 GBK，请先转为 UTF-8：iconv -f GBK -t UTF-8）/ ` +
      'the file is valid UTF-8 text with multi-byte characters, which read as GBK would be garbled: leave out --encoding gbk (if it really is GBK, convert it first: iconv -f GBK -t UTF-8)\n1 error(s): nothing was imported / 有 1 处错误，未导入任何数据\n');
    expect(await counts(db)).toEqual(before);
    const asGbk = await runCli(['safety', 'import', gbk, '--db', db, '--encoding', 'gbk', '--json']);
    expect(asGbk.code).toBe(0);

    // re-import: an inspection changed → a new version, the rest unchanged; history keeps both
    const changed = reg.inspections.map((x) => [...x]);
    changed[0][10] = '2026-01-15'; changed[0][11] = '验收员赵六';
    const again = await runCli(['safety', 'import', writeCsv(dir, 'inspections-2.csv', INSPECTION_COLUMNS, changed), '--db', db, '--json', '--actor', 'surveyor-wang', '--reason', 'remediation verified']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).files[0]).toMatchObject({ rows: 6000, added: 0, changed: 1, unchanged: 5999 });
    // the versions written by COPY (hashes computed by the importer) are the archive's: verify recomputes every one in SQL
    const verify = await runCli(['archive', 'verify', '--db', db, '--json']);
    expect(verify.code).toBe(0);
    // unchanged files again: no new version anywhere
    const same = await runCli(['safety', 'import', profiles, writeCsv(dir, 'inspections-2.csv', INSPECTION_COLUMNS, changed), '--db', db, '--json']);
    expect(JSON.parse(same.stdout).files.map((f: { added: number; changed: number; unchanged: number }) => [f.added, f.changed, f.unchanged])).toEqual([[0, 0, 3000], [0, 0, 6000]]);
    // the archive's history command lists both versions, with who and why
    const hist = await runCli(['history', 'inspections', changed[0][0], '--db', db, '--json']);
    expect(hist.code).toBe(0);
    expect(JSON.parse(hist.stdout).versions.map((v: { version: number; actor: string }) => [v.version, v.actor])).toEqual([[1, 'surveyor-li'], [2, 'surveyor-wang']]);
    const ph = await runCli(['history', 'building_safety', 'w1000', '--db', db, '--json']);
    expect(JSON.parse(ph.stdout).versions).toHaveLength(1);
    const s = await openStore(db);
    try {
      const h = await recordHistory(s, 'default', 'inspection', changed[0][0]);
      expect(h.map((e) => [e.version, e.actor, e.reason, e.valid_to === null])).toEqual([[1, 'surveyor-li', 'first register', false], [2, 'surveyor-wang', 'remediation verified', true]]);
      expect(h[1].changed_fields.sort()).toEqual(['remediated_on', 'verified_by']);
      expect(h[0].content.remediated_on ?? null).toBe(reg.inspections[0][10] || null);
      expect(h[1].content.remediated_on).toBe('2026-01-15');
      // the register read back agrees with the files
      const back = await readRegister(s, 'default');
      expect(back.n).toBe(3000);
      expect(back.m).toBe(6001);
      const w1017 = back.ids.indexOf('w1017');
      expect(back.use[w1017]).toBe(['residential', 'public_crowded', 'commercial_self_built', 'office', 'industrial', 'other'].indexOf(reg.profiles[17][6] === '住宅' ? 'residential' : reg.profiles[17][6]));
    } finally { await s.close(); }
  }, 480_000);
});

describe('safety import (postgres): a first register written as it is parsed', () => {
  it('a register of several chunks, written chunk by chunk as version 1, holds what the staged write holds; verify recomputes every hash', async () => {
    const db = await DRIVERS[1].fresh({ migrated: true });
    const dir = tempDir('safety-chunks-');
    // ~4 MB of inspections: several chunks of the streamed first write
    const reg = makeRegister(8000, 60000);
    const profiles = writeCsv(dir, 'profiles.csv', PROFILE_COLUMNS, reg.profiles);
    const inspections = writeCsv(dir, 'inspections.csv', INSPECTION_COLUMNS, reg.inspections);
    expect(statSync(inspections).size).toBeGreaterThan(4 << 20);
    const { importRegisterCsv } = await import('../../src/domains/safety/store.js');
    const { verifyArchive } = await import('../../src/store/verify.js');
    const s = await openStore(db);
    try {
      // city a: its first register (streamed); city b already holds one inspection, so the same files take the staged write
      const indexes = async () => (await s.query<{ d: string }>(
        `SELECT indexdef AS d FROM pg_indexes WHERE tablename IN ('safety_profiles_versions', 'safety_inspections_versions') ORDER BY indexname`)).map((r) => r.d);
      const before = await indexes();
      const a = await importRegisterCsv(s, 'a', [profiles, inspections], { actor: 'test' });
      expect(a.map((f) => [f.rows, f.added, f.changed, f.unchanged])).toEqual([[8000, 8000, 0, 0], [60000, 60000, 0, 0]]);
      // the first load went without its indexes and primary keys: all are back as they were, and the keys are primary keys again
      expect(await indexes()).toEqual(before);
      expect(before.filter((d) => /_pkey ON/.test(d))).toHaveLength(2);
      const pks = await s.query<{ t: string }>(`SELECT conrelid::regclass::text AS t FROM pg_constraint WHERE contype = 'p' AND conrelid IN ('safety_profiles_versions'::regclass, 'safety_inspections_versions'::regclass) ORDER BY 1`);
      expect(pks.map((r) => r.t)).toEqual(['safety_inspections_versions', 'safety_profiles_versions']);
      // inspections naming a building the city has no profile of are counted (the profiles of the file before count)
      const profiled = new Set(reg.profiles.map((r) => r[0]));
      expect(a[1].without_profile).toBe(new Set(reg.inspections.map((r) => r[1]).filter((b) => !profiled.has(b))).size);
      const seed = await importRegisterCsv(s, 'b', [writeCsv(dir, 'one.csv', INSPECTION_COLUMNS, [reg.inspections[0].map((v, i) => (i === 0 ? 'seed-1' : v))])], { actor: 'test' });
      expect(seed[0].without_profile).toBe(1);
      const b = await importRegisterCsv(s, 'b', [profiles, inspections], { actor: 'test' });
      expect(b.map((f) => [f.rows, f.added])).toEqual([[8000, 8000], [60000, 60000]]);
      const side = (city: string) => `SELECT id, version, content_hash FROM safety_inspections_current WHERE city_id = '${city}' AND id <> 'seed-1'`;
      const diff = await s.query<{ n: number }>(`SELECT count(*)::int AS n FROM ((${side('a')} EXCEPT ${side('b')}) UNION ALL (${side('b')} EXCEPT ${side('a')})) d`);
      expect(Number(diff[0].n)).toBe(0);
      // (the tables just written have no statistics yet: planned as a nested loop, this join of 8000 × 8000 takes
      // ~10 s; the same query planned without one)
      const p = await s.transaction(async (tx) => {
        await tx.exec('SET LOCAL enable_nestloop = off');
        return tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM safety_profiles_current x JOIN safety_profiles_current y ON y.building_id = x.building_id AND y.city_id = 'b'
        WHERE x.city_id = 'a' AND x.content_hash = y.content_hash`);
      });
      expect(Number(p[0].n)).toBe(8000);
      // the change sets count what they wrote; the chain verifies
      const cs = await s.query<{ counts: Record<string, { added: number }> | string }>(`SELECT counts FROM changesets WHERE city_id = 'a' ORDER BY changeset_id`);
      expect(cs.map((c) => (typeof c.counts === 'string' ? JSON.parse(c.counts) : c.counts))).toEqual([
        { building_safety: { added: 8000, changed: 0, removed: 0 } }, { inspections: { added: 60000, changed: 0, removed: 0 } }]);
      const v = await verifyArchive(s);
      expect(v.ok).toBe(true);
    } finally { await s.close(); }
  }, 240_000);
});
