import { fmt, pct, residentsMethod, round, shareValues, tally } from '../common.js';
import { originBuildings } from '../land-raster.js';
import { buildingFacts, FROM_MAP, FROM_REGISTER, registerBasis, type SourceCounts } from '../building-facts.js';
import type { AreaValue, CheckContext, Indicator } from '../types.js';
import type { AreaLevel } from '../units.js';
import { HAZARDS, type Hazard } from '../../../domains/safety/model.js';
import { latestInspections, remediatedBy } from '../../../domains/safety/register.js';
import { localTodayDays } from '../../../domains/safety/dates.js';

/**
 * Housing stock indicators: age of the residential floor area, building heights. A building's year
 * and height are the house-safety register's where it has them, else the map's (../building-facts.ts);
 * every explain says how many came from each.
 */
const ALL: AreaLevel[] = ['city', 'district', 'street', 'community'];

/** Per residential building: construction year (0 unknown), where it comes from, and floor area (m²). */
export function housingStock(ctx: CheckContext): { year: Int16Array; from: Uint8Array; floor: Float64Array } {
  return ctx.memo('housingStock', () => {
    const idx = originBuildings(ctx);
    const f = buildingFacts(ctx);
    const o = ctx.data.places.origins;
    const year = new Int16Array(o.count), from = new Uint8Array(o.count), floor = new Float64Array(o.count);
    for (let i = 0; i < o.count; i++) {
      if (idx[i] >= 0) { year[i] = f.year[idx[i]]; from[i] = f.yearFrom[idx[i]]; }
      floor[i] = o.residents[i] * ctx.perCapitaM2;
    }
    return { year, from, floor };
  });
}

/** Where the years of the residential buildings come from (register, map, unknown), and how often the register replaced a different map year. */
function yearSources(ctx: CheckContext): SourceCounts & { replaced: number } {
  return ctx.memo('housingYearSources', () => {
    const { year, from } = housingStock(ctx);
    const idx = originBuildings(ctx);
    const mapYear = ctx.data.buildings.year;
    const c = { buildings: year.length, register: 0, map: 0, unknown: 0, replaced: 0 };
    for (let i = 0; i < year.length; i++) {
      if (from[i] === FROM_REGISTER) { c.register++; if (mapYear[idx[i]] > 0 && mapYear[idx[i]] !== year[i]) c.replaced++; }
      else if (from[i] === FROM_MAP) c.map++;
      else c.unknown++;
    }
    return c;
  });
}

