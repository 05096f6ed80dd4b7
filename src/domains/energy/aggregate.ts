import { AREA_LEVELS, type AreaKind, type AreaLevel, type Units } from '../../analysis/indicators/units.js';
import type { Inventory } from './inventory.js';
import type { EnergyBuildings } from './inventory.js';

/**
 * Sums per unit of analysis (the health check's units: city, district, street, community; the
 * same fallbacks where boundaries are missing): every building counts in the unit its centroid
 * lies in, so a unit's figures are the sums of its buildings' figures.
 */
export interface AreaTotals {
  level: AreaLevel;
  area_id: string;
  name?: string;
  kind: AreaKind;
  buildings: number;
  metered_buildings: number;
  floor_area_m2: number;
  electricity_kwh: number;
  gas_m3: number;
  heat_gj: number;
  co2e_kg: number;
  /** CO2e of what is estimated: the estimated buildings and the carriers a metered building's data left blank (the rest is metered) */
  co2e_estimated_kg: number;
  /** estimated residents of the unit (the check's population estimate) */
  residents: number;
  co2e_kg_per_m2: number | null;
  co2e_kg_per_resident: number | null;
}

export interface Aggregates {
  levels: Record<AreaLevel, AreaTotals[]>;
  /** per building: area index (into units.areas) at each level, -1 outside */
  of: Record<AreaLevel, Int32Array>;
}

export function aggregate(b: EnergyBuildings, inv: Inventory, units: Units): Aggregates {
  const n = inv.count, m = units.areas.length;
  const cnt = new Float64Array(m), met = new Float64Array(m), fl = new Float64Array(m), el = new Float64Array(m);
  const gs = new Float64Array(m), ht = new Float64Array(m), co = new Float64Array(m), coE = new Float64Array(m);
  const of = {} as Aggregates['of'];
  for (const lv of AREA_LEVELS) {
    const a = new Int32Array(n);
    for (let i = 0; i < n; i++) a[i] = units.locate(lv, b.lon[i], b.lat[i]);
    of[lv] = a;
    for (let i = 0; i < n; i++) {
      const k = a[i];
      if (k < 0) continue;
      cnt[k]++; met[k] += inv.metered[i] ? 1 : 0; fl[k] += inv.floor[i]; el[k] += inv.electricity[i];
      gs[k] += inv.gas[i]; ht[k] += inv.heat[i]; co[k] += inv.co2e[i]; coE[k] += inv.co2eEstimated[i];
    }
  }
  const levels = {} as Aggregates['levels'];
  for (const lv of AREA_LEVELS) {
    levels[lv] = units.level[lv].filter((k) => cnt[k] > 0 || lv === 'city').map((k) => {
      const a = units.areas[k];
      return {
        level: lv, area_id: a.id, ...(a.name ? { name: a.name } : {}), kind: a.kind,
        buildings: cnt[k], metered_buildings: met[k], floor_area_m2: fl[k], electricity_kwh: el[k], gas_m3: gs[k], heat_gj: ht[k],
        co2e_kg: co[k], co2e_estimated_kg: coE[k], residents: a.residents,
        co2e_kg_per_m2: fl[k] > 0 ? co[k] / fl[k] : null, co2e_kg_per_resident: a.residents > 0 ? co[k] / a.residents : null,
      };
    });
  }
  return { levels, of };
}
