/**
 * 12345 hotline intake: a CSV of work orders (工单) becomes cases, in one transaction. Columns
 * (English or Chinese header): ticket_id/工单编号, service_code/类别 (a service code or a class name),
 * description/诉求内容, address/地址, lon/经度, lat/纬度, reported_at/受理时间 (YYYY-MM-DD HH:MM or
 * YYYY/MM/DD HH:MM[:SS], local time of the work calendar unless a zone is given), phone/来电号码,
 * name/姓名, and the class attributes: `attribute[code]` (Open311's name), `attr_code`, or the
 * attribute's Chinese name (`name_zh`, else its description before " / ", e.g. 破损面积, 积水深度(厘米));
 * a value list takes the value's key or its name (small or 小于1平方米), a multi-value list several
 * separated by ; or 、. The values are checked by the rule of every channel (`reportAttributes`): a bad
 * value is an error naming file, line and column, and nothing is written. A required attribute the
 * ticket lacks does not refuse it (the 12345 centre has already taken the case): the case is
 * imported with the attribute unknown and the summary warns of it, by line and attribute.
 * Re-importing the same file adds nothing: a ticket already imported is skipped.
 *
 * The text is UTF-8 unless `encoding` says GBK, read by the one rule of staff files
 * (src/ingest/encoding.ts, readTextStrict): text not valid in its encoding is an error naming the
 * first bad line and the flag that would read it; UTF-8 asked to be read as GBK is refused.
 */
import type { Store } from '../../store/driver.js';
import { CsvParser, guessDelimiter, type CsvRecord } from '../../ingest/csv.js';
import { readTextStrict, type TextEncoding } from '../../ingest/encoding.js';
import { type Attribute, AttributeError, attributeNames, type CaseClass } from './catalogue.js';
import { type CaseRow, type OpsConfig, OpsError, reportIn } from './store.js';
import { outsideCity, outsideText, readCityExtent } from './extent.js';

const COLUMNS: Record<string, string[]> = {
  ticket_id: ['ticket_id', 'ticket', 'id', '工单编号', '工单号'],
  service_code: ['service_code', 'class', 'category', '类别', '问题类别', '案件类别'],
  description: ['description', 'content', '诉求内容', '内容', '问题描述'],
  address: ['address', '地址', '事发地址'],
  lon: ['lon', 'lng', 'long', 'longitude', '经度'],
  lat: ['lat', 'latitude', '纬度'],
  reported_at: ['reported_at', 'time', 'datetime', '受理时间', '来电时间'],
  phone: ['phone', 'tel', '来电号码', '电话'],
  name: ['name', '姓名', '来电人'],
};

export type HotlineEncoding = TextEncoding;

/** something the import took but that a person should look at (the case is imported) */
export interface HotlineWarning {
  /** physical line of the CSV (1 = the header) */
  line: number;
  ticket_id: string | null;
  service_code: string | null;
  /** the attribute concerned, if any */
  attribute: string | null;
  /** the column concerned, as the header names it, if the file has one */
  column: string | null;
  /** "FILE: line N: 中文 / English" */
  message: string;
}

export interface HotlineSummary { added: number; skipped: number; duplicates: number; warnings: HotlineWarning[] }

/** header text compared loosely: case, spaces and full-width brackets do not matter */
const norm = (s: string) => s.trim().toLowerCase().replace(/\s+/g, '').replace(/（/g, '(').replace(/）/g, ')');
/** the names a column of an attribute may have: attribute[code], attr_code, its Chinese name with or without the unit */
function attributeHeaders(a: Attribute): string[] {
  const zh = norm(attributeNames(a).zh);
  return [...new Set([`attribute[${norm(a.code)}]`, `attribute[${norm(a.code)}][]`, `attr_${norm(a.code)}`, zh, zh.replace(/\([^()]*\)$/, '')].filter(Boolean))];
}

/** a cell as the value Open311 would send: a value list's name becomes its key, a multi-value list is split */
function cellValue(a: Attribute, cell: string): string | string[] {
  if (!a.datatype.endsWith('valuelist')) return cell;
  const key = (x: string) => {
    const n = norm(x);
    const v = a.values!.find((v) => v.key === x || norm(v.key) === n || [v.name, ...v.name.split(' / ')].some((name) => norm(name) === n));
    return v ? v.key : x;
  };
  return a.datatype === 'multivaluelist' ? cell.split(/[;；,，、|]/).map((x) => x.trim()).filter(Boolean).map(key) : key(cell);
}

