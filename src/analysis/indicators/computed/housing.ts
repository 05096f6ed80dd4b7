import { fmt, pct, residentsMethod, round, shareValues, tally } from '../common.js';
import { originBuildings } from '../land-raster.js';
import type { AreaValue, CheckContext, Indicator } from '../types.js';
import type { AreaLevel } from '../units.js';
import { HAZARDS, type Hazard } from '../../../domains/safety/model.js';
import { latestInspections, NO_DATE } from '../../../domains/safety/register.js';

/** Housing stock indicators: age of the residential floor area, building heights. */
const ALL: AreaLevel[] = ['city', 'district', 'street', 'community'];

/** Per residential building: construction year (0 unknown) and floor area (m²). */
export function housingStock(ctx: CheckContext): { year: Int16Array; floor: Float64Array } {
  return ctx.memo('housingStock', () => {
    const idx = originBuildings(ctx);
    const o = ctx.data.places.origins;
    const year = new Int16Array(o.count), floor = new Float64Array(o.count);
    for (let i = 0; i < o.count; i++) {
      year[i] = idx[i] >= 0 ? ctx.data.buildings.year[idx[i]] : 0;
      floor[i] = o.residents[i] * ctx.perCapitaM2;
    }
    return { year, floor };
  });
}

export const agedHousingShare: Indicator = {
  id: 'aged_housing_share',
  inputs: ['buildings:residential (start_date, footprint, levels)'],
  unit: 'ratio',
  levels: ALL,
  explain(ctx) {
    const y = ctx.params.reference_year - ctx.params.aged_housing_years;
    return `Floor area of residential buildings built in ${y} or earlier (≥ ${ctx.params.aged_housing_years} years old in ${ctx.params.reference_year}) ÷ floor area of residential buildings whose construction year is known (start_date / building:start_date); ` +
      `floor area = footprint × levels (building:levels, else height ÷ 3 m, else the population estimate's default). The coverage of known years is reported with each value: the share only speaks for that part of the stock.`;
  },
  compute(ctx) {
    // weights are floor areas: the residents estimate is floor area ÷ per-capita area, so residents-weighted = floor-weighted
    const { year } = housingStock(ctx);
    const limit = ctx.params.reference_year - ctx.params.aged_housing_years;
    const o = ctx.data.places.origins;
    const known = (i: number) => year[i] > 0;
    const t = tally(ctx, ALL, (i) => (year[i] > 0 && year[i] <= limit ? 1 : 0), known);
    const all = tally(ctx, ALL, () => 1);
    let anyKnown = 0;
    for (let i = 0; i < o.count; i++) if (year[i] > 0) anyKnown++;
    if (!anyKnown) {
      return ALL.flatMap((lv) => ctx.units.level[lv]).map((a) => ({ area: a, value: null, reason: 'no construction year (start_date) on any residential building in the data' }));
    }
    return shareValues(ctx, ALL, t, (x) => `${x.b} residential buildings with a known year.`, (a) => {
      const tot = all.get(a);
      const k = t.get(a);
      return { known_year_buildings: k?.b ?? 0, residential_buildings: tot?.b ?? 0, coverage_floor_area: tot && tot.r > 0 ? round((k?.r ?? 0) / tot.r) : null, built_in_or_before: limit };
    }).map((v): AreaValue => {
      if (v.value === null) return { ...v, reason: 'no residential building with a known construction year in this area' };
      const cov = v.details?.coverage_floor_area as number | null;
      return { ...v, note: `${v.note} Known years cover ${pct(cov)} of the residential floor area.`, details: { ...v.details, aged_floor_area_share: v.value } };
    });
  },
};

