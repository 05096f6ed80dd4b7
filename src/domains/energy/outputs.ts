import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AREA_LEVELS } from '../../analysis/indicators/units.js';
import { BASIS, FLOOR_BASIS } from './inventory.js';
import { ERAS, USES } from './params.js';
import { carbonReportHtml } from './report.js';
import type { CarbonResult } from './run.js';

/**
 * The files of `opencim carbon`: carbon.csv (one row per building, the contract header),
 * carbon.json (aggregates by area level, the parameter tables used, the run id) and
 * retrofit.csv (ranked candidates), carbon.html (the report section). Written to temporary names and renamed at the end.
 */
export const CARBON_CSV_HEADER = 'building_id,use,climate_zone,era,floor_area_m2,floor_area_basis,eui_kwh_m2,electricity_kwh,gas_m3,heat_gj,co2e_kg,basis';
const RETROFIT_HEADER = 'rank,building_id,use,era,floor_area_m2,eui_kwh_m2,co2e_kg,savings_share,saved_kwh,saved_co2e_kg,basis,lon,lat';

const r1 = (v: number) => Math.round(v * 10) / 10;
const r3 = (v: number) => Math.round(v * 1000) / 1000;
const csvCell = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

export function carbonCsv(r: CarbonResult): string {
  const b = r.energyCity.buildings, inv = r.inventory;
  const parts: string[] = [CARBON_CSV_HEADER + '\n'];
  let chunk = '';
  for (let i = 0; i < inv.count; i++) {
    chunk += `${csvCell(b.ids[i])},${USES[b.use[i]]},${inv.zone},${ERAS[inv.era[i]]},${r1(inv.floor[i])},${FLOOR_BASIS[inv.floorBasis[i]]},${r1(inv.eui[i])},` +
      `${r1(inv.electricity[i])},${r1(inv.gas[i])},${r3(inv.heat[i])},${r1(inv.co2e[i])},${BASIS[inv.metered[i]]}\n`;
    if (chunk.length > 1 << 20) { parts.push(chunk); chunk = ''; }
  }
  parts.push(chunk);
  return parts.join('');
}

export function retrofitCsv(r: CarbonResult): string {
  return RETROFIT_HEADER + '\n' + r.retrofit.candidates.map((c) =>
    [c.rank, csvCell(c.building_id), c.use, c.era, r1(c.floor_area_m2), r1(c.eui_kwh_m2), r1(c.co2e_kg), c.savings_share, r1(c.saved_kwh), r1(c.saved_co2e_kg), c.basis,
      Math.round(c.lon * 1e7) / 1e7, Math.round(c.lat * 1e7) / 1e7].join(',')).join('\n') + (r.retrofit.candidates.length ? '\n' : '');
}

export function carbonJson(r: CarbonResult, extra: { source: string; runId: number | null; attribution?: string; provenance?: unknown; metered?: unknown }): unknown {
  const p = r.params;
  return {
    city: r.city, source: extra.source, generated_at: r.generated_at, engine: r.engine, run_id: extra.runId,
    ...(extra.attribution ? { attribution: extra.attribution } : {}),
    method: {
      floor_area: 'footprint × storeys; storeys from building:levels (basis levels), else height ÷ 3 m rounded, at least 1 (height), else the default storeys of the use (default)',
      use: 'own tags, else a school/clinic/hospital (or, outside housing, shop) point inside the footprint, else the residential rule of the city model, else the land use or facility grounds around the centroid, else other',
      energy: 'floor area × intensity(use, climate zone) × era factor, per carrier; district heat only in zones with northern district heating',
      co2e: 'electricity kWh × grid factor + gas m³ × gas factor + heat GJ × heat factor',
      eui: '(electricity + gas × kWh/m³ + heat × kWh/GJ) ÷ floor area, kWh/m² per year',
      metered: 'metered carriers (latest year; accounts summed) replace the estimate of the building; basis says metered, partly_metered (a carrier left blank keeps its estimate) or estimated',
      aggregates: 'each building counts in the unit its centroid lies in (the health check units); a unit\'s figures are the sums of its buildings',
      zone: r.zone.method,
    },
    zone: r.zone,
    factors_used: { electricity_kgco2_per_kwh: r.inventory.factors.electricity, gas_kgco2_per_m3: r.inventory.factors.gas, heat_kgco2_per_gj: r.inventory.factors.heat, grid: r.zone.grid },
    parameters: { eui: p.eui, factors: p.factors, zones: p.zones },
    summary: r.summary,
    units: r.units.source,
    notes: r.units.notes, notes_zh: r.units.notesZh,
    aggregates: Object.fromEntries(AREA_LEVELS.map((lv) => [lv, r.aggregates.levels[lv]])),
    green: r.green,
    retrofit: {
      assumption_zh: p.eui.retrofit.assumption_zh, assumption_en: p.eui.retrofit.assumption_en, source: p.eui.retrofit.source, estimate: p.eui.retrofit.estimate,
      savings_share: p.eui.retrofit.savings_share, eligible_buildings: r.retrofit.eligible, saved_co2e_kg: r.retrofit.saved_co2e_kg, listed: r.retrofit.candidates.length,
      candidates: r.retrofit.candidates.map(({ index: _i, ...c }) => c),
    },
    ...(extra.metered ? { metered: extra.metered } : {}),
    ...(extra.provenance ? { provenance: extra.provenance } : {}),
    timings_ms: r.timings_ms,
  };
}

/** Write all files (temporary names first, renamed at the end). */
export function writeCarbonOutputs(r: CarbonResult, dir: string, json: unknown, meta: Parameters<typeof carbonReportHtml>[1]): { files: Record<string, number> } {
  mkdirSync(dir, { recursive: true });
  const files: [string, string][] = [
    ['carbon.csv', carbonCsv(r)],
    ['carbon.json', JSON.stringify(json, null, 1) + '\n'],
    ['retrofit.csv', retrofitCsv(r)],
    ['carbon.html', carbonReportHtml(r, meta)],
  ];
  const tmp = `.opencim-carbon-${process.pid}`;
  for (const [f, s] of files) writeFileSync(join(dir, `${f}${tmp}`), s);
  for (const [f] of files) renameSync(join(dir, `${f}${tmp}`), join(dir, f));
  return { files: Object.fromEntries(files.map(([f, s]) => [f, Buffer.byteLength(s)])) };
}
