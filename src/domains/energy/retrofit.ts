import FlatQueue from 'flatqueue';
import { ERAS, USES, type EnergyParams } from './params.js';
import type { EnergyBuildings, Inventory } from './inventory.js';
import { BASIS } from './inventory.js';

/**
 * Retrofit candidates (节能改造): savings potential = the building's CO2e × the savings share of
 * its era (old era × high intensity × large floor area, since CO2e = floor × intensity × factor),
 * the shares and their source stated in the EUI table (`retrofit`). Ranked by CO2e saved.
 */
export interface RetrofitCandidate {
  rank: number;
  index: number;
  building_id: string;
  use: string;
  era: string;
  floor_area_m2: number;
  eui_kwh_m2: number;
  co2e_kg: number;
  savings_share: number;
  saved_kwh: number;
  saved_co2e_kg: number;
  basis: string;
  lon: number;
  lat: number;
}

export function rankRetrofit(b: EnergyBuildings, inv: Inventory, p: EnergyParams, max: number): { candidates: RetrofitCandidate[]; eligible: number; saved_co2e_kg: number } {
  const share = Float64Array.from(ERAS, (e) => p.eui.retrofit.savings_share[e]);
  const n = inv.count;
  const saved = new Float64Array(n);
  let eligible = 0, total = 0;
  for (let i = 0; i < n; i++) { const s = inv.co2e[i] * share[inv.era[i]]; saved[i] = s; if (s > 0) { eligible++; total += s; } }
  // the `max` largest savings: a min-heap of that size over one pass (a full sort of a megacity is not needed)
  const heap = new FlatQueue<number>();
  for (let i = 0; i < n; i++) {
    if (!(saved[i] > 0)) continue;
    if (heap.length < max) heap.push(i, saved[i]);
    else if (max > 0 && saved[i] > heap.peekValue()!) { heap.pop(); heap.push(i, saved[i]); }
  }
  const order: number[] = [];
  while (heap.length) order.push(heap.pop()!);
  order.sort((x, y) => saved[y] - saved[x] || (b.ids[x] < b.ids[y] ? -1 : 1));
  const candidates = order.map((i, k) => {
    const s = share[inv.era[i]];
    return {
      rank: k + 1, index: i, building_id: b.ids[i], use: USES[b.use[i]], era: ERAS[inv.era[i]], floor_area_m2: inv.floor[i], eui_kwh_m2: inv.eui[i],
      co2e_kg: inv.co2e[i], savings_share: s, saved_kwh: inv.eui[i] * inv.floor[i] * s, saved_co2e_kg: saved[i], basis: BASIS[inv.metered[i]],
      lon: b.lon[i], lat: b.lat[i],
    };
  });
  return { candidates, eligible, saved_co2e_kg: total };
}
