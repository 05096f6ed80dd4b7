/**
 * `opencim safety import|due|risk|check`: the house-safety register (房屋安全档案) — load profiles
 * and inspections, see what is due or overdue, where the risk is, and which policy rules a
 * building breaks. Thin: parse, call the domain, print.
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
    .description('import profiles.csv / inspections.csv (kind known by the header; Chinese headers and values accepted), one transaction: any bad row → nothing written; or a GB 18306 seismic zoning layer zones.geojson|.shp (polygons with intensity and/or PGA) on its own')
    .argument('<files...>', 'CSV files, or one zoning layer')
    .addOption(new Option('--encoding <enc>', 'text encoding').choices(['utf8', 'gbk']).default('utf8'))
    .option('--actor <name>', 'who loads the data, recorded in the archive (default $OPENCIM_ACTOR or cli:<user>)')
    .option('--reason <text>', 'why, recorded in the archive (default "safety import FILE")'))
    .action(async (files: string[], o) => { await importCmd(files, o); });
  const rules = () => new Option('--rules <preset|file>', 'checkup-cycle rules: changsha, nantong, or a JSON file (src/domains/safety/rules/README.md)').default('nantong');
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
    .option('--intensity <degrees>', 'city-wide seismic design intensity (GB 18306) for buildings whose profile has none', intensityArg))
    .action(async (o) => { await checkCmd(o); });
  return cmd;
}

async function withRegister<T>(o: Common, fn: (reg: import('../domains/safety/register.js').SafetyRegister, city: string) => T | Promise<T>): Promise<T> {
  const { openStore } = await import('../store/driver.js');
  const { resolveCity } = await import('../analysis/network/store.js');
  const { readRegister, registerState } = await import('../domains/safety/store.js');
  const store = await openStore(o.db);
  try {
    const city = await resolveCity(store, o.city);
    if (!(await registerState(store, city))) throw new UsageError(`no safety register for city "${city}": run \`opencim safety import profiles.csv inspections.csv\` first / 尚无房屋安全档案`);
    return await fn(await readRegister(store, city), city);
  } finally {
    await store.close();
  }
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
    const cities = (await store.query<{ city_id: string }>('SELECT city_id FROM cities ORDER BY city_id')).map((r) => r.city_id);
    city = o.city ?? (cities.length === 1 ? cities[0] : 'default');
    if (!o.city && cities.length > 1 && !cities.includes('default')) throw new UsageError(`the store holds several cities (${cities.join(', ')}): choose one with --city`);
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
      ...('without_profile' in r && r.without_profile ? [['buildings without a profile 无档案建筑', r.without_profile] as [string, number]] : []),
      ...('removed' in r ? [['removed (closed) 移除', r.removed] as [string, number]] : []),
    ]) + '\n');
  }
}

async function dueCmd(o: Common & { rules: string; asOf?: number; overdue?: boolean }) {
  const { computeDue, dueRow, overdueDays } = await import('../domains/safety/due.js');
  const { compileRules, loadRules } = await import('../domains/safety/rules.js');
  const rules = compileRules(loadRules(o.rules));
  await withRegister(o, (reg) => {
    const res = computeDue(reg, rules, o.asOf ?? todayDays());
    const order: number[] = [];
    for (let b = 0; b < reg.n; b++) if (!o.overdue || overdueDays(res, b) > 0) order.push(b);
    order.sort((a, b) => overdueDays(res, b) - overdueDays(res, a) || (reg.ids[a] < reg.ids[b] ? -1 : 1));
    if (o.json) { writeJsonArray(order.length, (k) => dueRow(reg, rules, res, order[k])); return; }
    const overdue = order.filter((b) => overdueDays(res, b) > 0);
    const rows = (o.overdue ? order : overdue).slice(0, 30).map((b) => { const r = dueRow(reg, rules, res, b); return [r.building_id, r.rule ?? '', r.last_inspection ?? '—', r.next_due ?? '—', r.overdue_days]; });
    process.stdout.write(`rules 规则: ${rules.set.name_zh} / ${rules.set.name_en} (${rules.set.version})\n`);
    process.stdout.write(`${reg.n.toLocaleString('en')} buildings 栋; overdue 逾期: ${overdue.length.toLocaleString('en')}\n`);
    if (rows.length) process.stdout.write(table([['building 建筑', 'rule 规则', 'last 最近体检', 'due 到期', 'overdue days 逾期天数'], ...rows]) + '\n');
    if (overdue.length > rows.length) process.stdout.write(`... ${overdue.length - rows.length} more (--json lists all)\n`);
  });
}

async function riskCmd(o: Common & { rules: string; asOf?: number; top?: number; weight?: string[]; intensity?: number }) {
  const { computeDue } = await import('../domains/safety/due.js');
  const { compileRules, loadRules } = await import('../domains/safety/rules.js');
  const { computeRisk, loadRiskConfig, riskRow, topN } = await import('../domains/safety/risk.js');
  const weights: Record<string, number> = {};
  for (const w of o.weight ?? []) {
    const m = /^([a-z_]+)=(\d+(?:\.\d+)?)$/.exec(w);
    if (!m) throw new UsageError(`--weight wants factor=number, got "${w}"`);
    weights[m[1]] = Number(m[2]);
  }
  let cfg;
  try { cfg = loadRiskConfig(weights); } catch (e) { throw new UsageError((e as Error).message); }
  const rules = compileRules(loadRules(o.rules));
  const { withCityIntensity } = await import('../domains/safety/register.js');
  await withRegister(o, (all) => {
    const reg = withCityIntensity(all, o.intensity);
    const due = computeDue(reg, rules, o.asOf ?? todayDays());
    const score = computeRisk(reg, due, cfg);
    const top = topN(score, o.top ?? reg.n);
    if (o.json) { writeJsonArray(top.length, (k) => riskRow(reg, due, cfg, top[k])); return; }
    const shown = top.subarray(0, o.top ?? 20);
    process.stdout.write(table([['#', 'building 建筑', 'score 分数', 'main factors 主要因素'], ...[...shown].map((b, k) => {
      const r = riskRow(reg, due, cfg, b);
      const main = [...r.factors].sort((x, y) => y.points - x.points).slice(0, 3).map((f) => `${f.factor} ${f.points}`).join(', ');
      return [k + 1, r.building_id, r.score, main];
    })]) + '\n');
  });
}

async function checkCmd(o: Common & { asOf?: number; population?: number; intensity?: number }) {
  const { computeFlags, flagRow, loadPolicy } = await import('../domains/safety/checks.js');
  const { latestInspections, withCityIntensity } = await import('../domains/safety/register.js');
  const policy = loadPolicy(o.population !== undefined ? { city_population: o.population } : {});
  await withRegister(o, (all) => {
    const reg = withCityIntensity(all, o.intensity);
    const asOf = o.asOf ?? todayDays();
    const last = latestInspections(reg);
    const f = computeFlags(reg, policy, asOf, last);
    if (o.json) { writeJsonArray(f.count, (k) => flagRow(reg, policy, f, k, asOf, last)); return; }
    const byRule = new Map<string, number>();
    for (let k = 0; k < f.count; k++) { const r = flagRow(reg, policy, f, k, asOf, last).rule; byRule.set(r, (byRule.get(r) ?? 0) + 1); }
    process.stdout.write(`${f.count.toLocaleString('en')} flags 项 over ${reg.n.toLocaleString('en')} buildings\n`);
    if (byRule.size) process.stdout.write(table([['rule 规则', 'flags 数量'], ...[...byRule].map(([r, n]) => [r, n])]) + '\n');
    const rows = Array.from({ length: Math.min(f.count, 30) }, (_, k) => { const r = flagRow(reg, policy, f, k, asOf, last); return [r.building_id, r.rule, r.detail_zh]; });
    if (rows.length) process.stdout.write(table([['building 建筑', 'rule 规则', 'detail 说明'], ...rows]) + '\n');
  });
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
