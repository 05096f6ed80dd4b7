import type { CheckParameters } from '../../analysis/indicators/catalogue.js';
import { buildUnits, type Units } from '../../analysis/indicators/units.js';
import { aggregate, type Aggregates } from './aggregate.js';
import { USE_FROM } from './classify.js';
import { greenShare, type Certification, type GreenShare } from './green.js';
import { applyMetered, estimateInventory, FLOOR_BASIS, type Inventory } from './inventory.js';
import type { MeteredResolved } from './metered.js';
import { ERAS, USES, type EnergyParams, type Grid, type Zone } from './params.js';
import type { EnergyCity } from './read.js';
import { rankRetrofit, type RetrofitCandidate } from './retrofit.js';
import { chooseZone, type ZoneChoice } from './zone.js';

/**
 * One inventory (a run): zone and grid, the estimate of every building, metered overrides,
 * aggregates per unit, the green-building share and the ranked retrofit candidates. Pure: the
 * caller reads the city and the CSVs and writes the outputs.
 */
export const ENGINE_VERSION = 'opencim-energy/1';

export interface CarbonOptions {
  city: string;
  checkParams: CheckParameters;
  zone?: Zone;
  grid?: Grid;
  metered?: MeteredResolved;
  certifications?: Certification[];
  referenceYear?: number;
  retrofitMax?: number;
}

export interface CarbonResult {
  city: string;
  generated_at: string;
  engine: string;
  params: EnergyParams;
  zone: ZoneChoice;
  inventory: Inventory;
  energyCity: EnergyCity;
  units: Units;
  aggregates: Aggregates;
  green: GreenShare | null;
  retrofit: { candidates: RetrofitCandidate[]; eligible: number; saved_co2e_kg: number; max: number };
  summary: CarbonSummary;
  timings_ms: Record<string, number>;
}

export interface CarbonSummary {
  buildings: number;
  metered_buildings: number;
  estimated_buildings: number;
  floor_area_m2: number;
  electricity_kwh: number;
  gas_m3: number;
  heat_gj: number;
  co2e_kg: number;
  co2e_estimated_kg: number;
  co2e_kg_per_m2: number | null;
  floor_area_basis: Record<string, number>;
  use: Record<string, number>;
  use_from: Record<string, number>;
  era: Record<string, number>;
}

function counts(codes: Uint8Array, names: readonly string[]): Record<string, number> {
  const c = new Float64Array(names.length);
  for (let i = 0; i < codes.length; i++) c[codes[i]]++;
  return Object.fromEntries(names.map((nm, k) => [nm, c[k]]));
}

export function computeCarbon(city: EnergyCity, p: EnergyParams, o: CarbonOptions): CarbonResult {
  const t: Record<string, number> = {};
  let t0 = performance.now();
  const lap = (k: string) => { const now = performance.now(); t[k] = Math.round(now - t0); t0 = now; };
  const b = city.buildings;
  const zone = chooseZone(p.zones, b.lon, b.lat, { zone: o.zone, grid: o.grid });
  const inv = estimateInventory(b, p, zone.zone, zone.grid);
  lap('estimate');
  if (o.metered) applyMetered(inv, p, o.metered.byBuilding);
  lap('metered');
  const units = buildUnits(city.data, o.checkParams, o.city);
  const aggregates = aggregate(b, inv, units);
  lap('aggregate');
  const refYear = o.referenceYear ?? new Date().getUTCFullYear();
  const green = o.certifications ? greenShare(city, inv, o.certifications, p, refYear) : null;
  const max = o.retrofitMax ?? 100;
  const retrofit = { ...rankRetrofit(b, inv, p, max), max };
  lap('retrofit');
  const c = aggregates.levels.city[0];
  const summary: CarbonSummary = {
    buildings: inv.count, metered_buildings: c.metered_buildings, estimated_buildings: inv.count - c.metered_buildings,
    floor_area_m2: c.floor_area_m2, electricity_kwh: c.electricity_kwh, gas_m3: c.gas_m3, heat_gj: c.heat_gj, co2e_kg: c.co2e_kg,
    co2e_estimated_kg: c.co2e_estimated_kg, co2e_kg_per_m2: c.co2e_kg_per_m2,
    floor_area_basis: counts(inv.floorBasis, FLOOR_BASIS), use: counts(b.use, USES), use_from: counts(city.useFrom, USE_FROM), era: counts(inv.era, ERAS),
  };
  return {
    city: o.city, generated_at: new Date().toISOString(), engine: ENGINE_VERSION, params: p, zone, inventory: inv, energyCity: city, units, aggregates, green,
    retrofit, summary, timings_ms: t,
  };
}
