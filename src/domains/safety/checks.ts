/**
 * Policy checks over the register (`opencim safety check`): each flag names its rule and the
 * source of the rule. Thresholds and sources are data (./policy.json); the city population is a
 * parameter (the height limits depend on it).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { formatDate, LABELS_ZH, MEASURES, USES } from './model.js';
import { latestInspections, NO_DATE, openCD, seismicBasisText, type SafetyRegister } from './register.js';

export interface Policy {
  version: string;
  city_population: number | null;
  storey_height_m: number;
  fire_consult_residential_m: number;
  fire_consult_public_m: number;
  public_uses: string[];
  large_city_population: number;
  small_city: { limit_m: number; cap_m: number };
  large_city: { limit_m: number; cap_m: number };
  high_intensity: number;
  critical_building_uses: string[];
  sources: Record<FlagRule, string>;
}

export const FLAG_RULES = ['fire_consult_residential', 'fire_consult_public', 'height_strictly_limited', 'height_over_cap', 'seismic_isolation_missing', 'cd_still_in_use', 'prefab_multi_household', 'group_rental', 'remediation_overdue'] as const;
export type FlagRule = (typeof FLAG_RULES)[number];

export function loadPolicy(over: Partial<Policy> = {}): Policy {
  const p = JSON.parse(readFileSync(fileURLToPath(new URL('../../../src/domains/safety/policy.json', import.meta.url)), 'utf8')) as Policy;
  return { ...p, ...over };
}

export interface Flags { count: number; building: Int32Array; rule: Uint8Array; /** the height used (m), NaN when not a height rule */ height: Float32Array; estimated: Uint8Array }

const RESIDENTIAL = USES.indexOf('residential');
const PREFAB = 1; // STRUCTURES.indexOf('prefab_slab')
const STOP = MEASURES.indexOf('stop'), DEMOLISH = MEASURES.indexOf('demolish');

export function computeFlags(reg: SafetyRegister, policy: Policy, asOf: number, last = latestInspections(reg)): Flags {
  let cap = 1 << 16;
  let building = new Int32Array(cap), rule = new Uint8Array(cap), height = new Float32Array(cap), estimated = new Uint8Array(cap);
  let count = 0;
  const add = (b: number, r: number, h = NaN, est = 0) => {
    if (count === cap) {
      cap *= 2;
      const grow = <T extends Int32Array | Uint8Array | Float32Array>(a: T): T => { const x = new (a.constructor as new (n: number) => T)(cap); x.set(a); return x; };
      building = grow(building); rule = grow(rule); height = grow(height); estimated = grow(estimated);
    }
    building[count] = b; rule[count] = r; height[count] = h; estimated[count] = est; count++;
  };
  let publicMask = 0;
  for (const u of policy.public_uses) publicMask |= 1 << USES.indexOf(u as never);
  const large = policy.city_population !== null && policy.city_population >= policy.large_city_population;
  const lim = large ? policy.large_city : policy.small_city;
  const R = (name: FlagRule) => FLAG_RULES.indexOf(name);
  const [fireRes, firePub, limited, overCap, seismic, cdUse, prefab, group, remed] = FLAG_RULES.map(R);
  for (let b = 0; b < reg.n; b++) {
    let h = reg.height[b], est = 0;
    if (!(h >= 0) && reg.storeys[b] > 0) { h = reg.storeys[b] * policy.storey_height_m; est = 1; }
    const u = reg.use[b];
    if (h > 0) {
      if (u === RESIDENTIAL && h > policy.fire_consult_residential_m) add(b, fireRes, h, est);
      if (u >= 0 && publicMask & (1 << u) && h > policy.fire_consult_public_m) add(b, firePub, h, est);
      if (h > lim.cap_m) add(b, overCap, h, est);
      else if (h > lim.limit_m) add(b, limited, h, est);
    }
    if (reg.critical[b] && reg.seismic[b] >= policy.high_intensity && reg.isolation[b] !== 1) add(b, seismic);
    const j = last[b];
    if (openCD(reg, j) && reg.inspMeasure[j] !== STOP && reg.inspMeasure[j] !== DEMOLISH) add(b, cdUse);
    if (reg.structure[b] === PREFAB && reg.households[b] >= 2 && (u === RESIDENTIAL || u < 0)) add(b, prefab);
    if (reg.groupRental[b] === 1) add(b, group);
    if (j >= 0 && reg.inspDeadline[j] !== NO_DATE && reg.inspRemediated[j] === NO_DATE && asOf > reg.inspDeadline[j]) add(b, remed);
  }
  return { count, building: building.subarray(0, count), rule: rule.subarray(0, count), height: height.subarray(0, count), estimated: estimated.subarray(0, count) };
}