export async function importHotline(store: Store, cfg: OpsConfig, cityId: string, file: string, o: { actor: string; encoding?: HotlineEncoding }): Promise<HotlineSummary> {
  if (o.encoding !== undefined && o.encoding !== 'utf8' && o.encoding !== 'gbk') throw new OpsError(400, `${file}: 未知的编码 "${o.encoding}"（可用 utf8、gbk） / unknown encoding "${o.encoding}" (utf8 or gbk)`);
  const text = await readTextStrict(file, o.encoding ?? 'utf8', (m, line) => new OpsError(400, line ? `${file}: line ${line}: ${m}` : `${file}: ${m}`));
  const firstLine = text.slice(0, text.search(/\r?\n|$/));
  const parser = new CsvParser(guessDelimiter(firstLine), file);
  const recs: CsvRecord[] = [];
  parser.push(text, recs);
  parser.end(recs);
  if (!recs.length || recs[0].fields.every((h) => h.trim() === '')) throw new OpsError(400, `${file}: 文件为空 / the file is empty`);
  const header = recs[0].fields.map((h) => h.trim());
  const col = (k: string) => header.findIndex((h) => COLUMNS[k].includes(h) || COLUMNS[k].includes(h.toLowerCase()));
  const idx = Object.fromEntries(Object.keys(COLUMNS).map((k) => [k, col(k)]));
  for (const k of ['ticket_id', 'service_code']) {
    if (idx[k] >= 0) continue;
    throw new OpsError(400, `${file}: line 1: 缺少 ${k} 列（列名可为 ${COLUMNS[k].join('、')}）；文件的列：${header.join(', ').slice(0, 300)} / ` +
      `no ${k} column (one of ${COLUMNS[k].join(', ')}); the file's columns: ${header.join(', ').slice(0, 300)}.`);
  }

  // attribute columns: per class, which column gives which attribute
  const base = new Set(Object.values(idx).filter((i) => i >= 0));
  const attrCols = new Map<string, { a: Attribute; col: number }[]>();
  const used = new Set<number>();
  const warnings: HotlineWarning[] = [];
  for (const k of cfg.catalogue.classes) {
    const list: { a: Attribute; col: number }[] = [];
    for (const a of k.attributes) {
      const names = attributeHeaders(a);
      const cols = header.map((h, i) => (!base.has(i) && names.includes(norm(h)) ? i : -1)).filter((i) => i >= 0);
      if (cols.length > 1) {
        throw new OpsError(400, `${file}: line 1: 列 ${cols.map((i) => `"${header[i]}"`).join('、')} 都是类别 ${k.service_code} 的属性 ${a.code}：只保留一列 / ` +
          `columns ${cols.map((i) => `"${header[i]}"`).join(', ')} all give attribute ${a.code} of ${k.service_code}: keep one`);
      }
      if (cols.length) { list.push({ a, col: cols[0] }); used.add(cols[0]); }
    }
    attrCols.set(k.service_code, list);
  }
  header.forEach((h, i) => {
    if (base.has(i) || used.has(i) || !/^(attribute\[[^\]]*\](\[\])?|attr_.+)$/i.test(h.trim())) return;
    warnings.push({ line: 1, ticket_id: null, service_code: null, attribute: null, column: h,
      message: `${file}: line 1: 列 "${h}" 不是案件分类目录中任何类别的属性，已忽略 / column "${h}" is no attribute of any class in the case catalogue: ignored` });
  });

  const byName = new Map<string, string>();
  for (const k of cfg.catalogue.classes) { byName.set(k.service_code, k.service_code); byName.set(k.name_zh, k.service_code); byName.set(k.code, k.service_code); byName.set(k.name_en.toLowerCase(), k.service_code); }
  const colName = (k: string) => header[idx[k]];
  const ext = await readCityExtent(store, cityId);
  return store.transaction(async (tx) => {
    const done = new Set((await tx.query<{ e: string }>(`SELECT external_id AS e FROM cases_current WHERE city_id = $1 AND channel = 'hotline' AND external_id IS NOT NULL`, [cityId])).map((r) => r.e));
    let added = 0, skipped = 0, duplicates = 0;
    for (const rec of recs.slice(1)) {
      const f = (k: string) => (idx[k] >= 0 ? (rec.fields[idx[k]] ?? '').trim() : '');
      if (rec.fields.every((x) => x.trim() === '')) continue;
      const where = `${file}: line ${rec.line}`;
      const at = (k: string) => `${where}, column ${colName(k)}`;
      const ticket = f('ticket_id');
      if (!ticket) throw new OpsError(400, `${at('ticket_id')}: 工单编号为空 / empty ticket_id`);
      if (done.has(ticket)) { skipped++; continue; }
      const code = byName.get(f('service_code')) ?? byName.get(f('service_code').toLowerCase());
      if (!code) {
        throw new OpsError(400, `${at('service_code')}: 未知类别 "${f('service_code').slice(0, 40)}" / unknown class "${f('service_code').slice(0, 40)}" ` +
          `(service codes: ${cfg.catalogue.classes.map((k) => k.service_code).join(', ')})`);
      }
      const k: CaseClass = cfg.catalogue.byService.get(code)!;
      const lonS = f('lon'), latS = f('lat');
      const lon = lonS ? Number(lonS) : undefined, lat = latS ? Number(latS) : undefined;
      if ((lon === undefined) !== (lat === undefined) || (lon !== undefined && (!Number.isFinite(lon) || !Number.isFinite(lat!) || Math.abs(lon) > 180 || Math.abs(lat!) > 90))) {
        throw new OpsError(400, `${where}, column ${idx.lon >= 0 ? colName('lon') : 'lon'}/${idx.lat >= 0 ? colName('lat') : 'lat'}: 经纬度 "${lonS}", "${latS}" 无效（应为 WGS84 度） / lon/lat "${lonS}", "${latS}" are not WGS84 degrees`);
      }
      if (lon !== undefined && outsideCity(ext, lon, lat!)) {
        // kept (the hotline centre has already taken it), but a person should look at its location
        const t = outsideText(ext!, lon, lat!, { lon: idx.lon >= 0 ? colName('lon') : 'lon', lat: idx.lat >= 0 ? colName('lat') : 'lat' });
        warnings.push({ line: rec.line, ticket_id: ticket, service_code: code, attribute: null, column: idx.lon >= 0 ? colName('lon') : null,
          message: `${where}: 工单 ${ticket} 已导入，但${t.zh} / ticket ${ticket} imported, but ${t.en}` });
      }
      if (lon === undefined && !f('address')) throw new OpsError(400, `${where}: 缺少位置（经纬度或地址） / no location (lon/lat or address)`);
      let reportedAt: number | undefined;
      if (f('reported_at')) {
        const t = cfg.calendar.parseDateTime(f('reported_at'));
        if (t === null) {
          const zone = cfg.calendar.w3c(0).slice(19);
          throw new OpsError(400, `${at('reported_at')}: 受理时间 "${f('reported_at').slice(0, 40)}" 不是有效的日期时间（如 2026-03-02 10:00 或 2026/03/02 10:00:00，未注明时区时按 UTC${zone}） / ` +
            `reported_at "${f('reported_at').slice(0, 40)}" is not a date-time (e.g. 2026-03-02 10:00 or 2026/03/02 10:00:00; UTC${zone} unless a zone is given)`);
        }
        reportedAt = t;
      }
      const mine = attrCols.get(code)!;
      const attributes: Record<string, string | string[]> = {};
      for (const { a, col: c } of mine) {
        const cell = (rec.fields[c] ?? '').trim();
        if (cell) attributes[a.code] = cellValue(a, cell);
      }
      for (const c of used) {
        if (mine.some((m) => m.col === c) || !(rec.fields[c] ?? '').trim()) continue;
        warnings.push({ line: rec.line, ticket_id: ticket, service_code: code, attribute: null, column: header[c],
          message: `${where}: 列 "${header[c]}" 不是类别 ${code} 的属性，该值已忽略 / column "${header[c]}" is no attribute of class ${code}: its value was ignored` });
      }
      let c: CaseRow;
      try {
        c = await reportIn(tx, cfg, {
          cityId, serviceCode: code, lon, lat: lat, address: f('address') || undefined, description: f('description') || undefined, attributes,
          reporter: { ...(f('phone') ? { phone: f('phone') } : {}), ...(f('name') ? { first_name: f('name') } : {}) },
          channel: 'hotline', actor: o.actor, externalId: ticket, at: reportedAt,
        });
      } catch (e) {
        const m = e instanceof AttributeError ? mine.find((x) => x.a.code === e.attribute) : undefined;
        throw new OpsError(400, `${where}${m ? `, column ${header[m.col]}` : ''}: ${(e as Error).message}`);
      }
      if (c.duplicate_of) duplicates++;
      for (const code2 of c.missing_attributes) {
        const a = k.attributes.find((x) => x.code === code2)!;
        const m = mine.find((x) => x.a.code === code2);
        const n = attributeNames(a);
        warnings.push({ line: rec.line, ticket_id: ticket, service_code: code, attribute: a.code, column: m ? header[m.col] : null,
          message: `${where}: 工单 ${ticket} 缺少类别 ${code} 的必填属性 ${a.code}（${n.zh}），已导入，该属性记为未知${m ? '' : `（可加列 attribute[${a.code}] 或 ${n.zh}）`} / ` +
            `ticket ${ticket} lacks the required attribute ${a.code} (${n.en}) of ${code}: imported with it unknown${m ? '' : ` (a column attribute[${a.code}] or ${n.zh} gives it)`}` });
      }
      done.add(ticket);
      added++;
    }
    return { added, skipped, duplicates, warnings };
  });
}
