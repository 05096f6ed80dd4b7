import { basename } from 'node:path';
import type { Areal, MultiPolygon } from '../../model/geometry.js';
import { openChangeset, sealChangeset, versioned, writeStaged } from '../../store/archive.js';
import { copyValue, type Queryable, type Store } from '../../store/driver.js';
import { succeedRun } from '../../store/runs.js';
import { toHexEwkb } from '../../store/wkb.js';
import { AREA_LEVELS } from '../../analysis/indicators/units.js';
import { BASIS, FLOOR_BASIS } from './inventory.js';
import type { MeteredResolved, MeteredRow } from './metered.js';
import { ERAS, USES } from './params.js';
import type { CarbonResult } from './run.js';

/**
 * The inventory's edges to the store (migration 008): metered data are versioned records
 * (collection `metered_energy`, one per building × year × account); a run's results (buildings,
 * areas, retrofit candidates) are written with the metered versions in one transaction that marks
 * the run succeeded.
 */
export const METERED_SPEC = versioned('metered_energy', 'metered_energy', ['building_id', 'year', 'account'], false);

/** The city's current metered records, as rows (row 0: from the store). */
export async function storedMetered(db: Queryable, city: string): Promise<MeteredRow[]> {
  const rows = await db.query<{ building_id: string; year: number; account: string; address: string | null; electricity_kwh: number | null; gas_m3: number | null; heat_gj: number | null }>(
    `SELECT building_id, year, account, address, electricity_kwh, gas_m3, heat_gj FROM ${METERED_SPEC.current} WHERE city_id = $1 ORDER BY building_id, year, account`, [city]);
  const n = (v: number | null) => (v === null ? null : Number(v));
  return rows.map((r) => ({ row: 0, building_id: r.building_id, address: r.address, account: r.account, year: Number(r.year), electricity_kwh: n(r.electricity_kwh), gas_m3: n(r.gas_m3), heat_gj: n(r.heat_gj) }));
}

/** Stored records whose building still exists, then the file's rows (a file row replaces the stored record of its key). */
export function mergeMetered(stored: MeteredRow[], file: MeteredRow[], buildingIds: ReadonlySet<string>): { rows: MeteredRow[]; dropped: number } {
  const key = (r: MeteredRow) => `${r.building_id ?? `@${r.address}`}\u0000${r.year}\u0000${r.account}`;
  const fileKeys = new Set(file.filter((r) => r.building_id).map(key));
  const keep = stored.filter((r) => buildingIds.has(r.building_id!) && !fileKeys.has(key(r)));
  return { rows: [...keep, ...file], dropped: stored.filter((r) => !buildingIds.has(r.building_id!)).length };
}

const multi = (g: Areal): MultiPolygon => (g.type === 'Polygon' ? { type: 'MultiPolygon', coordinates: [g.coordinates] } : g);
const r6 = (v: number) => Math.round(v * 1e6) / 1e6;

