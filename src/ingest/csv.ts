/**
 * CSV reader for point data (facility lists, survey points, web-map exports): RFC 4180 quoting
 * (delimiters, quotes and line breaks inside quoted fields), a UTF-8 BOM, UTF-8 or GBK (guessed when
 * not given), the delimiter guessed from the header. Longitude/latitude (or x/y with --crs) come from
 * configurable columns; every other column becomes a string property. Text that does not decode in
 * the encoding given or guessed, and UTF-8 text asked for as GBK, are errors (encoding.ts rules):
 * never U+FFFD or mojibake.
 */
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { CoordinateRangeError } from './crs.js';
import { IngestError } from '../model/errors.js';
import { cannotReadFile } from './bilingual.js';
import { encodingName, likelyEncoding, undecodable, utf8AskedAsGbk, utf8WitnessOf, UTF8_ASKED_AS_GBK } from './encoding.js';
import { isDecodeError, isValidUtf8, normaliseEncoding, textDecoder, transformFor, type FeatureReadOptions, type GeoFeature } from './features.js';

export const DEFAULT_LON_FIELDS = ['lon', 'lng', 'long', 'longitude', '经度', 'x', 'point_x'];
export const DEFAULT_LAT_FIELDS = ['lat', 'latitude', '纬度', 'y', 'point_y'];
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

export interface CsvRecord {
  /** physical line (1-based) where the record starts */
  line: number;
  fields: string[];
}

/** Incremental RFC 4180 parser: push text, get completed records. */
export class CsvParser {
  private field = '';
  private fields: string[] = [];
  private quoted = false;
  private inQuotes = false;
  /** just saw a quote inside a quoted field: either "" (escaped) or the closing quote */
  private quotePending = false;
  private pendingCR = false;
  private line = 1;
  private recordLine = 1;
  private started = false;

  constructor(
    public delimiter: string,
    private readonly file: string,
  ) {}

  /** the field (0-based) of the record being read that the next text goes to */
  get fieldIndex(): number {
    return this.fields.length;
  }

  push(text: string, out: CsvRecord[]): void {
    const d = this.delimiter;
    const n = text.length;
    let i = 0;
    while (i < n) {
      const c = text[i];
      if (this.pendingCR) {
        this.pendingCR = false;
        if (c === '\n') {
          i++;
          continue;
        }
      }
      if (this.inQuotes) {
        if (this.quotePending) {
          this.quotePending = false;
          if (c === '"') {
            this.field += '"';
            i++;
            continue;
          }
          this.inQuotes = false; // closing quote; fall through to handle c normally
        } else if (c === '"') {
          this.quotePending = true;
          i++;
          continue;
        } else {
          // copy a run of ordinary characters at once
          let j = i;
          while (j < n && text[j] !== '"') {
            if (text[j] === '\n') this.line++;
            else if (text[j] === '\r' && text[j + 1] !== '\n') this.line++;
            j++;
          }
          this.field += text.slice(i, j);
          i = j;
          continue;
        }
      }
      if (!this.started) {
        this.started = true;
        this.recordLine = this.line;
      }
      if (c === d) {
        this.fields.push(this.field);
        this.field = '';
        this.quoted = false;
      } else if (c === '\n' || c === '\r') {
        this.fields.push(this.field);
        out.push({ line: this.recordLine, fields: this.fields });
        this.fields = [];
        this.field = '';
        this.quoted = false;
        this.started = false;
        this.line++;
        if (c === '\r') this.pendingCR = true;
      } else if (c === '"' && this.field === '' && !this.quoted) {
        this.inQuotes = true;
        this.quoted = true;
      } else {
        // unquoted text, or text after a closing quote ("a"b → a"b is not RFC 4180; keep it literally)
        let j = i + 1;
        while (j < n && text[j] !== d && text[j] !== '\n' && text[j] !== '\r' && text[j] !== '"') j++;
        this.field += text.slice(i, j);
        i = j;
        continue;
      }
      i++;
    }
  }

