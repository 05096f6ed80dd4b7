/**
 * ESRI Shapefile reader: geometry from the .shp (via the `shapefile` package), attributes from the
 * .dbf (read here, so that text is decoded by Node's native TextDecoder: GBK, GB18030, UTF-8, ...),
 * CRS from the .prj, encoding from --encoding, else the .cpg, else UTF-8 when the DBF's text is
 * valid UTF-8, else GBK (what Chinese desktop GIS writes by default). Text that does not decode in
 * that encoding, and UTF-8 text asked for as GBK, are errors naming the record and field (the rules
 * of encoding.ts): never U+FFFD or mojibake. The .shx is not needed.
 */
import { createReadStream } from 'node:fs';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { openShp } from 'shapefile';
import { crsFromPrj } from './crs.js';
import { IngestError } from '../model/errors.js';
import type { IngestProblem } from '../model/types.js';
import { cannotReadFile, type ZhEn } from './bilingual.js';
import { decoderName, encodingAdvice, encodingName, firstUndecodableIn, utf8AskedAsGbk, Utf8Witness, UTF8_ASKED_AS_GBK, type TextEncoding } from './encoding.js';
import {
  normaliseEncoding,
  textDecoder,
  transformFor,
  transformGeometry,
  type FeatureReadOptions,
  type GeoFeature,
} from './features.js';

/** The sibling files of a shapefile, found case-insensitively (`A.SHP` + `a.dbf` happens). */
export async function shapefileParts(file: string): Promise<{ base: string; shp?: string; dbf?: string; prj?: string; cpg?: string }> {
  const dir = dirname(file);
  const ext = extname(file);
  const base = basename(file, ext);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    throw new IngestError(file, undefined, `无法读取文件夹：${(e as Error).message} / cannot read the folder: ${(e as Error).message}`);
  }
  const find = (e: string) => {
    const exact = names.find((n) => n === `${base}.${e}`);
    if (exact) return join(dir, exact);
    const lower = `${base}.${e}`.toLowerCase();
    const any = names.find((n) => n.toLowerCase() === lower);
    return any ? join(dir, any) : undefined;
  };
  return { base: join(dir, base), shp: find('shp'), dbf: find('dbf'), prj: find('prj'), cpg: find('cpg') };
}

export async function* readShapefile(file: string, options: FeatureReadOptions = {}): AsyncGenerator<GeoFeature> {
  const parts = await shapefileParts(file);
  const missing = (ext: string) => `缺少 ${basename(parts.base)}.${ext}：Shapefile 需要同名的 .shp（几何）和 .dbf（属性）文件 / ` +
    `missing ${basename(parts.base)}.${ext}: a shapefile needs its .shp (geometry) and .dbf (attributes)`;
  if (!parts.shp) throw new IngestError(file, undefined, missing('shp'));
  if (!parts.dbf) throw new IngestError(parts.shp, undefined, missing('dbf'));
  const shpFile = parts.shp;

  // CRS: --crs wins, else the .prj, else WGS84 (projected numbers then fail the range check)
  let declared;
  if (!options.crs && parts.prj) declared = crsFromPrj(await readPart(parts.prj, 'utf8'), parts.prj);
  const t = transformFor(shpFile, options, declared);

  const dbf = await openDbf(parts.dbf);
  await dbf.setEncoding(await chooseEncoding(dbf, parts.cpg, options.encoding), options.onProblem);

  let shp;
  try {
    shp = await openShp(createReadStream(shpFile, { highWaterMark: 1 << 20 }));
  } catch (e) {
    throw new IngestError(shpFile, undefined, `无法读取 .shp 文件：${(e as Error).message} / cannot read the .shp: ${(e as Error).message}`);
  }
  let size: number;
  try {
    size = (await stat(shpFile)).size;
  } catch (e) {
    throw new IngestError(shpFile, undefined, cannotReadFile(why(e)));
  }
  const records = dbf.records();
  let index = 0;
  try {
    for (;;) {
      let r;
      try {
        r = await shp.read();
      } catch (e) {
        throw new IngestError(shpFile, `record ${index + 1}`, `无法读取几何：${(e as Error).message} / cannot read the geometry: ${(e as Error).message}`);
      }
      const a = await records.next(); // a truncated .dbf throws here, naming the counts
      if (r.done) {
        if (!a.done) throw new IngestError(shpFile, undefined, `.shp 有 ${index} 条记录，但 .dbf 表头声明 ${dbf.count} 条 / the .shp has ${index} records but the .dbf's header declares ${dbf.count}`);
        break;
      }
      if (a.done) throw new IngestError(shpFile, `record ${index + 1}`, `.dbf 的记录（${dbf.read} 条）少于 .shp / the .dbf has fewer records (${dbf.read}) than the .shp`);
      const { deleted, properties } = a.value;
      const location = `record ${index + 1}`;
      if (deleted) {
        options.onProblem?.({ id: String(index), problem: `${location}: 在 .dbf 中标记为已删除，已跳过 / marked deleted in the .dbf, skipped` });
      } else if (r.value === null) {
        options.onProblem?.({ id: String(index), problem: `${location}: 空几何（null shape），已跳过 / null shape, skipped` });
      } else {
        const geometry = transformGeometry(r.value, t, { file: shpFile, location });
        yield { index, geometry, properties };
      }
      index++;
      if (options.onProgress && index % 10000 === 0 && dbf.count > 0) {
        options.onProgress(Math.round((size * index) / dbf.count), size);
      }
    }
  } finally {
    await records.return(undefined);
    await shp.cancel().catch(() => undefined);
  }
  options.onProgress?.(size, size);
}