export const highRiseCount: Indicator = {
  id: 'high_rise_count',
  inputs: ['buildings (height, building:levels, residential)', 'population estimate'],
  unit: 'count',
  levels: ['city', 'district', 'street'],
  explain(ctx) {
    const h = ctx.params.high_rise_m;
    return `Value: residential buildings taller than ${h.residential} m; details: all buildings above 100, 150, 250 and 500 m. Height = height tag, else levels × ${ctx.params.storey_height_m} m (estimated, counted separately). ` +
      `Verdict (2021 notice, 建科〔2021〕76号): a city under ${fmt(h.large_city_population)} residents may build none above ${h.cap_small_city} m (and strictly limits > ${h.limit_small_city} m), a larger one none above ${h.cap_large_city} m. ` +
      `The notice limits new construction: only buildings completed after ${h.notice_year} (construction year known) fail it; existing buildings above the cap, or of unknown year, are listed as information, not failures. ` +
      (ctx.params.city_population != null ? `the city population is the given figure, ${fmt(Number(ctx.params.city_population))} (parameter city_population).` : `the city population is the estimate from the buildings in the data (${residentsMethod(ctx)}); for an extract of a larger city give the real figure with --param city_population=N.`);
  },
  compute(ctx) {
    const b = ctx.data.buildings;
    const h = ctx.params.high_rise_m;
    const estimated = ctx.params.city_population === null || ctx.params.city_population === undefined;
    const cityPop = estimated ? ctx.units.areas[ctx.units.level.city[0]].residents : Number(ctx.params.city_population);
    const large = cityPop >= h.large_city_population;
    const cap = large ? h.cap_large_city : h.cap_small_city;
    const levels: ('city' | 'district' | 'street')[] = ['city', 'district', 'street'];
    const counts = new Map<number, { res80: number; o100: number; o150: number; o250: number; o500: number; estimated: number; newOverCap: string[]; existingOverCap: string[]; newOver: number; existingOver: number }>();
    for (const lv of levels) for (const a of ctx.units.level[lv]) counts.set(a, { res80: 0, o100: 0, o150: 0, o250: 0, o500: 0, estimated: 0, newOverCap: [], existingOverCap: [], newOver: 0, existingOver: 0 });
    let tagged = 0, fromLevels = 0;
    for (let i = 0; i < b.count; i++) {
      let H = b.height[i];
      let est = false;
      if (!(H > 0)) { if (b.levels[i] > 0) { H = b.levels[i] * ctx.params.storey_height_m; est = true; fromLevels++; } else continue; } else tagged++;
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
        if (H > cap) {
          // the notice governs what is built after it: a building completed later breaks it, an older one (or one of unknown year) is information
          const year = b.year[i] > 0 ? b.year[i] : null;
          const after = year !== null && year > h.notice_year;
          const label = `${b.ids[i]} (${Math.round(H)} m${est ? ', estimated' : ''}, ${year ?? 'year unknown'})`;
          if (after) { c.newOver++; if (c.newOverCap.length < 20) c.newOverCap.push(label); } else { c.existingOver++; if (c.existingOverCap.length < 20) c.existingOverCap.push(label); }
        }
      }
    }
    if (!b.count || !(tagged + fromLevels)) {
      return [...counts].map(([a]) => ({ area: a, value: null, reason: b.count ? 'no building has a height or a number of levels in the data' : 'no buildings in the data' }));
    }
    return [...counts].map(([a, c]): AreaValue => ({
      area: a, value: c.res80,
      note: `${c.res80} residential > ${h.residential} m; all buildings > 100 m: ${c.o100}, > 150 m: ${c.o150}, > 250 m: ${c.o250}, > 500 m: ${c.o500}${c.estimated ? ` (${c.estimated} heights estimated from levels)` : ''}.` +
        (c.existingOver ? ` Existing above the ${cap} m cap (completed by ${h.notice_year} or year unknown; information, not a failure): ${c.existingOver}.` : ''),
      details: { residential_over_80: c.res80, over_100: c.o100, over_150: c.o150, over_250: c.o250, over_500: c.o500, estimated_heights: c.estimated,
        over_cap_new: c.newOverCap, over_cap_existing: c.existingOverCap, over_cap_new_count: c.newOver, over_cap_existing_count: c.existingOver, cap_m: cap, notice_year: h.notice_year, city_population: Math.round(cityPop), city_population_estimated: estimated, ...(a === ctx.units.level.city[0] ? { heights_known: { tagged, from_levels: fromLevels, buildings: b.count } } : {}) },
      status: c.newOver
        ? { status: 'fail', why: `${c.newOver} building(s) completed after ${h.notice_year} above the ${cap} m cap for a city of ${large ? '≥' : '<'} ${fmt(h.large_city_population)} residents` }
        : { status: 'pass', why: `no building completed after ${h.notice_year} above the ${cap} m cap for a city of ${large ? '≥' : '<'} ${fmt(h.large_city_population)} residents` },
    }));
  },
};

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

/** model building index of each register building (-1 when the city model has no such building) */
function registerPlaces(ctx: CheckContext): Int32Array {
  return ctx.memo('safetyRegisterPlaces', () => {
    const reg = ctx.data.safety!.register;
    const byId = new Map<string, number>();
    ctx.data.buildings.ids.forEach((id, i) => byId.set(id, i));
    return Int32Array.from(reg.ids, (id) => byId.get(id) ?? -1);
  });
}

function hazardIndicator(d: (typeof HAZARD_INDICATORS)[number]): Indicator {
  return {
    id: d.id,
    inputs: ['house-safety register: profiles (use) and the latest inspection of each building (hazards, grade, remediation)', 'buildings (location, residential)'],
    unit: 'count',
    levels: ALL,
    explain(ctx) {
      const s = ctx.data.safety;
      if (!s) return NO_REGISTER;
      const from = `the house-safety register (${fmt(s.profiles)} profiles, ${fmt(s.inspections)} inspections; change set #${s.changeset} of ${s.recorded_at})`;
      return `Counted from ${from}: residential buildings (profile use residential, or unknown use and residential in the city model) whose latest inspection records a ${d.hazard} (${d.zh}) hazard not yet remediated${d.also ?? ''}. Buildings of the register missing from the city model count in the city total only.`;
    },
    compute(ctx) {
      const s = ctx.data.safety;
      const areas = ALL.flatMap((lv) => ctx.units.level[lv]);
      if (!s) return areas.map((a) => ({ area: a, value: null, reason: 'no house-safety register in the store' }));
      const reg = s.register;
      const place = registerPlaces(ctx);
      const last = ctx.memo('safetyLatest', () => latestInspections(reg));
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
        if (reg.inspRemediated[j] !== NO_DATE) continue;
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
          details: { register_changeset: s.changeset, register_recorded_at: s.recorded_at, residential_in_register: residentialInRegister, inspected, not_in_model: unlocated },
        } : {}),
      }));
    },
  };
}

export const housingHazardIndicators: Indicator[] = HAZARD_INDICATORS.map(hazardIndicator);
