import { readFileSync } from 'node:fs';
import { pointInAreal } from '../../model/geo.js';
import type { Catalogue } from '../../analysis/indicators/catalogue.js';
import type { Renewal } from '../../analysis/indicators/renewal.js';
import type { IndicatorResult } from '../../analysis/indicators/types.js';
import type { AreaLevel, Units } from '../../analysis/indicators/units.js';
import type { Queryable } from '../../store/driver.js';
import { currentRun } from '../../store/runs.js';

/**
 * The health check's hook into the energy inventory: the figures of a carbon run (the store's
 * current one, or a carbon.json) become the indicators `carbon_intensity` (extra, per unit) and
 * `new_green_building_share` (when certification data was imported), and renewal candidates that
 * hold retrofit candidates get that as a reason.
 */
export interface CarbonForCheck {
  run_id: number | null;
  areas: { level: AreaLevel; area_id: string; co2e_kg: number; floor_area_m2: number; co2e_kg_per_m2: number | null; buildings: number; metered_buildings: number }[];
  green: { new_share: number | null; certified_buildings: number; new_buildings: number; method: string } | null;
  retrofit: { building_id: string; saved_co2e_kg: number; lon: number; lat: number }[];
  assumption_zh: string;
  assumption_en: string;
}

/** From a carbon.json written by `opencim carbon`. */
export function carbonForCheckFromJson(path: string): CarbonForCheck {
  const j = JSON.parse(readFileSync(path, 'utf8'));
  return {
    run_id: j.run_id ?? null, areas: Object.values(j.aggregates as Record<string, CarbonForCheck['areas']>).flat(), green: j.green ?? null,
    retrofit: j.retrofit.candidates, assumption_zh: j.retrofit.assumption_zh, assumption_en: j.retrofit.assumption_en,
  };
}

/** The city's current carbon run in the store, or null when there is none. */
export async function carbonForCheckFromStore(q: Queryable, city: string): Promise<CarbonForCheck | null> {
  const run = await currentRun(q, city, 'carbon');
  if (!run) return null;
  const num = <T extends Record<string, unknown>>(r: T, ks: (keyof T)[]) => { for (const k of ks) if (r[k] !== null) (r as Record<string, unknown>)[k as string] = Number(r[k]); return r; };
  const areas = (await q.query<CarbonForCheck['areas'][number]>(
    'SELECT level, area_id, co2e_kg, floor_area_m2, co2e_kg_per_m2, buildings, metered_buildings FROM carbon_areas WHERE city_id = $1 AND run_id = $2', [city, run.run_id]))
    .map((r) => num(r, ['co2e_kg', 'floor_area_m2', 'co2e_kg_per_m2', 'buildings', 'metered_buildings']));
  const retrofit = (await q.query<CarbonForCheck['retrofit'][number]>(
    'SELECT building_id, saved_co2e_kg, ST_X(geom) AS lon, ST_Y(geom) AS lat FROM carbon_retrofit WHERE city_id = $1 AND run_id = $2 ORDER BY rank', [city, run.run_id]))
    .map((r) => num(r, ['saved_co2e_kg', 'lon', 'lat']));
  const meta = (await q.query<{ summary: unknown; tables: unknown }>('SELECT summary, tables FROM carbon_runs WHERE city_id = $1 AND run_id = $2', [city, run.run_id]))[0];
  const j = <T>(v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v) as T;
  const summary = j<{ green?: CarbonForCheck['green'] }>(meta.summary), tables = j<{ eui: { retrofit: { assumption_zh: string; assumption_en: string } } }>(meta.tables);
  return { run_id: run.run_id, areas, green: summary.green ?? null, retrofit, assumption_zh: tables.eui.retrofit.assumption_zh, assumption_en: tables.eui.retrofit.assumption_en };
}

