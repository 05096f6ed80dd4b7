/**
 * `opencim safety import|due|risk|check|rules`: the house-safety register (房屋安全档案) — load
 * profiles and inspections, see what is due or overdue, where the risk is, which policy rules a
 * building breaks, and the checkup-cycle rules the city counts by. Thin: parse, call the domain, print.
 */
import { Command, Option } from 'commander';
import { cliActor } from './actor.js';
import { table } from './output.js';
import { UsageError } from '../model/errors.js';
import { parseDate, todayDays } from '../domains/safety/dates.js';

interface Common { db?: string; city?: string; json?: boolean; quiet?: boolean }

const dateArg = (v: string) => { const d = parseDate(v); if (d === null) throw new UsageError(`--as-of must be a date YYYY-MM-DD, got "${v}"`); return d; };
const intensityArg = (v: string) => { const n = Number(v); if (!(n >= 5 && n <= 10)) throw new UsageError(`--intensity must be a seismic intensity 5–10, got "${v}"`); return n; };
const count = (name: string) => (v: string) => { const n = Number(v); if (!Number.isInteger(n) || n < 0) throw new UsageError(`${name} must be a non-negative integer, got "${v}"`); return n; };

export function safetyCommandSpec(dbOption: () => Option): Command {
  const cmd = new Command('safety').description('house safety over a building\'s whole life (房屋全生命周期安全): register, checkup cycles, policy checks, risk');
  const common = (c: Command) => c.addOption(dbOption()).option('--city <name>', 'city in the store (default: the only one, or "default")').option('--json', 'JSON output').option('-q, --quiet', 'no progress on stderr');
  common(cmd.command('import')
    .description('导入房屋安全档案 import profiles.csv / inspections.csv (kind known by the header; Chinese headers and values accepted), one transaction: any bad row → nothing written; or a GB 18306 seismic zoning layer zones.geojson|.shp (polygons with intensity and/or PGA) on its own')
    .argument('<files...>', 'CSV files, or one zoning layer')
    .addOption(new Option('--encoding <enc>', 'text encoding').choices(['utf8', 'gbk']).default('utf8'))
    .option('--actor <name>', 'who loads the data, recorded in the archive (default $OPENCIM_ACTOR or cli:<user>)')
    .option('--reason <text>', 'why, recorded in the archive (default "safety import FILE")'))
    .action(async (files: string[], o) => { await importCmd(files, o); });
  const rules = () => new Option('--rules <preset|file>', 'checkup-cycle rules: changsha, nantong, or a JSON file (src/domains/safety/rules/README.md); default: the city\'s stored rules (`safety rules set`), else nantong');
  const asOf = () => new Option('--as-of <date>', 'the day to count from, YYYY-MM-DD (default today)').argParser(dateArg);
  common(cmd.command('due').description('next checkup due date of each building and the overdue list (体检到期)')
    .addOption(rules()).addOption(asOf()).option('--overdue', 'only the overdue buildings'))
    .action(async (o) => { await dueCmd(o); });
  common(cmd.command('risk').description('risk score per building, every factor shown, ranked (安全风险)')
    .addOption(rules()).addOption(asOf()).option('--top <n>', 'only the N highest', count('--top'))
    .option('--intensity <degrees>', 'city-wide seismic design intensity (GB 18306) for buildings whose profile has none', intensityArg)
    .option('--weight <factor=w>', 'weight of a factor (repeatable), e.g. --weight last_grade=30', (v: string, prev: string[] = []) => [...prev, v]))
    .action(async (o) => { await riskCmd(o); });
  common(cmd.command('check').description('policy checks: height limits, seismic isolation, dangerous houses in use, prefab slabs, group rentals, overdue remediation (政策核查)')
    .addOption(asOf()).option('--population <n>', 'urban population of the city (the height limits depend on it)', count('--population'))
    .option('--intensity <degrees>', 'city-wide seismic design intensity (GB 18306) for buildings whose profile has none', intensityArg)
    .option('--information', 'also list the information rows (kind "information": buildings completed by 2021, or of unknown year, under rules for new ones), not violations (同时列出提示项)'))
    .action(async (o) => { await checkCmd(o); });
  const rulesCmd = cmd.command('rules').description('the checkup-cycle rules kept with the city (城市体检周期规则): used by default by `safety due|risk`, the daily job safety.due and the API');
  common(rulesCmd.command('set').description('设定本市规则 store a preset or a rules JSON file as the city\'s rules (the JSON itself is stored: workers anywhere count by the same rules; every setting is kept)')
    .argument('<preset|file>', 'changsha, nantong, or a JSON file (src/domains/safety/rules/README.md)')
    .option('--actor <name>', 'who sets them, recorded (default $OPENCIM_ACTOR or cli:<user>)'))
    .action(async (given: string, o) => { await rulesSetCmd(given, o); });
  common(rulesCmd.command('show').description('查看现行规则 the rules the city counts by now (stored, else the default preset); --json prints the rules JSON'))
    .action(async (o) => { await rulesShowCmd(o); });
  common(rulesCmd.command('history').description('规则设定历史 every setting of the city\'s rules, newest first (who, when, id and version)'))
    .action(async (o) => { await rulesHistoryCmd(o); });
  return cmd;
}

