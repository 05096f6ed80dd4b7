/**
 * ESRI Shapefile reader: geometry from the .shp (via the `shapefile` package), attributes from the
 * .dbf (read here, so that text is decoded by Node's native TextDecoder: GBK, GB18030, UTF-8, ...),
 * CRS from the .prj, encoding from the .cpg, else UTF-8 when the DBF bytes are valid UTF-8, else
 * GBK (what Chinese desktop GIS writes by default). The .shx is not needed.
 */
import { createReadStream } from 'node:fs';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { openShp } from 'shapefile';
import { crsFromPrj } from './crs.js';
import { IngestError } from '../model/errors.js';
import {
  isValidUtf8,
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
  if (!options.crs && parts.prj) declared = crsFromPrj(await readFile(parts.prj, 'utf8'), parts.prj);
  const t = transformFor(shpFile, options, declared);

  const dbf = await openDbf(parts.dbf);
  const encoding = await chooseEncoding(parts.dbf, dbf, parts.cpg, options.encoding);
  dbf.setEncoding(encoding);

  let shp;
  try {
    shp = await openShp(createReadStream(shpFile, { highWaterMark: 1 << 20 }));
  } catch (e) {
    throw new IngestError(shpFile, undefined, `无法读取 .shp 文件：${(e as Error).message} / cannot read the .shp: ${(e as Error).message}`);
  }
  const size = (await stat(shpFile)).size;
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
      const a = await records.next();
      if (r.done) {
        if (!a.done) throw new IngestError(shpFile, undefined, `.shp 有 ${index} 条记录，但 .dbf 有 ${dbf.count} 条 / the .shp has ${index} records but the .dbf has ${dbf.count}`);
        break;
      }
      if (a.done) throw new IngestError(shpFile, `record ${index + 1}`, `.dbf 的记录（${dbf.count} 条）少于 .shp / the .dbf has fewer records (${dbf.count}) than the .shp`);
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

async function chooseEncoding(dbfFile: string, dbf: Dbf, cpgFile: string | undefined, given: string | undefined): Promise<string> {
  if (given) {
    const e = normaliseEncoding(given);
    if (!e) throw new IngestError(dbfFile, undefined, `未知的编码 "${given}"（可用 utf-8、gbk、gb18030、big5 等） / unknown encoding "${given}" (e.g. utf-8, gbk, gb18030, big5)`);
    return e;
  }
  if (cpgFile) {
    // "UTF-8", "GBK", "936", "CP936", "ANSI 936", ...; a bare "ANSI" or something unknown says
    // nothing usable, so the bytes decide as if there were no .cpg
    const e = normaliseEncoding((await readFile(cpgFile, 'latin1')).trim());
    if (e) return e;
  }
  if (await isValidUtf8(dbfFile, dbf.headerLength)) return 'utf-8';
  // Language driver id 0x78 is Big5 (code page 950); otherwise the Chinese default, GBK.
  return dbf.ldid === 0x78 ? 'big5' : 'gbk';
}

// ---------------------------------------------------------------------------------------------
// DBF (dBase III / IV, FoxPro numeric types)

interface DbfField {
  nameBytes: Uint8Array;
  name: string;
  type: string;
  offset: number;
  length: number;
}

interface Dbf {
  count: number;
  headerLength: number;
  recordLength: number;
  ldid: number;
  fields: DbfField[];
  setEncoding(enc: string): void;
  records(): AsyncGenerator<{ deleted: boolean; properties: Record<string, unknown> }>;
}

async function openDbf(file: string): Promise<Dbf> {
  const fh = await open(file, 'r');
  let head: Buffer;
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
    fields.push({ nameBytes: head.subarray(p, end), name: '', type: String.fromCharCode(head[p + 11]).toUpperCase(), offset, length });
    offset += length;
  }
  if (offset > recordLength) throw new IngestError(file, undefined, `字段长度之和（${offset}）超过记录长度（${recordLength}） / field lengths (${offset}) exceed the record length (${recordLength})`);
  let decoder = new TextDecoder('utf-8');
  const decodeTrim = (b: Uint8Array): string => {
    let s = 0;
    let e = b.length;
    while (e > s && (b[e - 1] === 0x20 || b[e - 1] === 0)) e--;
    while (s < e && (b[s] === 0x20 || b[s] === 0)) s++;
    return s === e ? '' : decoder.decode(b.subarray(s, e));
  };
  const value = (f: DbfField, b: Buffer): unknown => {
    switch (f.type) {
      case 'C':
      case 'V': {
        const s = decodeTrim(b);
        return s === '' ? null : s;
      }
      case 'N':
      case 'F': {
        const s = decodeTrim(b);
        if (s === '' || /^\*+$/.test(s)) return null;
        const v = Number(s);
        return Number.isFinite(v) ? v : null;
      }
      case 'L': {
        const c = String.fromCharCode(b[0]).toUpperCase();
        return c === 'T' || c === 'Y' ? true : c === 'F' || c === 'N' ? false : null;
      }
      case 'D': {
        const s = decodeTrim(b);
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
    count,
    headerLength,
    recordLength,
    ldid,
    fields,
    setEncoding(enc: string) {
      decoder = textDecoder(enc);
      for (const f of fields) f.name = decoder.decode(f.nameBytes).trim();
    },
    async *records() {
      const fh2 = await open(file, 'r');
      try {
        const per = Math.max(1, Math.floor((1 << 20) / Math.max(1, recordLength)));
        const buf = Buffer.alloc(per * recordLength);
        let pos = headerLength;
        let left = count;
        while (left > 0) {
          const want = Math.min(left, per) * recordLength;
          const { bytesRead } = await fh2.read(buf, 0, want, pos);
          const n = Math.floor(bytesRead / recordLength);
          if (n === 0) break; // truncated: the caller reports the count mismatch
          for (let r = 0; r < n; r++) {
            const rec = buf.subarray(r * recordLength, (r + 1) * recordLength);
            if (rec[0] === 0x1a) return;
            const properties: Record<string, unknown> = {};
            for (const f of fields) properties[f.name] = value(f, rec.subarray(f.offset, f.offset + f.length));
            yield { deleted: rec[0] === 0x2a, properties };
          }
          pos += n * recordLength;
          left -= n;
        }
      } finally {
        await fh2.close();
      }
    },
  };
}
