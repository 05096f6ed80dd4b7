/**
 * Policy checks over the register (`opencim safety check`), as of a day (inspections and
 * remediations dated after it are not yet made): each flag names its rule and the source of the
 * rule. Thresholds and sources are data (./policy.json); the city population is a parameter (the
 * height limits depend on it). The height notices of 2020/2021 govern new buildings: a building
 * completed after the notice year breaks them (a flag); an older one, or one of unknown year, above
 * a limit is information, not a violation (the same cut-off as the health check's high_rise_count,
 * read from its catalogue parameter). So do the fire-service consultation of the same notice and the
 * seismic isolation duty of the 2021 regulation, which govern new construction too. The height
 * figures (consultation heights, limits, caps, the population line, the notice year) are the
 * indicator catalogue's `high_rise_m`, the one place the health check reads them from as well.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadCatalogue } from '../../analysis/indicators/catalogue.js';
import { formatDate, LABELS_ZH, MEASURES, USES } from './model.js';
import { latestInspections, NO_DATE, openCD, remediatedBy, seismicBasisText, type SafetyRegister } from './register.js';

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
  /** the isolation duty (建设工程抗震管理条例 §16) applies to buildings completed after this year */
  seismic_isolation_year: number;
  critical_building_uses: string[];
  /** the height notices apply to buildings completed after this year (indicator catalogue: high_rise_m.notice_year) */
  notice_year: number;
  sources: Record<FlagRule, string>;
}

export const FLAG_RULES = ['fire_consult_residential', 'fire_consult_public', 'height_strictly_limited', 'height_over_cap', 'seismic_isolation_missing', 'cd_still_in_use', 'prefab_multi_household', 'group_rental', 'remediation_overdue',
  'height_above_limit_existing', 'height_above_limit_year_unknown', 'fire_consult_existing', 'fire_consult_year_unknown', 'seismic_isolation_existing', 'seismic_isolation_year_unknown'] as const;
export type FlagRule = (typeof FLAG_RULES)[number];
/** rules that inform and are not violations: existing buildings (or of unknown year) under rules for new ones */
export const INFORMATION_RULES: readonly FlagRule[] = ['height_above_limit_existing', 'height_above_limit_year_unknown', 'fire_consult_existing', 'fire_consult_year_unknown', 'seismic_isolation_existing', 'seismic_isolation_year_unknown'];

type PolicyFile = Omit<Policy, 'notice_year' | 'fire_consult_residential_m' | 'fire_consult_public_m' | 'large_city_population' | 'small_city' | 'large_city'>;

export function loadPolicy(over: Partial<Policy> = {}): Policy {
  const p = JSON.parse(readFileSync(fileURLToPath(new URL('../../../src/domains/safety/policy.json', import.meta.url)), 'utf8')) as PolicyFile;
  const h = loadCatalogue().parameters.high_rise_m;
  return {
    ...p, notice_year: h.notice_year, fire_consult_residential_m: h.residential, fire_consult_public_m: h.public, large_city_population: h.large_city_population,
    small_city: { limit_m: h.limit_small_city, cap_m: h.cap_small_city }, large_city: { limit_m: h.limit_large_city, cap_m: h.cap_large_city }, ...over,
  };
}

/** a rule for new construction, by the year the building was completed: new (after `year`), existing, or unknown */
const NEW = 0, EXISTING = 1, UNKNOWN = 2;
const era = (built: number, year: number) => (!built ? UNKNOWN : built <= year ? EXISTING : NEW);

export interface Flags {
  count: number; building: Int32Array; rule: Uint8Array; /** the height used (m), NaN when not a height rule */ height: Float32Array; estimated: Uint8Array;
  /** the day checked, and each building's latest inspection made by it */
  asOf: number; last: Int32Array;
}

const RESIDENTIAL = USES.indexOf('residential');
const PREFAB = 1; // STRUCTURES.indexOf('prefab_slab')
const STOP = MEASURES.indexOf('stop'), DEMOLISH = MEASURES.indexOf('demolish');

