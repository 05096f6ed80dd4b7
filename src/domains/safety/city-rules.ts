/**
 * A city's checkup-cycle rules kept with the city in the store (城市体检周期规则): the rule set's
 * JSON itself, so that the daily job on any worker, the API and the CLI all count by the same rules
 * without a file on their machine. Each setting (`opencim safety rules set changsha|FILE`) is an
 * append-only record of kind `safety.rules` in `runs` (who, when, the rules in `params.rules`); the
 * current one is the latest, the earlier ones stay readable (`safety rules history`).
 *
 * Which rules count (one rule for the job, the API and the CLI, `chooseRules`): the rules given
 * (a preset, a file, or a rules JSON object), else the city's, else the default preset.
 */
import { basename } from 'node:path';
import type { Queryable, Store } from '../../store/driver.js';
import { currentRun, listRuns, succeedRun, withRun, type Run } from '../../store/runs.js';
import { InputError } from '../../model/errors.js';
import { DEFAULT_PRESET, isPreset, loadRules, parseRules, type RuleSet } from './rules.js';

export const RULES_RUN = 'safety.rules';

export interface RulesSetting { run_id: number; set_at: string | null; actor: string; given: string }

export interface ChosenRules {
  set: RuleSet;
  /** 'given': by the caller; 'city': the city's stored rules; 'default': the default preset (the city stored none) */
  from: 'given' | 'city' | 'default';
  /** the city's setting, when from the city */
  setting?: RulesSetting;
}

const settingOf = (r: Run): RulesSetting => ({ run_id: r.run_id, set_at: r.finished_at, actor: r.actor, given: String(r.params.given ?? '') });

/** The city's stored rules, or null when it has none. */
export async function cityRules(q: Queryable, city: string): Promise<{ set: RuleSet; setting: RulesSetting } | null> {
  const r = await currentRun(q, city, RULES_RUN);
  if (!r) return null;
  return { set: parseRules(r.params.rules, `rules stored for city "${city}" (run ${r.run_id})`), setting: settingOf(r) };
}

/** The rules to count by: `given` (a preset, a file path or a rule set), else the city's, else the default preset. */
export async function chooseRules(q: Queryable, city: string, given?: string | RuleSet): Promise<ChosenRules> {
  if (given !== undefined) return { set: typeof given === 'string' ? loadRules(given) : given, from: 'given' };
  const stored = await cityRules(q, city);
  if (stored) return { set: stored.set, from: 'city', setting: stored.setting };
  return { set: loadRules(DEFAULT_PRESET), from: 'default' };
}

/** what results say about their rules */
export function rulesLabel(c: ChosenRules): { id: string; version: string; name_zh: string; name_en: string; from: ChosenRules['from']; setting_run_id?: number } {
  return { id: c.set.id, version: c.set.version, name_zh: c.set.name_zh, name_en: c.set.name_en, from: c.from, ...(c.setting ? { setting_run_id: c.setting.run_id } : {}) };
}

const same = (a: RuleSet, b: RuleSet) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Store `nameOrFile`'s rules (a preset or a JSON file) as the city's. The same rules again: nothing
 * new is recorded. Other rules under the id and version already stored: refused (the version is
 * what results name, so changed rules need a new one).
 */
export async function setCityRules(store: Store, city: string, nameOrFile: string, o: { actor: string }): Promise<{ city: string; changed: boolean; setting: RulesSetting; set: RuleSet; previous: RulesSetting | null }> {
  const set = loadRules(nameOrFile);
  const given = isPreset(nameOrFile) ? nameOrFile : basename(nameOrFile);
  await store.query('INSERT INTO cities (city_id) VALUES ($1) ON CONFLICT DO NOTHING', [city]);
  const before = await cityRules(store, city);
  if (before && same(before.set, set)) return { city, changed: false, setting: before.setting, set, previous: before.setting };
  if (before && before.set.id === set.id && before.set.version === set.version) {
    throw new InputError(`城市 "${city}" 已保存规则 ${set.id} 版本 ${set.version}，内容不同：规则改变时请提高 "version" / the rules "${set.id}" version "${set.version}" stored for city "${city}" differ from ${nameOrFile}: give the changed rules a new "version"`);
  }
  const summary = { id: set.id, version: set.version, name_zh: set.name_zh, name_en: set.name_en, rules: set.rules.length };
  await withRun(store, { cityId: city, kind: RULES_RUN, params: { rules: set, given }, actor: o.actor }, (r) => succeedRun(store, r.run_id, summary));
  const now = (await currentRun(store, city, RULES_RUN))!;
  return { city, changed: true, setting: settingOf(now), set, previous: before?.setting ?? null };
}

/** Every setting of the city's rules, newest first. */
export async function cityRulesHistory(q: Queryable, city: string): Promise<(RulesSetting & { id: string; version: string })[]> {
  const runs = (await listRuns(q, { cityId: city, kind: RULES_RUN, limit: 1000 })).filter((r) => r.status === 'succeeded');
  return runs.map((r) => ({ ...settingOf(r), id: String(r.summary?.id ?? ''), version: String(r.summary?.version ?? '') }));
}
