/**
 * profiles.csv / inspections.csv (the register's exchange format, issue 11): the kind is known by
 * the header; Chinese headers and values are aliases of the codes. Every bad value is reported
 * with the file, the row (the spreadsheet row: the header is row 1) and the column; a file with
 * any bad row yields no records at all.
 */
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { CsvParser, guessDelimiter, type CsvRecord } from '../../ingest/csv.js';
import { decoderLabel, firstUndecodable, undecodable, utf8AskedAsGbk, Utf8Witness, UTF8_ASKED_AS_GBK, type TextEncoding } from '../../ingest/encoding.js';
import { cannotReadFile } from '../../ingest/bilingual.js';
import { futureDateProblem, GRADES, HAZARDS, localTodayDays, MEASURES, parseDate, STRUCTURES, USES, VALUE_ALIASES, type Inspection, type Profile } from './model.js';
import { InputError } from '../../model/errors.js';

export const PROFILE_COLUMNS = ['building_id', 'year_built', 'design_life_years', 'structure', 'storeys', 'height_m', 'use', 'households', 'group_rental', 'seismic_intensity', 'isolation', 'owner', 'insured', 'fund'] as const;
export const INSPECTION_COLUMNS = ['inspection_id', 'building_id', 'date', 'organisation', 'inspector', 'method', 'grade', 'hazards', 'measure', 'deadline', 'remediated_on', 'verified_by'] as const;
/**
 * optional inspection column: photos, `;`-separated, each a URL (kept), a content hash (`sha256:HEX`
 * or 64 hex digits: a photo already stored), a local file (relative to the CSV's folder: its sha256
 * is computed, the file stored by it), or `FILE=HEX` (the file's sha256 must be HEX)
 */
export const OPTIONAL_INSPECTION_COLUMNS = ['photos'] as const;

export const HEADER_ALIASES: Record<string, string> = {
  建筑编号: 'building_id', 房屋编号: 'building_id', 建成年份: 'year_built', 建成年代: 'year_built', 设计使用年限: 'design_life_years',
  结构类型: 'structure', 结构: 'structure', 层数: 'storeys', 高度: 'height_m', 建筑高度: 'height_m', 用途: 'use', 使用性质: 'use', 户数: 'households',
  群租: 'group_rental', 群租房: 'group_rental', 抗震设防烈度: 'seismic_intensity', 设防烈度: 'seismic_intensity', 隔震减震: 'isolation', 隔震: 'isolation',
  产权人: 'owner', 管理人: 'owner', 产权人或管理人: 'owner', 保险: 'insured', 已投保: 'insured', 安全管理资金: 'fund', 维修资金: 'fund',
  体检编号: 'inspection_id', 鉴定编号: 'inspection_id', 体检日期: 'date', 鉴定日期: 'date', 日期: 'date', 鉴定机构: 'organisation', 检测机构: 'organisation', 机构: 'organisation',
  鉴定人: 'inspector', 检测人员: 'inspector', 方法: 'method', 检测方法: 'method', 等级: 'grade', 鉴定等级: 'grade', 危险性等级: 'grade', 隐患: 'hazards',
  处理措施: 'measure', 处理建议: 'measure', 整改期限: 'deadline', 期限: 'deadline', 整改完成日期: 'remediated_on', 整治完成日期: 'remediated_on', 验收人: 'verified_by', 核验人: 'verified_by',
  照片: 'photos',
};

export type RegisterFile = { kind: 'profiles'; file: string; rows: Profile[] } | { kind: 'inspections'; file: string; rows: Inspection[]; photoFiles?: Map<string, PhotoFile> };

/** a local photo named by an inspection, to be stored by its content hash */
export interface PhotoFile { path: string; media_type: string; bytes: number }

export const PHOTO_MAX_BYTES = 10 << 20;