type Store = import('../store/driver.js').Store;

async function withRegister<T>(o: Common, fn: (reg: import('../domains/safety/register.js').SafetyRegister, city: string, store: Store) => T | Promise<T>): Promise<T> {
  const { openStore } = await import('../store/driver.js');
  const { resolveCity } = await import('../analysis/network/store.js');
  const { readRegister, registerState } = await import('../domains/safety/store.js');
  const store = await openStore(o.db);
  try {
    const city = await resolveCity(store, o.city);
    if (!(await registerState(store, city))) throw new UsageError(`no safety register for city "${city}": run \`opencim safety import profiles.csv inspections.csv\` first / 尚无房屋安全档案`);
    return await fn(await readRegister(store, city), city, store);
  } finally {
    await store.close();
  }
}

/** the city an import or a setting writes to: --city, else the only one, else "default" (created when new) */
async function writeCity(store: Store, city?: string): Promise<string> {
  const cities = (await store.query<{ city_id: string }>('SELECT city_id FROM cities ORDER BY city_id')).map((r) => r.city_id);
  if (!city && cities.length > 1 && !cities.includes('default')) throw new UsageError(`the store holds several cities (${cities.join(', ')}): choose one with --city`);
  return city ?? (cities.length === 1 ? cities[0] : 'default');
}

/** --rules, else the city's stored rules, else the default preset; the line saying which */
async function rulesFor(store: Store, city: string, given?: string) {
  const { chooseRules } = await import('../domains/safety/city-rules.js');
  const { compileRules, DEFAULT_PRESET } = await import('../domains/safety/rules.js');
  const chosen = await chooseRules(store, city, given);
  const from = chosen.from === 'city' ? `城市保存的规则 / the city's stored rules (set ${chosen.setting!.set_at ?? ''} by ${chosen.setting!.actor})`
    : chosen.from === 'default' ? `默认预设，城市未保存规则 / default preset ${DEFAULT_PRESET}: the city stored none (\`opencim safety rules set changsha|FILE\`)` : '--rules';
  const line = `rules 规则: ${chosen.set.name_zh} / ${chosen.set.name_en} (${chosen.set.id} ${chosen.set.version}; ${from})\n`;
  return { chosen, compiled: compileRules(chosen.set), line };
}