/** the system's reason a file cannot be read: its code (EACCES, EISDIR, ...), else the message */
const why = (e: unknown): string => (e as NodeJS.ErrnoException).code ?? (e as Error).message;

/** a small sibling file (.prj, .cpg) whole; a file that cannot be read is an IngestError naming it */
async function readPart(file: string, encoding: 'utf8' | 'latin1'): Promise<string> {
  try {
    return await readFile(file, encoding);
  } catch (e) {
    throw new IngestError(file, undefined, cannotReadFile(why(e)));
  }
}

/** the encoding the .dbf is read in, and what chose it (the error messages say) */
interface Chosen {
  encoding: string;
  by: 'given' | 'cpg' | 'detected';
  /** the .cpg that named it */
  cpg?: string;
}

async function chooseEncoding(dbf: Dbf, cpgFile: string | undefined, given: string | undefined): Promise<Chosen> {
  if (given) {
    const e = normaliseEncoding(given);
    if (!e) throw new IngestError(dbf.file, undefined, `未知的编码 "${given}"（可用 utf-8、gbk、gb18030、big5 等） / unknown encoding "${given}" (e.g. utf-8, gbk, gb18030, big5)`);
    if (utf8AskedAsGbk(e, await dbf.utf8())) throw new IngestError(dbf.file, undefined, UTF8_ASKED_AS_GBK);
    return { encoding: e, by: 'given' };
  }
  if (cpgFile) {
    // "UTF-8", "GBK", "936", "CP936", "ANSI 936", ...; a bare "ANSI" or something unknown says
    // nothing usable, so the bytes decide as if there were no .cpg
    const said = (await readPart(cpgFile, 'latin1')).trim();
    const e = normaliseEncoding(said);
    if (e) {
      if (utf8AskedAsGbk(e, await dbf.utf8())) {
        const cpg = basename(cpgFile);
        throw new IngestError(dbf.file, undefined, `${cpg} 指定编码 "${said}"，但 .dbf 是有效的 UTF-8 文本且含多字节字符，按 GBK 读取会成乱码：请加 --encoding utf-8（或改正 ${cpg}） / ` +
          `${cpg} names the encoding "${said}", but the .dbf is valid UTF-8 text with multi-byte characters, which read as GBK would be garbled: add --encoding utf-8 (or correct ${cpg})`);
      }
      return { encoding: e, by: 'cpg', cpg: basename(cpgFile) };
    }
  }
  if ((await dbf.utf8()).valid) return { encoding: 'utf-8', by: 'detected' };
  // Language driver id 0x78 is Big5 (code page 950); otherwise the Chinese default, GBK.
  return { encoding: dbf.ldid === 0x78 ? 'big5' : 'gbk', by: 'detected' };
}