export async function saveCarbon(
  store: Store, runId: number, city: string, r: CarbonResult,
  o: { actor: string; metered?: MeteredResolved; meteredFile?: string; params: Record<string, unknown>; provenance?: unknown; summary: Record<string, unknown> },
): Promise<{ meteredVersions: { added: number; changed: number; unchanged: number; changeset: number } | null }> {
  return store.transaction(async (tx) => {
    let meteredVersions: { added: number; changed: number; unchanged: number; changeset: number } | null = null;
    const fromFile = o.metered?.rows.filter((x) => x.row > 0) ?? [];
    if (o.meteredFile && fromFile.length) {
      const name = basename(o.meteredFile);
      const cs = await openChangeset(tx, { cityId: city, actor: o.actor, reason: `metered energy from ${name} 导入计量数据`, kind: 'metered_energy', sourceId: name });
      await tx.exec(`CREATE TEMP TABLE metered_stage (building_id text, year integer, account text, address text, electricity_kwh double precision, gas_m3 double precision, heat_gj double precision) ON COMMIT DROP`);
      await tx.copyIn('metered_stage', ['building_id', 'year', 'account', 'address', 'electricity_kwh', 'gas_m3', 'heat_gj'],
        fromFile.map((x) => [x.resolved_id, x.year, x.account, x.address, x.electricity_kwh, x.gas_m3, x.heat_gj].map(copyValue).join('\t') + '\n').join(''));
      const w = await writeStaged(tx, METERED_SPEC, cs, 'metered_stage', { unique: true });
      await sealChangeset(tx, cs);
      await tx.exec('DROP TABLE metered_stage');
      meteredVersions = { added: w.added, changed: w.changed, unchanged: w.unchanged, changeset: cs.id };
    }
    const p = r.params;
    await tx.query('INSERT INTO carbon_runs (city_id, run_id, params, tables, summary) VALUES ($1, $2, $3, $4, $5)', [
      city, runId, JSON.stringify({ ...o.params, zone: r.zone, factors_used: r.inventory.factors, provenance: o.provenance ?? null, metered_versions: meteredVersions }),
      JSON.stringify({ eui: p.eui, factors: p.factors, zones: p.zones }), JSON.stringify({ ...r.summary, green: r.green, retrofit: { eligible: r.retrofit.eligible, saved_co2e_kg: r.retrofit.saved_co2e_kg } })]);
    const cityV = copyValue(city);
    const b = r.energyCity.buildings, inv = r.inventory, of = r.aggregates.of, areas = r.units.areas;
    const areaId = (lv: 'district' | 'street' | 'community', i: number) => (of[lv][i] >= 0 ? areas[of[lv][i]].id : null);
    let data = '';
    const flush = async (table: string, cols: string[], force = false) => { if (data && (force || data.length > 8 << 20)) { await tx.copyIn(table, cols, data); data = ''; } };
    const bCols = ['city_id', 'run_id', 'building_id', 'use', 'climate_zone', 'era', 'floor_area_m2', 'floor_area_basis', 'eui_kwh_m2', 'electricity_kwh', 'gas_m3', 'heat_gj', 'co2e_kg', 'basis', 'district_id', 'street_id', 'community_id', 'geom'];
    for (let i = 0; i < inv.count; i++) {
      data += `${cityV}\t${runId}\t` + [b.ids[i], USES[b.use[i]], inv.zone, ERAS[inv.era[i]], r6(inv.floor[i]), FLOOR_BASIS[inv.floorBasis[i]], r6(inv.eui[i]), r6(inv.electricity[i]),
        r6(inv.gas[i]), r6(inv.heat[i]), r6(inv.co2e[i]), BASIS[inv.metered[i]], areaId('district', i), areaId('street', i), areaId('community', i),
        toHexEwkb({ type: 'Point', coordinates: [b.lon[i], b.lat[i]] })].map(copyValue).join('\t') + '\n';
      await flush('carbon_buildings', bCols);
    }
    await flush('carbon_buildings', bCols, true);
    const aCols = ['city_id', 'run_id', 'level', 'area_id', 'name', 'kind', 'buildings', 'metered_buildings', 'floor_area_m2', 'electricity_kwh', 'gas_m3', 'heat_gj', 'co2e_kg', 'co2e_estimated_kg', 'residents', 'co2e_kg_per_m2', 'co2e_kg_per_resident', 'geom'];
    for (const lv of AREA_LEVELS) {
      for (const a of r.aggregates.levels[lv]) {
        const g = r.units.byId.get(a.area_id)?.geometry;
        data += `${cityV}\t${runId}\t` + [lv, a.area_id, a.name, a.kind, a.buildings, a.metered_buildings, a.floor_area_m2, a.electricity_kwh, a.gas_m3, a.heat_gj, a.co2e_kg, a.co2e_estimated_kg,
          a.residents, a.co2e_kg_per_m2, a.co2e_kg_per_resident, g ? toHexEwkb(multi(g)) : null].map(copyValue).join('\t') + '\n';
      }
    }
    await flush('carbon_areas', aCols, true);
    const rCols = ['city_id', 'run_id', 'rank', 'building_id', 'use', 'era', 'floor_area_m2', 'eui_kwh_m2', 'co2e_kg', 'savings_share', 'saved_kwh', 'saved_co2e_kg', 'basis', 'geom'];
    for (const c of r.retrofit.candidates) {
      data += `${cityV}\t${runId}\t` + [c.rank, c.building_id, c.use, c.era, c.floor_area_m2, c.eui_kwh_m2, c.co2e_kg, c.savings_share, c.saved_kwh, c.saved_co2e_kg, c.basis,
        toHexEwkb({ type: 'Point', coordinates: [c.lon, c.lat] })].map(copyValue).join('\t') + '\n';
    }
    await flush('carbon_retrofit', rCols, true);
    await succeedRun(tx, runId, o.summary);
    return { meteredVersions };
  });
}