/** JPEG, PNG or WebP by its first bytes */
export function photoType(head: Buffer): string | null {
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'image/jpeg';
  if (head.length >= 8 && head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (head.length >= 12 && head.toString('latin1', 0, 4) === 'RIFF' && head.toString('latin1', 8, 12) === 'WEBP') return 'image/webp';
  return null;
}

export interface RowError { file: string; row: number; column: string; message: string }

export class RegisterCsvError extends InputError {
  constructor(readonly errors: RowError[]) {
    const shown = errors.slice(0, 20).map(formatRowError);
    super(shown.join('\n') + (errors.length > 20 ? `\n... ${errors.length - 20} more / 另有 ${errors.length - 20} 处错误` : '') +
      `\n${errors.length} error(s): nothing was imported / 有 ${errors.length} 处错误，未导入任何数据`);
  }
}
/** `file (row R, column C): message`; row 0 is no one row: `file (column C)` or `file (whole file)` */
export function formatRowError(e: RowError): string {
  const where = e.row > 0 ? `row ${e.row}${e.column ? `, column ${e.column}` : ''}` : e.column ? `column ${e.column}` : 'whole file';
  return `${e.file} (${where}): ${e.message}`;
}

/**
 * The ids one import has taken, across its files: a profile's building_id or an inspection's
 * inspection_id may appear once in all the files of one import, as within one file (two rows for one
 * record would be written as two versions, the last silently winning).
 */
export class ImportIds {
  readonly files: string[] = [];
  /** id → file index × 2^32 + row */
  readonly profiles = new Map<string, number>();
  readonly inspections = new Map<string, number>();
  fileIndex(file: string): number {
    this.files.push(file);
    return this.files.length - 1;
  }
}
const ROW_SPAN = 2 ** 32;

const MAX_ERRORS = 1000;

/**
 * Read a register file. With `sink`, the valid rows go to it batch by batch as they are parsed
 * (and are not kept: the result's `rows` is then empty); once any row is bad, nothing more is
 * sunk, and the file still ends in a RegisterCsvError naming every bad row.
 */
export async function readRegisterCsv(file: string, encoding: 'utf8' | 'gbk' = 'utf8', sink?: RegisterSink, ids?: ImportIds): Promise<RegisterFile> {
  const decoder = new TextDecoder(decoderLabel(encoding), { fatal: true });
  // --encoding gbk on a file of valid UTF-8 with multi-byte characters would store mojibake: read beside it as UTF-8 to tell
  // the same bytes read as UTF-8 beside: GBK asked for UTF-8 text is refused (encoding.ts, the one rule)
  const asUtf8 = encoding === 'gbk' ? new Utf8Witness() : null;
  const looksUtf8 = () => asUtf8 !== null && utf8AskedAsGbk(encoding, asUtf8);
  let parser: CsvParser | undefined;
  let carry = '';
  const records: CsvRecord[] = [];
  const out = new RegisterParser(file, ids);
  const stream = createReadStream(file, { highWaterMark: 1 << 16 });
  const decode = async (b?: Buffer) => {
    if (b) asUtf8?.push(b); else asUtf8?.end();
    try { return b ? decoder.decode(b, { stream: true }) : decoder.decode(); } catch {
      if (looksUtf8()) throw looksUtf8Error(file);
      throw new RegisterCsvError([await encodingError(file, encoding)]);
    }
  };
  try {
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        let text = await decode(chunk);
        if (!parser) {
          carry += text;
          const nl = carry.search(/[\r\n]/);
          if (nl < 0 && carry.length < 1 << 20) continue;
          parser = new CsvParser(guessDelimiter(nl < 0 ? carry : carry.slice(0, nl)), file);
          text = carry; carry = '';
        }
        parser.push(text, records);
        out.take(records);
        records.length = 0;
        if (sink) await out.drain(sink);
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code) throw new RegisterCsvError([{ file, row: 0, column: '', message: cannotReadFile((e as NodeJS.ErrnoException).code!) }]);
      throw e;
    } finally {
      stream.destroy();
    }
    const rest = await decode();
    if (!parser) { carry += rest; parser = new CsvParser(guessDelimiter(carry.split(/[\r\n]/)[0] ?? ''), file); parser.push(carry, records); } else if (rest) parser.push(rest, records);
    parser.end(records);
    out.take(records);
    if (looksUtf8()) throw looksUtf8Error(file);
    if (sink) await out.drain(sink);
    return out.finish();
  } catch (e) {
    // what the rows say when UTF-8 is read as GBK is mojibake: the encoding is the problem to name
    if (e instanceof InputError && !(e as { encoding?: boolean }).encoding && looksUtf8()) throw looksUtf8Error(file);
    throw e;
  }
}

