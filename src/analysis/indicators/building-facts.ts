import type { CheckData } from './data.js';
import { plausibleYear } from './data.js';

/**
 * The construction year and the height of every building of the city model as the health check
 * uses them: the house-safety register's `year_built` / `height_m` first (joined to the model by
 * building_id), the map's start_date / height tags otherwise. The one join of register and map:
 * the housing indicators, the confidence rules (H), the renewal screening and data_quality.json
 * all read it, so a year or a height counts the same everywhere.
 */
export const FROM_NONE = 0, FROM_MAP = 1, FROM_REGISTER = 2;

export interface BuildingFacts {
  /** construction year per model building; 0 unknown */
  year: Int16Array;
  /** FROM_NONE | FROM_MAP | FROM_REGISTER */
  yearFrom: Uint8Array;
  /** metres per model building; NaN unknown (levels are the map's, in `data.buildings.levels`) */
  height: Float32Array;
  heightFrom: Uint8Array;
  /** model building index of each register building (-1: the city model has no such building); null without a register */
  registerPlace: Int32Array | null;
  /** register buildings with a year / a height that are not in the city model (not counted: nothing to place them on) */
  unplaced: { year: number; height: number };
  /** buildings where the register and the map both give a value and they differ (the register's is used) */
  overridden: { year: number; height: number };
}

/** The join, pure (tests, the report). Use `buildingFacts(ctx)` inside a run: it is kept in the run's memo. */
export function joinBuildingFacts(data: CheckData): BuildingFacts {
  const b = data.buildings;
  const year = Int16Array.from(b.year), height = Float32Array.from(b.height);
  const yearFrom = new Uint8Array(b.count), heightFrom = new Uint8Array(b.count);
  for (let i = 0; i < b.count; i++) {
    if (year[i] > 0) yearFrom[i] = FROM_MAP;
    if (height[i] > 0) heightFrom[i] = FROM_MAP;
  }
  const unplaced = { year: 0, height: 0 }, overridden = { year: 0, height: 0 };
  const reg = data.safety?.register;
  let registerPlace: Int32Array | null = null;
  if (reg) {
    const byId = new Map<string, number>();
    b.ids.forEach((id, i) => byId.set(id, i));
    registerPlace = Int32Array.from(reg.ids, (id) => byId.get(id) ?? -1);
    for (let k = 0; k < reg.n; k++) {
      const i = registerPlace[k];
      const y = plausibleYear(reg.yearBuilt[k]), h = reg.height[k];
      if (y) {
        if (i < 0) unplaced.year++;
        else {
          if (yearFrom[i] === FROM_MAP && year[i] !== y) overridden.year++;
          year[i] = y; yearFrom[i] = FROM_REGISTER;
        }
      }
      if (h > 0) {
        if (i < 0) unplaced.height++;
        else {
          if (heightFrom[i] === FROM_MAP && Math.abs(height[i] - h) > 0.05) overridden.height++;
          height[i] = h; heightFrom[i] = FROM_REGISTER;
        }
      }
    }
  }
  return { year, yearFrom, height, heightFrom, registerPlace, unplaced, overridden };
}

export const BUILDING_FACTS_KEY = 'buildingFacts';

export function buildingFacts(ctx: { data: CheckData; memo<T>(key: string, make: () => T): T }): BuildingFacts {
  return ctx.memo(BUILDING_FACTS_KEY, () => joinBuildingFacts(ctx.data));
}

/** Where the values of a set of buildings come from (the figures every explain that uses them gives). */
export interface SourceCounts { buildings: number; register: number; map: number; unknown: number }

/** The register's change set in words, for an explain (en, zh). */
export function registerBasis(data: CheckData): { en: string; zh: string } | null {
  const s = data.safety;
  if (!s) return null;
  return {
    en: `the house-safety register (${s.profiles.toLocaleString('en')} profiles, ${s.inspections.toLocaleString('en')} inspections; change set #${s.changeset ?? '—'} of ${s.recorded_at ?? '—'})`,
    zh: `房屋安全档案（${s.profiles.toLocaleString('en')} 条房屋档案、${s.inspections.toLocaleString('en')} 条检查记录；变更集 #${s.changeset ?? '—'}，${s.recorded_at ?? '—'}）`,
  };
}
