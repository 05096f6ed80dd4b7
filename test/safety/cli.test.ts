/**
 * `opencim safety` as a user runs it (the compiled CLI, one store: a PostgreSQL database, since the
 * subject is the commands and each start on an embedded store costs seconds): imports refused whole
 * for ids repeated across files and for dates in the future, buildings without a profile named,
 * `--as-of` counting only what was done by the day, the due table with and without --overdue,
 * height flags of new and existing towers, and a city's own rules stored with it.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { DRIVERS, tempDir } from '../helpers/stores.js';
import { INSPECTION_COLUMNS, PROFILE_COLUMNS } from './fixture.js';

const PH = PROFILE_COLUMNS.join(','), IH = INSPECTION_COLUMNS.join(',');
const json = async (args: string[]) => {
  const r = await runCli([...args, '--json']);
  if (r.code !== 0) throw new Error(`${args.join(' ')}: exit ${r.code}\n${r.stderr}`);
  return JSON.parse(r.stdout);
};

describe('opencim safety (postgres)', () => {
  let db: string, dir: string;
  const versions = async () => (await json(['history', 'inspections', 'I-1', '--db', db])).versions.length;
  beforeAll(async () => {
    db = await DRIVERS[1].fresh({ migrated: true });
    dir = tempDir('safety-cli-');
    mkdirSync(join(dir, 'a')); mkdirSync(join(dir, 'b'));
    writeFileSync(join(dir, 'profiles.csv'), [PH,
      'old,1960,,brick_concrete,6,18,residential,16,0,,0,,,', // QA: built 1960, 16 households, only inspection I-2 of 2020-03-15
      'never,1990,,brick_concrete,6,18,residential,20,0,,0,,,', // never inspected: Nantong due 2015-01-01
      'young,2010,,frame,6,18,residential,20,0,,0,,,', // due 2035-01-01
      'wH1,2023,,steel,70,300,office,,,,,,,', 'wH2,2010,,steel,70,300,office,,,,,,,', // QA: towers of 300 m, new and existing
    ].join('\n') + '\n');
    writeFileSync(join(dir, 'a', 'inspections.csv'), [IH,
      'I-2,old,2020-03-15,,,,C,structure,observe,2021-03-15,,',
      'I-1,young,2024-02-01,,,,C,gas,use,2024-12-01,,',
      'N-1,nosuchbuilding,2024-05-05,,,,A,,,,,',
    ].join('\n') + '\n');
    const r = await runCli(['safety', 'import', join(dir, 'profiles.csv'), join(dir, 'a', 'inspections.csv'), '--db', db]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // the summary names the building no profile and no city model has
    expect(r.stdout).toMatch(/buildings without a profile 无档案建筑\s*│?\s*1: nosuchbuilding/);
    expect(r.stdout).toMatch(/of them not in the city model 其中城市模型中也没有\s*│?\s*1: nosuchbuilding/);
  }, 240_000);

  it('lists the buildings without a profile in the JSON summary', async () => {
    writeFileSync(join(dir, 'more.csv'), [IH, 'N-2,ghost-2,2024-05-05,,,,A,,,,,', 'N-3,ghost-1,2024-05-05,,,,A,,,,,', 'N-4,young,2024-05-05,,,,A,,,,,'].join('\n') + '\n');
    const s = await json(['safety', 'import', join(dir, 'more.csv'), '--db', db]);
    expect(s.files[0]).toMatchObject({ without_profile: 2, without_profile_ids: ['ghost-1', 'ghost-2'], not_in_city_model: 2, not_in_city_model_ids: ['ghost-1', 'ghost-2'] });
  }, 120_000);

  it('refuses an id repeated across the files of one import, naming both; nothing written', async () => {
    writeFileSync(join(dir, 'b', 'other.csv'), [IH, 'I-9,old,2021-01-01,,,,A,,,,,', 'I-1,young,2024-02-01,,,,B,,,,,'].join('\n') + '\n');
    const before = await versions();
    const r = await runCli(['safety', 'import', join(dir, 'a', 'inspections.csv'), join(dir, 'b', 'other.csv'), '--db', db]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`error: ${join(dir, 'b', 'other.csv')} (row 3, column inspection_id): "I-1" 已见于本次导入的另一文件 ${join(dir, 'a', 'inspections.csv')} 第 3 行：一次导入中每个编号只能出现一次（请合并两行，或分两次导入）/ ` +
      `"I-1" already appears in ${join(dir, 'a', 'inspections.csv')} row 3 of this import: each id once per import (merge the rows, or import the files one after the other)\n1 error(s): nothing was imported / 有 1 处错误，未导入任何数据\n`);
    expect(await versions()).toBe(before);
    expect((await json(['history', 'inspections', 'I-9', '--db', db]).catch(() => null))?.versions ?? []).toEqual([]);
  }, 120_000);

  it('refuses an inspection dated in the future (it would make the building "not due" for years)', async () => {
    writeFileSync(join(dir, 'future.csv'), [IH, 'F-1,never,2030-01-01,,,,A,,,,,'].join('\n') + '\n');
    const r = await runCli(['safety', 'import', join(dir, 'future.csv'), '--db', db]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^error: ${join(dir, 'future.csv').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(row 2, column date\\): 2030-01-01 晚于今天（\\d{4}-\\d{2}-\\d{2}）`));
  }, 120_000);

  it('--as-of: an inspection dated after the day is not yet made (QA: due 1985-01-01 under nantong.housing_25y)', async () => {
    const rows = await json(['safety', 'due', '--db', db, '--as-of', '2019-01-01']) as { building_id: string }[];
    expect(rows.find((r) => r.building_id === 'old')).toEqual({ building_id: 'old', rule: 'nantong.housing_25y', last_inspection: null, next_due: '1985-01-01', overdue_days: 12418 });
    const check = await json(['safety', 'check', '--db', db, '--as-of', '2019-01-01']) as { building_id: string; rule: string }[];
    expect(check.filter((f) => f.building_id === 'old')).toEqual([]);
    const later = await json(['safety', 'check', '--db', db, '--as-of', '2021-06-01']) as { building_id: string; rule: string }[];
    expect(later.filter((f) => f.building_id === 'old').map((f) => f.rule)).toEqual(['cd_still_in_use', 'remediation_overdue']);
    const risk = await json(['safety', 'risk', '--db', db, '--as-of', '2019-01-01']) as { building_id: string; factors: { factor: string; value: unknown }[] }[];
    const f = Object.fromEntries(risk.find((r) => r.building_id === 'old')!.factors.map((x) => [x.factor, x.value]));
    expect([f.last_grade, f.open_hazards, f.overdue_checkup]).toEqual([null, null, 12418]);
  }, 120_000);

  it('the due table lists every building (ranked) without --overdue, only the overdue ones with it', async () => {
    const table = async (extra: string[]) => {
      const r = await runCli(['safety', 'due', '--db', db, '--as-of', '2026-06-01', ...extra]);
      expect(r.code).toBe(0);
      return r.stdout.split('\n').map((l) => /^\W*(old|never|young|wH1|wH2|nosuchbuilding|ghost-1|ghost-2)\b/.exec(l)?.[1]).filter(Boolean);
    };
    // old: C open since 2021-03-15 (1,904 days); never: due 2015-01-01 (4,169); young: A of 2024-05-05, due 2035-01-01 (not yet under the rule)
    expect(await table(['--overdue'])).toEqual(['never', 'old']);
    const all = await table([]);
    expect(all.slice(0, 2)).toEqual(['never', 'old']);
    expect([...all].sort()).toEqual(['ghost-1', 'ghost-2', 'never', 'nosuchbuilding', 'old', 'wH1', 'wH2', 'young']);
  }, 120_000);

  it('height limits: the 2023 tower breaks the cap, the 2010 one is information', async () => {
    type F = { building_id: string; rule: string; kind: string; detail: string };
    const heights = (rows: F[]) => rows.filter((f) => f.rule.startsWith('height')).map((f) => [f.building_id, f.rule, f.kind]);
    // the policy flags (what breaks a rule), as issue 11 has them; the information rows only when asked for
    expect(heights(await json(['safety', 'check', '--db', db, '--population', '2000000']) as F[])).toEqual([['wH1', 'height_over_cap', 'flag']]);
    const all = await json(['safety', 'check', '--db', db, '--population', '2000000', '--information']) as F[];
    expect(heights(all)).toEqual([['wH1', 'height_over_cap', 'flag'], ['wH2', 'height_above_limit_existing', 'information']]);
    const text = await runCli(['safety', 'check', '--db', db, '--population', '2000000']);
    expect(text.stdout).toMatch(/information 提示（非违规 \/ not violations）/);
    expect(text.stdout).toMatch(/listed with --information/);
  }, 120_000);

  it('a city\'s own rules, stored with it, are the default; the same rules again change nothing; changed rules need a new version', async () => {
    const rulesOf = async () => (await json(['safety', 'rules', 'show', '--db', db])) as { from: string; rules: { id: string; version: string } };
    expect(await rulesOf()).toMatchObject({ from: 'default', rules: { id: 'nantong' } });
    const set = await json(['safety', 'rules', 'set', 'changsha', '--db', db, '--actor', 'city-official']);
    expect(set).toMatchObject({ city: 'default', changed: true, id: 'changsha', setting: { actor: 'city-official', given: 'changsha' }, previous: null });
    expect(await rulesOf()).toMatchObject({ from: 'city', rules: { id: 'changsha' } });
    // Changsha: multi-owner housing over 25 years every 10: "never" (1990, 20 households) due 2015-01-01 under changsha.housing_25y
    const due = await json(['safety', 'due', '--db', db, '--as-of', '2026-06-01']) as { building_id: string; rule: string }[];
    expect(due.find((r) => r.building_id === 'never')!.rule).toBe('changsha.housing_25y');
    expect((await runCli(['safety', 'due', '--db', db, '--as-of', '2026-06-01'])).stdout).toMatch(/^rules 规则: 长沙市房屋安全体检周期（2025）.*\(changsha 2025-1; 城市保存的规则/);
    // --rules still wins
    expect(((await json(['safety', 'due', '--db', db, '--as-of', '2026-06-01', '--rules', 'nantong'])) as { building_id: string; rule: string }[]).find((r) => r.building_id === 'never')!.rule).toBe('nantong.housing_25y');
    expect(await json(['safety', 'rules', 'set', 'changsha', '--db', db])).toMatchObject({ changed: false });
    // a city's own file: stored as JSON (a worker elsewhere needs no file)
    const mine = { id: 'mycity', version: '2026-1', name_zh: '某市', name_en: 'My city', source: 'test', rules: [{ id: 'mycity.housing_30y', name_zh: '住宅30年', name_en: 'housing 30y', when: { use: ['residential'] }, phases: [{ from: 'age', years: 30, every: 10 }] }] };
    writeFileSync(join(dir, 'city.json'), JSON.stringify(mine));
    expect(await json(['safety', 'rules', 'set', join(dir, 'city.json'), '--db', db])).toMatchObject({ changed: true, id: 'mycity', version: '2026-1', setting: { given: 'city.json' } });
    writeFileSync(join(dir, 'city.json'), JSON.stringify({ ...mine, rules: [{ ...mine.rules[0], phases: [{ from: 'age', years: 25, every: 10 }] }] }));
    const clash = await runCli(['safety', 'rules', 'set', join(dir, 'city.json'), '--db', db]);
    expect(clash.code).toBe(1);
    expect(clash.stderr).toContain('give the changed rules a new "version"');
    const hist = await json(['safety', 'rules', 'history', '--db', db]) as { settings: { id: string; version: string; actor: string }[] };
    expect(hist.settings.map((x) => [x.id, x.version])).toEqual([['mycity', '2026-1'], ['changsha', '2025-1']]);
    const due2 = await json(['safety', 'due', '--db', db, '--as-of', '2026-06-01']) as { building_id: string; rule: string; next_due: string }[];
    expect(due2.find((r) => r.building_id === 'never')).toMatchObject({ rule: 'mycity.housing_30y', next_due: '2020-01-01' });
  }, 240_000);
});