function looksUtf8Error(file: string): RegisterCsvError {
  return Object.assign(new RegisterCsvError([{ file, row: 0, column: '', message: UTF8_ASKED_AS_GBK }]), { encoding: true });
}

/** The first byte the encoding cannot read, as a row error, by the one rule of staff files (read again from the start: the error path only). */
async function encodingError(file: string, encoding: TextEncoding): Promise<RowError> {
  const readsAsOther = (await firstUndecodable(file, decoderLabel(encoding === 'gbk' ? 'utf8' : 'gbk')).catch(() => undefined)) === null;
  const u = await undecodable(file, encoding, readsAsOther);
  return { file, row: u.line, column: '', message: u.message };
}


/** where streamed rows go: called with the file's kind once the header is read, then with each batch */
export type RegisterSink = (kind: 'profiles' | 'inspections', rows: Profile[] | Inspection[]) => Promise<void>;

/** Parse register text already in memory (tests, the HTTP API). */
export function parseRegisterText(file: string, text: string, ids?: ImportIds): RegisterFile {
  const parser = new CsvParser(guessDelimiter(text.split(/[\r\n]/)[0] ?? ''), file);
  const records: CsvRecord[] = [];
  parser.push(text.replace(/^\uFEFF/, ''), records);
  parser.end(records);
  const out = new RegisterParser(file, ids);
  out.take(records);
  return out.finish();
}

class RegisterParser {
  private kind: 'profiles' | 'inspections' | null = null;
  private cols: number[] = [];
  private photosCol = -1;
  private errors: RowError[] = [];
  private profiles: Profile[] = [];
  private inspections: Inspection[] = [];
  private ids: ImportIds;
  private fileNo: number;
  /** the last day an inspection or remediation may be dated */
  readonly today = localTodayDays();
  /** local photos named by the file's inspections, by sha256 */
  readonly photoFiles = new Map<string, PhotoFile>();
  private photoCache = new Map<string, { sha: string; type: string | null; bytes: number } | { error: string }>();
  constructor(private file: string, ids?: ImportIds) {
    this.ids = ids ?? new ImportIds();
    this.fileNo = this.ids.fileIndex(file);
  }

  /** one local photo: its sha256 and type (cached: the same file named twice is read once) */
  photo(path: string): { sha: string; type: string | null; bytes: number } | { error: string } {
    const full = isAbsolute(path) ? path : resolve(dirname(this.file), path);
    let r = this.photoCache.get(full);
    if (!r) {
      try {
        const st = statSync(full);
        if (!st.isFile()) r = { error: `"${path}" is not a file / 不是文件` };
        else if (st.size > PHOTO_MAX_BYTES) r = { error: `"${path}" is ${st.size} bytes, over ${PHOTO_MAX_BYTES} / 照片过大` };
        else {
          const bytes = readFileSync(full);
          r = { sha: createHash('sha256').update(bytes).digest('hex'), type: photoType(bytes.subarray(0, 12)), bytes: bytes.length };
        }
      } catch {
        r = { error: `"${path}" is not a URL, a sha256 or a readable file (paths are relative to the CSV's folder) / 找不到照片文件` };
      }
      this.photoCache.set(full, r);
    }
    if ('sha' in r && r.type) this.photoFiles.set(r.sha, { path: full, media_type: r.type, bytes: r.bytes });
    return r;
  }

  private err(row: number, column: string, message: string): void {
    if (this.errors.length < MAX_ERRORS) this.errors.push({ file: this.file, row, column, message });
  }

  take(recs: CsvRecord[]): void {
    for (const rec of recs) {
      if (this.kind === null) { this.header(rec); continue; }
      if (rec.fields.length === 1 && rec.fields[0].trim() === '') continue;
      if (this.kind === 'profiles') this.profile(rec); else this.inspection(rec);
    }
  }

