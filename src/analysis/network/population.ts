/**
 * Residents per building when no population data is imported (reference/facility-taxonomy.md):
 * floor area ÷ per-capita floor area (default 40 m²/person), floor area = footprint × levels,
 * levels from `building:levels`, else height / 3 m, else a default: 6 for apartment-like buildings
 * (use yes/residential) inside residential landuse and for apartments and dormitories anywhere
 * (multi-storey by type: issue 10 §3), 2 otherwise. With imported population data the same floor
 * area is the weight of the dasymetric allocation (src/analysis/indicators/population.ts).
 */
export const DEFAULT_PER_CAPITA_M2 = 40;
export const STOREY_HEIGHT_M = 3;

/** Storeys of a building of height `h` metres: h ÷ 3 m, rounded, at least 1 (also the energy inventory's rule). */
export function storeysFromHeight(h: number): number { return Math.max(1, Math.round(h / STOREY_HEIGHT_M)); }

export const DEFAULT_LEVELS = 6;
export const DEFAULT_LEVELS_LOW = 2;
const APARTMENT_LIKE = new Set(['yes', '', 'apartments', 'residential', 'dormitory']);
/** multi-storey by type wherever they stand */
const MULTI_STOREY = new Set(['apartments', 'dormitory']);
/** the default storeys, in words (explain) */
export const DEFAULT_LEVELS_TEXT = `a default of ${DEFAULT_LEVELS} storeys for apartments and dormitories, and for building=yes/residential inside residential land, ${DEFAULT_LEVELS_LOW} otherwise (houses, villages; reference/facility-taxonomy.md)`;

export interface PopulationInput {
  area_m2: number;
  levels?: number | null;
  height?: number | null;
  use: string;
  residential: boolean;
}

export type LevelsFrom = 'levels' | 'height' | 'default_landuse' | 'default';

/**
 * `inResidentialLanduse`: whether the building lies in residential landuse, when known. When it is
 * not known (undefined), a `building=yes` that is residential can only be so because of the landuse
 * around it (the classification rule), so it counts as inside; anything else does not.
 */
export function estimateResidents(b: PopulationInput, inResidentialLanduse: boolean | undefined, perCapitaM2 = DEFAULT_PER_CAPITA_M2): { residents: number; levels: number; from: LevelsFrom } {
  let levels: number;
  let from: LevelsFrom;
  if (b.levels != null && b.levels > 0) { levels = b.levels; from = 'levels'; }
  else if (b.height != null && b.height > 0) { levels = storeysFromHeight(b.height); from = 'height'; }
  else {
    const inside = inResidentialLanduse ?? ((b.use === 'yes' || b.use === '') && b.residential);
    if ((inside && APARTMENT_LIKE.has(b.use)) || MULTI_STOREY.has(b.use)) { levels = DEFAULT_LEVELS; from = 'default_landuse'; } else { levels = DEFAULT_LEVELS_LOW; from = 'default'; }
  }
  const area = Number.isFinite(b.area_m2) && b.area_m2 > 0 ? b.area_m2 : 0;
  return { residents: (area * levels) / perCapitaM2, levels, from };
}