export function computeFlags(reg: SafetyRegister, policy: Policy, asOf: number): Flags {
  const last = latestInspections(reg, asOf);
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
  const lim = heightLimits(policy);
  const R = (name: FlagRule) => FLAG_RULES.indexOf(name);
  const [fireRes, firePub, limited, overCap, seismic, cdUse, prefab, group, remed, existing, yearUnknown, fireExisting, fireUnknown, seismicExisting, seismicUnknown] = FLAG_RULES.map(R);
  for (let b = 0; b < reg.n; b++) {
    let h = reg.height[b], est = 0;
    if (!(h >= 0) && reg.storeys[b] > 0) { h = reg.storeys[b] * policy.storey_height_m; est = 1; }
    const u = reg.use[b];
    // the notices and the regulation govern what is built after them
    const year = reg.yearBuilt[b];
    if (h > 0) {
      const fire = u === RESIDENTIAL && h > policy.fire_consult_residential_m ? fireRes : u >= 0 && publicMask & (1 << u) && h > policy.fire_consult_public_m ? firePub : -1;
      if (fire >= 0) add(b, [fire, fireExisting, fireUnknown][era(year, policy.notice_year)], h, est);
      if (h > lim.limit_m) add(b, [h > lim.cap_m ? overCap : limited, existing, yearUnknown][era(year, policy.notice_year)], h, est);
    }
    if (reg.critical[b] && reg.seismic[b] >= policy.high_intensity && reg.isolation[b] !== 1) add(b, [seismic, seismicExisting, seismicUnknown][era(year, policy.seismic_isolation_year)]);
    const j = last[b];
    if (openCD(reg, j, asOf) && reg.inspMeasure[j] !== STOP && reg.inspMeasure[j] !== DEMOLISH) add(b, cdUse);
    if (reg.structure[b] === PREFAB && reg.households[b] >= 2 && (u === RESIDENTIAL || u < 0)) add(b, prefab);
    if (reg.groupRental[b] === 1) add(b, group);
    if (j >= 0 && reg.inspDeadline[j] !== NO_DATE && !remediatedBy(reg, j, asOf) && asOf > reg.inspDeadline[j]) add(b, remed);
  }
  return { count, building: building.subarray(0, count), rule: rule.subarray(0, count), height: height.subarray(0, count), estimated: estimated.subarray(0, count), asOf, last };
}

/**
 * The height limits that apply: by the city's population when it is given; else the lowest strict
 * limit that could apply (a city under the population line) and the cap that applies to any city
 * (the larger one's), so nothing is called over the cap that might not be, and the text says so.
 */
function heightLimits(policy: Policy): { limit_m: number; cap_m: number } {
  if (policy.city_population === null) return { limit_m: policy.small_city.limit_m, cap_m: policy.large_city.cap_m };
  return policy.city_population >= policy.large_city_population ? policy.large_city : policy.small_city;
}

export interface FlagRow {
  building_id: string; rule: FlagRule;
  /** 'flag': the building breaks or falls under the rule; 'information': noted, not a violation (an existing building above a limit for new ones) */
  kind: 'flag' | 'information';
  detail: string; detail_zh: string; source: string;
}