  end(out: CsvRecord[]): void {
    if (this.inQuotes && !this.quotePending) {
      throw new IngestError(this.file, `line ${this.recordLine}`, '引号内的字段没有结束（有一个 " 没有配对的结束引号） / unterminated quoted field (a " is never closed)');
    }
    if (this.started || this.field !== '' || this.fields.length) {
      this.fields.push(this.field);
      out.push({ line: this.recordLine, fields: this.fields });
    }
  }
}

/** The column names of a header record: blank ones named column_N, repeated ones numbered (name_2) */
export function headerNames(fields: string[]): string[] {
  const seen = new Map<string, number>();
  return fields.map((h, i) => h.trim() || `column_${i + 1}`).map((h) => {
    const k = (seen.get(h) ?? 0) + 1;
    seen.set(h, k);
    return k === 1 ? h : `${h}_${k}`;
  });
}

/** The delimiter that splits the header line into the most fields, among , ; tab | */
export function guessDelimiter(headerLine: string): string {
  let best = ',';
  let bestCount = 0;
  for (const d of [',', ';', '\t', '|']) {
    let count = 0;
    let q = false;
    for (const c of headerLine) {
      if (c === '"') q = !q;
      else if (c === d && !q) count++;
    }
    if (count > bestCount) {
      best = d;
      bestCount = count;
    }
  }
  return best;
}

function findColumn(header: string[], wanted: string | undefined, defaults: string[], file: string, what: 'longitude' | 'latitude'): number {
  const norm = (s: string) => s.trim().toLowerCase();
  const zh = what === 'longitude' ? '经度' : '纬度';
  if (wanted) {
    let i = header.indexOf(wanted);
    if (i < 0) i = header.findIndex((h) => norm(h) === norm(wanted));
    if (i < 0) throw new IngestError(file, 'header', `没有${zh}列 "${wanted}"；现有的列：${header.join(', ')} / no column "${wanted}" for the ${what}; columns are: ${header.join(', ')}`);
    return i;
  }
  for (const d of defaults) {
    const i = header.findIndex((h) => norm(h) === d);
    if (i >= 0) return i;
  }
  const flag = `--${what === 'longitude' ? 'lon' : 'lat'} COLUMN`;
  throw new IngestError(
    file,
    'header',
    `没有${zh}列（查找了 ${defaults.join(', ')}）：请用 ${flag} 指定列名；现有的列：${header.join(', ')} / ` +
      `no ${what} column (looked for ${defaults.join(', ')}); name it with ${flag}; columns are: ${header.join(', ')}`,
  );
}

/**
 * The text encoding of the file and how many bytes of byte-order mark to skip before decoding;
 * `guessed`: GBK chosen because the file is not UTF-8 (no encoding given). UTF-8 text with
 * multi-byte characters asked for as GBK is refused here (encoding.ts utf8AskedAsGbk).
 */
export async function detectEncoding(file: string, given: string | undefined): Promise<{ encoding: string; skip: number; guessed: boolean }> {
  const head = Buffer.alloc(4);
  try {
    const fh = await open(file, 'r');
    try {
      await fh.read(head, 0, 4, 0);
    } finally {
      await fh.close();
    }
  } catch (e) {
    throw new IngestError(file, undefined, cannotReadFile((e as NodeJS.ErrnoException).code ?? (e as Error).message));
  }
  const utf8Bom = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf;
  if (given) {
    const e = normaliseEncoding(given);
    if (!e) throw new IngestError(file, undefined, `未知的编码 "${given}"（可用 utf-8、gbk、gb18030、big5 等） / unknown encoding "${given}" (e.g. utf-8, gbk, gb18030, big5)`);
    // a UTF-8 BOM in front of text of another encoding (saved by a tool that adds one): not part of the first header
    const skip = utf8Bom && e !== 'utf-8' ? 3 : 0;
    const utf8 = await utf8WitnessOf(file, skip).catch((err: NodeJS.ErrnoException) => {
      throw new IngestError(file, undefined, cannotReadFile(err.code ?? err.message));
    });
    if (utf8AskedAsGbk(e, utf8)) throw new IngestError(file, undefined, UTF8_ASKED_AS_GBK);
    return { encoding: e, skip, guessed: false };
  }
  if (utf8Bom) {
    if (!(await isValidUtf8(file, 3))) {
      throw new IngestError(file, undefined, '文件以 UTF-8 字节顺序标记（BOM）开头，但内容不是 UTF-8 文本（带 BOM 保存的 GBK？）：请指定编码，如 --encoding gbk / ' +
        'the file starts with a UTF-8 byte-order mark but its text is not UTF-8 (GBK saved with a BOM?): give its encoding, e.g. --encoding gbk');
    }
    return { encoding: 'utf-8', skip: 3, guessed: false };
  }
  if (head[0] === 0xff && head[1] === 0xfe) return { encoding: 'utf-16le', skip: 0, guessed: false };
  if (head[0] === 0xfe && head[1] === 0xff) return { encoding: 'utf-16be', skip: 0, guessed: false };
  const utf8 = await isValidUtf8(file);
  return { encoding: utf8 ? 'utf-8' : 'gbk', skip: 0, guessed: !utf8 };
}