  private header(rec: CsvRecord): void {
    const names = rec.fields.map((h) => { const t = h.trim().replace(/^\uFEFF/, ''); return HEADER_ALIASES[t] ?? t.toLowerCase(); });
    const kind = names.includes('inspection_id') ? 'inspections' : names.includes('year_built') || names.includes('structure') ? 'profiles' : null;
    if (!kind) {
      throw new RegisterCsvError([{ file: this.file, row: rec.line, column: '', message: `not a register file: a profiles.csv header has ${PROFILE_COLUMNS.join(',')}; an inspections.csv header has ${INSPECTION_COLUMNS.join(',')} / 表头无法识别` }]);
    }
    const want: readonly string[] = kind === 'profiles' ? PROFILE_COLUMNS : INSPECTION_COLUMNS;
    const optional: readonly string[] = kind === 'inspections' ? OPTIONAL_INSPECTION_COLUMNS : [];
    const errs: RowError[] = [];
    const missing = want.filter((c) => !names.includes(c));
    if (missing.length) errs.push({ file: this.file, row: rec.line, column: missing.join(','), message: `missing column(s) ${missing.join(', ')} of ${kind}.csv / 缺少列` });
    names.forEach((n, i) => {
      if (!want.includes(n) && !optional.includes(n)) errs.push({ file: this.file, row: rec.line, column: rec.fields[i].trim() || `#${i + 1}`, message: `unknown column for ${kind}.csv (columns: ${want.join(',')}) / 未知列` });
      else if (names.indexOf(n) !== i) errs.push({ file: this.file, row: rec.line, column: rec.fields[i].trim(), message: `column ${n} appears twice / 列重复` });
    });
    if (errs.length) throw new RegisterCsvError(errs);
    this.kind = kind;
    this.cols = want.map((c) => names.indexOf(c));
    this.photosCol = names.indexOf('photos');
  }

  private fieldsOf(rec: CsvRecord): string[] | null {
    const f = rec.fields;
    const n = this.kind === 'profiles' ? PROFILE_COLUMNS.length : INSPECTION_COLUMNS.length + (this.photosCol >= 0 ? 1 : 0);
    if (f.length !== n && !(f.length > n && f.slice(n).every((v) => v.trim() === ''))) {
      this.err(rec.line, '', `${f.length} fields but the header has ${n} (a stray delimiter or quote?) / 字段数与表头不符`);
      return null;
    }
    return this.cols.map((c) => (f[c] ?? '').trim());
  }

  private once(row: number, column: string, key: string): void {
    const seen = this.kind === 'profiles' ? this.ids.profiles : this.ids.inspections;
    const prev = seen.get(key);
    if (prev === undefined) { seen.set(key, this.fileNo * ROW_SPAN + row); return; }
    const file = Math.floor(prev / ROW_SPAN), at = prev % ROW_SPAN;
    if (file === this.fileNo) this.err(row, column, `"${key}" already appears in row ${at} of this file / 编号重复`);
    else this.err(row, column, `"${key}" 已见于本次导入的另一文件 ${this.ids.files[file]} 第 ${at} 行：一次导入中每个编号只能出现一次（请合并两行，或分两次导入）/ "${key}" already appears in ${this.ids.files[file]} row ${at} of this import: each id once per import (merge the rows, or import the files one after the other)`);
  }

  private profile(rec: CsvRecord): void {
    const f = this.fieldsOf(rec);
    if (!f) return;
    const v = new Values(this, rec.line);
    const p: Profile = {
      building_id: v.id('building_id', f[0]),
      year_built: v.int('year_built', f[1], 1000, 2200),
      design_life_years: v.int('design_life_years', f[2], 1, 300),
      structure: v.code('structure', f[3], STRUCTURES, VALUE_ALIASES.structure),
      storeys: v.int('storeys', f[4], 0, 300),
      height_m: v.num('height_m', f[5], 0, 1000),
      use: v.code('use', f[6], USES, VALUE_ALIASES.use),
      households: v.int('households', f[7], 0, 100000),
      group_rental: v.bool('group_rental', f[8]),
      seismic_intensity: v.intensity('seismic_intensity', f[9]),
      isolation: v.bool('isolation', f[10]),
      owner: f[11] || null,
      insured: v.bool('insured', f[12]),
      fund: v.bool('fund', f[13]),
    };
    if (p.building_id) this.once(rec.line, 'building_id', p.building_id);
    if (v.ok) this.profiles.push(p);
  }