export function flagRow(reg: SafetyRegister, policy: Policy, flags: Flags, k: number): FlagRow {
  const b = flags.building[k], rule = FLAG_RULES[flags.rule[k]], asOf = flags.asOf, last = flags.last;
  const h = flags.height[k];
  const hs = `${Math.round(h * 10) / 10} m${flags.estimated[k] ? ` (estimated: ${reg.storeys[b]} storeys × ${policy.storey_height_m} m)` : ''}`;
  const lim = heightLimits(policy);
  const millions = `${policy.large_city_population / 1e6} million`;
  const popText = policy.city_population === null
    ? `city population not given (--population N): the limits of a city under ${millions} (${policy.small_city.limit_m} / ${policy.small_city.cap_m} m) or of a larger one (${policy.large_city.limit_m} / ${policy.large_city.cap_m} m) apply`
    : `city population ${policy.city_population.toLocaleString('en')}`;
  const popZh = policy.city_population === null ? `；未给出城市人口（--population N），按 ${policy.large_city_population / 1e4} 万人以下城市（${policy.small_city.limit_m}/${policy.small_city.cap_m} 米）或以上城市（${policy.large_city.limit_m}/${policy.large_city.cap_m} 米）的限值判断` : '';
  const j = last[b];
  const grade = j >= 0 && reg.inspGrade[j] >= 0 ? 'ABCD'[reg.inspGrade[j]] : '';
  const measure = j >= 0 && reg.inspMeasure[j] >= 0 ? MEASURES[reg.inspMeasure[j]] : null;
  let en: string, zh: string;
  switch (rule) {
    case 'fire_consult_residential': en = `residential building ${hs} > ${policy.fire_consult_residential_m} m: consult the fire and rescue service`; zh = `住宅高度 ${hs} 超过 ${policy.fire_consult_residential_m} 米：须征求消防救援机构意见`; break;
    case 'fire_consult_public': en = `public building ${hs} > ${policy.fire_consult_public_m} m: consult the fire and rescue service`; zh = `公共建筑高度 ${hs} 超过 ${policy.fire_consult_public_m} 米：须征求消防救援机构意见`; break;
    case 'height_strictly_limited': en = `${hs} > ${lim.limit_m} m, strictly limited (${popText}); completed ${reg.yearBuilt[b]}, after the ${policy.notice_year} notice`; zh = `高度 ${hs} 超过 ${lim.limit_m} 米，严格限制（${reg.yearBuilt[b]} 年建成，晚于 ${policy.notice_year} 年通知${popZh}）`; break;
    case 'height_over_cap': en = `${hs} > ${lim.cap_m} m, not permitted for new buildings (${popText}); completed ${reg.yearBuilt[b]}, after the ${policy.notice_year} notice`; zh = `高度 ${hs} 超过 ${lim.cap_m} 米，不得新建（${reg.yearBuilt[b]} 年建成，晚于 ${policy.notice_year} 年通知${popZh}）`; break;
    case 'height_above_limit_existing': case 'height_above_limit_year_unknown': {
      const over = h > lim.cap_m ? { en: `above the ${lim.cap_m} m cap for new buildings`, zh: `超过新建建筑 ${lim.cap_m} 米上限` } : { en: `above the ${lim.limit_m} m strict limit for new buildings`, zh: `超过新建建筑 ${lim.limit_m} 米严格限制高度` };
      if (rule === 'height_above_limit_existing') {
        en = `${hs} ${over.en} (${popText}); completed ${reg.yearBuilt[b]}, by the ${policy.notice_year} notice, which governs new buildings: information, not a violation`;
        zh = `高度 ${hs}，${over.zh}；${reg.yearBuilt[b]} 年建成，早于 ${policy.notice_year} 年通知（通知适用于新建建筑）：仅供参考，不属违规`;
      } else {
        en = `${hs} ${over.en} (${popText}); year built unknown: cannot tell whether the ${policy.notice_year} notice applies (it governs buildings completed after ${policy.notice_year}); record year_built`;
        zh = `高度 ${hs}，${over.zh}；建成年份未知，无法判断是否适用 ${policy.notice_year} 年通知（适用于其后建成的建筑）：请补录建成年份`;
      }
      break;
    }
    case 'fire_consult_existing': case 'fire_consult_year_unknown': {
      const pub = reg.use[b] !== RESIDENTIAL, m = pub ? policy.fire_consult_public_m : policy.fire_consult_residential_m;
      const what = { en: `${pub ? 'public' : 'residential'} building ${hs} > ${m} m`, zh: `${pub ? '公共建筑' : '住宅'}高度 ${hs} 超过 ${m} 米` };
      if (rule === 'fire_consult_existing') {
        en = `${what.en}; completed ${reg.yearBuilt[b]}, by the ${policy.notice_year} notice, whose fire-service consultation governs new buildings: information, not a violation`;
        zh = `${what.zh}；${reg.yearBuilt[b]} 年建成，早于 ${policy.notice_year} 年通知（征求消防救援机构意见适用于新建建筑）：仅供参考，不属违规`;
      } else {
        en = `${what.en}; year built unknown: cannot tell whether the ${policy.notice_year} notice's fire-service consultation applies (it governs buildings completed after ${policy.notice_year}); record year_built`;
        zh = `${what.zh}；建成年份未知，无法判断是否适用 ${policy.notice_year} 年通知的征求消防意见要求（适用于其后建成的建筑）：请补录建成年份`;
      }
      break;
    }
    case 'seismic_isolation_missing': case 'seismic_isolation_existing': case 'seismic_isolation_year_unknown': {
      const [ben, bzh] = seismicBasisText(reg, b), y = policy.seismic_isolation_year;
      en = `critical building type in a zone of intensity ${reg.seismic[b]} ≥ ${policy.high_intensity} with ${reg.isolation[b] === 0 ? 'no isolation or damping' : 'no isolation or damping recorded'}; intensity ${ben}`;
      zh = `高烈度区（${reg.seismic[b]} 度，${bzh}）重点建筑${reg.isolation[b] === 0 ? '未采用' : '未登记'}隔震减震`;
      if (rule === 'seismic_isolation_existing') {
        en += `; completed ${reg.yearBuilt[b]}, by the ${y} regulation, whose isolation duty governs new construction: information (an existing building is appraised under GB 50023)`;
        zh += `；${reg.yearBuilt[b]} 年建成，早于 ${y} 年《建设工程抗震管理条例》（隔震减震要求适用于新建建筑）：仅供参考，既有建筑按 GB 50023 进行抗震鉴定`;
      } else if (rule === 'seismic_isolation_year_unknown') {
        en += `; year built unknown: cannot tell whether the ${y} regulation's isolation duty applies (it governs buildings completed after ${y}); record year_built`;
        zh += `；建成年份未知，无法判断是否适用 ${y} 年《建设工程抗震管理条例》的隔震减震要求：请补录建成年份`;
      }
      break;
    }
    case 'cd_still_in_use': en = `grade ${grade} (${formatDate(reg.inspDate[j])}) not remediated, measure ${measure ?? 'none'}: still in use`; zh = `${grade} 级危房（${formatDate(reg.inspDate[j])}）未整治，处理措施${measure ? LABELS_ZH[measure] : '未定'}：仍在使用`; break;
    case 'prefab_multi_household': en = `prefab-slab multi-household housing (${reg.households[b]} households): renovation programme`; zh = `预制板多户住宅（${reg.households[b]} 户）：纳入改造`; break;
    case 'group_rental': en = 'group rental (群租房): clean-up'; zh = '群租房：纳入整治'; break;
    case 'remediation_overdue': en = `remediation deadline ${formatDate(reg.inspDeadline[j])} passed ${asOf - reg.inspDeadline[j]} days ago without remediation`; zh = `整治期限 ${formatDate(reg.inspDeadline[j])} 已过 ${asOf - reg.inspDeadline[j]} 天，尚未整治`; break;
  }
  return { building_id: reg.ids[b], rule, kind: INFORMATION_RULES.includes(rule) ? 'information' : 'flag', detail: en, detail_zh: zh, source: policy.sources[rule] };
}