async function importCmd(files: string[], o: Common & { encoding: 'utf8' | 'gbk'; actor?: string; reason?: string }) {
  const t0 = performance.now();
  const { importRegisterCsv } = await import('../domains/safety/store.js');
  const { openStore } = await import('../store/driver.js');
  const { existsSync } = await import('node:fs');
  for (const f of files) if (!existsSync(f)) throw new UsageError(`${f}: no such file / 文件不存在`);
  const { isZoneFile, importSeismicZones } = await import('../domains/safety/zones.js');
  const zoneFiles = files.filter(isZoneFile);
  if (zoneFiles.length && (zoneFiles.length > 1 || files.length > 1)) throw new UsageError('import a seismic zoning layer (.geojson / .shp) on its own, one file: `opencim safety import zones.geojson` / 地震区划图须单独导入');
  const store = await openStore(o.db);
  let res;
  let city: string;
  try {
    city = await writeCity(store, o.city);
    // parsed, checked and written as it streams, in one transaction: a bad row anywhere writes nothing
    res = zoneFiles.length
      ? [await importSeismicZones(store, city, zoneFiles[0], { actor: cliActor(o.actor), reason: o.reason, encoding: o.encoding === 'gbk' ? 'gbk' : undefined })]
      : await importRegisterCsv(store, city, files, { actor: cliActor(o.actor), reason: o.reason, encoding: o.encoding });
  } finally {
    await store.close();
  }
  const seconds = (performance.now() - t0) / 1000;
  if (o.json) { process.stdout.write(JSON.stringify({ city, seconds, files: res }, null, 2) + '\n'); return; }
  for (const r of res) {
    process.stdout.write(`${r.file}: ${r.kind} → ${r.collection} (change set ${r.changeset})\n` + table([
      ['rows 行', r.rows], ['added 新增', r.added], ['changed (new version) 变更', r.changed], ['unchanged 未变', r.unchanged],
      ...('without_profile' in r && r.without_profile ? [['buildings without a profile 无档案建筑', idList(r.without_profile, r.without_profile_ids)] as [string, string]] : []),
      ...('not_in_city_model' in r && r.not_in_city_model ? [['of them not in the city model 其中城市模型中也没有', idList(r.not_in_city_model, r.not_in_city_model_ids)] as [string, string]] : []),
      ...('removed' in r ? [['removed (closed) 移除', r.removed] as [string, number]] : []),
    ]) + '\n');
  }
}

/** "3: w1, w2, w3" — a count and the first ids */
function idList(n: number, ids: string[] | undefined): string {
  const shown = ids ?? [];
  return `${n.toLocaleString('en')}${shown.length ? `: ${shown.join(', ')}${n > shown.length ? ', …' : ''}` : ''}`;
}

async function dueCmd(o: Common & { rules?: string; asOf?: number; overdue?: boolean }) {
  const { computeDue, dueRow, overdueDays } = await import('../domains/safety/due.js');
  await withRegister(o, async (reg, city, store) => {
    const { compiled: rules, line } = await rulesFor(store, city, o.rules);
    const res = computeDue(reg, rules, o.asOf ?? todayDays());
    const order: number[] = [];
    for (let b = 0; b < reg.n; b++) if (!o.overdue || overdueDays(res, b) > 0) order.push(b);
    order.sort((a, b) => overdueDays(res, b) - overdueDays(res, a) || (reg.ids[a] < reg.ids[b] ? -1 : 1));
    if (o.json) { writeJsonArray(order.length, (k) => dueRow(reg, rules, res, order[k])); return; }
    // `order` is every building (most overdue first), or with --overdue only the overdue ones
    let overdue = 0;
    for (let b = 0; b < reg.n; b++) if (overdueDays(res, b) > 0) overdue++;
    const rows = order.slice(0, 30).map((b) => { const r = dueRow(reg, rules, res, b); return [r.building_id, r.rule ?? '', r.last_inspection ?? '—', r.next_due ?? '—', r.overdue_days]; });
    process.stdout.write(line);
    process.stdout.write(`${reg.n.toLocaleString('en')} buildings 栋; overdue 逾期: ${overdue.toLocaleString('en')}\n`);
    if (rows.length) process.stdout.write(table([['building 建筑', 'rule 规则', 'last 最近体检', 'due 到期', 'overdue days 逾期天数'], ...rows]) + '\n');
    if (order.length > rows.length) process.stdout.write(`... 另有 ${(order.length - rows.length).toLocaleString('en')} 栋 / ${(order.length - rows.length).toLocaleString('en')} more (--json lists all)\n`);
  });
}

