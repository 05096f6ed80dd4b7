import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { UNIT_ALIASES, type Catalogue } from './catalogue.js';
import { UsageError } from '../../model/errors.js';

/**
 * Manually entered indicator values (departmental statistics, field inspection):
 * `indicator_id,area_id,value,year,source` (+ optional `unit`) as CSV, or the same fields as JSON
 * objects. Validated against the catalogue: an unknown id, a wrong unit or a value out of range
 * is an error naming the line.
 */
export interface ManualValue {
  indicator_id: string;
  area_id: string;
  value: number;
  year?: number;
  source?: string;
  /** where it came from, for messages: "values.csv line 4" */
  where: string;
}

export class ManualInputError extends UsageError {}

/** RFC 4180 CSV (quoted fields, doubled quotes), UTF-8 with or without BOM. Returns rows with their line numbers. */
export function parseCsv(text: string): { line: number; cells: string[] }[] {
  const rows: { line: number; cells: string[] }[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  while (i < text.length) {
    const start = line;
    const cells: string[] = [];
    let cell = '';
    for (;;) {
      if (text[i] === '"') {
        i++;
        for (;;) {
          if (i >= text.length) throw new ManualInputError(`unterminated quoted field starting on line ${start}`);
          if (text[i] === '"') { if (text[i + 1] === '"') { cell += '"'; i += 2; continue; } i++; break; }
          if (text[i] === '\n') line++;
          cell += text[i++];
        }
      }
      while (i < text.length && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') cell += text[i++];
      cells.push(cell);
      cell = '';
      if (text[i] === ',') { i++; continue; }
      if (text[i] === '\r') i++;
      if (text[i] === '\n') { i++; line++; }
      break;
    }
    if (cells.length > 1 || cells[0].trim() !== '') rows.push({ line: start, cells });
  }
  return rows;
}

const FIELDS = ['indicator_id', 'area_id', 'value', 'year', 'source', 'unit'] as const;

export function readManual(path: string, catalogue: Catalogue): ManualValue[] {
  const name = basename(path);
  let text: string;
  try { text = readFileSync(path, 'utf8'); } catch (e) { throw new ManualInputError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`); }
  const items: { where: string; get: (f: string) => unknown }[] = [];
  if (/\.json$/i.test(path) || /^\s*[[{]/.test(text.replace(/^\uFEFF/, ''))) {
    let doc: unknown;
    try { doc = JSON.parse(text.replace(/^\uFEFF/, '')); } catch (e) { throw new ManualInputError(`${name}: not valid JSON (${(e as Error).message})`); }
    const list = Array.isArray(doc) ? doc : (doc as { values?: unknown[]; indicators?: unknown[] })?.values ?? (doc as { indicators?: unknown[] })?.indicators;
    if (!Array.isArray(list)) throw new ManualInputError(`${name}: expected an array of {indicator_id, area_id, value, year, source} objects (or {"values": [...]})`);
    list.forEach((o, k) => {
      if (!o || typeof o !== 'object') throw new ManualInputError(`${name} item ${k + 1}: not an object`);
      items.push({ where: `${name} item ${k + 1}`, get: (f) => (o as Record<string, unknown>)[f === 'indicator_id' && !('indicator_id' in (o as object)) ? 'id' : f] });
    });
  } else {
    const rows = parseCsv(text);
    if (!rows.length) throw new ManualInputError(`${name}: empty file`);
    const header = rows[0].cells.map((c) => c.trim().toLowerCase());
    for (const req of ['indicator_id', 'value']) {
      if (!header.includes(req)) throw new ManualInputError(`${name} line ${rows[0].line}: the header must name the columns indicator_id,area_id,value,year,source (missing ${req}); got: ${rows[0].cells.join(',')}`);
    }
    const unknownCols = header.filter((h) => h && !(FIELDS as readonly string[]).includes(h));
    if (unknownCols.length) throw new ManualInputError(`${name} line ${rows[0].line}: unknown column(s) ${unknownCols.join(', ')}; expected ${FIELDS.join(',')}`);
    for (const r of rows.slice(1)) {
      if (r.cells.length > header.length) throw new ManualInputError(`${name} line ${r.line}: ${r.cells.length} fields but the header has ${header.length} (quote values that contain commas)`);
      items.push({ where: `${name} line ${r.line}`, get: (f) => { const k = header.indexOf(f); return k >= 0 ? r.cells[k]?.trim() : undefined; } });
    }
  }
  const out: ManualValue[] = [];
  const seen = new Map<string, string>();
  for (const it of items) {
    const id = String(it.get('indicator_id') ?? '').trim();
    const e = catalogue.byId.get(id);
    if (!e) {
      const close = [...catalogue.byId.keys()].filter((k) => k.includes(id) || (id.length > 3 && k.startsWith(id.slice(0, 4)))).slice(0, 3);
      throw new ManualInputError(`${it.where}: unknown indicator "${id}" (catalogue ${catalogue.version})${close.length ? `; did you mean ${close.join(', ')}?` : ''}`);
    }
    const rawV = it.get('value');
    const value = typeof rawV === 'number' ? rawV : typeof rawV === 'string' && rawV.trim() !== '' ? Number(rawV.trim()) : NaN;
    if (!Number.isFinite(value)) throw new ManualInputError(`${it.where}: value "${String(rawV ?? '')}" of ${id} is not a number`);
    const unit = it.get('unit');
    const hint = e.unit === 'ratio' ? ' (a share from 0 to 1: write 0.561 for 56.1%)' : '';
    if (unit !== undefined && unit !== null && String(unit).trim() !== '') {
      const u = String(unit).trim();
      if (!(UNIT_ALIASES[e.unit] ?? [e.unit]).includes(u)) throw new ManualInputError(`${it.where}: unit "${u}" does not match the unit of ${id}, "${e.unit}" (${e.unit_zh})${hint}`);
    }
    const [lo, hi] = e.range;
    if ((lo !== null && value < lo) || (hi !== null && value > hi)) {
      throw new ManualInputError(`${it.where}: value ${value} of ${id} is out of range [${lo ?? '-∞'}, ${hi ?? '∞'}] ${e.unit}${hint}`);
    }
    if (e.unit === 'count' && !Number.isInteger(value)) throw new ManualInputError(`${it.where}: ${id} is a count; ${value} is not a whole number`);
    const rawY = it.get('year');
    let year: number | undefined;
    if (rawY !== undefined && rawY !== null && String(rawY).trim() !== '') {
      year = Number(String(rawY).trim());
      if (!Number.isInteger(year) || year < 1949 || year > 2100) throw new ManualInputError(`${it.where}: year "${String(rawY)}" is not a year`);
    }
    const area = String(it.get('area_id') ?? '').trim() || 'city';
    const key = `${id}\u0000${area}`;
    if (seen.has(key)) throw new ManualInputError(`${it.where}: ${id} for area ${area} is given twice (also ${seen.get(key)})`);
    seen.set(key, it.where);
    const src = it.get('source');
    out.push({ indicator_id: id, area_id: area, value, ...(year !== undefined ? { year } : {}), ...(src ? { source: String(src) } : {}), where: it.where });
  }
  return out;
}
