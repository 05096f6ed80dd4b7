import { basename } from 'node:path';
import { parseCsv } from '../../analysis/indicators/manual.js';
import { addressKey, type EnergyCity } from './read.js';
import type { MeteredUse } from './inventory.js';
import { InputError } from '../../model/errors.js';
import { readTextStrict, type TextEncoding } from '../../ingest/encoding.js';

/**
 * Metered annual use (计量数据): CSV `building_id` or `address`, `year`, `electricity_kwh`,
 * `gas_m3`, `heat_gj` (optional `account`: several accounts of one building are summed). A blank
 * carrier is not metered (its estimate stays); a building's latest year counts. Any bad row is an
 * error naming the row (the header is row 1) and the column: nothing is computed or written.
 */
export class MeteredInputError extends InputError {}

/** every bad row of a file in one error (the first 20, then how many more), so a user fixes them in one pass */
function throwAll(errors: MeteredInputError[]): void {
  if (!errors.length) return;
  const more = errors.length > 20 ? `\n… ${errors.length - 20} more bad row(s) 另有 ${errors.length - 20} 行有误` : '';
  throw new MeteredInputError(errors.slice(0, 20).map((e) => e.message).join('\n') + more);
}

export const METERED_COLUMNS = ['building_id', 'address', 'year', 'electricity_kwh', 'gas_m3', 'heat_gj', 'account'] as const;
const CARRIERS = [['electricity_kwh', 'kWh'], ['gas_m3', 'm³'], ['heat_gj', 'GJ']] as const;

export interface MeteredRow {
  row: number;
  building_id: string | null;
  address: string | null;
  account: string;
  year: number;
  electricity_kwh: number | null;
  gas_m3: number | null;
  heat_gj: number | null;
}

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Read and check the file on its own (before the city is read); UTF-8 unless `encoding` says GBK. */
export async function readMetered(path: string, encoding: TextEncoding = 'utf8'): Promise<MeteredRow[]> {
  const name = basename(path);
  const text = await readTextStrict(path, encoding, (m, line) => new MeteredInputError(line ? `${name} 第 ${line} 行 (row ${line}): ${m}` : `${name}: ${m}`));
  const rows = parseCsv(text);
  if (!rows.length) throw new MeteredInputError(`${name}: empty file 文件为空`);
  const header = rows[0].cells.map((c) => c.trim().toLowerCase());
  const bad = header.filter((h) => !(METERED_COLUMNS as readonly string[]).includes(h));
  if (bad.length) throw new MeteredInputError(`${name} 第 1 行 (row 1): unknown column(s) 未知列 ${bad.join(', ')}; expected ${METERED_COLUMNS.join(',')}`);
  if (!header.includes('building_id') && !header.includes('address')) throw new MeteredInputError(`${name} 第 1 行 (row 1): the header needs building_id or address 表头需要 building_id 或 address 列`);
  if (!header.includes('year')) throw new MeteredInputError(`${name} 第 1 行 (row 1): the header needs year 表头需要 year 列`);
  if (!CARRIERS.some(([c]) => header.includes(c))) throw new MeteredInputError(`${name} 第 1 行 (row 1): the header needs at least one of electricity_kwh, gas_m3, heat_gj 表头至少需要一种能源列`);
  const out: MeteredRow[] = [];
  const errors: MeteredInputError[] = [];
  rows.slice(1).forEach((r, k) => { try { readRow(r, k); } catch (e) { if (e instanceof MeteredInputError) errors.push(e); else throw e; } });
  throwAll(errors);
  return out;

  function readRow(r: (typeof rows)[number], k: number): void {
    const row = k + 2;
    const at = (col: string, zh: string, en: string) => new MeteredInputError(`${name} 第 ${row} 行 ${col} 列: ${zh} (row ${row}, column ${col}: ${en})`);
    if (r.cells.length > header.length) throw at(header[header.length - 1], `字段数 ${r.cells.length} 多于表头 ${header.length}`, `${r.cells.length} fields but the header has ${header.length} (quote values that contain commas)`);
    const get = (c: string) => { const i = header.indexOf(c); return i >= 0 ? (r.cells[i] ?? '').trim() : ''; };
    const id = get('building_id'), address = get('address');
    if (!id && !address) throw at(header.includes('building_id') ? 'building_id' : 'address', '缺少建筑编号或地址', 'empty: give building_id or address');
    const y = get('year');
    const year = Number(y);
    if (!/^\d{4}$/.test(y) || year < 1949 || year > 2100) throw at('year', `“${y}” 不是年份 (1949–2100)`, `"${y}" is not a year (1949–2100)`);
    const v: Record<string, number | null> = {};
    for (const [c, unit] of CARRIERS) {
      const s = get(c);
      if (s === '') { v[c] = null; continue; }
      if (!NUMBER.test(s) || Number(s) < 0) throw at(c, `“${s}” 不是非负数（${unit}/年）`, `"${s}" is not a number ≥ 0 (${unit} per year)`);
      v[c] = Number(s);
    }
    if (v.electricity_kwh === null && v.gas_m3 === null && v.heat_gj === null) {
      throw at(CARRIERS.find(([c]) => header.includes(c))![0], '三种能源均为空', 'electricity_kwh, gas_m3 and heat_gj are all empty');
    }
    out.push({ row, building_id: id || null, address: address || null, account: get('account'), year, electricity_kwh: v.electricity_kwh, gas_m3: v.gas_m3, heat_gj: v.heat_gj });
  }
}