async function riskCmd(o: Common & { rules?: string; asOf?: number; top?: number; weight?: string[]; intensity?: number }) {
  const { computeDue } = await import('../domains/safety/due.js');
  const { computeRisk, loadRiskConfig, riskRow, topN } = await import('../domains/safety/risk.js');
  const weights: Record<string, number> = {};
  for (const w of o.weight ?? []) {
    const m = /^([a-z_]+)=(\d+(?:\.\d+)?)$/.exec(w);
    if (!m) throw new UsageError(`--weight wants factor=number, got "${w}"`);
    weights[m[1]] = Number(m[2]);
  }
  let cfg;
  try { cfg = loadRiskConfig(weights); } catch (e) { throw new UsageError((e as Error).message); }
  const { withCityIntensity } = await import('../domains/safety/register.js');
  await withRegister(o, async (all, city, store) => {
    const { compiled: rules, line } = await rulesFor(store, city, o.rules);
    const reg = withCityIntensity(all, o.intensity);
    const due = computeDue(reg, rules, o.asOf ?? todayDays());
    const score = computeRisk(reg, due, cfg);
    const top = topN(score, o.top ?? reg.n);
    if (o.json) { writeJsonArray(top.length, (k) => riskRow(reg, due, cfg, top[k])); return; }
    const shown = top.subarray(0, o.top ?? 20);
    process.stdout.write(line);
    process.stdout.write(table([['#', 'building 建筑', 'score 分数', 'main factors 主要因素'], ...[...shown].map((b, k) => {
      const r = riskRow(reg, due, cfg, b);
      const main = [...r.factors].sort((x, y) => y.points - x.points).slice(0, 3).map((f) => `${f.factor} ${f.points}`).join(', ');
      return [k + 1, r.building_id, r.score, main];
    })]) + '\n');
  });
}

async function checkCmd(o: Common & { asOf?: number; population?: number; intensity?: number; information?: boolean }) {
  const { computeFlags, FLAG_RULES, flagRow, INFORMATION_RULES, loadPolicy } = await import('../domains/safety/checks.js');
  const { withCityIntensity } = await import('../domains/safety/register.js');
  const policy = loadPolicy(o.population !== undefined ? { city_population: o.population } : {});
  await withRegister(o, (all) => {
    const reg = withCityIntensity(all, o.intensity);
    const f = computeFlags(reg, policy, o.asOf ?? todayDays());
    // the policy flags; the information rows (not violations) only when asked for
    const shown: number[] = [];
    for (let k = 0; k < f.count; k++) if (o.information || !INFORMATION_RULES.includes(FLAG_RULES[f.rule[k]])) shown.push(k);
    if (o.json) { writeJsonArray(shown.length, (k) => flagRow(reg, policy, f, shown[k])); return; }
    const byRule = new Map<string, { kind: string; n: number }>();
    let info = 0;
    for (let k = 0; k < f.count; k++) {
      const r = flagRow(reg, policy, f, k);
      const e = byRule.get(r.rule) ?? { kind: r.kind, n: 0 };
      e.n++; byRule.set(r.rule, e);
      if (r.kind === 'information') info++;
    }
    process.stdout.write(`${(f.count - info).toLocaleString('en')} flags 项${info ? ` + ${info.toLocaleString('en')} information 提示（非违规 / not violations）` : ''} over ${reg.n.toLocaleString('en')} buildings\n`);
    if (byRule.size) process.stdout.write(table([['rule 规则', 'kind 类别', 'count 数量'], ...[...byRule].map(([r, e]) => [r, e.kind === 'information' ? 'information 提示' : 'flag 问题', e.n])]) + '\n');
    const rows = shown.slice(0, 30).map((k) => { const r = flagRow(reg, policy, f, k); return [r.building_id, r.rule, r.detail_zh]; });
    if (rows.length) process.stdout.write(table([['building 建筑', 'rule 规则', 'detail 说明'], ...rows]) + '\n');
    if (info && !o.information) process.stdout.write(`(the ${info.toLocaleString('en')} information rows are listed with --information 提示项请加 --information 查看)\n`);
  });
}

