import { storeysFromHeight } from '../../analysis/network/population.js';
import type { CheckBuildings } from '../../analysis/indicators/data.js';
import { ERA_CODE, eraOf } from './classify.js';
import { ERAS, USES, ZONES, type EnergyParams, type Grid, type Zone } from './params.js';

/**
 * The kernel: floor area, energy by carrier and operational CO2e of every building, in typed
 * arrays (a megacity's millions of buildings in one pass, no objects per building).
 *
 *   storeys    = building:levels, else height ÷ 3 m (rounded, ≥ 1), else the use's default storeys
 *   floor m²   = footprint m² × storeys                                   (basis levels|height|default)
 *   electricity kWh = floor × cell(use, zone).electricity_kwh_m2 × era factor (electricity)
 *   gas m³          = floor × cell(use, zone).gas_m3_m2          × era factor (gas)
 *   heat GJ         = floor × cell(use, zone).heat_gj_m2         × era factor (heat), only where the zone has district heating
 *   CO2e kg    = electricity × grid factor + gas × gas factor + heat × heat factor
 *   EUI kWh/m² = (electricity + gas × kWh/m³ + heat × kWh/GJ) ÷ floor
 */
/** the check reader's columnar buildings, with the use class of this inventory instead of the residential flag */
export interface EnergyBuildings extends Omit<CheckBuildings, 'residential'> {
  /** USE_CODE */
  use: Uint8Array;
}

export const FLOOR_BASIS = ['levels', 'height', 'default'] as const;
/** a building's energy: estimated, metered, or metered for some carriers and estimated for the others */
export const BASIS = ['estimated', 'metered', 'partly_metered'] as const;

export interface Factors { electricity: number; gas: number; heat: number }

export interface Inventory {
  count: number;
  zone: Zone;
  grid: Grid;
  factors: Factors;
  floor: Float64Array;
  floorBasis: Uint8Array;
  era: Uint8Array;
  electricity: Float64Array;
  gas: Float64Array;
  heat: Float64Array;
  co2e: Float64Array;
  /** the part of co2e from carriers still estimated (all of it unless metered; 0 when every carrier is metered) */
  co2eEstimated: Float64Array;
  eui: Float64Array;
  /** BASIS code: 0 estimated, 1 metered, 2 metered for some carriers (the others' estimates stay) */
  metered: Uint8Array;
}

export function factorsOf(p: EnergyParams, grid: Grid): Factors {
  return { electricity: p.factors.grids[grid].kgco2_per_kwh, gas: p.factors.gas.kgco2_per_m3, heat: p.factors.heat.kgco2_per_gj };
}

/** Intensities per m² of one use × era in a zone (the table cell times the era factors). */
export function intensity(p: EnergyParams, use: (typeof USES)[number], zone: Zone, era: (typeof ERAS)[number]): { electricity: number; gas: number; heat: number } {
  const c = p.eui.table[use][zone];
  const f = p.eui.eras[ERA_CODE[era]].factors;
  const dh = p.zones.zones[zone].district_heating;
  return { electricity: c.electricity_kwh_m2 * f.electricity, gas: c.gas_m3_m2 * f.gas, heat: dh ? c.heat_gj_m2 * f.heat : 0 };
}

export function estimateInventory(b: EnergyBuildings, p: EnergyParams, zone: Zone, grid: Grid): Inventory {
  if (!ZONES.includes(zone)) throw new Error(`unknown zone ${zone}`);
  const n = b.count;
  const nu = USES.length, ne = ERAS.length;
  // lookup tables: [use * eras + era]
  const eK = new Float64Array(nu * ne), gK = new Float64Array(nu * ne), hK = new Float64Array(nu * ne);
  USES.forEach((u, i) => ERAS.forEach((e, j) => { const v = intensity(p, u, zone, e); eK[i * ne + j] = v.electricity; gK[i * ne + j] = v.gas; hK[i * ne + j] = v.heat; }));
  const storeysDefault = Float64Array.from(USES, (u) => p.eui.default_storeys.values[u]);
  const eraByYear = new Uint8Array(2200);
  for (let y = 0; y < eraByYear.length; y++) eraByYear[y] = ERA_CODE[eraOf(y, p.eui.eras)];
  const unknown = ERA_CODE.unknown;
  const f = factorsOf(p, grid);
  const gasKwh = p.eui.gas_kwh_per_m3.value, heatKwh = p.eui.heat_kwh_per_gj.value;

  const floor = new Float64Array(n), floorBasis = new Uint8Array(n), era = new Uint8Array(n);
  const el = new Float64Array(n), gas = new Float64Array(n), heat = new Float64Array(n), co2e = new Float64Array(n), eui = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = b.use[i];
    const lv = b.levels[i], h = b.height[i];
    let storeys: number;
    if (lv > 0) { storeys = lv; floorBasis[i] = 0; }
    else if (h > 0) { storeys = storeysFromHeight(h); floorBasis[i] = 1; }
    else { storeys = storeysDefault[u]; floorBasis[i] = 2; }
    const a = b.area_m2[i];
    const fa = a > 0 ? a * storeys : 0;
    floor[i] = fa;
    const y = b.year[i];
    const e = y > 0 && y < 2200 ? eraByYear[y] : unknown;
    era[i] = e;
    const k = u * ne + e;
    const ev = fa * eK[k], gv = fa * gK[k], hv = fa * hK[k];
    el[i] = ev; gas[i] = gv; heat[i] = hv;
    co2e[i] = ev * f.electricity + gv * f.gas + hv * f.heat;
    eui[i] = fa > 0 ? (ev + gv * gasKwh + hv * heatKwh) / fa : 0;
  }
  return { count: n, zone, grid, factors: f, floor, floorBasis, era, electricity: el, gas, heat, co2e, co2eEstimated: Float64Array.from(co2e), eui, metered: new Uint8Array(n) };
}

/** Carriers metered for one building (undefined: not metered, the estimate stays). */
export interface MeteredUse { electricity_kwh?: number; gas_m3?: number; heat_gj?: number }

/** Replace the estimates of metered buildings (by index) and recompute their CO2e and EUI. */
export function applyMetered(inv: Inventory, p: EnergyParams, metered: Map<number, MeteredUse>): void {
  const f = inv.factors;
  const gasKwh = p.eui.gas_kwh_per_m3.value, heatKwh = p.eui.heat_kwh_per_gj.value;
  for (const [i, m] of metered) {
    if (m.electricity_kwh !== undefined) inv.electricity[i] = m.electricity_kwh;
    if (m.gas_m3 !== undefined) inv.gas[i] = m.gas_m3;
    if (m.heat_gj !== undefined) inv.heat[i] = m.heat_gj;
    inv.co2e[i] = inv.electricity[i] * f.electricity + inv.gas[i] * f.gas + inv.heat[i] * f.heat;
    // a carrier left blank keeps its estimate, and its CO2e stays counted as estimated
    inv.co2eEstimated[i] = (m.electricity_kwh === undefined ? inv.electricity[i] * f.electricity : 0) + (m.gas_m3 === undefined ? inv.gas[i] * f.gas : 0) +
      (m.heat_gj === undefined ? inv.heat[i] * f.heat : 0);
    const fa = inv.floor[i];
    inv.eui[i] = fa > 0 ? (inv.electricity[i] + inv.gas[i] * gasKwh + inv.heat[i] * heatKwh) / fa : 0;
    inv.metered[i] = inv.co2eEstimated[i] > 0 ? 2 : 1;
  }
}