// ---------------------------------------------------------------------------------------------
// DBF (dBase III / IV, FoxPro numeric types)

interface DbfField {
  nameBytes: Buffer;
  /** where its name is in the file */
  nameAt: number;
  name: string;
  type: string;
  offset: number;
  length: number;
}

interface Dbf {
  file: string;
  /** the number of records the header declares */
  count: number;
  /** the number of records `records()` has read so far */
  read: number;
  headerLength: number;
  recordLength: number;
  ldid: number;
  fields: DbfField[];
  /** its text (field names, character fields) read as UTF-8: valid? with multi-byte characters? (read once) */
  utf8(): Promise<Utf8Witness>;
  /** decode the field names, and from now on the records, in `chosen`; text it cannot decode is an IngestError */
  setEncoding(chosen: Chosen, onProblem?: (p: IngestProblem) => void): Promise<void>;
  /** the records; a .dbf with fewer than `count` of them (cut short, or an early end-of-file marker) is an IngestError */
  records(): AsyncGenerator<{ deleted: boolean; properties: Record<string, unknown> }>;
}

/** the text fields (character, varchar): the ones decoded in the .dbf's encoding */
const isText = (f: DbfField): boolean => f.type === 'C' || f.type === 'V';

async function openDbf(file: string): Promise<Dbf> {
  let head: Buffer;
  try {
    const fh = await open(file, 'r');
    try {
      const h = Buffer.alloc(32);
      await fh.read(h, 0, 32, 0);
      const headerLength = h.readUInt16LE(8);
      if (headerLength < 33) throw new IngestError(file, undefined, '不是 dBase 文件（表头长度无效） / not a dBase file (bad header length)');
      head = Buffer.alloc(headerLength);
      const { bytesRead } = await fh.read(head, 0, headerLength, 0);
      if (bytesRead < headerLength) throw new IngestError(file, undefined, '.dbf 表头不完整 / truncated .dbf header');
    } finally {
      await fh.close();
    }
  } catch (e) {
    if (e instanceof IngestError) throw e;
    throw new IngestError(file, undefined, cannotReadFile(why(e)));
  }
  const count = head.readUInt32LE(4);
  const headerLength = head.readUInt16LE(8);
  const recordLength = head.readUInt16LE(10);
  const ldid = head[29];
  const fields: DbfField[] = [];
  let offset = 1; // deletion flag
  for (let p = 32; p + 32 <= headerLength && head[p] !== 0x0d; p += 32) {
    let end = p;
    while (end < p + 11 && head[end] !== 0) end++;
    const length = head[p + 16];
    fields.push({ nameBytes: head.subarray(p, end), nameAt: p, name: '', type: String.fromCharCode(head[p + 11]).toUpperCase(), offset, length });
    offset += length;
  }
  if (offset > recordLength) throw new IngestError(file, undefined, `字段长度之和（${offset}）超过记录长度（${recordLength}） / field lengths (${offset}) exceed the record length (${recordLength})`);
  const trimmed = (b: Buffer): Buffer => {
    let s = 0;
    let e = b.length;
    while (e > s && (b[e - 1] === 0x20 || b[e - 1] === 0)) e--;
    while (s < e && (b[s] === 0x20 || b[s] === 0)) s++;
    return b.subarray(s, e);
  };
  /**
   * The raw records, in blocks: each with its number (1-based) and its place in the file. Stops at
   * the end-of-file marker or the end of the file; `complete` says whether all `count` were there.
   */
  let read = 0;
  async function* raw(): AsyncGenerator<{ n: number; rec: Buffer; pos: number }, { complete: boolean; marker: boolean }> {
    let fh2;
    try {
      fh2 = await open(file, 'r');
    } catch (e) {
      throw new IngestError(file, undefined, cannotReadFile(why(e)));
    }
    try {
      const per = Math.max(1, Math.floor((1 << 20) / Math.max(1, recordLength)));
      const buf = Buffer.alloc(per * recordLength);
      let pos = headerLength;
      let n = 0;
      while (n < count) {
        const want = Math.min(count - n, per) * recordLength;
        let bytesRead: number;
        try {
          ({ bytesRead } = await fh2.read(buf, 0, want, pos));
        } catch (e) {
          throw new IngestError(file, undefined, cannotReadFile(why(e)));
        }
        const k = Math.floor(bytesRead / recordLength);
        if (k === 0) return { complete: false, marker: false }; // cut short (a partial record does not count)
        for (let r = 0; r < k; r++) {
          const rec = buf.subarray(r * recordLength, (r + 1) * recordLength);
          if (rec[0] === 0x1a) return { complete: false, marker: true };
          yield { n: ++n, rec, pos: pos + r * recordLength };
        }
        pos += k * recordLength;
      }
      return { complete: true, marker: false };
    } finally {
      await fh2.close();
    }
  }
  /** the text of the .dbf: each field name, then each text field (trimmed) of each record not deleted (those are skipped) */
  async function* texts(): AsyncGenerator<Uint8Array> {
    for (const f of fields) yield f.nameBytes;
    for await (const { rec } of raw()) {
      if (rec[0] !== 0x2a) for (const f of fields) if (isText(f)) yield trimmed(rec.subarray(f.offset, f.offset + f.length));
    }
  }
  /** whether all its text decodes in `label` (a character cut off at the end of a field aside) */
  async function decodesIn(label: string): Promise<boolean> {
    for await (const b of texts()) {
      try { new TextDecoder(label, { fatal: true }).decode(b, { stream: true }); } catch { return false; }
    }
    return true;
  }
  let witness: Promise<Utf8Witness> | undefined;
  const utf8 = () => (witness ??= (async () => {
    const w = new Utf8Witness();
    for await (const b of texts()) if (!w.push(b).end(true).valid) break;
    return w;
  })());

  let chosen: Chosen = { encoding: 'utf-8', by: 'detected' };
  let decoder = textDecoder(chosen.encoding);
  let problem: ((p: IngestProblem) => void) | undefined;
  /** the error for text `bytes` (at file byte `at`, 0-based) that does not decode: at `location`, `what` in both languages */
  const undecodableText = async (bytes: Uint8Array, at: number, location: string, what: ZhEn): Promise<IngestError> => {
    const name = encodingName(chosen.encoding);
    const byte = at + (firstUndecodableIn(bytes, decoderName(chosen.encoding)) ?? 0) + 1;
    const likely: TextEncoding | null = (await utf8()).valid ? 'utf8' : (await decodesIn(decoderName('gbk'))) ? 'gbk' : null;
    const advice = encodingAdvice(chosen.encoding, likely);
    const note = chosen.by === 'cpg' ? { zh: `；编码由 ${chosen.cpg} 指定`, en: `; the encoding is the one ${chosen.cpg} names` }
      : chosen.by === 'detected' ? {
        zh: `；未给 --encoding、.cpg 也未指明编码时，不是 UTF-8 的 .dbf 按 ${name} 读取${ldid === 0x78 ? '（其语言驱动标记 0x78 为 Big5）' : ''}：请用 --encoding 指定其编码`,
        en: `; with no --encoding and no encoding named by a .cpg, a .dbf that is not UTF-8 is read as ${name}${ldid === 0x78 ? ' (its language driver id 0x78 says Big5)' : ''}: give its encoding with --encoding`,
      } : { zh: '', en: '' };
    return new IngestError(file, location, `${what.zh}（第 ${byte} 字节）不是有效的 ${name} 文本${advice.zh}${note.zh} / ${what.en} (byte ${byte}) is not valid ${name} text${advice.en}${note.en}`);
  };
  /**
   * A text in the encoding; null when it does not decode. A multi-byte character cut off at the
   * end (a fixed-width field can end so) is dropped, and said by `cut`.
   */
  const decodeText = (b: Uint8Array, cut: () => void): string | null => {
    try {
      return decoder.decode(b);
    } catch {
      try {
        const s = textDecoder(chosen.encoding).decode(b, { stream: true });
        cut();
        return s;
      } catch {
        return null;
      }
    }
  };
  const value = (f: DbfField, b: Buffer, cut: () => void): unknown => {
    switch (f.type) {
      case 'C':
      case 'V': {
        const t = trimmed(b);
        if (t.length === 0) return null;
        const s = decodeText(t, cut);
        if (s === null) throw new UndecodableField(f, t);
        return s === '' ? null : s;
      }
      case 'N':
      case 'F': {
        // digits, sign, point: ASCII whatever the encoding
        const s = trimmed(b).toString('latin1');
        if (s === '' || /^\*+$/.test(s)) return null;
        const v = Number(s);
        return Number.isFinite(v) ? v : null;
      }
      case 'L': {
        const c = String.fromCharCode(b[0]).toUpperCase();
        return c === 'T' || c === 'Y' ? true : c === 'F' || c === 'N' ? false : null;
      }
      case 'D': {
        const s = trimmed(b).toString('latin1');
        return /^\d{8}$/.test(s) ? `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}` : null;
      }
      case 'I':
        return b.length >= 4 ? b.readInt32LE(0) : null;
      case 'O':
      case 'B':
        return b.length >= 8 ? b.readDoubleLE(0) : null;
      default:
        return null; // memo (M) and general (G) live in a .dbt/.fpt we do not read
    }
  };
  return {
    file,
    count,
    get read() {
      return read;
    },
    headerLength,
    recordLength,
    ldid,
    fields,
    utf8,
    async setEncoding(c: Chosen, onProblem?: (p: IngestProblem) => void) {
      chosen = c;
      decoder = textDecoder(c.encoding);
      problem = onProblem;
      for (const [i, f] of fields.entries()) {
        const cut = () => problem?.({ id: '*', problem: `表头第 ${i + 1} 个字段的名称末尾的字符被截断（多字节字符不完整），已去掉 / the name of field ${i + 1} in the header ends in a character cut off (an incomplete multi-byte character), dropped` });
        const s = decodeText(f.nameBytes, cut);
        if (s === null) throw await undecodableText(f.nameBytes, f.nameAt, `header, field ${i + 1}`, { zh: `表头第 ${i + 1} 个字段的名称`, en: `the name of field ${i + 1} in the header` });
        f.name = s.trim();
      }
    },
    async *records() {
      const it = raw();
      try {
        for (;;) {
          const next = await it.next();
          if (next.done) {
            if (next.value.complete) return;
            const [zh, en] = next.value.marker ? ['在文件结束标记（0x1A）处提前结束', 'ends early, at an end-of-file marker (0x1A)'] : ['不完整（文件被截断）', 'is truncated'];
            throw new IngestError(file, `record ${read + 1}`, `.dbf ${zh}：表头声明 ${count} 条记录，实际读到 ${read} 条 / the .dbf ${en}: its header declares ${count} records, ${read} could be read`);
          }
          const { n, rec, pos } = next.value;
          read = n;
          // a deleted record is skipped: its text is not read (nor can it refuse the file)
          if (rec[0] === 0x2a) {
            yield { deleted: true, properties: {} };
            continue;
          }
          const properties: Record<string, unknown> = {};
          for (const f of fields) {
            const cut = () => problem?.({ id: String(n - 1), problem: `record ${n}: 字段 ${f.name} 末尾的字符被字段宽度截断（多字节字符不完整），已去掉 / field ${f.name} ends in a character cut off by the field width (an incomplete multi-byte character), dropped` });
            try {
              properties[f.name] = value(f, rec.subarray(f.offset, f.offset + f.length), cut);
            } catch (e) {
              if (!(e instanceof UndecodableField)) throw e;
              const at = pos + (e.bytes.byteOffset - rec.byteOffset);
              throw await undecodableText(e.bytes, at, `record ${n}, field ${f.name}`, { zh: `第 ${n} 条记录的字段 ${f.name}`, en: `record ${n}, field ${f.name}` });
            }
          }
          yield { deleted: false, properties };
        }
      } finally {
        await it.return({ complete: false, marker: false }); // closes the file
      }
    },
  };
}

/** a text field whose (trimmed) bytes do not decode in the .dbf's encoding */
class UndecodableField extends Error {
  constructor(readonly field: DbfField, readonly bytes: Buffer) {
    super(field.name);
  }
}