async function rulesSetCmd(given: string, o: Common & { actor?: string }) {
  const { openStore } = await import('../store/driver.js');
  const { setCityRules } = await import('../domains/safety/city-rules.js');
  const store = await openStore(o.db);
  try {
    const r = await setCityRules(store, await writeCity(store, o.city), given, { actor: cliActor(o.actor) });
    if (o.json) { process.stdout.write(JSON.stringify({ city: r.city, changed: r.changed, id: r.set.id, version: r.set.version, setting: r.setting, previous: r.previous }, null, 2) + '\n'); return; }
    process.stdout.write(r.changed
      ? `城市 ${r.city} 的体检周期规则已保存 / rules stored for city ${r.city}: ${r.set.name_zh} / ${r.set.name_en} (${r.set.id} ${r.set.version}; record ${r.setting.run_id}${r.previous ? `, replacing record ${r.previous.run_id}` : ''})\n`
      : `城市 ${r.city} 已使用这套规则，未改变 / city ${r.city} already counts by these rules (${r.set.id} ${r.set.version}, record ${r.setting.run_id}): nothing changed\n`);
  } finally {
    await store.close();
  }
}

async function rulesShowCmd(o: Common) {
  const { openStore } = await import('../store/driver.js');
  const { resolveCity } = await import('../analysis/network/store.js');
  const store = await openStore(o.db);
  try {
    const city = await resolveCity(store, o.city);
    const { chosen, line } = await rulesFor(store, city);
    if (o.json) { process.stdout.write(JSON.stringify({ city, from: chosen.from, setting: chosen.setting ?? null, rules: chosen.set }, null, 2) + '\n'); return; }
    process.stdout.write(line + table([['rule 规则', 'name 名称', 'phases 周期'], ...chosen.set.rules.map((r) => [r.id, r.name_zh,
      r.phases.map((p) => `${p.from === 'age' ? `房龄 ${p.years} 年起 / from age ${p.years}` : `设计年限${p.years ? ` + ${p.years}` : ''}起 / from design life${p.years ? ` + ${p.years}` : ''}`}: ${p.every} 年 / every ${p.every} y`).join('; ')])]) + '\n');
  } finally {
    await store.close();
  }
}

async function rulesHistoryCmd(o: Common) {
  const { openStore } = await import('../store/driver.js');
  const { resolveCity } = await import('../analysis/network/store.js');
  const { cityRulesHistory } = await import('../domains/safety/city-rules.js');
  const store = await openStore(o.db);
  try {
    const city = await resolveCity(store, o.city);
    const h = await cityRulesHistory(store, city);
    if (o.json) { process.stdout.write(JSON.stringify({ city, settings: h }, null, 2) + '\n'); return; }
    if (!h.length) { process.stdout.write(`城市 ${city} 未保存规则，使用默认预设 / city ${city} has stored no rules: the default preset counts\n`); return; }
    process.stdout.write(table([['record 记录', 'set at 时间', 'by 设置人', 'rules 规则', 'version 版本', 'from 来源'], ...h.map((x) => [x.run_id, x.set_at ?? '', x.actor, x.id, x.version, x.given])]) + '\n');
  } finally {
    await store.close();
  }
}

/** a large JSON array written in pieces (a million rows never become one string) */
function writeJsonArray(n: number, row: (k: number) => unknown): void {
  const parts: string[] = ['['];
  for (let k = 0; k < n; k++) {
    parts.push((k ? ',\n' : '\n') + JSON.stringify(row(k)));
    if (parts.length >= 10_000) { process.stdout.write(parts.join('')); parts.length = 0; }
  }
  parts.push(n ? '\n]\n' : ']\n');
  process.stdout.write(parts.join(''));
}