  private inspection(rec: CsvRecord): void {
    const f = this.fieldsOf(rec);
    if (!f) return;
    const v = new Values(this, rec.line);
    const x: Inspection = {
      inspection_id: v.id('inspection_id', f[0]),
      building_id: v.id('building_id', f[1]),
      date: v.date('date', f[2], true, this.today)!,
      organisation: f[3] || null,
      inspector: f[4] || null,
      method: f[5] || null,
      grade: v.grade('grade', f[6]),
      hazards: v.hazards('hazards', f[7]),
      measure: v.code('measure', f[8], MEASURES, VALUE_ALIASES.measure),
      deadline: v.date('deadline', f[9], false),
      remediated_on: v.date('remediated_on', f[10], false, this.today),
      verified_by: f[11] || null,
      photos: this.photosCol >= 0 ? v.photos('photos', rec.fields[this.photosCol] ?? '', this) : [],
    };
    if (x.date && x.deadline && x.deadline < x.date) v.fail('deadline', `deadline ${x.deadline} is before the inspection date ${x.date} / 整改期限早于体检日期`);
    if (x.date && x.remediated_on && x.remediated_on < x.date) v.fail('remediated_on', `remediated ${x.remediated_on} before the inspection date ${x.date} / 整改完成日期早于体检日期`);
    if (x.inspection_id) this.once(rec.line, 'inspection_id', x.inspection_id);
    if (v.ok) this.inspections.push(x);
  }

  /** hand the rows parsed so far to the sink (none once a row was bad) */
  async drain(sink: RegisterSink): Promise<void> {
    if (this.kind === null) return;
    const rows = this.kind === 'profiles' ? this.profiles : this.inspections;
    if (this.kind === 'profiles') this.profiles = []; else this.inspections = [];
    if (!this.errors.length) await sink(this.kind, rows);
  }

  finish(): RegisterFile {
    if (this.kind === null) throw new RegisterCsvError([{ file: this.file, row: 1, column: '', message: 'empty file: no header line / 空文件' }]);
    if (this.errors.length) throw new RegisterCsvError(this.errors);
    return this.kind === 'profiles' ? { kind: 'profiles', file: this.file, rows: this.profiles } : { kind: 'inspections', file: this.file, rows: this.inspections, photoFiles: this.photoFiles };
  }

  /** for Values */
  report(row: number, column: string, message: string): void { this.err(row, column, message); }
}

const INT = /^[+-]?\d+$/;
const NUM = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;
const ROMAN: Record<string, number> = { V: 5, VI: 6, VII: 7, VIII: 8, IX: 9, X: 10 };