/**
 * The error for text of `file` that does not decode in `encoding` (read from `skip`): where (line,
 * byte, and the column where the text before it says), the encoding it probably is and its flag
 * (encoding.ts undecodable). Reads the file again: the error path only. `delimiter`: the one in use.
 */
export async function encodingError(file: string, encoding: string, skip: number, guessed: boolean, delimiter?: string): Promise<IngestError> {
  const u = await undecodable(file, encoding, await likelyEncoding(file, skip), skip);
  const column = await columnBefore(file, encoding, skip, u.offset - 1, delimiter).catch(() => undefined);
  const note = guessed
    ? { zh: `；未给 --encoding 时，不是 UTF-8 的文件按 ${encodingName(encoding)} 读取：请用 --encoding 指定其编码`, en: `; without --encoding a file that is not UTF-8 is read as ${encodingName(encoding)}: give its encoding with --encoding` }
    : { zh: '', en: '' };
  return new IngestError(file, `line ${u.line}${column ? `, column ${column}` : ''}`, `${u.zh}${note.zh} / ${u.en}${note.en}`);
}

/** the column (its name, or its number in the header) that byte `end` of `file` falls in, from the (decodable) text before it */
async function columnBefore(file: string, encoding: string, skip: number, end: number, delimiter: string | undefined): Promise<string | undefined> {
  const decoder = textDecoder(encoding);
  let parser: CsvParser | undefined;
  let carry = '';
  let header: string[] | undefined;
  const records: CsvRecord[] = [];
  const take = (text: string) => {
    parser!.push(text, records);
    if (!header && records.length) header = headerNames(records[0].fields);
    records.length = 0;
  };
  if (end > skip) {
    for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20, start: skip, end: end - 1 }) as AsyncIterable<Buffer>) {
      const text = decoder.decode(chunk, { stream: true }); // whole characters before the first that does not decode
      if (parser) { take(text); continue; }
      carry += text;
      const nl = carry.search(/[\r\n]/);
      if (nl < 0) continue;
      parser = new CsvParser(delimiter ?? guessDelimiter(carry.slice(0, nl)), file);
      take(carry);
      carry = '';
    }
  }
  if (!parser) {
    parser = new CsvParser(delimiter ?? guessDelimiter(carry), file);
    take(carry);
  }
  const i = parser.fieldIndex;
  return header ? header[i] ?? String(i + 1) : String(i + 1);
}

function parseDelimiter(d: string): string {
  if (d === 'tab' || d === '\\t') return '\t';
  if (d.length !== 1) throw new Error(`分隔符必须是单个字符，实为 ${JSON.stringify(d)} / delimiter must be one character, got ${JSON.stringify(d)}`);
  return d;
}