/** `carbon_intensity` for every unit of the check that the run has figures for, `new_green_building_share` for the city. */
export function energyIndicatorResults(c: CarbonForCheck, units: Units, catalogue: Catalogue): IndicatorResult[] {
  const out: IndicatorResult[] = [];
  const src = c.run_id !== null ? `carbon run ${c.run_id}` : 'carbon.json';
  const srcZh = c.run_id !== null ? `碳排放核算第 ${c.run_id} 次运行` : 'carbon.json';
  for (const a of c.areas) {
    const u = units.byId.get(a.area_id);
    if (!u || u.level !== a.level) continue;
    out.push({
      id: 'carbon_intensity', name_zh: '建筑运行碳排放强度', name_en: 'Operational building carbon intensity', level: a.level, system_level: 'city', seq: null,
      area_id: u.id, ...(u.name ? { area_name: u.name } : {}), area_kind: u.kind, value: a.co2e_kg_per_m2, unit: 'kgCO2e/m2', unit_zh: 'kgCO2e/m²',
      target: null, status: a.co2e_kg_per_m2 === null ? 'no_data' : 'no_target', direction: 'lower_better', computability: ['G*'], source: 'computed',
      explain: `Operational CO2e of the buildings ÷ their floor area, from ${src} (opencim carbon): ${a.buildings} buildings, ${a.metered_buildings} metered, the rest estimated from the versioned EUI and emission factor tables.`,
      explain_zh: `建筑运行碳排放（CO2e）÷ 建筑面积，来自${srcZh}（opencim carbon）：${a.buildings} 栋建筑，其中 ${a.metered_buildings} 栋为计量数据，其余按版本化的能耗强度与排放因子表估算。`,
      details: { co2e_kg: a.co2e_kg, floor_area_m2: a.floor_area_m2, buildings: a.buildings, metered_buildings: a.metered_buildings },
    });
  }
  if (c.green) {
    const e = catalogue.byId.get('green_building_share');
    const city = units.areas[units.level.city[0]];
    const v = c.green.new_share;
    out.push({
      id: 'new_green_building_share', name_zh: e?.name_zh ?? '新建建筑中绿色建筑占比', name_en: e?.name_en ?? 'Green buildings among new buildings', level: 'city', system_level: 'city', seq: null,
      area_id: city.id, ...(city.name ? { area_name: city.name } : {}), area_kind: city.kind, value: v, unit: 'ratio', unit_zh: '%',
      target: e?.target ?? null, status: v === null ? 'no_data' : e?.target ? (v >= e.target.value ? 'pass' : 'fail') : 'no_target',
      direction: 'higher_better', computability: ['A'], source: 'computed',
      explain: `From the imported certifications (${src}): ${c.green.method}. ${c.green.certified_buildings} certified buildings, ${c.green.new_buildings} new buildings.` +
        (v === null ? ' No value: no building has a construction year in the window.' : ''),
      explain_zh: `按导入的绿色建筑认证数据（${srcZh}）计算：${c.green.certified_buildings} 栋获认证建筑，${c.green.new_buildings} 栋新建建筑。` +
        (v === null ? '无数据：统计期内没有建筑有建成年份。' : ''),
    });
  }
  return out;
}

/** Renewal candidates holding retrofit candidates get the reason (and the figures in `retrofit`). */
export function addRetrofitReasons(r: Renewal, c: CarbonForCheck): void {
  for (const cand of r.candidates) {
    if (!cand.geometry) continue;
    const inside = c.retrofit.filter((x) => pointInAreal(x.lon, x.lat, cand.geometry!));
    if (!inside.length) continue;
    const t = inside.reduce((s, x) => s + x.saved_co2e_kg, 0) / 1000;
    cand.reasons_zh.push(`节能改造：${inside.length} 栋建筑列入节能改造候选，预计年减碳约 ${t.toFixed(1)} t CO2e（${c.assumption_zh.split('。')[0]}）`);
    cand.reasons_en.push(`energy retrofit: ${inside.length} building(s) among the retrofit candidates, saving about ${t.toFixed(1)} t CO2e a year (${c.assumption_en.split('. ')[0]})`);
    (cand as typeof cand & { retrofit?: unknown }).retrofit = { buildings: inside.map((x) => x.building_id), saved_co2e_kg: Math.round(t * 1000) };
  }
}
