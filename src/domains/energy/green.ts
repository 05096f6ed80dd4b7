import { basename } from 'node:path';
import { parseCsv } from '../../analysis/indicators/manual.js';
import type { EnergyCity } from './read.js';
import type { Inventory } from './inventory.js';
import type { EnergyParams } from './params.js';
import { InputError } from '../../model/errors.js';
import { readTextStrict, type TextEncoding } from '../../ingest/encoding.js';

/**
 * Green-building certification (绿色建筑标识): CSV `building_id,level,year` (UTF-8, or GBK by `encoding`). The green-building
 * share of new buildings = certified floor area ÷ floor area of the buildings built in the last
 * `new_building_years` years before the reference year (a parameter, an estimate of what "new"
 * means); the share of the whole stock is reported beside it.
 */
export class GreenInputError extends InputError {}

export interface Certification { row: number; building_index: number; building_id: string; level: string; year: number }

export async function readCertifications(path: string, city: EnergyCity, encoding: TextEncoding = 'utf8'): Promise<Certification[]> {
  const name = basename(path);
  const text = await readTextStrict(path, encoding, (m, line) => new GreenInputError(line ? `${name} 第 ${line} 行 (row ${line}): ${m}` : `${name}: ${m}`));
  const rows = parseCsv(text);
  const header = rows[0]?.cells.map((c) => c.trim().toLowerCase()) ?? [];
  if (header.join(',') !== 'building_id,level,year') throw new GreenInputError(`${name} 第 1 行 (row 1): the header must be building_id,level,year 表头应为 building_id,level,year; got ${header.join(',')}`);
  const index = new Map<string, number>();
  city.buildings.ids.forEach((id, i) => index.set(id, i));
  const seen = new Set<number>();
  // every bad row at once (as the metered reader reports them), nothing taken
  const errors: GreenInputError[] = [];
  const out = rows.slice(1).map((r, k): Certification | null => {
    try { return certification(r, k); } catch (e) { if (e instanceof GreenInputError) { errors.push(e); return null; } throw e; }
  });
  if (errors.length) {
    const more = errors.length > 20 ? `\n… ${errors.length - 20} more bad row(s) 另有 ${errors.length - 20} 行有误` : '';
    throw new GreenInputError(errors.slice(0, 20).map((e) => e.message).join('\n') + more);
  }
  return out as Certification[];

  function certification(r: (typeof rows)[number], k: number): Certification {
    const row = k + 2;
    const at = (col: string, zh: string, en: string) => new GreenInputError(`${name} 第 ${row} 行 ${col} 列: ${zh} (row ${row}, column ${col}: ${en})`);
    const [id = '', level = '', y = ''] = r.cells.map((c) => c.trim());
    const i = index.get(id);
    if (i === undefined) throw at('building_id', `城市中没有建筑 “${id}”`, `no building "${id}" in the city`);
    if (!level) throw at('level', '缺少星级', 'empty: give the certification level (e.g. 一星, 二星, 三星)');
    const year = Number(y);
    if (!/^\d{4}$/.test(y) || year < 1990 || year > 2100) throw at('year', `“${y}” 不是年份`, `"${y}" is not a year`);
    if (seen.has(i)) throw at('building_id', `建筑 ${id} 重复`, `building ${id} is listed twice`);
    seen.add(i);
    return { row, building_index: i, building_id: id, level, year };
  }
}

export interface GreenShare {
  reference_year: number;
  new_since: number;
  certified_buildings: number;
  new_buildings: number;
  new_floor_m2: number;
  certified_new_floor_m2: number;
  /** null when no building has a construction year in the window */
  new_share: number | null;
  stock_share: number;
  by_level: Record<string, number>;
  method: string;
}

export function greenShare(city: EnergyCity, inv: Inventory, certs: Certification[], p: EnergyParams, referenceYear: number): GreenShare {
  const since = referenceYear - p.eui.green.new_building_years + 1;
  const certified = new Uint8Array(inv.count);
  const byLevel: Record<string, number> = {};
  for (const c of certs) { certified[c.building_index] = 1; byLevel[c.level] = (byLevel[c.level] ?? 0) + 1; }
  let newN = 0, newFloor = 0, certNewFloor = 0, total = 0, certFloor = 0;
  const y = city.buildings.year;
  for (let i = 0; i < inv.count; i++) {
    total += inv.floor[i];
    if (certified[i]) certFloor += inv.floor[i];
    if (y[i] >= since && y[i] <= referenceYear) { newN++; newFloor += inv.floor[i]; if (certified[i]) certNewFloor += inv.floor[i]; }
  }
  return {
    reference_year: referenceYear, new_since: since, certified_buildings: certs.length, new_buildings: newN,
    new_floor_m2: newFloor, certified_new_floor_m2: certNewFloor, new_share: newFloor > 0 ? certNewFloor / newFloor : null,
    stock_share: total > 0 ? certFloor / total : 0, by_level: byLevel,
    method: `certified floor area ÷ floor area of buildings built ${since}–${referenceYear} (new = the last ${p.eui.green.new_building_years} years, ${p.eui.green.source}); floor areas as in the inventory`,
  };
}