export interface FlagRow { building_id: string; rule: FlagRule; detail: string; detail_zh: string; source: string }

export function flagRow(reg: SafetyRegister, policy: Policy, flags: Flags, k: number, asOf: number, last: Int32Array): FlagRow {
  const b = flags.building[k], rule = FLAG_RULES[flags.rule[k]];
  const h = flags.height[k];
  const hs = `${Math.round(h * 10) / 10} m${flags.estimated[k] ? ` (estimated: ${reg.storeys[b]} storeys × ${policy.storey_height_m} m)` : ''}`;
  const large = policy.city_population !== null && policy.city_population >= policy.large_city_population;
  const lim = large ? policy.large_city : policy.small_city;
  const popText = policy.city_population === null ? 'city population not given (assumed < 3 million; --population N)' : `city population ${policy.city_population.toLocaleString('en')}`;
  const j = last[b];
  const grade = j >= 0 && reg.inspGrade[j] >= 0 ? 'ABCD'[reg.inspGrade[j]] : '';
  const measure = j >= 0 && reg.inspMeasure[j] >= 0 ? MEASURES[reg.inspMeasure[j]] : null;
  let en: string, zh: string;
  switch (rule) {
    case 'fire_consult_residential': en = `residential building ${hs} > ${policy.fire_consult_residential_m} m: consult the fire and rescue service`; zh = `住宅高度 ${hs} 超过 ${policy.fire_consult_residential_m} 米：须征求消防救援机构意见`; break;
    case 'fire_consult_public': en = `public building ${hs} > ${policy.fire_consult_public_m} m: consult the fire and rescue service`; zh = `公共建筑高度 ${hs} 超过 ${policy.fire_consult_public_m} 米：须征求消防救援机构意见`; break;
    case 'height_strictly_limited': en = `${hs} > ${lim.limit_m} m, strictly limited (${popText})`; zh = `高度 ${hs} 超过 ${lim.limit_m} 米，严格限制`; break;
    case 'height_over_cap': en = `${hs} > ${lim.cap_m} m, not permitted for new buildings (${popText})`; zh = `高度 ${hs} 超过 ${lim.cap_m} 米，不得新建`; break;
    case 'seismic_isolation_missing': { const [ben, bzh] = seismicBasisText(reg, b); en = `critical building type in a zone of intensity ${reg.seismic[b]} ≥ ${policy.high_intensity} with ${reg.isolation[b] === 0 ? 'no isolation or damping' : 'no isolation or damping recorded'}; intensity ${ben}`; zh = `高烈度区（${reg.seismic[b]} 度，${bzh}）重点建筑${reg.isolation[b] === 0 ? '未采用' : '未登记'}隔震减震`; break; }
    case 'cd_still_in_use': en = `grade ${grade} (${formatDate(reg.inspDate[j])}) not remediated, measure ${measure ?? 'none'}: still in use`; zh = `${grade} 级危房（${formatDate(reg.inspDate[j])}）未整治，处理措施${measure ? LABELS_ZH[measure] : '未定'}：仍在使用`; break;
    case 'prefab_multi_household': en = `prefab-slab multi-household housing (${reg.households[b]} households): renovation programme`; zh = `预制板多户住宅（${reg.households[b]} 户）：纳入改造`; break;
    case 'group_rental': en = 'group rental (群租房): clean-up'; zh = '群租房：纳入整治'; break;
    case 'remediation_overdue': en = `remediation deadline ${formatDate(reg.inspDeadline[j])} passed ${asOf - reg.inspDeadline[j]} days ago without remediation`; zh = `整治期限 ${formatDate(reg.inspDeadline[j])} 已过 ${asOf - reg.inspDeadline[j]} 天，尚未整治`; break;
  }
  return { building_id: reg.ids[b], rule, detail: en, detail_zh: zh, source: policy.sources[rule] };
}