export async function* readCsv(file: string, options: FeatureReadOptions = {}): AsyncGenerator<GeoFeature> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (e) {
    throw new IngestError(file, undefined, cannotReadFile((e as Error).message));
  }
  const { encoding, skip, guessed } = await detectEncoding(file, options.encoding);
  const t = transformFor(file, options);
  let delimiter: string | undefined;
  if (options.delimiter) {
    try {
      delimiter = parseDelimiter(options.delimiter);
    } catch (e) {
      throw new IngestError(file, undefined, (e as Error).message);
    }
  }
  const decoder = textDecoder(encoding); // strips a BOM of its own encoding
  const stream = createReadStream(file, { highWaterMark: 1 << 20, start: skip });
  let bytes = skip;
  let parser: CsvParser | undefined;
  let carry = ''; // text before the delimiter is known (the header line)
  let header: string[] | undefined;
  let lonIdx = -1;
  let latIdx = -1;
  let index = 0;
  const records: CsvRecord[] = [];

  const handle = function* (recs: CsvRecord[]): Generator<GeoFeature> {
    for (const rec of recs) {
      if (!header) {
        header = headerNames(rec.fields);
        lonIdx = findColumn(header, options.lonField, DEFAULT_LON_FIELDS, file, 'longitude');
        latIdx = findColumn(header, options.latField, DEFAULT_LAT_FIELDS, file, 'latitude');
        continue;
      }
      const f = rec.fields;
      if (f.length === 1 && f[0].trim() === '') continue; // blank line
      if (f.length > header.length && f.slice(header.length).some((v) => v.trim() !== '')) {
        throw new IngestError(file, `line ${rec.line}`, `有 ${f.length} 个字段，但表头只有 ${header.length} 个（分隔符不对，或有未加引号的 "${delimiter}"？） / ` +
          `${f.length} fields but the header has ${header.length} (wrong delimiter or an unquoted "${delimiter}"?)`);
      }
      const rawX = (f[lonIdx] ?? '').trim();
      const rawY = (f[latIdx] ?? '').trim();
      if (rawX === '' && rawY === '') {
        options.onProblem?.({ id: String(index), problem: `line ${rec.line}: 没有坐标，已跳过 / no coordinates, skipped` });
        index++;
        continue;
      }
      for (const [raw, col] of [
        [rawX, lonIdx],
        [rawY, latIdx],
      ] as const) {
        if (!NUMBER.test(raw)) {
          throw new IngestError(file, `line ${rec.line}, column ${header[col]}`, `${JSON.stringify(raw)} 不是数字 / ${JSON.stringify(raw)} is not a number`);
        }
      }
      let coordinates: [number, number];
      try {
        coordinates = t(Number(rawX), Number(rawY));
      } catch (e) {
        if (e instanceof CoordinateRangeError) throw new IngestError(file, `line ${rec.line}`, e.message);
        throw e;
      }
      const properties: Record<string, unknown> = {};
      for (let i = 0; i < header.length; i++) {
        if (i === lonIdx || i === latIdx) continue;
        const v = f[i];
        properties[header[i]] = v === undefined || v.trim() === '' ? null : v.trim();
      }
      yield { index, geometry: { type: 'Point', coordinates }, properties };
      index++;
    }
  };

  // bytes the encoding cannot read: an error naming where, never U+FFFD
  const decode = async (chunk?: Buffer): Promise<string> => {
    try {
      return chunk ? decoder.decode(chunk, { stream: true }) : decoder.decode();
    } catch (e) {
      if (!isDecodeError(e)) throw e;
      throw await encodingError(file, encoding, skip, guessed, delimiter);
    }
  };
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      let text = await decode(chunk);
      if (!parser) {
        carry += text;
        const nl = carry.search(/[\r\n]/);
        if (nl < 0 && carry.length < 1 << 20) continue;
        parser = new CsvParser(delimiter ?? guessDelimiter(nl < 0 ? carry : carry.slice(0, nl)), file);
        delimiter = parser.delimiter;
        text = carry;
        carry = '';
      }
      parser.push(text, records);
      yield* handle(records);
      records.length = 0;
      options.onProgress?.(bytes, size);
    }
    const rest = await decode();
    if (!parser) {
      carry += rest;
      parser = new CsvParser(delimiter ?? guessDelimiter(carry.split(/[\r\n]/)[0] ?? ''), file);
      delimiter = parser.delimiter;
      parser.push(carry, records);
    } else if (rest) {
      parser.push(rest, records);
    }
    parser.end(records);
    yield* handle(records);
    records.length = 0;
  } finally {
    stream.destroy();
  }
  if (!header) throw new IngestError(file, undefined, '空文件：没有表头行 / empty file: no header line');
}