/** one row's value parsing: every problem is reported, the row is dropped when any */
class Values {
  ok = true;
  constructor(private p: RegisterParser, private row: number) {}
  fail(column: string, message: string): void { this.ok = false; this.p.report(this.row, column, message); }
  id(c: string, s: string): string {
    if (!s) { this.fail(c, 'empty: an id is required / 编号不能为空'); return ''; }
    if (s.length > 200) { this.fail(c, 'longer than 200 characters / 编号过长'); return ''; }
    return s;
  }
  int(c: string, s: string, min: number, max: number): number | null {
    if (!s) return null;
    if (!INT.test(s)) { this.fail(c, `"${s}" is not a whole number / 不是整数`); return null; }
    const n = Number(s);
    if (n < min || n > max) { this.fail(c, `${n} is out of range ${min}–${max} / 超出范围`); return null; }
    return n;
  }
  num(c: string, s: string, min: number, max: number): number | null {
    if (!s) return null;
    if (!NUM.test(s)) { this.fail(c, `"${s}" is not a number / 不是数字`); return null; }
    const n = Number(s);
    if (n < min || n > max) { this.fail(c, `${n} is out of range ${min}–${max} / 超出范围`); return null; }
    return n;
  }
  bool(c: string, s: string): boolean | null {
    if (!s) return null;
    if (s === '1' || s === '是') return true;
    if (s === '0' || s === '否') return false;
    this.fail(c, `"${s}" is not 0 or 1 / 应为 0 或 1`);
    return null;
  }
  code<T extends string>(c: string, s: string, codes: readonly T[], aliases: Record<string, string>): T | null {
    if (!s) return null;
    const k = (aliases[s] ?? s.toLowerCase()) as T;
    if (codes.includes(k)) return k;
    this.fail(c, `"${s}" is not one of ${codes.join(', ')} / 取值无效`);
    return null;
  }
  grade(c: string, s: string): Inspection['grade'] {
    if (!s) return null;
    const g = s.toUpperCase().replace(/级$/, '');
    if ((GRADES as readonly string[]).includes(g)) return g as Inspection['grade'];
    this.fail(c, `"${s}" is not a grade A, B, C or D (JGJ 125-2016) / 等级应为 A–D`);
    return null;
  }
  hazards(c: string, s: string): Inspection['hazards'] {
    if (!s) return [];
    const out: Inspection['hazards'] = [];
    for (const part of s.split(/[;；、]/)) {
      const t = part.trim();
      if (!t) continue;
      const k = (VALUE_ALIASES.hazard[t] ?? t.toLowerCase()) as Inspection['hazards'][number];
      if (!(HAZARDS as readonly string[]).includes(k)) { this.fail(c, `"${t}" is not a hazard of the catalogue (${HAZARDS.join(', ')}) / 隐患类别无效`); continue; }
      if (!out.includes(k)) out.push(k);
    }
    return out;
  }
  photos(c: string, s: string, p: RegisterParser): string[] {
    const out: string[] = [];
    for (const part of s.split(/[;；]/)) {
      const t = part.trim();
      if (!t) continue;
      if (/^https?:\/\/\S+$/i.test(t)) { out.push(t); continue; }
      const hash = /^(?:sha256:)?([0-9a-f]{64})$/i.exec(t);
      if (hash) { out.push(hash[1].toLowerCase()); continue; }
      const given = /^(.+?)=(?:sha256:)?([0-9a-f]{64})$/i.exec(t);
      const path = given ? given[1].trim() : t;
      const r = p.photo(path);
      if ('error' in r) { this.fail(c, r.error); continue; }
      if (!r.type) { this.fail(c, `"${path}" is not a JPEG, PNG or WebP photo / 照片格式应为 JPEG、PNG 或 WebP`); continue; }
      if (given && given[2].toLowerCase() !== r.sha) { this.fail(c, `"${path}" has sha256 ${r.sha}, not the given ${given[2].toLowerCase()} (a different or altered file) / 照片哈希不符`); continue; }
      if (!out.includes(r.sha)) out.push(r.sha);
    }
    return out;
  }
  intensity(c: string, s: string): number | null {
    if (!s) return null;
    const t = s.replace(/度$/, '').toUpperCase();
    const n = ROMAN[t] ?? (NUM.test(t) ? Number(t) : NaN);
    if (!(n >= 5 && n <= 10)) { this.fail(c, `"${s}" is not a seismic intensity 5–10 (or VI–IX) / 烈度无效`); return null; }
    return n;
  }
  /** `notAfter`: the last day it may be (a date of something done: today) */
  date(c: string, s: string, required: boolean, notAfter?: number): string | null {
    if (!s) { if (required) this.fail(c, 'empty: a date YYYY-MM-DD is required / 日期不能为空'); return null; }
    const t = s.replace(/\//g, '-');
    if (parseDate(t) === null) { this.fail(c, `"${s}" is not a date YYYY-MM-DD / 日期格式应为 YYYY-MM-DD`); return null; }
    const future = notAfter === undefined ? null : futureDateProblem(t, notAfter);
    if (future) { this.fail(c, future); return null; }
    return t;
  }
}