export const agedHousingShare: Indicator = {
  id: 'aged_housing_share',
  inputs: ['buildings:residential (start_date, footprint, levels)', 'house-safety register: profiles (year_built), where imported'],
  unit: 'ratio',
  levels: ALL,
  explain(ctx) {
    const y = ctx.params.reference_year - ctx.params.aged_housing_years;
    const c = yearSources(ctx), reg = registerBasis(ctx.data), f = buildingFacts(ctx);
    const source = reg
      ? `the construction year is the register's year_built where ${reg.en} has the building (joined by building_id), else the map's start_date / building:start_date. ` +
        `Years of the ${fmt(c.buildings)} residential buildings: ${fmt(c.register)} from the register, ${fmt(c.map)} from the map, ${fmt(c.unknown)} unknown` +
        `${c.replaced ? ` (the register's year replaced a different map year on ${fmt(c.replaced)})` : ''}${f.unplaced.year ? `; ${fmt(f.unplaced.year)} register buildings with a year_built are not in the city model and are not counted` : ''}. `
      : `the construction year is the map's start_date / building:start_date (no house-safety register read: opencim safety import adds its year_built). Years of the ${fmt(c.buildings)} residential buildings: ${fmt(c.map)} from the map, ${fmt(c.unknown)} unknown. `;
    return `Floor area of residential buildings built in ${y} or earlier (≥ ${ctx.params.aged_housing_years} years old in ${ctx.params.reference_year}) ÷ floor area of residential buildings whose construction year is known; ` + source +
      `Floor area = footprint × levels (building:levels, else height ÷ 3 m, else the population estimate's default). The coverage of known years is reported with each value and sets its confidence (rule Y): the share only speaks for that part of the stock.`;
  },
  explainZh(ctx) {
    const y = ctx.params.reference_year - ctx.params.aged_housing_years;
    const c = yearSources(ctx), reg = registerBasis(ctx.data), f = buildingFacts(ctx);
    const source = reg
      ? `建成年代优先取${reg.zh}中的 year_built（按 building_id 与城市模型对应），档案中没有的取地图的 start_date / building:start_date。` +
        `${fmt(c.buildings)} 栋住宅建筑的建成年代：${fmt(c.register)} 栋来自档案，${fmt(c.map)} 栋来自地图，${fmt(c.unknown)} 栋未知` +
        `${c.replaced ? `（其中 ${fmt(c.replaced)} 栋档案年代与地图不同，采用档案）` : ''}${f.unplaced.year ? `；档案中 ${fmt(f.unplaced.year)} 栋有建成年代的建筑不在城市模型中，未计入` : ''}。`
      : `建成年代取地图的 start_date / building:start_date（未读取房屋安全档案：opencim safety import 导入后采用档案的 year_built）。${fmt(c.buildings)} 栋住宅建筑的建成年代：${fmt(c.map)} 栋来自地图，${fmt(c.unknown)} 栋未知。`;
    return `房龄 ≥ ${ctx.params.aged_housing_years} 年（${y} 年及以前建成，以 ${ctx.params.reference_year} 年计）的住宅建筑面积 ÷ 已知建成年代的住宅建筑面积；` + source +
      '建筑面积 = 基底面积 × 层数（building:levels，否则高度 ÷ 3 m，否则人口估算的默认层数）。已知年代覆盖的建筑面积比例随每个数值给出，并决定其可信度（规则 Y）：占比只代表这部分住宅。';
  },
  compute(ctx) {
    // weights are floor areas: the residents estimate is floor area ÷ per-capita area, so residents-weighted = floor-weighted
    const { year } = housingStock(ctx);
    const limit = ctx.params.reference_year - ctx.params.aged_housing_years;
    const c = yearSources(ctx);
    const known = (i: number) => year[i] > 0;
    const t = tally(ctx, ALL, (i) => (year[i] > 0 && year[i] <= limit ? 1 : 0), known);
    const all = tally(ctx, ALL, () => 1);
    const city = ctx.units.level.city[0];
    if (!(c.register + c.map)) {
      const reg = !!ctx.data.safety;
      return ALL.flatMap((lv) => ctx.units.level[lv]).map((a) => ({
        area: a, value: null,
        reason: reg ? 'no construction year on any residential building: neither the map (start_date) nor the house-safety register (year_built) gives one' : 'no construction year (start_date) on any residential building in the data, and no house-safety register read',
        reason_zh: reg ? '没有任何住宅建筑有建成年代：地图（start_date）和房屋安全档案（year_built）都没有' : '数据中没有任何住宅建筑有建成年代（start_date），也未读取房屋安全档案',
      }));
    }
    return shareValues(ctx, ALL, t, (x) => `${x.b} residential buildings with a known year.`, (a) => {
      const tot = all.get(a);
      const k = t.get(a);
      return {
        known_year_buildings: k?.b ?? 0, residential_buildings: tot?.b ?? 0, coverage_floor_area: tot && tot.r > 0 ? round((k?.r ?? 0) / tot.r) : null, built_in_or_before: limit,
        ...(a === city ? { year_from: { register: c.register, map: c.map, unknown: c.unknown, register_replaced_map: c.replaced } } : {}),
      };
    }).map((v): AreaValue => {
      if (v.value === null) return { ...v, reason: 'no residential building with a known construction year in this area', reason_zh: '本区域没有已知建成年代的住宅建筑' };
      const cov = v.details?.coverage_floor_area as number | null;
      const kb = v.details?.known_year_buildings as number, rb = v.details?.residential_buildings as number;
      return {
        ...v, note: `${v.note} Known years cover ${pct(cov)} of the residential floor area.`,
        note_zh: `${fmt(kb)} / ${fmt(rb)} 栋住宅建筑已知建成年代，覆盖 ${pct(cov)} 的住宅建筑面积。`,
        details: { ...v.details, aged_floor_area_share: v.value },
      };
    });
  },
};

/** Where the heights of all buildings come from: the register's height_m, the map's height tag, levels × storey height (estimated), none. */
function heightSources(ctx: CheckContext): { register: number; tagged: number; from_levels: number; unknown: number; buildings: number } {
  return ctx.memo('heightSources', () => {
    const b = ctx.data.buildings, f = buildingFacts(ctx);
    const c = { register: 0, tagged: 0, from_levels: 0, unknown: 0, buildings: b.count };
    for (let i = 0; i < b.count; i++) {
      if (f.heightFrom[i] === FROM_REGISTER) c.register++;
      else if (f.heightFrom[i] === FROM_MAP) c.tagged++;
      else if (b.levels[i] > 0) c.from_levels++;
      else c.unknown++;
    }
    return c;
  });
}

export const highRiseCount: Indicator = {
  id: 'high_rise_count',
  inputs: ['buildings (height, building:levels, residential, start_date)', 'house-safety register: profiles (height_m, year_built), where imported', 'population estimate'],
  unit: 'count',
  levels: ['city', 'district', 'street'],
  explain(ctx) {
    const h = ctx.params.high_rise_m;
    const c = heightSources(ctx), reg = registerBasis(ctx.data), f = buildingFacts(ctx);
    const height = reg
      ? `Height = the register's height_m where ${reg.en} has the building (joined by building_id), else the map's height tag, else levels × ${ctx.params.storey_height_m} m (estimated, counted separately); the construction year likewise (year_built, else start_date). ` +
        `Heights of the ${fmt(c.buildings)} buildings: ${fmt(c.register)} from the register, ${fmt(c.tagged)} from the map's height tags, ${fmt(c.from_levels)} estimated from levels, ${fmt(c.unknown)} unknown` +
        `${f.overridden.height ? ` (the register's height replaced a different map height on ${fmt(f.overridden.height)})` : ''}${f.unplaced.height ? `; ${fmt(f.unplaced.height)} register buildings with a height_m are not in the city model and are not counted` : ''}. `
      : `Height = the map's height tag, else levels × ${ctx.params.storey_height_m} m (estimated, counted separately); no house-safety register read (opencim safety import adds its height_m and year_built). ` +
        `Heights of the ${fmt(c.buildings)} buildings: ${fmt(c.tagged)} from height tags, ${fmt(c.from_levels)} estimated from levels, ${fmt(c.unknown)} unknown. `;
    return `Value: residential buildings taller than ${h.residential} m; details: all buildings above 100, 150, 250 and 500 m. ` + height +
      `The catalogue sets no target for this count (status no_target); beside it, a verdict on the height cap of the 2021 notice (建科〔2021〕76号): a city under ${fmt(h.large_city_population)} residents may build none above ${h.cap_small_city} m (and strictly limits > ${h.limit_small_city} m), a larger one none above ${h.cap_large_city} m. ` +
      `The notice limits new construction: only buildings completed after ${h.notice_year} (construction year known) break it; existing buildings above the cap, or of unknown year, are listed as information, not violations. ` +
      (ctx.params.city_population != null
        ? `The cap is ${capOf(ctx)} m: the city population is the given figure, ${fmt(Number(ctx.params.city_population))} (parameter city_population).`
        : `The city population is not given, so the cap is not known: the verdict holds only where both caps agree (nothing new above ${h.cap_small_city} m: within either; something new above ${h.cap_large_city} m: over either), otherwise it is undetermined. ` +
          `The residents estimated from the buildings in the data (${residentsMethod(ctx)}) do not decide it: an extract holds part of a city, and the notice counts the city's resident population; give it with --param city_population=N.`);
  },
  explainZh(ctx) {
    const h = ctx.params.high_rise_m;
    const c = heightSources(ctx), reg = registerBasis(ctx.data), f = buildingFacts(ctx);
    const height = reg
      ? `高度优先取${reg.zh}中的 height_m（按 building_id 与城市模型对应），否则取地图的 height 标签，再否则按层数 × ${ctx.params.storey_height_m} m 估算（单独计数）；建成年代同样优先取档案的 year_built，否则取 start_date。` +
        `${fmt(c.buildings)} 栋建筑的高度：${fmt(c.register)} 栋来自档案，${fmt(c.tagged)} 栋来自地图 height 标签，${fmt(c.from_levels)} 栋按层数估算，${fmt(c.unknown)} 栋未知` +
        `${f.overridden.height ? `（其中 ${fmt(f.overridden.height)} 栋档案高度与地图不同，采用档案）` : ''}${f.unplaced.height ? `；档案中 ${fmt(f.unplaced.height)} 栋有高度的建筑不在城市模型中，未计入` : ''}。`
      : `高度取地图的 height 标签，否则按层数 × ${ctx.params.storey_height_m} m 估算（单独计数）；未读取房屋安全档案（opencim safety import 导入后采用档案的 height_m 与 year_built）。` +
        `${fmt(c.buildings)} 栋建筑的高度：${fmt(c.tagged)} 栋来自 height 标签，${fmt(c.from_levels)} 栋按层数估算，${fmt(c.unknown)} 栋未知。`;
    return `数值：高度超过 ${h.residential} m 的居住建筑数量；details 列出所有高于 100、150、250、500 m 的建筑。` + height +
      `指标库对该数量未设目标值（状态为无目标值）；另按 2021 年通知（建科〔2021〕76号）的限高作判定：城区常住人口不足 ${fmt(h.large_city_population)} 的城市不得新建 ${h.cap_small_city} m 以上建筑（严格限制 ${h.limit_small_city} m 以上），其余城市不得新建 ${h.cap_large_city} m 以上建筑。` +
      `通知限制的是新建建筑：只有 ${h.notice_year} 年以后建成（建成年代已知）的超限建筑判为超限；已有的超限建筑或年代未知的建筑只列出供参考，不计为超限。` +
      (ctx.params.city_population != null
        ? `限高为 ${capOf(ctx)} m：城市人口取给定数值 ${fmt(Number(ctx.params.city_population))}（参数 city_population）。`
        : `未给出城市人口，限高无法确定：只有两种限高结论一致时才作判定（没有高于 ${h.cap_small_city} m 的新建建筑：均未超限；有高于 ${h.cap_large_city} m 的新建建筑：均超限），否则为无法判定。` +
          `按数据中建筑估算的人口不能作为依据：数据可能只是城市的一部分，而通知按城区常住人口划分；请用 --param city_population=N 给出实际人口。`);
  },
  compute(ctx) {
    const b = ctx.data.buildings;
    const f = buildingFacts(ctx);
    const h = ctx.params.high_rise_m;
    const given = ctx.params.city_population !== null && ctx.params.city_population !== undefined;
    // the cap of the 2021 notice: by the given city population; unknown without it (the data's own estimate does not decide it)
    const cap = capOf(ctx);
    // buildings above the lower cap are listed (above the one cap in force when it is known)
    const listFrom = cap ?? h.cap_small_city;
    const levels: ('city' | 'district' | 'street')[] = ['city', 'district', 'street'];
    interface Count { res80: number; o100: number; o150: number; o250: number; o500: number; estimated: number; newOverCap: string[]; existingOverCap: string[]; newOver: number; newOverLarge: number; existingOver: number }
    const counts = new Map<number, Count>();
    for (const lv of levels) for (const a of ctx.units.level[lv]) counts.set(a, { res80: 0, o100: 0, o150: 0, o250: 0, o500: 0, estimated: 0, newOverCap: [], existingOverCap: [], newOver: 0, newOverLarge: 0, existingOver: 0 });
    const src = heightSources(ctx);
    for (let i = 0; i < b.count; i++) {
      let H = f.height[i];
      let est = false;
      if (!(H > 0)) { if (b.levels[i] > 0) { H = b.levels[i] * ctx.params.storey_height_m; est = true; } else continue; }
      if (H <= Math.min(h.residential, 100)) continue;
      const areas = levels.map((lv) => (lv === 'city' ? ctx.units.level.city[0] : ctx.units.locate(lv, b.lon[i], b.lat[i])));
      for (const a of areas) {
        const c = a >= 0 ? counts.get(a) : undefined;
        if (!c) continue;
        if (b.residential[i] && H > h.residential) c.res80++;
        if (H > 100) c.o100++;
        if (H > 150) c.o150++;
        if (H > 250) c.o250++;
        if (H > 500) c.o500++;
        if (est) c.estimated++;
        if (H > listFrom) {
          // the notice governs what is built after it: a building completed later breaks it, an older one (or one of unknown year) is information
          const year = f.year[i] > 0 ? f.year[i] : null;
          const after = year !== null && year > h.notice_year;
          const label = `${b.ids[i]} (${Math.round(H)} m${est ? ', estimated' : ''}, ${year ?? 'year unknown'})`;
          if (after) {
            c.newOver++;
            if (H > h.cap_large_city) c.newOverLarge++;
            if (c.newOverCap.length < 20) c.newOverCap.push(label);
          } else { c.existingOver++; if (c.existingOverCap.length < 20) c.existingOverCap.push(label); }
        }
      }
    }
    if (!b.count || !(src.register + src.tagged + src.from_levels)) {
      return [...counts].map(([a]) => ({
        area: a, value: null,
        reason: b.count ? 'no building has a height or a number of levels in the data' : 'no buildings in the data',
        reason_zh: b.count ? '数据中没有任何建筑有高度或层数' : '数据中没有建筑',
      }));
    }
    const estimate = ctx.units.areas[ctx.units.level.city[0]].residents;
    const big = fmt(h.large_city_population);
    const cityText = given ? `a city of ${Number(ctx.params.city_population) >= h.large_city_population ? '≥' : '<'} ${big} residents` : 'either cap (city population not given)';
    const cityZh = given ? `城市人口 ${Number(ctx.params.city_population) >= h.large_city_population ? '≥' : '<'} ${big}` : '未给出城市人口，两种限高均适用';
    const verdictOf = (c: Count): NonNullable<AreaValue['verdict']> => {
      const rule = '建科〔2021〕76号';
      if (cap !== null) {
        return c.newOver
          ? { rule, outcome: 'over', why: `${c.newOver} building(s) completed after ${h.notice_year} above the ${cap} m cap for ${cityText}`, why_zh: `${h.notice_year} 年以后建成、高于 ${cap} m 限高的建筑 ${c.newOver} 栋（${cityZh}）` }
          : { rule, outcome: 'within', why: `no building completed after ${h.notice_year} above the ${cap} m cap for ${cityText}`, why_zh: `没有 ${h.notice_year} 年以后建成、高于 ${cap} m 限高的建筑（${cityZh}）` };
      }
      if (c.newOverLarge) {
        return { rule, outcome: 'over', why: `${c.newOverLarge} building(s) completed after ${h.notice_year} above ${h.cap_large_city} m, over ${cityText}`, why_zh: `${h.notice_year} 年以后建成、高于 ${h.cap_large_city} m 的建筑 ${c.newOverLarge} 栋，超过任一限高（${cityZh}）` };
      }
      if (c.newOver) {
        return { rule, outcome: 'undetermined', why: `${c.newOver} building(s) completed after ${h.notice_year} between ${h.cap_small_city} and ${h.cap_large_city} m: over the cap of a city under ${big} residents, within that of a larger one; the city population is not given (give it with --param city_population=N)`,
          why_zh: `${h.notice_year} 年以后建成、高度在 ${h.cap_small_city}–${h.cap_large_city} m 之间的建筑 ${c.newOver} 栋：城区人口不足 ${big} 的城市为超限，更大的城市不超限；未给出城市人口，无法判定（请用 --param city_population=N 给出）` };
      }
      return { rule, outcome: 'within', why: `no building completed after ${h.notice_year} above ${h.cap_small_city} m, within ${cityText}`, why_zh: `没有 ${h.notice_year} 年以后建成、高于 ${h.cap_small_city} m 的建筑，任一限高均未超过（${cityZh}）` };
    };
    return [...counts].map(([a, c]): AreaValue => ({
      area: a, value: c.res80,
      note: `${c.res80} residential > ${h.residential} m; all buildings > 100 m: ${c.o100}, > 150 m: ${c.o150}, > 250 m: ${c.o250}, > 500 m: ${c.o500}${c.estimated ? ` (${c.estimated} heights estimated from levels)` : ''}.` +
        (c.existingOver ? ` Existing above ${cap === null ? `${listFrom} m (the lower cap)` : `the ${cap} m cap`} (completed by ${h.notice_year} or year unknown; information, not a violation): ${c.existingOver}.` : ''),
      note_zh: `高于 ${h.residential} m 的居住建筑 ${c.res80} 栋；所有建筑中高于 100 m 的 ${c.o100} 栋，高于 150 m 的 ${c.o150} 栋，高于 250 m 的 ${c.o250} 栋，高于 500 m 的 ${c.o500} 栋${c.estimated ? `（其中 ${c.estimated} 栋高度按层数估算）` : ''}。` +
        (c.existingOver ? `高于 ${cap === null ? `${listFrom} m（较低的限高）` : `${cap} m 限高`}的已有建筑（${h.notice_year} 年及以前建成或年代未知；供参考，不计为超限）：${c.existingOver} 栋。` : ''),
      details: { residential_over_80: c.res80, over_100: c.o100, over_150: c.o150, over_250: c.o250, over_500: c.o500, estimated_heights: c.estimated,
        over_cap_new: c.newOverCap, over_cap_existing: c.existingOverCap, over_cap_new_count: c.newOver, over_cap_existing_count: c.existingOver,
        cap_m: cap, caps_m: { small_city: h.cap_small_city, large_city: h.cap_large_city }, large_city_population: h.large_city_population, listed_above_m: listFrom, notice_year: h.notice_year,
        city_population: given ? Number(ctx.params.city_population) : null, city_population_estimate: Math.round(estimate),
        ...(a === ctx.units.level.city[0] ? { heights_known: { register: src.register, tagged: src.tagged, from_levels: src.from_levels, buildings: b.count } } : {}) },
      verdict: verdictOf(c),
    }));
  },
};

/** The height cap (m) of the 2021 notice for the given city population; null when the population is not given. */
export function capOf(ctx: CheckContext): number | null {
  const h = ctx.params.high_rise_m, p = ctx.params.city_population;
  if (p === null || p === undefined) return null;
  return Number(p) >= h.large_city_population ? h.cap_large_city : h.cap_small_city;
}

// ---- housing-level indicators 1–10 (reference §1a) from the house-safety register ----

/** indicators 5 (non-self-contained dwellings) and 8 (tap water) have no item in the hazard catalogue: they stay manual */
const HAZARD_INDICATORS: { id: string; hazard: Hazard; zh: string; also?: string }[] = [
  { id: 'housing_structural_hazard', hazard: 'structure', zh: '结构', also: ', or whose latest grade is C or D (JGJ 125-2016) and not remediated' },
  { id: 'housing_gas_hazard', hazard: 'gas', zh: '燃气' },
  { id: 'housing_stairwell_hazard', hazard: 'stairwell', zh: '楼道' },
  { id: 'housing_envelope_hazard', hazard: 'envelope', zh: '围护' },
  { id: 'housing_pipe_damage', hazard: 'pipes', zh: '管线管道' },
  { id: 'housing_age_friendly_retrofit', hazard: 'age_friendly', zh: '适老化' },
  { id: 'housing_energy_retrofit', hazard: 'energy', zh: '节能' },
  { id: 'housing_digital_retrofit', hazard: 'digital', zh: '数字化' },
];

const NO_REGISTER = 'field inspection (F): not derivable from map data; enter the surveyed figure with --manual, or import the house-safety register (opencim safety import profiles.csv inspections.csv) and the check counts it';
const NO_REGISTER_ZH = '需实地调查（F），无法由地图数据得出：请用 --manual 录入调查数值，或导入房屋安全档案（opencim safety import profiles.csv inspections.csv），体检即按档案计数。';
const ALSO_ZH: Partial<Record<Hazard, string>> = { structure: '，或最近一次鉴定等级为 C、D 级（JGJ 125-2016）且未整改' };

function hazardIndicator(d: (typeof HAZARD_INDICATORS)[number]): Indicator {
  return {
    id: d.id,
    inputs: ['house-safety register: profiles (use) and the latest inspection of each building (hazards, grade, remediation)', 'buildings (location, residential)'],
    unit: 'count',
    levels: ALL,
    explain(ctx) {
      const reg = registerBasis(ctx.data);
      if (!reg) return NO_REGISTER;
      return `Counted from ${reg.en}: residential buildings (profile use residential, or unknown use and residential in the city model) whose latest inspection records a ${d.hazard} (${d.zh}) hazard not yet remediated${d.also ?? ''}. Buildings of the register missing from the city model count in the city total only.`;
    },
    explainZh(ctx) {
      const reg = registerBasis(ctx.data);
      if (!reg) return NO_REGISTER_ZH;
      return `按${reg.zh}计数：最近一次检查记录有${d.zh}隐患且尚未整改${ALSO_ZH[d.hazard] ?? ''}的住宅建筑（档案用途为住宅，或用途未知而城市模型中为住宅）。档案中有而城市模型中没有的建筑只计入城市总数。`;
    },
    compute(ctx) {
      const s = ctx.data.safety;
      const areas = ALL.flatMap((lv) => ctx.units.level[lv]);
      if (!s) return areas.map((a) => ({ area: a, value: null, reason: 'no house-safety register in the store', reason_zh: '数据库中没有房屋安全档案' }));
      const reg = s.register;
      const place = buildingFacts(ctx).registerPlace!;
      // as of today: an inspection or a remediation dated later (stored before such dates were refused) is not yet made
      const today = localTodayDays();
      const last = ctx.memo('safetyLatest', () => latestInspections(reg, today));
      const bit = 1 << HAZARDS.indexOf(d.hazard);
      const structural = d.hazard === 'structure';
      const counts = new Map<number, number>(areas.map((a) => [a, 0]));
      const b = ctx.data.buildings;
      const city = ctx.units.level.city[0];
      let unlocated = 0, residentialInRegister = 0, inspected = 0;
      for (let k = 0; k < reg.n; k++) {
        const i = place[k];
        const residential = reg.use[k] === 0 || (reg.use[k] < 0 && i >= 0 && b.residential[i] === 1);
        if (!residential) continue;
        residentialInRegister++;
        const j = last[k];
        if (j < 0) continue;
        inspected++;
        if (remediatedBy(reg, j, today)) continue;
        if (!(reg.inspHazards[j] & bit) && !(structural && reg.inspGrade[j] >= 2)) continue;
        counts.set(city, counts.get(city)! + 1);
        if (i < 0) { unlocated++; continue; }
        for (const lv of ['district', 'street', 'community'] as const) {
          const a = ctx.units.locate(lv, b.lon[i], b.lat[i]);
          if (a >= 0 && counts.has(a)) counts.set(a, counts.get(a)! + 1);
        }
      }
      return areas.map((a): AreaValue => ({
        area: a, value: counts.get(a)!,
        ...(a === city ? {
          note: `${fmt(residentialInRegister)} residential buildings in the register, ${fmt(inspected)} of them inspected${unlocated ? `; ${unlocated} counted buildings are not in the city model (city total only)` : ''}.`,
          note_zh: `档案中住宅建筑 ${fmt(residentialInRegister)} 栋，其中已检查 ${fmt(inspected)} 栋${unlocated ? `；计入的建筑中 ${unlocated} 栋不在城市模型中（只计入城市总数）` : ''}。`,
          details: { register_changeset: s.changeset, register_recorded_at: s.recorded_at, residential_in_register: residentialInRegister, inspected, not_in_model: unlocated },
        } : {}),
      }));
    },
  };
}

export const housingHazardIndicators: Indicator[] = HAZARD_INDICATORS.map(hazardIndicator);