export interface MeteredResolved {
  /** building index → the metered carriers of its latest year (accounts summed) */
  byBuilding: Map<number, MeteredUse & { year: number }>;
  rows: (MeteredRow & { building_index: number; resolved_id: string })[];
}

/** Match rows to the city's buildings (id, else address); unknown or ambiguous → the row's error. */
export function resolveMetered(rows: MeteredRow[], city: EnergyCity, file: string): MeteredResolved {
  const name = basename(file);
  const index = new Map<string, number>();
  city.buildings.ids.forEach((id, i) => index.set(id, i));
  const seen = new Map<string, number>();
  const resolved: MeteredResolved['rows'] = [];
  const errors: MeteredInputError[] = [];
  for (const r of rows) try { resolveRow(r); } catch (e) { if (e instanceof MeteredInputError) errors.push(e); else throw e; }
  throwAll(errors);
  function resolveRow(r: MeteredRow): void {
    const at = (col: string, zh: string, en: string) => new MeteredInputError(`${name} 第 ${r.row} 行 ${col} 列: ${zh} (row ${r.row}, column ${col}: ${en})`);
    let i: number | undefined;
    if (r.building_id) {
      i = index.get(r.building_id);
      if (i === undefined) throw at('building_id', `城市中没有建筑 “${r.building_id}”`, `no building "${r.building_id}" in the city (ids like w123 for OSM ways)`);
    } else {
      const l = city.addresses.get(addressKey(r.address!));
      if (!l) throw at('address', `没有地址为 “${r.address}” 的建筑`, `no building has the address "${r.address}" (addr:full, or addr:street + addr:housenumber)`);
      if (l.length > 1) throw at('address', `地址 “${r.address}” 对应 ${l.length} 栋建筑，请用 building_id`, `the address "${r.address}" matches ${l.length} buildings (${l.slice(0, 3).map((k) => city.buildings.ids[k]).join(', ')}): use building_id`);
      i = l[0];
    }
    const key = `${i}\u0000${r.year}\u0000${r.account}`;
    const prev = seen.get(key);
    if (prev !== undefined) throw at(r.building_id ? 'building_id' : 'address', `与第 ${prev} 行重复（同一建筑、年份、账户）`, `repeats row ${prev} (same building, year and account; give an account column for several meters)`);
    seen.set(key, r.row);
    resolved.push({ ...r, building_index: i, resolved_id: city.buildings.ids[i] });
  }
  const latest = new Map<number, number>();
  for (const r of resolved) latest.set(r.building_index, Math.max(latest.get(r.building_index) ?? 0, r.year));
  const byBuilding: MeteredResolved['byBuilding'] = new Map();
  for (const r of resolved) {
    if (latest.get(r.building_index) !== r.year) continue;
    const m = byBuilding.get(r.building_index) ?? { year: r.year };
    if (r.electricity_kwh !== null) m.electricity_kwh = (m.electricity_kwh ?? 0) + r.electricity_kwh;
    if (r.gas_m3 !== null) m.gas_m3 = (m.gas_m3 ?? 0) + r.gas_m3;
    if (r.heat_gj !== null) m.heat_gj = (m.heat_gj ?? 0) + r.heat_gj;
    byBuilding.set(r.building_index, m);
  }
  return { byBuilding, rows: resolved };
}
